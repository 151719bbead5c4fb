"""Lazy-training ratio κ: zero at initialisation, exact values for known moves, tracking, bad input."""

import pytest
import torch

from saddle.theory import FullyConnectedReLU
from saddle.theory.lazy import LazyTracker, layer_ratios, lazy_training_ratio


def test_kappa_is_zero_at_initialisation(gen):
    net = FullyConnectedReLU([4, 16, 16, 1], init="ntk", generator=gen)
    tracker = LazyTracker(net)
    assert tracker.ratio() == 0.0 and tracker.record(0) == 0.0
    assert tracker.layer_ratios() == [0.0, 0.0, 0.0] and tracker.layer_ratios(ord=2) == [0.0, 0.0, 0.0]


def test_kappa_of_a_uniform_rescaling_is_the_scale(gen):
    """X_l(t) = (1+s) X_l(0) for all l gives ‖ΔX_l‖ = s‖X_l(0)‖, so κ = s and every layer ratio is s."""
    w0 = [torch.randn(5, 3, generator=gen), torch.randn(1, 5, generator=gen)]
    wt = [1.3 * w for w in w0]
    assert lazy_training_ratio(wt, w0) == pytest.approx(0.3, rel=1e-6)
    assert layer_ratios(wt, w0) == pytest.approx([0.3, 0.3], rel=1e-6)
    assert layer_ratios(wt, w0, ord=2) == pytest.approx([0.3, 0.3], rel=1e-6)


def test_kappa_weights_layers_by_their_norms(gen):
    """Moving only layer 1 by D: κ = ‖D‖_F / (‖X_1‖_F + ‖X_2‖_F)."""
    w0 = [torch.randn(6, 4, generator=gen, dtype=torch.float64), torch.randn(1, 6, generator=gen, dtype=torch.float64)]
    d = torch.randn(6, 4, generator=gen, dtype=torch.float64)
    expected = (d.norm() / (w0[0].norm() + w0[1].norm())).item()
    assert lazy_training_ratio([w0[0] + d, w0[1]], w0) == pytest.approx(expected, rel=1e-12)


def test_tracker_follows_training(gen):
    net = FullyConnectedReLU([4, 32, 1], init="he", generator=gen, output_activation=False)
    tracker = LazyTracker(net)
    opt = torch.optim.SGD(net.parameters(), lr=0.05)
    a, y = torch.randn(64, 4, generator=gen), torch.randn(64, 1, generator=gen)
    tracker.record(0)
    for step in range(1, 21):
        opt.zero_grad()
        ((net(a) - y) ** 2).mean().backward()
        opt.step()
        tracker.record(step)
    ks = [k for _, k in tracker.history]
    assert ks[0] == 0.0 and ks[-1] > 0 and tracker.sup == max(ks)
    assert ks[-1] == pytest.approx(lazy_training_ratio([w.detach() for w in net.weights], tracker.initial))


def test_bad_input_raises(gen):
    w = [torch.randn(2, 2, generator=gen)]
    with pytest.raises(ValueError, match="same non-zero number"):
        lazy_training_ratio(w, w + w)
    with pytest.raises(ValueError, match="weight shapes differ"):
        lazy_training_ratio([torch.zeros(2, 3)], w)
    with pytest.raises(ValueError, match="all zero"):
        lazy_training_ratio(w, [torch.zeros(2, 2)])
    with pytest.raises(ValueError, match="ord must be"):
        layer_ratios(w, w, ord=1)
    with pytest.raises(ValueError, match="must expose a `weights` list"):
        LazyTracker(torch.nn.Linear(2, 2))


def test_train_sgd_full_batch_step_is_gradient_descent(gen):
    from saddle.theory.lazy import train_sgd

    net = FullyConnectedReLU([3, 5, 1], init="he", generator=gen, output_activation=False).double()
    a, y = torch.randn(8, 3, generator=gen, dtype=torch.float64), torch.randn(8, 1, generator=gen, dtype=torch.float64)

    def loss(h, t):
        return ((h - t) ** 2).mean()

    w0 = [w.detach().clone() for w in net.weights]
    grads = torch.autograd.grad(loss(net(a), y), net.params)
    losses = train_sgd(net, a, y, loss, steps=1, lr=0.1)
    for w, w_0, g in zip(net.weights, w0, grads):
        torch.testing.assert_close(w.detach(), w_0 - 0.1 * g)
    assert len(losses) == 1


def test_train_sgd_stops_on_divergence_and_rejects_bad_input(gen):
    from saddle.theory.lazy import train_sgd

    net = FullyConnectedReLU([3, 5, 1], init="he", generator=gen, output_activation=False)
    a, y = torch.randn(8, 3, generator=gen), torch.randn(8, 1, generator=gen)

    def loss(h, t):
        return ((h - t) ** 2).mean()

    losses = train_sgd(net, a, y, loss, steps=200, lr=1e3)
    assert len(losses) < 200 and losses[-1] != losses[-1]  # nan marks the divergence
    with pytest.raises(ValueError, match="steps must be"):
        train_sgd(net, a, y, loss, steps=-1, lr=0.1)
    with pytest.raises(ValueError, match=r"learning rates \(group 0 lr\) must be a finite number > 0, got 0.0"):
        train_sgd(net, a, y, loss, steps=1, lr=0.0)
    with pytest.raises(ValueError, match="different lengths"):
        train_sgd(net, a, y[:3], loss, steps=1, lr=0.1)
