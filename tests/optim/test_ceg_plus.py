"""CEG+ / CurvatureEG+ (Pethick et al. 2022) on weak-MVI and stiff linear games."""

import math

import pytest
import torch

from saddle.optim import CEGPlus, EGPlus, ExtraGradient, per_player
from saddle.sets import Box

A_COEF, B_COEF = -0.3, 1.0
L = math.hypot(A_COEF, B_COEF)
RHO = A_COEF / (A_COEF**2 + B_COEF**2)  # weak-MVI constant: ⟨Mz, z⟩ = a‖z‖² = ρ‖Mz‖²


def weak_mvi(p):
    """V(z) = M z, M = [[a, b], [−b, a]] with a < 0: nonmonotone, weak MVI with ρ = a/(a² + b²) < 0."""
    return [A_COEF * p[0] + B_COEF * p[1], -B_COEF * p[0] + A_COEF * p[1]]


def run(method, field, steps, z=None):
    z = (
        [torch.tensor([[1.0], [-0.2]], dtype=torch.float64), torch.tensor([[0.5], [2.0]], dtype=torch.float64)]
        if z is None
        else z
    )
    state = method.init(z)
    for _ in range(steps):
        z, state = method.step(z, state, field)
    return z, state


def size(z):
    return max(float(p.abs().max()) for p in z)


def test_weak_mvi_constant_is_what_the_test_assumes():
    z = torch.randn(100, 2, dtype=torch.float64, generator=torch.Generator().manual_seed(0))
    v = torch.cat(weak_mvi([z[:, :1], z[:, 1:]]), -1)
    torch.testing.assert_close((v * z).sum(-1), RHO * (v * v).sum(-1), rtol=1e-12, atol=1e-14)


def test_rho_aware_relaxation_converges_where_eg_and_eg_plus_diverge():
    gamma = 0.9 / L
    assert -gamma / 2 < RHO  # the range the relaxation α = ρ/γ + ⟨·,·⟩/‖·‖² needs
    assert size(run(ExtraGradient(gamma), weak_mvi, 300)[0]) > 1e3
    assert size(run(EGPlus(gamma), weak_mvi, 300)[0]) > 1e3
    assert size(run(CEGPlus(gamma, rho=RHO), weak_mvi, 300)[0]) < 1e-5
    assert size(run(CEGPlus(5.0, adaptive=True, rho=RHO), weak_mvi, 300)[0]) < 1e-4


def test_backtracking_tames_a_too_large_step():
    stiff = lambda p: [10.0 * p[1], -10.0 * p[0]]  # noqa: E731  L = 10
    assert size(run(CEGPlus(1.0), stiff, 50)[0]) > 1e10
    z, state = run(CEGPlus(1.0, adaptive=True), stiff, 200)
    assert size(z) < 1e-8
    torch.testing.assert_close(state.curvature, torch.full_like(state.curvature, 10.0), rtol=1e-9, atol=0)


def test_accepted_extrapolation_satisfies_the_linesearch_condition():
    calls = []

    def recording(p):
        v = [torch.sin(3 * p[1]) + p[0] ** 3, -torch.sin(3 * p[0]) + 0.1 * p[1]]
        calls.append(([t.clone() for t in p], [t.clone() for t in v]))
        return v

    nu = 0.8
    method = CEGPlus(2.0, adaptive=True, nu=nu)
    z = [torch.tensor([[1.0], [0.3]], dtype=torch.float64), torch.tensor([[-0.5], [0.1]], dtype=torch.float64)]
    state = method.init(z)
    for _ in range(5):
        calls.clear()
        z_before = z
        z, state = method.step(z, state, recording)
        (z0, v0), rest = calls[0], calls[1:]
        assert all(torch.equal(a, b) for a, b in zip(z0, z_before))  # the first field call is at the current point
        assert len(rest) >= 1
        # every point eventually accepted: some trial with γ‖V(z̄) − V(z)‖ ≤ ν‖z̄ − z‖, γ = |z̄ − z|/|V(z)|
        for i in range(2):
            ok = False
            for zb, vb in rest:
                dz = math.sqrt(sum(float((a[i] - b[i]) ** 2) for a, b in zip(zb, z0)))
                dv = math.sqrt(sum(float((a[i] - b[i]) ** 2) for a, b in zip(vb, v0)))
                gamma = dz / math.sqrt(sum(float(b[i] ** 2) for b in v0))
                ok = ok or gamma * dv <= nu * dz * (1 + 1e-12)
            assert ok
        assert all(torch.isfinite(p).all() for p in z)


def test_constrained_ceg_plus_stays_feasible_and_solves_the_box_vi():
    box = Box(-0.5, 0.5)
    shifted = lambda p: [p[0] - 2 + p[1], p[1] + 2 - p[0]]  # noqa: E731  unconstrained solution (2, −2)
    for method in [
        CEGPlus(0.5, projection=per_player(box, box)),
        CEGPlus(0.5, adaptive=True, projection=per_player(box, box)),
    ]:
        z, _ = run(method, shifted, 300, [torch.zeros(2, 1, dtype=torch.float64)] * 2)
        torch.testing.assert_close(z[0], torch.full_like(z[0], 0.5), rtol=0, atol=1e-8)
        torch.testing.assert_close(z[1], torch.full_like(z[1], -0.5), rtol=0, atol=1e-8)


def test_bad_arguments():
    with pytest.raises(ValueError, match="nu"):
        CEGPlus(0.1, nu=1.5)
    with pytest.raises(ValueError, match="batch_dims"):
        CEGPlus(0.1, batch_dims=-1)


def test_warns_when_rho_is_outside_the_admissible_range():
    # σ = ρ ≤ −γ/2 can make α_k negative (a step away from the solution): warn instead of silently diverging
    method = CEGPlus(0.1, rho=-1.0)
    z = [torch.ones(1, 1, dtype=torch.float64), torch.zeros(1, 1, dtype=torch.float64)]
    with pytest.warns(RuntimeWarning, match="rho=-1.0"):
        method.step(z, method.init(z), weak_mvi)


def test_rho_needs_one_step_for_all_players():
    # α_k = λ(σ/γ_k + ...) has one γ_k: per-player steps with rho are refused with the steps in the message
    z = [torch.tensor([[0.5]], dtype=torch.float64), torch.tensor([[-0.2]], dtype=torch.float64)]
    method = CEGPlus([0.1, 0.2], rho=-0.01)
    with pytest.raises(ValueError, match=r"one step for all players, got per-player steps \[0.1, 0.2\]"):
        method.step(z, method.init(z), lambda p: [p[1], -p[0]])
    same = CEGPlus([0.1, 0.1], rho=-0.01)
    new, _ = same.step(z, same.init(z), lambda p: [p[1], -p[0]])
    ref, _ = CEGPlus(0.1, rho=-0.01).step(z, CEGPlus(0.1, rho=-0.01).init(z), lambda p: [p[1], -p[0]])
    assert all(torch.equal(a, b) for a, b in zip(new, ref))
