"""The trajectory classifier on curves with known behaviour, and on real GDA/EG runs on xy."""

import math

import pytest
import torch

from saddle.analysis import CONVERGED, DIVERGED, LIMIT_CYCLE, STILL_MOVING, classify_trajectory

T = torch.arange(3000, dtype=torch.float64)
CIRCLE = torch.stack([torch.cos(0.1 * T), torch.sin(0.1 * T)], -1)


def test_circle_is_a_limit_cycle_with_its_period():
    r = classify_trajectory(1.7 * CIRCLE + 0.3)
    assert r.label == LIMIT_CYCLE
    assert abs(r.evidence["period"] - 2 * math.pi / 0.1) <= 1  # lag 63 ≈ 62.83
    assert abs(r.evidence["amplitude"] - 3.4) < 0.01 and r.evidence["recurrence_distance"] < 0.05


def test_spirals_in_and_out():
    assert classify_trajectory(CIRCLE * 0.99 ** T[:, None]).label == CONVERGED
    out = classify_trajectory(CIRCLE * 1.003 ** T[:, None])
    assert out.label == DIVERGED and abs(out.evidence["growth_per_step"] - 1.003) < 1e-6
    slow = classify_trajectory(CIRCLE * 0.9995 ** T[:, None])
    assert slow.label == STILL_MOVING  # shrinking, but neither converged nor a cycle after 3000 steps


def test_escape_to_infinity_and_nan():
    z = CIRCLE.clone()
    z[2000] = math.nan
    r = classify_trajectory(z)
    assert r.label == DIVERGED and r.evidence["escape_step"] == 2000


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"tail": 0.0}, "tail must be in"),
        ({"tol": -1.0}, "tol must be a finite number > 0, got -1.0"),
        ({"cycle_tol": 2.0}, "cycle_tol"),
    ],
)
def test_bad_arguments(kwargs, message):
    with pytest.raises(ValueError, match=message):
        classify_trajectory(CIRCLE, **kwargs)
    with pytest.raises(ValueError, match="at least 10 points"):
        classify_trajectory(CIRCLE[:5])
