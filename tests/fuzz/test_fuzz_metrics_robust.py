"""Bad input to saddle.metrics.robust_accuracy (its boundary: a module, a non-empty finite batch x (N, ...), class
labels (N,) in range for the model's outputs) and the issue-24 repros of the robust evaluation."""

import math

import pytest
import torch
from fuzzkit import Const, Entry, Int, Labels, Model, Points, make_tests
from torch import nn

from saddle import metrics
from saddle.attacks import ProjectedGradientAttack


def _classifier():
    """A classifier of (B, 4) points into 3 classes with BatchNorm and Dropout, handed over in train mode."""
    return nn.Sequential(nn.Linear(4, 8), nn.BatchNorm1d(8), nn.ReLU(), nn.Dropout(0.5), nn.Linear(8, 3))


ENTRIES = [
    Entry(
        "saddle.metrics.robust_accuracy",
        lambda model, x, y, attack, restarts, batch_size: (
            metrics.robust_accuracy(
                model, x, y, attack, restarts=restarts, batch_size=batch_size, show_progress=False
            ).robust_accuracy
        ),
        {
            "model": Model(_classifier),
            "x": Points((6, 4)),
            "y": Labels(6, 3),
            "attack": Const(lambda: ProjectedGradientAttack(0.1, steps=2, generator=0)),
            "restarts": Int(1),
            "batch_size": Int(4),
        },
        batch=("x", "y"),
    ),
]

test_valid_call, test_bad_input = make_tests(ENTRIES)


def _setup():
    torch.manual_seed(0)
    return nn.Linear(4, 3), torch.rand(5, 4), torch.tensor([0, 1, 2, 0, 1]), ProjectedGradientAttack(0.1, steps=2)


def test_robust_accuracy_of_an_empty_batch_is_refused_not_zero():
    """Issue 24: an empty batch gave 0.0 (0/0)."""
    model, x, y, pgd = _setup()
    with pytest.raises(ValueError, match=r"x is empty \(shape \(0, 4\)\)"):
        metrics.robust_accuracy(model, x[:0], y[:0], pgd, show_progress=False)


def test_robust_accuracy_refuses_out_of_range_labels_and_nan_rows_instead_of_counting_them_as_errors():
    """Issue 24: labels out of range and NaN rows were counted as errors (robust accuracy 0.2 here)."""
    model, x, y, pgd = _setup()
    with pytest.raises(ValueError, match=r"y must be class labels in \[0, 2\] for 3 classes, got values in \[0, 7\]"):
        metrics.robust_accuracy(model, x, torch.tensor([0, 1, 2, 0, 7]), pgd, show_progress=False)
    x_nan = x.clone()
    x_nan[0, 0] = math.nan
    with pytest.raises(ValueError, match="x contains NaN or inf"):
        metrics.robust_accuracy(model, x_nan, y, pgd, show_progress=False)


def test_robust_accuracy_takes_int32_labels_as_labels():
    model, x, y, _ = _setup()
    a = metrics.robust_accuracy(model, x, y, ProjectedGradientAttack(0.1, steps=2, generator=0), show_progress=False)
    b = metrics.robust_accuracy(
        model, x, y.int(), ProjectedGradientAttack(0.1, steps=2, generator=0), show_progress=False
    )
    assert a.robust_accuracy == b.robust_accuracy and torch.equal(a.robust, b.robust)
