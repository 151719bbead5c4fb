"""Step-size schedules η_k, k = 0..steps−1, for iterative attacks: callables k -> η_k."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

__all__ = ["Schedule", "constant", "CosineSchedule", "PiecewiseSchedule", "as_schedule"]

Schedule = Callable[[int], float]


def _check(value: float, name: str = "step_size") -> float:
    if not isinstance(value, (int, float)) or not math.isfinite(value) or value <= 0:
        raise ValueError(f"{name} must be a finite number > 0, got {value!r}")
    return float(value)


@dataclass(frozen=True)
class _Constant:
    value: float

    def __call__(self, k: int) -> float:
        return self.value


def constant(step_size: float) -> Schedule:
    """η_k = step_size."""
    return _Constant(_check(step_size))


@dataclass(frozen=True)
class CosineSchedule:
    """η_k = η_min + (η_0 − η_min)(1 + cos(π k / steps))/2 (cosine annealing, Loshchilov & Hutter 2017)."""

    step_size: float
    steps: int
    final: float = 0.0

    def __call__(self, k: int) -> float:
        return self.final + (self.step_size - self.final) * 0.5 * (1 + math.cos(math.pi * k / max(self.steps, 1)))


@dataclass(frozen=True)
class PiecewiseSchedule:
    """η_k = step_size · factor^{#milestones ≤ k} (step decay)."""

    step_size: float
    milestones: Sequence[int]
    factor: float = 0.5

    def __call__(self, k: int) -> float:
        return self.step_size * self.factor ** sum(k >= m for m in self.milestones)


def as_schedule(step_size: float | Schedule) -> Schedule:
    """A number becomes a constant schedule; a callable is used as is."""
    return step_size if callable(step_size) else constant(step_size)
