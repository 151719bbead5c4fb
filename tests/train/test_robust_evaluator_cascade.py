"""`robust_evaluator(..., cascade=True)`: AutoAttack's cascade every epoch, the same worst case as running every
attack on every point (exactly, for deterministic attacks), and the fast version of `AutoAttackSuite`."""

import pytest
import torch

from saddle.attacks import AutoAttackSuite, FastAdaptiveBoundaryAttack, ProjectedGradientAttack
from saddle.metrics import standard_evaluation
from saddle.models.classifiers import DigitsMLP
from saddle.train.recipes import robust_evaluator


def _net():
    torch.manual_seed(0)
    return DigitsMLP(hidden=(32,)).eval()


def test_cascade_gives_the_same_worst_case_for_deterministic_attacks(digits_small):
    _, _, x, y = digits_small
    model = _net()
    attacks = {
        "pgd": ProjectedGradientAttack(0.05, steps=5, random_start=False),
        "fab-t": FastAdaptiveBoundaryAttack(0.05, steps=10, n_targets=2),
    }
    each = robust_evaluator(x, y, attacks, n_classes=10)(model)
    chain = robust_evaluator(x, y, attacks, n_classes=10, cascade=True)(model)
    assert chain["robust_acc"] == each["robust_acc"] and chain["clean_acc"] == each["clean_acc"]
    assert chain["worst_class_robust_acc"] == each["worst_class_robust_acc"]
    assert chain["robust_acc_after_pgd"] == each["robust_acc_pgd"]  # the first attack sees every clean point
    assert chain["robust_acc_after_fab-t"] == chain["robust_acc"] <= chain["robust_acc_after_pgd"]
    assert "robust_acc_pgd" not in chain


def test_fast_suite_every_epoch_is_the_standard_evaluation_without_checks(digits_small):
    _, _, x, y = digits_small
    model = _net()
    suite = AutoAttackSuite("linf", version="fast", steps=10, n_targets=3)
    out = robust_evaluator(x, y, suite(0.05), cascade=True)(model)
    ev = standard_evaluation(model, x, y, suite, 0.05, checks=False, show_progress=False)
    assert out["robust_acc"] == pytest.approx(ev.robust_accuracy)
    assert out["robust_acc_after_apgd-t"] == pytest.approx(ev.accuracy_after["apgd-t"])
    assert out["robust_acc"] < out["clean_acc"]
