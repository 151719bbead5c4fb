"""The batched field Jacobian against the per-point one, and the result records of the analysis functions."""

import pytest
import torch

from saddle.analysis import (
    CONVERGED,
    LIMIT_CYCLE,
    STRICT_NASH,
    CriticalPointReport,
    TrajectoryReport,
    WeakMVIEstimate,
    classify_critical_point,
    classify_trajectory,
    estimate_weak_mvi_rho,
    field_jacobian,
    field_jacobians,
    linear_weak_mvi_rho,
)
from saddle.games import Bilinear, QuadraticGame, TrapGame, weak_mvi_game

DT = torch.float64


def test_field_jacobians_equals_the_per_point_jacobian_on_a_nonlinear_game():
    game = TrapGame()
    pts = torch.rand(7, 2, generator=torch.Generator().manual_seed(0), dtype=DT) * 4 - 2
    batched = field_jacobians(game, pts)
    assert batched.shape == (7, 2, 2)
    for i in range(7):
        torch.testing.assert_close(batched[i], field_jacobian(game, [pts[i, :1], pts[i, 1:]]))


def test_field_jacobians_of_a_bilinear_game_is_the_constant_block_matrix():
    # V(x, y) = [A y, −Aᵀ x]: ∇V = [[0, A], [−Aᵀ, 0]] at every point
    A = torch.tensor([[1.0, 2.0], [0.5, -1.0], [3.0, 0.0]], dtype=DT)
    game = Bilinear(A)
    pts = torch.randn(4, 5, generator=torch.Generator().manual_seed(1), dtype=DT)
    expected = torch.zeros(5, 5, dtype=DT)
    expected[:3, 3:], expected[3:, :3] = A, -A.T
    torch.testing.assert_close(field_jacobians(game, pts), expected.expand(4, 5, 5))
    with pytest.raises(ValueError, match=r"points must have shape \(N, 5\), got \(4, 4\)"):
        field_jacobians(game, pts[:, :4])


def test_classify_critical_point_reports_its_evidence():
    z = torch.zeros(1, dtype=DT)
    r = classify_critical_point(QuadraticGame.saddle(), [z, z])
    assert isinstance(r, CriticalPointReport) and r.label == STRICT_NASH
    assert r.field_norm == 0.0
    # Φ = x² − y² + ... : ∇V has eigenvalues with positive real parts (the flow ż = −V attracts)
    assert bool((r.jacobian_eigs.real > 0).all()) and r.flow_stable


def test_classify_trajectory_reports_label_and_evidence():
    t = torch.arange(400, dtype=DT)
    circle = torch.stack([torch.cos(0.1 * t), torch.sin(0.1 * t)], -1)
    z = circle * 0.95 ** t[:, None]
    spiral = classify_trajectory(z)
    assert isinstance(spiral, TrajectoryReport) and spiral.label == CONVERGED
    assert spiral.evidence["final_norm"] == pytest.approx(float(z[-1].norm()))
    cycle = classify_trajectory(circle)
    assert cycle.label == LIMIT_CYCLE and cycle.evidence["final_norm"] == pytest.approx(1.0)
    assert cycle.evidence["growth_per_step"] == pytest.approx(1.0, abs=1e-6)  # constant step length on the circle


def test_weak_mvi_estimate_record_on_a_linear_game(gen):
    game = weak_mvi_game(1, -0.2, 1.0, gen)
    est = estimate_weak_mvi_rho(game, torch.zeros(2, dtype=DT), [-1, -1], [1, 1], n=21)
    assert isinstance(est, WeakMVIEstimate)
    # a linear field: the ratio depends on the direction only, and the grid minimum attains the exact ρ
    assert est.rho == pytest.approx(linear_weak_mvi_rho(game.matrix), abs=1e-12)
    assert est.n_points == 21 * 21 - 1  # the origin (V = 0) is skipped
    assert est.argmin.shape == (2,) and float(est.argmin.norm()) > 0
