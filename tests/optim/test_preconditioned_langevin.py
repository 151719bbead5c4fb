"""RMSProp-preconditioned Langevin GDA: T = 0 is torch's RMSprop; the noise is the one Langevin step with G;
SGLD with zero noise equals SGD (also through GameOptimizer)."""

import pytest
import torch
from torch import nn

from saddle.langevin import langevin_step
from saddle.optim import GameOptimizer, LangevinGDA, PreconditionedLangevinGDA


def quartic(p):  # f(x) = Σ x⁴ − x²/2 per player; field = ∇f
    return [4 * x**3 - x for x in p]


def test_zero_temperature_is_torch_rmsprop():
    g = torch.Generator().manual_seed(0)
    x0 = [torch.randn(4, generator=g, dtype=torch.float64), torch.randn(2, 3, generator=g, dtype=torch.float64)]
    ref = [x.clone().requires_grad_() for x in x0]
    opt = torch.optim.RMSprop(ref, lr=0.01, alpha=0.9, eps=1e-6)
    method = PreconditionedLangevinGDA(0.01, alpha=0.9, eps=1e-6)
    z, state = x0, method.init(x0)
    for _ in range(60):
        opt.zero_grad()
        sum((x**4 - 0.5 * x**2).sum() for x in ref).backward()
        opt.step()
        z, state = method.step(z, state, quartic)
    for a, b in zip(z, ref):
        torch.testing.assert_close(a, b.detach(), rtol=0, atol=1e-12)


def test_noise_is_the_langevin_step_with_the_rmsprop_preconditioner():
    x = [torch.tensor([[0.3, -1.2, 2.0]], dtype=torch.float64)]
    method = PreconditionedLangevinGDA(0.05, temperature=0.2, generator=torch.Generator().manual_seed(7), alpha=0.5)
    new, state = method.step(x, method.init(x), quartic)
    g = quartic(x)[0]
    v = 0.5 * g**2
    pre = 1 / (v.sqrt() + 1e-8)
    expected = langevin_step(x[0], g, 0.05, torch.Generator().manual_seed(7), 0.2, preconditioner=pre)
    torch.testing.assert_close(new[0], expected, rtol=0, atol=1e-15)
    torch.testing.assert_close(state.direction.v[0], v)


def test_sgld_with_zero_noise_is_sgd_through_game_optimizer():
    g = torch.Generator().manual_seed(0)
    net, ref = nn.Linear(3, 1), nn.Linear(3, 1)
    with torch.no_grad():
        for p in net.parameters():
            p.copy_(torch.randn(p.shape, generator=g))
    ref.load_state_dict(net.state_dict())
    x = torch.randn(16, 3, generator=torch.Generator().manual_seed(1))
    opt = GameOptimizer([net], LangevinGDA(0.1, temperature=0.0, generator=torch.Generator()))
    sgd = torch.optim.SGD(ref.parameters(), lr=0.1)
    for _ in range(5):
        opt.step(lambda: [(net(x) ** 2).mean()])
        sgd.zero_grad()
        (ref(x) ** 2).mean().backward()
        sgd.step()
    for p, q in zip(net.parameters(), ref.parameters()):
        torch.testing.assert_close(p, q)


def test_bad_arguments_raise_with_the_value():
    for kwargs, text in [
        ({"step_size": -0.1}, "-0.1"),
        ({"step_size": 0.1, "temperature": -1.0}, "-1.0"),
        ({"step_size": 0.1, "alpha": 1.0}, "1.0"),
        ({"step_size": 0.1, "eps": 0.0}, "0.0"),
        ({"step_size": 0.1, "temperature": 0.1}, "None"),
        ({"step_size": 0.1, "generator": "3"}, "an int seed or None, got '3'"),
    ]:
        with pytest.raises(ValueError, match=text):
            PreconditionedLangevinGDA(**kwargs)
