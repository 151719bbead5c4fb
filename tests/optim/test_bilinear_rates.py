"""Closed forms of GDA / PP / EG / OGDA / alternating GDA on min_x max_y xy, V(x, y) = (y, −x)."""

import math

import pytest
import torch

from saddle.optim import (
    AlternatingGDA,
    CEGPlus,
    EGPlus,
    ExtraGradient,
    OptimisticGDA,
    ProximalPoint,
    ReflectedForwardBackward,
    SimultaneousGDA,
)


def bilinear(p):
    return [p[1], -p[0]]


def start(b=5, seed=0):
    g = torch.Generator().manual_seed(seed)
    z = torch.randn(b, 2, generator=g, dtype=torch.float64)
    return [z[:, :1].clone(), z[:, 1:].clone()]


def norm(z):
    return torch.sqrt(z[0].squeeze(-1) ** 2 + z[1].squeeze(-1) ** 2)


def per_step_ratios(method, steps, z=None):
    z = start() if z is None else z
    state = method.init(z)
    ratios = []
    for _ in range(steps):
        before = norm(z)
        z, state = method.step(z, state, bilinear)
        ratios.append(norm(z) / before)
    return torch.stack(ratios)  # (steps, B)


@pytest.mark.parametrize("alpha", [0.05, 0.3, 1.0, 2.5])
def test_gda_expands_by_sqrt_one_plus_alpha_squared(alpha):
    r = per_step_ratios(SimultaneousGDA(alpha), 10)
    torch.testing.assert_close(r, torch.full_like(r, math.sqrt(1 + alpha**2)), rtol=1e-12, atol=0)


@pytest.mark.parametrize("alpha", [0.1, 0.5, 0.9])
def test_proximal_point_contracts_by_sqrt_one_plus_alpha_squared(alpha):
    r = per_step_ratios(ProximalPoint(alpha, inner_steps=200, inner_tol=1e-14), 10)
    torch.testing.assert_close(r, torch.full_like(r, 1 / math.sqrt(1 + alpha**2)), rtol=1e-11, atol=0)


@pytest.mark.parametrize("alpha", [1.5, 3.0])
def test_proximal_point_inner_extragradient_handles_large_steps(alpha):
    # the fixed-point inner loop diverges for alpha * L >= 1; inner EG with s < 1/(1 + alpha) does not
    r = per_step_ratios(ProximalPoint(alpha, inner_steps=2000, inner_tol=1e-14, inner_step_size=0.5 / (1 + alpha)), 5)
    torch.testing.assert_close(r, torch.full_like(r, 1 / math.sqrt(1 + alpha**2)), rtol=1e-10, atol=0)
    fixed = per_step_ratios(ProximalPoint(alpha, inner_steps=50), 1)
    assert (fixed > 1).all() or not torch.isfinite(fixed).all()


@pytest.mark.parametrize("alpha", [0.1, 0.5, 0.9, 1.2])
def test_extragradient_ratio_sqrt_one_minus_a2_plus_a4(alpha):
    r = per_step_ratios(ExtraGradient(alpha), 10)
    torch.testing.assert_close(r, torch.full_like(r, math.sqrt(1 - alpha**2 + alpha**4)), rtol=1e-12, atol=0)


@pytest.mark.parametrize("gamma,alpha", [(0.5, 0.5), (0.8, 0.25)])
def test_eg_plus_is_eg_with_short_update(gamma, alpha):
    # z⁺ = z − αγ A (I − γA) z = ((1 − αγ²) I − αγ A) z, so ‖z⁺‖/‖z‖ = sqrt((1 − αγ²)² + (αγ)²)
    r = per_step_ratios(EGPlus(gamma, alpha=alpha), 10)
    expected = math.sqrt((1 - alpha * gamma**2) ** 2 + (alpha * gamma) ** 2)
    torch.testing.assert_close(r, torch.full_like(r, expected), rtol=1e-12, atol=0)


def test_unconstrained_ceg_plus_equals_eg_plus():
    z0 = start()
    a, sa = z0, EGPlus(0.7, alpha=0.4).init(z0)
    b, sb = z0, CEGPlus(0.7, alpha=0.4).init(z0)
    for _ in range(20):
        a, sa = EGPlus(0.7, alpha=0.4).step(a, sa, bilinear)
        b, sb = CEGPlus(0.7, alpha=0.4).step(b, sb, bilinear)
    torch.testing.assert_close(a, b, rtol=1e-12, atol=1e-15)


def test_curvature_eg_plus_relaxation_is_a_halfspace_projection():
    # with α = ⟨z̄ − z, Hz̄ − Hz⟩ / ‖Hz̄ − Hz‖², one step on xy equals the proximal point step: 1/sqrt(1 + γ²)
    gamma = 0.5  # the secant curvature is 1, so the initial guess ν/1 is capped at γ_max = 0.5 and accepted
    r = per_step_ratios(CEGPlus(gamma, adaptive=True), 10)
    torch.testing.assert_close(r, torch.full_like(r, 1 / math.sqrt(1 + gamma**2)), rtol=1e-12, atol=0)


@pytest.mark.parametrize("eta", [0.05, 0.2, 0.45])
def test_ogda_asymptotic_ratio_is_the_dominant_root(eta):
    # roots of λ² − (1 − 2iη) λ − iη = 0 (see the OptimisticGDA docstring), checked against numpy
    import numpy as np

    roots = np.roots([1.0, -(1 - 2j * eta), -1j * eta])
    dominant = max(abs(roots))
    assert dominant == pytest.approx(math.sqrt((1 + math.sqrt(1 - 4 * eta**2)) / 2), rel=1e-12)
    steps = 400
    r = per_step_ratios(OptimisticGDA(eta), steps)
    torch.testing.assert_close(r[-20:], torch.full_like(r[-20:], dominant), rtol=1e-9, atol=0)


def test_rfbs_equals_ogda_for_a_linear_field():
    # V linear: z − ηV(2z_k − z_{k−1}) = z − 2ηV(z_k) + ηV(z_{k−1}), the same recursion (unconstrained)
    z0 = start()
    a, sa = z0, OptimisticGDA(0.3).init(z0)
    b, sb = z0, ReflectedForwardBackward(0.3).init(z0)
    for _ in range(30):
        a, sa = OptimisticGDA(0.3).step(a, sa, bilinear)
        b, sb = ReflectedForwardBackward(0.3).step(b, sb, bilinear)
    torch.testing.assert_close(a, b, rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize("alpha", [0.1, 1.0, 1.9])
def test_alternating_gda_preserves_modified_energy(alpha):
    z = start()
    method = AlternatingGDA(alpha)
    state = method.init(z)

    def energy(z):
        x, y = z[0].squeeze(-1), z[1].squeeze(-1)
        return x**2 + y**2 - alpha * x * y

    e0 = energy(z)
    radius = norm(z)
    worst = torch.zeros_like(radius)
    for _ in range(500):
        z, state = method.step(z, state, bilinear)
        torch.testing.assert_close(energy(z), e0, rtol=1e-10, atol=0)
        worst = torch.maximum(worst, norm(z))
    # Q is positive definite for alpha < 2: λ_min(Q) ‖z‖² ≤ Q(z) = Q(z_0) ≤ λ_max(Q) ‖z_0‖²
    bound = radius * math.sqrt((1 + alpha / 2) / (1 - alpha / 2))
    assert (worst <= bound * (1 + 1e-9)).all()


def test_alternating_gda_uses_updated_x():
    z = [torch.tensor([[1.0]], dtype=torch.float64), torch.tensor([[2.0]], dtype=torch.float64)]
    method = AlternatingGDA(0.5)
    (x, y), _ = method.step(z, method.init(z), bilinear)
    assert x.item() == pytest.approx(1.0 - 0.5 * 2.0)
    assert y.item() == pytest.approx(2.0 + 0.5 * x.item())
