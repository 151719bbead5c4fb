"""Local-Nash classification of the critical points of the saddles of seed 000."""

import re

import pytest
import torch

from saddle.analysis import DEGENERATE, NOT_CRITICAL, NOT_NASH, STRICT_NASH, classify_critical_point, field_jacobian
from saddle.games import AlmostBilinear, Forsaken, MonkeySaddle, QuadraticGame, TrapGame, WeirdSaddle

Z = torch.zeros(1, dtype=torch.float64)


def test_plain_saddle_is_strict_local_nash_and_attracting():
    r = classify_critical_point(QuadraticGame.saddle(), [Z, Z])
    assert r.label == STRICT_NASH and r.flow_stable
    assert [b.item() for b in r.own_hessian_eigs] == [2.0, 2.0]  # ∇²_xx Φ = 2, −∇²_yy Φ = 2


def test_monkey_saddle_origin_is_degenerate():
    # the Hessian vanishes: the second-order test cannot decide (and indeed Φ(x, 0) = x³ is not minimised at 0)
    r = classify_critical_point(MonkeySaddle(), [Z, Z])
    assert r.label == DEGENERATE and r.is_local_nash_candidate


def test_weird_saddle_hyperbola_is_not_nash():
    game = WeirdSaddle(hyperbola_t=(0.5, 1.0, 3.0))
    labels = [classify_critical_point(game, p).label for p in game.critical_points()]
    assert labels[0] == DEGENERATE and set(labels[1:]) == {NOT_NASH}
    r = classify_critical_point(game, game.critical_points()[1])
    x, y = (p.item() for p in game.critical_points()[1])
    assert abs(x * y - 0.5) < 1e-15  # on the hyperbola xy = 1/2
    assert abs(r.own_hessian_eigs[0].item() - (-2 * y * y)) < 1e-12  # ∇²_xx Φ = −2y² < 0


def test_field_jacobian_matches_hand_derivation():
    J = field_jacobian(
        TrapGame(), [torch.tensor([0.3], dtype=torch.float64), torch.tensor([-0.7], dtype=torch.float64)]
    )
    x, w = 0.3, -0.7  # V = [w − 2w²x, −x + 2wx²]
    expected = torch.tensor([[-2 * w * w, 1 - 4 * w * x], [-1 + 4 * w * x, 2 * x * x]], dtype=torch.float64)
    torch.testing.assert_close(J, expected, rtol=0, atol=1e-14)


def test_spurious_games_have_repelling_non_nash_solutions():
    for game in (AlmostBilinear(0.1), Forsaken(0.5)):
        r = classify_critical_point(game, game.critical_points()[0])
        assert r.label == NOT_NASH and not r.flow_stable


def test_non_critical_point_and_bad_tol():
    assert classify_critical_point(MonkeySaddle(), [torch.ones(1), Z]).label == NOT_CRITICAL
    with pytest.raises(ValueError, match=re.escape("tol must be a finite number > 0, got 0.0")):
        classify_critical_point(MonkeySaddle(), [Z, Z], tol=0.0)


def test_batched_labels_agree_with_pointwise_classification():
    from saddle.analysis import nash_labels

    game = WeirdSaddle(hyperbola_t=(0.5, 2.0))
    pts = [torch.cat(p) for p in game.critical_points()] + [torch.tensor([0.4, -0.3], dtype=torch.float64)]
    expected = [classify_critical_point(game, [p[:1], p[1:]]).label for p in pts]
    assert nash_labels(game, torch.stack(pts)) == expected == [DEGENERATE] + [NOT_NASH] * 4 + [NOT_CRITICAL]
    assert nash_labels(QuadraticGame.saddle(), torch.zeros(1, 2)) == [STRICT_NASH]


def test_flow_types_of_critical_points():
    from saddle.analysis import ATTRACTING, CENTRE_OR_DEGENERATE, REPELLING, SADDLE_OF_V
    from saddle.games import Bilinear

    assert classify_critical_point(QuadraticGame.saddle(), [Z, Z]).flow == ATTRACTING
    assert classify_critical_point(AlmostBilinear(0.1), [Z, Z]).flow == REPELLING  # eigenvalues −ε/2 ± i·…
    assert classify_critical_point(Bilinear(), [Z, Z]).flow == CENTRE_OR_DEGENERATE  # ±i
    # Φ = x²/2 + y²/2: the maximiser sits at a minimum, V = (x, −y): one attracting, one repelling direction
    both_min = QuadraticGame(torch.eye(1), torch.zeros(1, 1), -torch.eye(1))
    r = classify_critical_point(both_min, [Z, Z])
    assert r.flow == SADDLE_OF_V and r.label == NOT_NASH
    hyperbola = WeirdSaddle().critical_points()[1]
    assert classify_critical_point(WeirdSaddle(), hyperbola).flow == CENTRE_OR_DEGENERATE  # zero along the curve
