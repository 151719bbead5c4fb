"""The Game base class (autograd field, identity projection, shape checks), block games and matrix-game equilibria."""

import math

import pytest
import torch

from saddle.games import Game, MatrixGame, NashEquilibrium, block_game

DT = torch.float64


class Cubic(Game):
    """Two players, general sum: L_1 = x₁² y₁ + x₂, L_2 = (y₁ − x₁)²; V = [(2x₁y₁, 1), 2(y₁ − x₁)]."""

    dims = (2, 1)

    def losses(self, params):
        x, y = params
        return [x[:, 0] ** 2 * y[:, 0] + x[:, 1], (y[:, 0] - x[:, 0]) ** 2]


def test_game_base_field_is_each_players_own_gradient_by_autograd():
    game = Cubic()
    x = torch.tensor([[1.5, -2.0], [0.5, 3.0]], dtype=DT)
    y = torch.tensor([[2.0], [-1.0]], dtype=DT)
    vx, vy = game.field([x, y])
    torch.testing.assert_close(vx, torch.stack([2 * x[:, 0] * y[:, 0], torch.ones(2, dtype=DT)], -1))
    torch.testing.assert_close(vy, 2 * (y - x[:, :1]))
    assert game.n_players == 2 and game.critical_points() == []
    assert game.project([x, y])[0] is x  # unconstrained: the identity
    game.check_params([x, y])
    with pytest.raises(ValueError, match="Cubic has 2 players, got 1 tensors"):
        game.check_params([x])
    with pytest.raises(ValueError, match=r"player 1 of Cubic has dimension 1, got shape \(2, 2\)"):
        game.check_params([x, x])


def test_block_game_field_has_the_spectrum_a_plus_minus_i_b():
    # V(z) = M z with M orthogonally similar to ⊕ [[a_i, b_i], [−b_i, a_i]]: eigenvalues a_i ± i b_i
    a, b = torch.tensor([0.5, 1.0, 0.0]), torch.tensor([2.0, 0.5, 1.5])
    game = block_game(a, b, torch.Generator().manual_seed(0))
    eig = torch.linalg.eigvals(game.matrix)
    expected = torch.cat([torch.complex(a, b), torch.complex(a, -b)]).to(torch.complex128)
    order = lambda z: (round(z.real, 9), z.imag)  # noqa: E731
    got, want = sorted(eig.tolist(), key=order), sorted(expected.tolist(), key=order)
    assert len(got) == 6 and all(abs(g - w) < 1e-10 for g, w in zip(got, want))
    assert game.strong_monotonicity() == pytest.approx(0.0, abs=1e-12)  # min a_i
    assert game.lipschitz() == pytest.approx(max(math.hypot(ai, bi) for ai, bi in zip(a.tolist(), b.tolist())))
    with pytest.raises(ValueError, match=r"b \(the same length d as a\) must have shape \(d,\) with d = 3, got \(2,\)"):
        block_game(a, b[:2])


def test_matrix_game_nash_equilibrium_of_rock_paper_scissors_and_a_dominant_row():
    rps = MatrixGame(torch.tensor([[0.0, 1.0, -1.0], [-1.0, 0.0, 1.0], [1.0, -1.0, 0.0]], dtype=DT))
    ne = rps.nash()
    assert isinstance(ne, NashEquilibrium) and ne.value == pytest.approx(0.0, abs=1e-9)
    torch.testing.assert_close(ne.p, torch.full((3,), 1 / 3, dtype=DT), atol=1e-8, rtol=0)
    torch.testing.assert_close(ne.q, torch.full((3,), 1 / 3, dtype=DT), atol=1e-8, rtol=0)
    # row 1 pays less than row 0 whatever q does: the row player plays it, the column player picks the max entry
    dominated = MatrixGame(torch.tensor([[3.0, 4.0], [1.0, 2.0]], dtype=DT)).nash()
    assert dominated.value == pytest.approx(2.0) and dominated.p.tolist() == pytest.approx([0.0, 1.0], abs=1e-9)
    assert dominated.q.tolist() == pytest.approx([0.0, 1.0], abs=1e-9)
