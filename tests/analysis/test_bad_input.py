"""Issue 24's repros for saddle.analysis and saddle.games: each bad input is a ValueError naming it, never a crash."""

import math

import pytest
import torch

from saddle.analysis import classify_critical_point, classify_trajectory, spectral_radius
from saddle.games import Bilinear, MatrixGame, rock_paper_scissors


def test_classify_critical_point_refuses_a_nan_point_before_any_eigenvalue():
    # MKL's eigvals on a non-finite Jacobian aborted the interpreter ("double free or corruption")
    with pytest.raises(ValueError, match=r"point\[0\] contains NaN or inf"):
        classify_critical_point(Bilinear(), [torch.tensor([math.nan]), torch.zeros(1)])


def test_spectral_radius_refuses_a_non_finite_matrix():
    with pytest.raises(ValueError, match="J contains NaN or inf"):
        spectral_radius(torch.tensor([[0.0, 1.0], [math.nan, 0.0]], dtype=torch.float64))


def test_classify_trajectory_refuses_a_batch_of_trajectories():
    batch = torch.randn(50, 8, 2, generator=torch.Generator().manual_seed(0)).cumsum(0)  # (T, B, D), as rollout returns
    with pytest.raises(ValueError, match=r"traj must be one trajectory \(T, D\).*got shape \(50, 8, 2\)"):
        classify_trajectory(batch)
    assert classify_trajectory(batch[:, 0]).label  # one of them is fine


@pytest.mark.parametrize("radius", [math.nan, -1.0, 0.0])
def test_classify_trajectory_refuses_a_nan_or_non_positive_diverge_radius(radius):
    still = torch.ones(50, 2)  # a point that never moves: "converged" under any valid radius
    with pytest.raises(ValueError, match="diverge_radius must be"):
        classify_trajectory(still, diverge_radius=radius)


def test_duality_gap_refuses_points_off_the_simplex():
    game = rock_paper_scissors()
    with pytest.raises(ValueError, match=r"p must lie on the probability simplex"):
        game.duality_gap(torch.tensor([[2.0, 0.0, 0.0]]), torch.tensor([[1.0, 0.0, 0.0]]))
    on = torch.tensor([[1.0, 0.0, 0.0]])
    assert game.duality_gap(on, on).item() == pytest.approx(1.0 - -1.0)  # max_j (Aᵀp)_j − min_i (Aq)_i = 1 − (−1)


def test_matrix_games_refuse_complex_payoffs():
    with pytest.raises(ValueError, match=r"payoff matrix A must be a floating-point tensor, got dtype torch\.complex"):
        MatrixGame(torch.tensor([[1 + 1j, 0], [0, 1]]))


def test_matrix_games_take_integer_payoffs_as_reals():
    assert MatrixGame(torch.tensor([[0, 1], [1, 0]])).nash().value == pytest.approx(0.5)
