"""Argument validation shared by every package of saddle (bottom floor: imports nothing from saddle).

Each check returns the validated value (converted to a plain Python number where that helps) or raises
`ValueError` naming the argument, the offending value and the allowed range — the CLI turns these into
one-line messages with exit code 2 (DESIGN.md, Conventions).
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Callable

__all__ = ["check_real", "check_int", "check_step_size"]


def check_real(name: str, value: float, low: float = 0.0, high: float = math.inf, *,
               low_open: bool = True, high_open: bool = False) -> float:
    """Return float(value) if it lies in the interval (or [) low, high ] (or )), else raise ValueError.

    Booleans and non-real values are refused; NaN is refused; +inf only when `high` is +inf and closed.
    """
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise ValueError(f"{name} must be a real number, got {value!r}")
    v = float(value)
    ok = math.isfinite(v) or (v == high == math.inf and not high_open)
    ok = ok and (v > low if low_open else v >= low) and (v < high if high_open else v <= high)
    if not ok:
        lb, rb = ("(" if low_open else "["), (")" if high_open else "]")
        raise ValueError(f"{name} must be in {lb}{low}, {high}{rb}, got {value!r}")
    return v


def check_int(name: str, value: int, low: int = 1) -> int:
    """Return `value` if it is an int (not a bool) ≥ low, else raise ValueError."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < low:
        raise ValueError(f"{name} must be an integer >= {low}, got {value!r}")
    return int(value)


def check_step_size(value: float | Callable[[int], float], name: str = "step_size"):
    """A step size is a finite real > 0 or a callable schedule k -> η_k (returned unchanged)."""
    if callable(value):
        return value
    return check_real(name, value, 0.0, math.inf, high_open=True)
