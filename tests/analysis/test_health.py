"""The game's health by Jacobian-vector products: pure rotation, pure potential, and update-map radii in closed form."""

import math

import pytest
import torch

from saddle.analysis import (
    GameHealth,
    field_jacobian,
    game_health,
    jacobian_parts,
    spectral_radius,
    update_jacobian,
    update_map_radius,
)
from saddle.games import Bilinear, DiracGAN, QuadraticGame
from saddle.games.base import Game
from saddle.games.linear import bilinear_game
from saddle.optim import AlternatingGDA, ExtraGradient, LangevinGDA, OptimisticGDA, SimultaneousGDA

DT = torch.float64


class CommonPotential(Game):
    """Both players minimise f(z) = ½ zᵀQz (a potential game: V = ∇f, J = Q symmetric)."""

    def __init__(self, q: torch.Tensor, split: int) -> None:
        self.q, self.dims = q, (split, q.shape[0] - split)

    def losses(self, params):
        z = torch.cat(params, -1)
        f = 0.5 * ((z @ self.q) * z).sum(-1)
        return [f, f]


def _rows(game, b, generator):
    return [torch.randn(b, d, generator=generator, dtype=DT) for d in game.dims]


def test_bilinear_games_are_pure_rotation():
    g = torch.Generator().manual_seed(0)
    for game, (lo, hi) in ((Bilinear(), (1.0, 1.0)), (bilinear_game(4, 0.5, 2.0, generator=g), (0.5, 2.0))):
        params = _rows(game, 5, g)
        sym, anti = jacobian_parts(game.field, params, 1)
        assert float(sym.abs().max()) < 1e-13
        # ‖Av‖ = ‖Jv‖ for a unit v: J = [[0, B], [−Bᵀ, 0]] has singular values σ(B) ∈ [0.5, 2] (1 for xy)
        assert bool((anti >= lo - 1e-12).all()) and bool((anti <= hi + 1e-12).all())


def test_a_quadratic_potential_game_is_pure_potential():
    g = torch.Generator().manual_seed(1)
    m = torch.randn(5, 5, generator=g, dtype=DT)
    game = CommonPotential(m + m.T, 2)
    params = _rows(game, 3, g)
    sym, anti = jacobian_parts(game.field, params, torch.Generator().manual_seed(2))
    assert float(anti.abs().max()) < 1e-12
    # and ‖S v‖ = ‖Q v‖ with the same random v (one unit vector per row, drawn as jacobian_parts draws it)
    v = torch.randn(3, 5, generator=torch.Generator().manual_seed(2), dtype=DT)
    v = v / v.norm(dim=-1, keepdim=True)
    torch.testing.assert_close(sym, (v @ game.q).norm(dim=-1), rtol=1e-12, atol=0)


def test_parts_of_a_general_game_match_the_dense_jacobian():
    """Φ = ½xᵀAx + xᵀBy − ½yᵀCy at a point: S v and A v against (J ± Jᵀ)/2 v with J from jacfwd."""
    g = torch.Generator().manual_seed(3)
    a, c = torch.randn(3, 3, generator=g, dtype=DT), torch.randn(2, 2, generator=g, dtype=DT)
    game = QuadraticGame(a @ a.T, torch.randn(3, 2, generator=g, dtype=DT), c @ c.T)
    point = _rows(game, 1, g)
    J = field_jacobian(game, [p[0] for p in point])
    sym, anti = jacobian_parts(game.field, point, 7)
    v = torch.randn(1, 5, generator=torch.Generator().manual_seed(7), dtype=DT)
    v = (v / v.norm())[0]
    assert float(sym[0]) == pytest.approx(float((0.5 * (J + J.T) @ v).norm()), rel=1e-12)
    assert float(anti[0]) == pytest.approx(float((0.5 * (J - J.T) @ v).norm()), rel=1e-12)


@pytest.mark.parametrize("h", [0.1, 0.5, 1.0, 3.0])
def test_dirac_gan_update_map_radius_equals_the_closed_forms(h):
    """At the equilibrium (0, 0), ∇V = f′(0)[[0, 1], [−1, 0]], f′(0) = ½ (Mescheder et al. 2018):
    sim GD |λ| = sqrt(1 + h²f′²) (their Lemma 2.4), EG sqrt(1 − (hf′)² + (hf′)⁴), alternating GD |λ| = 1 while
    hf′ < 2 (det = 1, |trace| < 2: a complex pair on the unit circle; their Lemma 2.5)."""
    fp = DiracGAN.f_prime_0
    origin = [torch.zeros(4, 1, dtype=DT), torch.zeros(4, 1, dtype=DT)]
    game = DiracGAN()
    cases = [
        (SimultaneousGDA(h), math.sqrt(1 + (h * fp) ** 2)),
        (ExtraGradient(h), math.sqrt(1 - (h * fp) ** 2 + (h * fp) ** 4)),
    ]
    if h * fp < 2:
        cases.append((AlternatingGDA(h), 1.0))
    for method, expected in cases:
        radius = update_map_radius(method, game.field, origin, iters=2, generator=0)
        assert radius.shape == (4,)
        torch.testing.assert_close(radius, torch.full((4,), expected, dtype=DT), rtol=1e-12, atol=1e-12)


def test_radius_with_full_krylov_space_equals_the_dense_spectral_radius_off_equilibrium():
    """At points that are not fixed points, on the augmented state of OGDA (params + stored field: 4 numbers),
    4 Arnoldi steps span the space, so the estimate is the spectral radius of `update_jacobian`, row by row."""
    g = torch.Generator().manual_seed(4)
    game = DiracGAN()
    points = _rows(game, 3, g)
    for method in (OptimisticGDA(0.3), SimultaneousGDA(0.7)):
        state = method.init(points)
        _, state = method.step([p.clone() for p in points], state, game.field)
        radius = update_map_radius(method, game.field, points, state, iters=4, generator=5)
        for r in range(3):
            row_state = type(state)(
                *(
                    [t[r : r + 1] for t in f] if isinstance(f, list) else f
                    for f in state  # per-row slices of the stored field
                )
            )
            J = update_jacobian(method, game, [p[r] for p in points], row_state)
            assert float(radius[r]) == pytest.approx(spectral_radius(J), rel=1e-10)


def test_game_health_reports_field_norms_and_leaves_the_noise_stream_alone():
    game = Bilinear()
    params = [torch.tensor([[3.0], [0.0]], dtype=DT), torch.tensor([[4.0], [1.0]], dtype=DT)]
    noise = torch.Generator().manual_seed(9)
    method = LangevinGDA(0.1, 0.5, noise)
    before = noise.get_state()
    health = game_health(game.field, params, method, iters=2, generator=0)
    assert torch.equal(noise.get_state(), before)
    # V = [y, −x]: ‖V_x‖ = |y|, ‖V_y‖ = |x|; Langevin's noise is additive, so its map is GDA's: sqrt(1 + η²)
    torch.testing.assert_close(health.field_norms, torch.tensor([[4.0, 3.0], [1.0, 0.0]], dtype=DT))
    torch.testing.assert_close(health.update_radius, torch.full((2,), math.sqrt(1.01), dtype=DT))
    scalars = health.scalars(["x", "y"])
    assert scalars["health/field_norm/x"] == pytest.approx(2.5) and scalars["health/rotational_share"] == 1.0
    assert scalars["health/update_radius"] == pytest.approx(math.sqrt(1.01))
    assert "health/update_radius" not in game_health(game.field, params, generator=0).scalars(["x", "y"])
    assert isinstance(health, GameHealth)


def test_bad_inputs_are_refused():
    game = Bilinear()
    with pytest.raises(ValueError, match="one B"):
        jacobian_parts(game.field, [torch.zeros(2, 1), torch.zeros(3, 1)])
    with pytest.raises(ValueError, match="iters"):
        update_map_radius(SimultaneousGDA(0.1), game.field, [torch.zeros(1, 1), torch.zeros(1, 1)], iters=0)
    with pytest.raises(ValueError, match="player names"):
        game_health(game.field, [torch.zeros(1, 1), torch.zeros(1, 1)]).scalars(["x"])
