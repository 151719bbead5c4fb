"""AutoAttack's fast version every epoch and its standard suite for the final table, through
`evaluation_attacks(autoattack=...)` and `robust_evaluator`: the same numbers as `standard_evaluation`."""

import pytest
import torch

from saddle.attacks import AutoProjectedGradientAttack, FastAdaptiveBoundaryAttack, SquareAttack
from saddle.metrics import standard_evaluation
from saddle.models.classifiers import DigitsMLP
from saddle.train.recipes import evaluation_attacks, robust_evaluator


def _net():
    torch.manual_seed(0)
    return DigitsMLP(hidden=(32,)).eval()


def test_fast_version_every_epoch_is_the_standard_evaluation_without_checks(digits_small):
    _, _, x, y = digits_small
    model = _net()
    fast = evaluation_attacks(0.05, torch.Generator().manual_seed(0), apgd_steps=10, autoattack="fast")
    assert list(fast) == ["apgd-ce", "apgd-t"] and all(a.steps == 10 for a in fast.values())  # type: ignore[attr-defined]
    out = robust_evaluator(x, y, fast, n_classes=10)(model)

    class Suite:  # the same attacks, as a suite for standard_evaluation (fresh draws from the same seeds)
        def __call__(self, eps):
            return evaluation_attacks(eps, torch.Generator().manual_seed(0), apgd_steps=10, autoattack="fast")

    ev = standard_evaluation(model, x, y, Suite(), 0.05, checks=False, show_progress=False)
    assert out["robust_acc"] == pytest.approx(ev.robust_accuracy)
    assert out["robust_acc_apgd-ce"] == pytest.approx(ev.accuracy_after["apgd-ce"])
    assert out["robust_acc_apgd-t"] == pytest.approx(ev.accuracy_after["apgd-t"])
    assert out["robust_acc"] < out["clean_acc"]


def test_standard_suite_for_the_final_table_holds_autoattacks_budgets():
    std = evaluation_attacks(0.3, torch.Generator().manual_seed(0), autoattack="standard", norm="l2")
    apgd, apgd_t, fab_t, square = std.values()
    assert isinstance(apgd, AutoProjectedGradientAttack) and apgd.steps == 100 and apgd_t.n_targets == 9
    assert isinstance(fab_t, FastAdaptiveBoundaryAttack) and fab_t.steps == 100 and fab_t.norm == 2.0
    assert isinstance(square, SquareAttack) and square.queries == 5000
    with pytest.raises(ValueError, match="autoattack must be one of"):
        evaluation_attacks(0.3, torch.Generator(), autoattack="plus")
