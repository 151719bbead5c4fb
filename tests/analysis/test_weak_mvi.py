"""The weak-MVI constant ρ: closed form for linear games, grid estimates, sign on monotone vs weak-MVI games."""

import math

import pytest
import torch

from saddle.analysis import estimate_weak_mvi_rho, field_lipschitz_on_grid, grid, linear_weak_mvi_rho, weak_mvi_ratio
from saddle.games import QuadraticGame, strongly_monotone_game, weak_mvi_game

ORIGIN = [torch.zeros(1, dtype=torch.float64), torch.zeros(1, dtype=torch.float64)]


def test_monotone_game_has_nonnegative_rho(gen):
    game = strongly_monotone_game(1, 0.5, 2.0, gen)
    est = estimate_weak_mvi_rho(game, ORIGIN, [-1, -1], [1, 1], n=41)
    assert est.rho >= 0 and abs(est.rho - 0.5 / 4.0) < 1e-12  # one normal block: ρ = μ/L² everywhere


@pytest.mark.parametrize("rho, L", [(-0.1, 1.0), (-0.3, 2.0), (-0.9, 1.0)])
def test_constructed_weak_mvi_game_has_its_rho(gen, rho, L):
    game = weak_mvi_game(1, rho, L, gen)
    est = estimate_weak_mvi_rho(game, ORIGIN, [-2, -2], [2, 2], n=31)
    assert abs(est.rho - rho) < 1e-12 and abs(game.lipschitz() - L) < 1e-12
    assert abs(linear_weak_mvi_rho(game.matrix) - rho) < 1e-12


def test_linear_rho_closed_form_against_brute_force_over_directions(gen):
    # a non-normal M: the ratio depends on the direction only; sample the circle densely
    M = torch.tensor([[0.3, 1.0], [-2.0, -0.1]], dtype=torch.float64)
    game = QuadraticGame(M[:1, :1], M[:1, 1:], M[1:, 1:])  # V = [0.3x + y, −0.1y − x]... with B = 1
    exact = linear_weak_mvi_rho(game.matrix)
    theta = torch.linspace(0, 2 * math.pi, 200001, dtype=torch.float64)
    z = torch.stack([theta.cos(), theta.sin()], -1)
    brute = weak_mvi_ratio(game, z, torch.zeros(2)).min().item()
    assert exact <= brute <= exact + 1e-8
    assert exact < 0  # this game is not monotone in the Minty sense


@pytest.mark.parametrize("rho, L", [(-0.1, 1.0), (0.2, 2.5)])
def test_field_lipschitz_on_grid_is_exact_for_linear_games(gen, rho, L):
    game = weak_mvi_game(1, rho, L, gen)
    assert field_lipschitz_on_grid(game, [-1, -1], [1, 1], 5) == pytest.approx(L, rel=1e-12)


def test_field_lipschitz_on_grid_of_a_cubic_field():
    """Monkey saddle Φ = x³ − 3xy²: V = (3x² − 3y², 6xy), ∇V = 6[[x, −y], [y, x]], ‖∇V‖₂ = 6‖z‖: max at the corners."""
    from saddle.games import MonkeySaddle

    assert field_lipschitz_on_grid(MonkeySaddle(), [-1, -2], [1, 2], 11) == pytest.approx(6 * math.sqrt(5), rel=1e-12)


def test_grid_and_bad_input():
    assert grid([0, 0], [1, 2], 3).shape == (9, 2)
    with pytest.raises(ValueError, match="lower < upper"):
        grid([0], [0], 3)
    with pytest.raises(ValueError, match="does not match"):
        estimate_weak_mvi_rho(weak_mvi_game(2, -0.1), torch.zeros(4), [-1, -1], [1, 1], 5)
    with pytest.raises(ValueError, match="does not match"):
        field_lipschitz_on_grid(weak_mvi_game(2, -0.1), [-1, -1], [1, 1], 5)


@pytest.mark.parametrize("L", [1.0, 2.0])
@pytest.mark.parametrize("alpha", [1.0, 0.5, 0.25, 0.1])
def test_eg_plus_boundary_on_the_linear_family_is_pethick_lower_bound(L, alpha, gen):
    """Pethick et al. 2022 (Lowerbounds.nb): EG+ with γ = 1/L, update αγ converges on L·rotation iff ρ > −(1 − α)/(2L)."""
    from saddle.analysis import weak_mvi_boundary
    from saddle.optim import EGPlus

    b = weak_mvi_boundary(lambda rho: EGPlus(1 / L, alpha=alpha), L, upper=0.1 / L, steps=80, tol=1e-4, generator=gen)
    assert abs(b - (-(1 - alpha) / (2 * L))) <= 1e-4 / L


def test_gda_boundary_is_half_the_step_on_the_linear_family(gen):
    """GDA multiplies each block by 1 − γL e^{iθ}: |·|² = 1 − 2γL cos θ + γ²L² < 1 iff ρ = cos θ / L > γ/2."""
    from saddle.analysis import weak_mvi_boundary
    from saddle.optim import SimultaneousGDA

    gamma = 0.4
    b = weak_mvi_boundary(lambda rho: SimultaneousGDA(gamma), 1.0, lower=0.0, upper=1.0, steps=60, generator=gen)
    assert abs(b - gamma / 2) <= 1e-4


@pytest.mark.parametrize("rho", [-0.45, -0.3, -0.26, -0.24, -0.1, 0.2])
def test_contraction_decision_agrees_with_the_update_map_spectral_radius(rho, gen):
    from saddle.analysis import contracts_on_weak_mvi_game, spectral_radius, update_jacobian
    from saddle.optim import EGPlus

    method = EGPlus(1.0, alpha=0.5)
    game = weak_mvi_game(2, rho, 1.0, gen)
    radius = spectral_radius(update_jacobian(method, game, [torch.ones(2), torch.ones(2)]))
    assert contracts_on_weak_mvi_game(method, rho, 1.0, steps=100, dim=2, generator=gen) == (radius < 1)


def test_weak_mvi_boundary_refuses_a_bracket_without_a_boundary(gen):
    from saddle.analysis import weak_mvi_boundary
    from saddle.optim import EGPlus

    with pytest.raises(ValueError, match="does not converge at the upper end"):
        weak_mvi_boundary(lambda rho: EGPlus(1.0, alpha=0.5), 1.0, lower=-1.0, upper=-0.3, generator=gen)
    with pytest.raises(ValueError, match="converges at the lower end"):
        weak_mvi_boundary(lambda rho: EGPlus(1.0, alpha=0.5), 1.0, lower=-0.2, upper=0.0, generator=gen)
    with pytest.raises(ValueError, match="upper"):
        weak_mvi_boundary(lambda rho: EGPlus(1.0), 1.0, lower=-0.2, upper=-0.5, generator=gen)
