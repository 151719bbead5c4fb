"""Bad input to saddle.attacks: the attacks' one boundary (`AttackBase.__call__`: a module, x in the box, integer
labels in range, logits (B, K)) and their settings (ε, steps, step-size schedules, generators)."""

import math

import torch
from fuzzkit import EMPTY, Entry, Fn, Gen, Int, Labels, Model, Points, Real, make_tests
from torch import nn

from saddle import attacks


def _classifier():
    """A classifier of (B, 4) points in [0, 1] into 3 classes, with BatchNorm and Dropout (handed over in train mode:
    the attack must run it in eval mode and leave its statistics, mode and grads as they were)."""
    return nn.Sequential(nn.Linear(4, 8), nn.BatchNorm1d(8), nn.ReLU(), nn.Dropout(0.5), nn.Linear(8, 3))


def _schedule(**kw):
    """A step-size schedule k -> η_k; bad ones return a negative step (PGD would descend) or NaN (x_adv NaN)."""
    return Fn(
        lambda k: 0.05,
        wrong=(
            ("negative schedule", lambda k: -0.05, ("-0.05", "> 0")),
            ("nan schedule", lambda k: math.nan, ("nan",)),
            ("inf schedule", lambda k: math.inf, ("inf",)),
        ),
        called="step_size",
        **kw,
    )


def _data():
    """x (6, 4) in the box [0, 1] and labels (6,) of 3 classes; both empty together is an empty (valid) batch."""
    return {"model": Model(_classifier), "x": Points((6, 4)), "y": Labels(6, 3, called="labels")}


_BATCH = {"batch": ("x", "y"), "empty": EMPTY}
_EPS = Real(0.1, low_open=False, called="eps")

ENTRIES = [
    Entry(
        "saddle.attacks.ProjectedGradientAttack",
        lambda model, x, y, eps, steps, step_size, generator: attacks.ProjectedGradientAttack(
            eps, steps=steps, step_size=step_size, generator=generator
        )(model, x, y),
        {**_data(), "eps": _EPS, "steps": Int(3), "step_size": _schedule(), "generator": Gen(0)},
        **_BATCH,
    ),
    Entry(
        "saddle.attacks.FastGradientSignAttack",
        lambda model, x, y, eps: attacks.FastGradientSignAttack(eps)(model, x, y),
        {**_data(), "eps": _EPS},
        **_BATCH,
    ),
    Entry(
        "saddle.attacks.AutoProjectedGradientAttack",
        lambda model, x, y, eps, steps, rho: attacks.AutoProjectedGradientAttack(eps, steps=steps, rho=rho)(
            model, x, y
        ),
        {**_data(), "eps": _EPS, "steps": Int(4), "rho": Real(0.75, high=1.0, high_open=False)},
        **_BATCH,
    ),
    Entry(
        "saddle.attacks.MarginAttack",
        lambda model, x, y, eps, step_size: attacks.MarginAttack(eps, steps=2, step_size=step_size)(model, x, y),
        {**_data(), "eps": _EPS, "step_size": _schedule()},
        **_BATCH,
    ),
    Entry(
        "saddle.attacks.KLDivergenceAttack",
        lambda model, x, y, eps, init_scale: attacks.KLDivergenceAttack(eps, steps=2, init_scale=init_scale)(
            model, x, y
        ),
        {**_data(), "eps": _EPS, "init_scale": Real(0.001, low_open=False)},
        **_BATCH,
    ),
    Entry(
        "saddle.attacks.RandomSearchAttack",
        lambda model, x, y, eps, queries: attacks.RandomSearchAttack(eps, queries=queries)(model, x, y),
        {**_data(), "eps": _EPS, "queries": Int(3)},
        **_BATCH,
    ),
]

test_valid_call, test_bad_input = make_tests(ENTRIES)


def test_a_step_size_schedule_returning_a_negative_value_is_refused_before_pgd_descends():
    """Issue 24: a schedule returning −0.01 made PGD descend the loss; NaN gave a NaN x_adv."""
    model, x, y = nn.Linear(4, 3), torch.rand(5, 4), torch.tensor([0, 1, 2, 0, 1])
    for bad, shown in ((lambda k: -0.01, "-0.01"), (lambda k: math.nan, "nan")):
        attack = attacks.ProjectedGradientAttack(0.1, steps=3, step_size=bad)
        try:
            attack(model, x, y)
        except ValueError as e:
            assert "step_size schedule returned" in str(e) and shown in str(e) and "> 0" in str(e)
        else:
            raise AssertionError("a schedule returning a negative or NaN step was accepted")


def test_int32_labels_are_labels():
    """Issue 24: int32 labels raised from inside cross-entropy; they are class labels (the same x_adv as int64)."""
    model, x, y = nn.Linear(4, 3), torch.rand(5, 4), torch.tensor([0, 1, 2, 0, 1])
    a = attacks.ProjectedGradientAttack(0.1, steps=3, generator=0)(model, x, y)
    b = attacks.ProjectedGradientAttack(0.1, steps=3, generator=0)(model, x, y.int())
    assert torch.equal(a, b)
