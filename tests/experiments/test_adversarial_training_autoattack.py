"""`adversarial_training` with `autoattack`: AutoAttack's fast version monitors every epoch, and PGD-20 then its
standard suite (at AutoAttack's budgets at full size) make the final table's worst case."""

import pytest

from saddle.attacks import (
    AutoProjectedGradientAttack,
    FastAdaptiveBoundaryAttack,
    ProjectedGradientAttack,
    SquareAttack,
)
from saddle.experiments.adversarial_training import EXPERIMENT, final_attacks, monitor_attacks


def test_full_size_evaluates_with_autoattacks_standard_suite_at_its_budgets():
    config = EXPERIMENT.make_config(size="full")
    assert config.autoattack
    attacks = final_attacks(config.eps, config.apgd_steps, config.margin_targets, 0, True, config.square_queries)
    assert list(attacks) == ["pgd20", "apgd-ce", "apgd-t", "fab-t", "square"]
    pgd, apgd, apgd_t, fab_t, square = attacks.values()
    assert isinstance(pgd, ProjectedGradientAttack) and pgd.steps == 20
    assert isinstance(apgd, AutoProjectedGradientAttack) and apgd.steps == 100 and apgd_t.n_targets == 9
    assert isinstance(fab_t, FastAdaptiveBoundaryAttack) and fab_t.steps == 100 and fab_t.n_targets == 9
    assert isinstance(square, SquareAttack) and square.queries == 5000
    assert all(a.eps == config.eps for a in attacks.values())
    monitor = monitor_attacks(config, 0)
    assert list(monitor) == ["apgd-ce", "apgd-t"] and all(a.steps == config.monitor_steps for a in monitor.values())
    default = EXPERIMENT.make_config()
    assert not default.autoattack and list(monitor_attacks(default, 0)) == ["pgd"]


def test_a_run_with_autoattack_keeps_worst_case_below_pgd20_and_clean(run_experiment_explicit_rng):
    m = run_experiment_explicit_rng(
        "adversarial_training", objectives=("pgd2",), autoattack=True, square_queries=20, seeds=1
    )
    row = m["table"]["pgd2"]
    for when in ("best", "last"):
        assert row[f"worst_{when}"].mean <= row[f"pgd20_{when}"].mean <= row[f"clean_{when}"].mean
    assert len(row["monitor_per_epoch"]) == 1 and len(row["monitor_per_epoch"][0]) == 2
    with pytest.raises(ValueError, match="square_queries"):
        EXPERIMENT.make_config(size="quick", square_queries=0)
