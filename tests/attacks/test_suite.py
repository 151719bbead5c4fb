"""AutoAttackSuite: AutoAttack's standard and fast versions with its budgets; the targeted DLR loss of APGD-T."""

import math

import pytest
import torch

from saddle.attacks import (
    SUITE_VERSIONS,
    AutoAttackSuite,
    AutoProjectedGradientAttack,
    FastAdaptiveBoundaryAttack,
    Objective,
    SquareAttack,
    pairwise_dlr,
)


def test_standard_and_fast_versions_hold_autoattacks_attacks_and_budgets():
    assert SUITE_VERSIONS == ("standard", "fast")
    std = AutoAttackSuite("l2")(0.5)
    assert list(std) == ["apgd-ce", "apgd-t", "fab-t", "square"]
    apgd, apgd_t, fab_t, square = std.values()
    # autoattack.py, set_version("standard"): 100 iterations, 1 restart, 9 targets, Square-5000 with p_init 0.8
    assert isinstance(apgd, AutoProjectedGradientAttack) and apgd.steps == 100 and apgd.restarts == 1
    assert apgd.objective.name == "ce" and apgd.n_targets is None
    assert isinstance(apgd_t, AutoProjectedGradientAttack) and apgd_t.n_targets == 9 and apgd_t.steps == 100
    assert apgd_t.objective.name == "targeted-dlr" and not apgd_t.targeted
    assert isinstance(fab_t, FastAdaptiveBoundaryAttack) and fab_t.n_targets == 9 and fab_t.steps == 100
    assert isinstance(square, SquareAttack) and square.queries == 5000 and square.p_init == 0.8
    assert not square.rescale_schedule and square.objective.name == "margin"
    assert all(a.threat_model.eps == 0.5 and a.threat_model.norm == 2.0 for a in std.values())
    assert list(AutoAttackSuite(version="fast")(0.1)) == ["apgd-ce", "apgd-t"]


def test_every_call_repeats_the_same_draws():
    suite = AutoAttackSuite()
    first, second = suite(0.1), suite(0.2)
    for name in first:
        assert torch.equal(first[name].generator.get_state(), second[name].generator.get_state())  # type: ignore[attr-defined]


def test_an_objective_with_its_own_success_makes_the_suite_apgd_and_square():
    obj = Objective("sq", lambda out, t: (out - t) ** 2, success_fn=lambda out, t: (out - t).abs() > 1)
    suite = AutoAttackSuite(objective=obj)
    assert not suite.classification and list(suite(0.1)) == ["apgd", "square"]
    assert all(a.objective is obj for a in suite(0.1).values())  # type: ignore[attr-defined]
    assert list(AutoAttackSuite(version="fast", objective=obj)(0.1)) == ["apgd"]
    with pytest.raises(ValueError, match="objective must be"):
        AutoAttackSuite(objective="ce")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="steps must be"):
        AutoAttackSuite(steps=0)


def test_targeted_dlr_is_autoattacks_and_invariant_to_shift_and_scale():
    g = torch.Generator().manual_seed(0)
    z = torch.randn(50, 10, generator=g)
    y, t = torch.randint(0, 10, (50,), generator=g), torch.randint(0, 10, (50,), generator=g)
    pairs = torch.stack([y, t], -1)
    s = z.sort(-1).values
    rows = torch.arange(50)
    # autopgd_base.py, dlr_loss_targeted: −(z_y − z_t) / (z_π1 − (z_π3 + z_π4)/2 + 1e-12)
    reference = -(z[rows, y] - z[rows, t]) / (s[:, -1] - 0.5 * (s[:, -3] + s[:, -4]) + 1e-12)
    torch.testing.assert_close(pairwise_dlr(z, pairs), reference)
    torch.testing.assert_close(pairwise_dlr(3.0 * z + 7.0, pairs), reference, rtol=1e-4, atol=1e-5)
    with pytest.raises(ValueError, match="at least 4 classes"):
        pairwise_dlr(z[:, :3], pairs % 3)


def test_apgd_t_refuses_what_it_cannot_do():
    with pytest.raises(ValueError, match="cannot be combined with targeted=True"):
        AutoProjectedGradientAttack(0.1, n_targets=3, targeted=True)
    with pytest.raises(ValueError, match="loss must be 'dlr' or 'margin'"):
        AutoProjectedGradientAttack(0.1, n_targets=3, loss="dlr-x")
    assert math.isfinite(AutoProjectedGradientAttack(0.1, n_targets=3).eps)


def test_early_stopping_breaks_the_same_points_with_fewer_passes():
    g = torch.Generator().manual_seed(0)
    net = torch.nn.Sequential(torch.nn.Flatten(), torch.nn.Linear(64, 32), torch.nn.ReLU(), torch.nn.Linear(32, 10))
    net = net.double()
    x = torch.rand(60, 1, 8, 8, generator=g, dtype=torch.float64)
    with torch.no_grad():
        y = net(x).argmax(-1)
    seen = []
    net.register_forward_hook(lambda m, i, o: seen.append(o.shape[0]))
    out = {}
    for early in (False, True):
        seen.clear()
        attack = AutoProjectedGradientAttack(0.05, steps=30, n_targets=3, early_stop=early, generator=0)
        with torch.no_grad():
            out[early] = (net(attack(net, x, y)).argmax(-1) != y, sum(seen))
    assert torch.equal(out[True][0], out[False][0]) and 0 < out[True][0].sum() < len(y)
    assert out[True][1] < out[False][1]
