"""Gradient penalty, R1/R2, spectral normalisation, weight clipping through the Method's projection."""

import itertools

import pytest
import torch
from torch import nn

from saddle.gans import (
    ConvCritic8x8,
    ConvGenerator8x8,
    GANGame,
    GANTrainer,
    MLPCritic,
    MLPGenerator,
    SpectralNormStatus,
    gradient_penalty,
    input_gradient_norms,
    interpolates,
    r1_penalty,
    r2_penalty,
    spectral_norm_status,
    spectral_normalize,
)
from saddle.models import reinitialize_
from saddle.optim import SimultaneousAdam, SimultaneousGDA


def linear_critic(w):
    critic = nn.Linear(len(w), 1, bias=True).double()
    with torch.no_grad():
        critic.weight.copy_(torch.tensor([w], dtype=torch.float64))
        critic.bias.fill_(0.7)
    return critic


def test_gradient_penalty_is_zero_for_a_unit_norm_linear_critic():
    g = torch.Generator().manual_seed(0)
    critic = linear_critic([0.6, -0.8])  # ‖w‖ = 1: exactly 1-Lipschitz
    real, fake = (
        torch.randn(64, 2, generator=g, dtype=torch.float64),
        torch.randn(64, 2, generator=g, dtype=torch.float64),
    )
    assert float(gradient_penalty(critic, real, fake, g).detach()) == pytest.approx(0.0, abs=1e-24)


def test_penalties_of_a_linear_critic_in_closed_form():
    """d(x) = ⟨w, x⟩ + b: ∇d = w everywhere, so GP = (‖w‖ − 1)², R1 = R2 = ‖w‖²."""
    g = torch.Generator().manual_seed(1)
    critic = linear_critic([1.5, 2.0])  # ‖w‖ = 2.5
    x, y = torch.randn(32, 2, generator=g, dtype=torch.float64), torch.randn(32, 2, generator=g, dtype=torch.float64)
    assert float(gradient_penalty(critic, x, y, g)) == pytest.approx(1.5**2, rel=1e-12)
    assert float(r1_penalty(critic, x)) == pytest.approx(6.25, rel=1e-12)
    assert float(r2_penalty(critic, y)) == pytest.approx(6.25, rel=1e-12)


def test_penalty_trains_the_critic_and_interpolates_lie_on_segments():
    g = torch.Generator().manual_seed(2)
    critic = linear_critic([1.5, 2.0])
    x, y = torch.randn(16, 2, generator=g, dtype=torch.float64), torch.randn(16, 2, generator=g, dtype=torch.float64)
    (grad_w,) = torch.autograd.grad(gradient_penalty(critic, x, y, g), critic.weight)
    # ∂/∂w (‖w‖ − 1)² = 2(‖w‖ − 1) w/‖w‖
    torch.testing.assert_close(grad_w, 2 * 1.5 * critic.weight.detach() / 2.5)
    h = interpolates(x, y, torch.Generator().manual_seed(3))
    t = (h - y) / (x - y)
    torch.testing.assert_close(t[:, 0], t[:, 1])  # the same t for both coordinates of a sample
    assert bool(((t[:, 0] >= 0) & (t[:, 0] <= 1)).all())


def test_input_gradient_norms_of_a_quadratic_critic():
    critic = lambda x: 0.5 * x.pow(2).sum(1)  # noqa: E731   ∇ = x
    x = torch.tensor([[3.0, 4.0], [0.0, 1.0]])
    torch.testing.assert_close(input_gradient_norms(critic, x), torch.tensor([5.0, 1.0]))


def test_spectral_normalisation_gives_unit_spectral_norm_after_power_iteration():
    g = torch.Generator().manual_seed(0)
    critic = reinitialize_(MLPCritic(2, (32, 32)), g)
    with torch.no_grad():
        for p in critic.parameters():
            p.mul_(7.0)
    spectral_normalize(critic)
    critic.train()
    x = torch.randn(8, 2, generator=g)
    for _ in range(50):  # each forward in train mode runs one power iteration
        critic(x)
    critic.eval()
    for layer in critic.net:
        if isinstance(layer, nn.Linear):
            sigma = torch.linalg.matrix_norm(layer.weight.detach(), ord=2)
            assert float(sigma) == pytest.approx(1.0, abs=1e-3)


def test_spectral_norm_status_reads_the_lag_of_the_power_iteration_without_moving_it():
    # a 2×2 layer with σ₂/σ₁ = 0.95 and a start vector far from the top singular vector: the estimate
    # σ̂ = uᵀWv stays below σ, so the layer's weight W/σ̂ has norm σ/σ̂ > 1, falling to 1 as iterations go by
    layer = nn.Linear(2, 2, bias=False).double()
    with torch.no_grad():
        layer.weight.copy_(torch.tensor([[3.0, 0.0], [0.0, 2.85]], dtype=torch.float64))
    with torch.random.fork_rng():
        torch.manual_seed(0)
        critic = spectral_normalize(nn.Sequential(layer))
    sn = layer.parametrizations.weight[0]
    with torch.no_grad():  # restart the power iteration from v ∝ (1, 1)
        sn._v.copy_(torch.tensor([1.0, 1.0], dtype=torch.float64) / 2**0.5)
        sn._u.copy_(torch.nn.functional.normalize(layer.parametrizations.weight.original @ sn._v, dim=0))
    x = torch.zeros(1, 2, dtype=torch.float64)
    norms = []
    for _ in range(60):
        critic.eval()
        u, v = sn._u.clone(), sn._v.clone()
        (status,) = spectral_norm_status(critic)
        assert isinstance(status, SpectralNormStatus) and status.name == "0"
        assert torch.equal(u, sn._u) and torch.equal(v, sn._v)  # reading runs no power iteration
        used = torch.linalg.matrix_norm(layer.weight.detach(), ord=2)  # the weight the eval forward divides
        assert status.layer_norm == pytest.approx(float(used), rel=1e-12)
        assert status.sigma == pytest.approx(3.0, rel=1e-14) and status.second_ratio == pytest.approx(0.95)
        assert status.estimate <= status.sigma * (1 + 1e-15)
        norms.append(status.layer_norm)
        critic.train()
        critic(x)  # one power iteration
    assert norms[0] > 1.01 and norms[5] > 1.001 and norms[-1] < 1 + 1e-6
    assert all(b <= a * (1 + 1e-15) for a, b in itertools.pairwise(norms))


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_conv_spectral_normalisation_normalises_the_reshaped_kernel(seed):
    with torch.random.fork_rng():  # torch's spectral_norm draws its power-iteration start from the global RNG
        torch.manual_seed(seed)
        critic = spectral_normalize(reinitialize_(ConvCritic8x8(16), torch.Generator().manual_seed(seed)))
    critic.train()
    x = torch.rand(4, 1, 8, 8, generator=torch.Generator().manual_seed(0))
    for _ in range(200):
        critic(x)
    critic.eval()
    conv = critic.net[0]
    sigma = torch.linalg.matrix_norm(conv.weight.detach().reshape(conv.weight.shape[0], -1), ord=2)
    assert float(sigma) == pytest.approx(1.0, abs=1e-3)


@pytest.mark.parametrize("mode", ["simultaneous", "alternating"])
@pytest.mark.parametrize(
    "method", [lambda p: SimultaneousGDA(0.5, projection=p), lambda p: SimultaneousAdam(0.05, projection=p)]
)
def test_weight_clipping_keeps_every_critic_weight_in_the_box(mode, method):
    g = torch.Generator().manual_seed(0)
    gen, critic = reinitialize_(MLPGenerator(2, 2, (16,)), g), reinitialize_(MLPCritic(2, (16,)), g)
    trainer = GANTrainer(
        GANGame(gen, critic, "wasserstein"),
        method,
        lambda n, r: torch.randn(n, 2, generator=r) * 3,
        lambda n, r: torch.randn(n, 2, generator=r),
        batch_size=32,
        mode=mode,
        n_critic=3,
        clip=0.01,
        lr_critic=1.0,
        generator=g,
    )
    gen_before = [p.detach().clone() for p in gen.parameters()]
    for _ in range(5):
        trainer.step()
        assert all(float(p.detach().abs().max()) <= 0.01 + 1e-7 for p in critic.parameters())
    assert any(not torch.equal(a, b) for a, b in zip(gen_before, gen.parameters()))  # the generator is not clipped
    assert max(float(p.abs().max()) for p in gen.parameters()) > 0.01


def test_conv_networks_shapes_and_range():
    g = torch.Generator().manual_seed(0)
    gen, critic = reinitialize_(ConvGenerator8x8(16, 32), g), reinitialize_(ConvCritic8x8(32), g)
    x = gen(torch.randn(5, 16, generator=g))
    assert x.shape == (5, 1, 8, 8) and float(x.min()) >= 0 and float(x.max()) <= 1
    assert critic(x).shape == (5,)


def test_bad_arguments_raise():
    gen, critic = MLPGenerator(), MLPCritic()
    with pytest.raises(ValueError, match="loss"):
        GANGame(gen, critic, "kl")
    with pytest.raises(ValueError, match="penalty"):
        GANGame(gen, critic, penalty="r3")
    with pytest.raises(ValueError, match="instance_noise"):
        GANGame(gen, critic, instance_noise=-1.0)
    game = GANGame(gen, critic)
    sample = lambda n, r: torch.zeros(n, 2)  # noqa: E731
    with pytest.raises(ValueError, match="n_critic"):
        GANTrainer(game, lambda p: SimultaneousGDA(0.1, projection=p), sample, sample, n_critic=0)
    with pytest.raises(ValueError, match="mode"):
        GANTrainer(game, lambda p: SimultaneousGDA(0.1, projection=p), sample, sample, mode="sequential")
    with pytest.raises(ValueError, match="clip"):
        GANTrainer(game, lambda p: SimultaneousGDA(0.1, projection=p), sample, sample, clip=-0.1)
    with pytest.raises(ValueError, match="ema_decay"):
        GANTrainer(game, lambda p: SimultaneousGDA(0.1, projection=p), sample, sample, ema_decay=1.0)
