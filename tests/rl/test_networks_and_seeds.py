"""Seed-batched networks: row s is an ordinary MLP with seed s's weights, and a batch of S seeds computes, bit for
bit, what each seed computes alone (forward and backward); the per-seed random streams."""

import pytest
import torch
from torch import nn

from saddle.rl import Actor, Critic, SeedMLP, SeedStreams


def reference(net: SeedMLP, s: int) -> nn.Sequential:
    """Seed s's network as torch.nn layers with the same weights (an independent implementation of the forward)."""
    layers: list[nn.Module] = []
    for w, b in net.layers():
        lin = nn.Linear(w.shape[2], w.shape[1])
        with torch.no_grad():
            lin.weight.copy_(w[s])
            lin.bias.copy_(b[s, 0])
        layers += [lin, nn.ReLU()]
    return nn.Sequential(*layers[:-1])


def test_each_row_is_an_mlp_with_that_seeds_weights():
    net = SeedMLP(5, (16, 8), 3, SeedStreams([0, 1, 2]))
    x = torch.randn(3, 7, 5, generator=torch.Generator().manual_seed(9))
    y = net(x)
    assert y.shape == (3, 7, 3)
    for s in range(3):
        torch.testing.assert_close(y[s], reference(net, s)(x[s]), rtol=1e-6, atol=1e-6)
    # rows are initialised from their own generators: seed 1 of a batch is the network of seed 1 alone
    assert torch.equal(net.params[1], SeedMLP(5, (16, 8), 3, SeedStreams([1])).params[0])
    # torch's default Linear law: |W|, |b| <= 1/sqrt(fan_in) layer by layer
    for (w, b), fan_in in zip(net.layers(), (5, 16, 8)):
        assert w.abs().max() <= fan_in**-0.5 and b.abs().max() <= fan_in**-0.5


@pytest.mark.parametrize("n_out", [1, 3])
def test_a_batch_of_seeds_computes_each_seed_exactly(n_out):
    torch.set_num_threads(1)
    seeds = [3, 4, 5, 6]
    net = SeedMLP(11, (64, 64), n_out, SeedStreams(seeds))
    g = torch.Generator().manual_seed(0)
    x, gy = torch.randn(4, 256, 11, generator=g), torch.randn(4, 256, n_out, generator=g)
    y = net(x)
    (grad,) = torch.autograd.grad(y, [net.params], gy)
    for s, seed in enumerate(seeds):
        alone = SeedMLP(11, (64, 64), n_out, SeedStreams([seed]))
        y1 = alone(x[s : s + 1])
        (g1,) = torch.autograd.grad(y1, [alone.params], gy[s : s + 1])
        assert torch.equal(y1[0], y[s]) and torch.equal(g1[0], grad[s])


def test_other_params_run_the_same_architecture():
    net = SeedMLP(2, (4,), 1, SeedStreams([0, 1]))
    other = torch.zeros_like(net.params)
    assert torch.equal(net(torch.ones(2, 3, 2), other), torch.zeros(2, 3, 1))


def test_actor_acts_inside_the_box_and_at_the_centre_for_a_zero_network():
    low, high = torch.tensor([-2.0, 0.0]), torch.tensor([2.0, 1.0])
    actor = Actor(3, low, high, (8,), SeedStreams([0, 1]))
    obs = 100 * torch.randn(2, 64, 3, generator=torch.Generator().manual_seed(1))
    a = actor(obs)
    assert a.shape == (2, 64, 2) and bool(((a >= low) & (a <= high)).all())
    torch.testing.assert_close(actor(obs, torch.zeros_like(actor.params)), ((low + high) / 2).expand(2, 64, 2))


def test_critic_is_the_network_on_the_concatenated_state_and_action():
    critic = Critic(3, 2, (8, 8), SeedStreams([2]))
    obs, act = torch.randn(1, 5, 3), torch.randn(1, 5, 2)
    q = critic(obs, act)
    assert q.shape == (1, 5)
    torch.testing.assert_close(q, critic.net(torch.cat([obs, act], -1))[..., 0])


def test_seed_streams_draw_each_row_from_its_own_generator():
    streams = SeedStreams([7, 8])
    draws = streams.randn(3, 2)
    assert draws.shape == (2, 3, 2)
    assert torch.equal(draws[1], torch.randn(3, 2, generator=torch.Generator().manual_seed(8)))
    u, k = streams.rand(4), streams.randint(10, 5)
    assert u.shape == (2, 4) and k.shape == (2, 5) and int(k.max()) < 10
    saved = streams.state_dict()
    a = streams.randn(6)
    streams.load_state_dict(saved)
    assert torch.equal(streams.randn(6), a)
    with pytest.raises(ValueError, match="distinct"):
        SeedStreams([1, 1])
    with pytest.raises(ValueError, match="seeds"):
        SeedStreams([1]).load_state_dict(saved)
    with pytest.raises(ValueError, match="-1"):
        SeedStreams([-1])


def test_seed_streams_refuse_a_state_with_another_number_of_generators():
    streams = SeedStreams([3, 4])
    state = streams.state_dict()
    with pytest.raises(ValueError, match="1 generator states for 2 seeds"):
        streams.load_state_dict({**state, "states": state["states"][:1]})


def test_seed_streams_of_converts_int_seeds_once_and_keeps_a_seed_streams():
    one, many = SeedStreams.of(4), SeedStreams.of([4, 9])
    assert one.seeds == (4,) and many.seeds == (4, 9)
    assert torch.equal(one.randn(3)[0], many.randn(3)[0])  # seed 4's stream, alone or in a batch
    assert SeedStreams.of(many) is many  # a SeedStreams keeps advancing, not re-seeded
    with pytest.raises(ValueError, match=r"one torch\.Generator per seed"):
        SeedStreams.of(torch.Generator())
    with pytest.raises(ValueError, match="distinct"):
        SeedStreams.of([1, 1])
