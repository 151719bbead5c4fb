"""Bad input to saddle.train: `train_classifier` (its boundary: a module, a non-empty finite x (N, ...), class labels
(N,) in range, checked before any weight moves) and the adversarial-training objectives (their attack's boundary)."""

import math

import pytest
import torch
from fuzzkit import Entry, Int, Labels, Model, Points, Real, make_tests
from torch import nn

from saddle import train
from saddle.attacks import KLDivergenceAttack, ProjectedGradientAttack


def _classifier():
    """A classifier of (B, 4) points into 3 classes, handed over in train mode (without Dropout: a training step draws
    its masks from the global RNG by design, so the suite's RNG check would see the model, not the call)."""
    return nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 3))


def _trained_weight(model, x, y, epochs, batch_size, lr):
    """train_classifier's first weight after training; the model is put back in train mode (training returns it in
    eval mode, as documented), so the state check sees only what a refused call must leave alone."""
    out = train.train_classifier(model, x, y, epochs=epochs, batch_size=batch_size, lr=lr)
    model.train()
    return out[0].weight.detach().clone()


def _data():
    return {"model": Model(_classifier), "x": Points((6, 4)), "y": Labels(6, 3)}


ENTRIES = [
    Entry(
        "saddle.train.train_classifier",
        _trained_weight,
        {**_data(), "epochs": Int(1, low=0), "batch_size": Int(4), "lr": Real(1e-2, high_open=True)},
        batch=("x", "y"),
        mutates=True,
        skip={"model:output one dim fewer": "covered by output one dim more (both refused by the same check)"},
    ),
    Entry(
        "saddle.train.TRADES",
        lambda model, x, y, beta: train.TRADES(KLDivergenceAttack(0.1, steps=2, generator=0), beta)(model, x, y)[0],
        {**{**_data(), "y": Labels(6, 3, called="labels")}, "beta": Real(6.0, low_open=False, high_open=True)},
        batch=("x", "y"),
        mutates=True,
    ),
    Entry(
        "saddle.train.PGDAdversarialTraining",
        lambda model, x, y: train.PGDAdversarialTraining(ProjectedGradientAttack(0.1, steps=2, generator=0))(
            model, x, y
        ),
        {**_data(), "y": Labels(6, 3, called="labels")},
        batch=("x", "y"),
        mutates=True,
    ),
]

test_valid_call, test_bad_input = make_tests(ENTRIES)


def test_train_classifier_on_an_empty_set_is_refused_not_returned_untrained():
    """Issue 24: an empty training set returned the untrained model."""
    with pytest.raises(ValueError, match=r"training inputs x is empty \(shape \(0, 4\)\)"):
        train.train_classifier(nn.Linear(4, 3), torch.rand(0, 4), torch.zeros(0, dtype=torch.long), epochs=1)


def test_trades_refuses_a_nan_batch_and_inputs_outside_the_box():
    """Issue 24: TRADES' adversary had no input checks (x + 5 gave ‖x′ − x‖∞ = 4.97 ≫ ε) and a NaN batch gave a NaN
    loss (also at β = 0, where the adversary does not run)."""
    model, x, y = nn.Linear(4, 3), torch.rand(5, 4), torch.tensor([0, 1, 2, 0, 1])
    x_nan = x.clone()
    x_nan[1, 2] = math.nan
    for beta in (6.0, 0.0):
        with pytest.raises(ValueError, match="x contains NaN or inf"):
            train.TRADES(KLDivergenceAttack(0.03, steps=2), beta=beta)(model, x_nan, y)
    with pytest.raises(ValueError, match=r"x must lie in the box \[0.0, 1.0\]"):
        train.TRADES(KLDivergenceAttack(0.03, steps=2))(model, x + 5, y)
