"""Step-size schedules k -> η_k (k = 0, 1, ... counts steps): the one home for every user in saddle.

Methods of `saddle.optim`, iterative attacks and SGLD take `step_size` as a number or as one of these
callables (or any callable k -> η_k > 0). Welling & Teh's SGLD schedule ε_t = a (b + t)^{−γ} is
`PolynomialDecay` with other parameters: `PolynomialDecay.welling_teh(a, b, gamma)`.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from saddle.validation import check_int, check_real, check_step_size

__all__ = [
    "Constant",
    "CosineDecay",
    "PiecewiseConstant",
    "PolynomialDecay",
    "Schedule",
    "StepDecay",
    "as_schedule",
    "step_size_at",
]

Schedule = Callable[[int], float]


def _positive(name: str, value: float) -> float:
    return check_real(name, value, 0.0, math.inf, high_open=True)


@dataclass(frozen=True)
class Constant:
    """η_k = value for every k."""

    value: float

    def __post_init__(self) -> None:
        _positive("value", self.value)

    def __call__(self, k: int) -> float:
        return float(self.value)


@dataclass(frozen=True)
class PolynomialDecay:
    """η_k = initial / (1 + k / offset)^power: Robbins–Monro steps (Σ η_k = ∞, Σ η_k² < ∞ for power in (1/2, 1]).

    Defaults: power = 1 (η_k ∝ 1/k), offset = 1 (η_k = initial / (k + 1)); power = 0 is a constant.
    """

    initial: float
    power: float = 1.0
    offset: float = 1.0

    def __post_init__(self) -> None:
        _positive("initial", self.initial)
        check_real("power", self.power, 0.0, math.inf, low_open=False, high_open=True)
        _positive("offset", self.offset)

    @classmethod
    def welling_teh(cls, a: float, b: float = 1.0, gamma: float = 0.55) -> PolynomialDecay:
        """ε_t = a (b + t)^{−γ} (Welling & Teh 2011, §3; γ ∈ (0.5, 1], defaults b = 1, γ = 0.55).

        a (b + t)^{−γ} = a b^{−γ} (1 + t/b)^{−γ}: initial = a b^{−γ}, power = γ, offset = b.
        """
        a, b = _positive("a", a), _positive("b", b)
        gamma = check_real("gamma", gamma, 0.5, 1.0)
        return cls(a * b**-gamma, power=gamma, offset=b)

    def __call__(self, k: int) -> float:
        try:
            return self.initial / (1.0 + k / self.offset) ** self.power
        except OverflowError:  # (1 + k/offset)^power beyond float range: the step has decayed to 0
            return 0.0


@dataclass(frozen=True)
class StepDecay:
    """η_k = initial · factor^⌊k / every⌋ (piecewise constant, multiplied by `factor` every `every` steps)."""

    initial: float
    factor: float = 0.5
    every: int = 100

    def __post_init__(self) -> None:
        _positive("initial", self.initial)
        check_real("factor", self.factor, 0.0, 1.0)
        check_int("every", self.every, 1)

    def __call__(self, k: int) -> float:
        return self.initial * self.factor ** (k // self.every)


@dataclass(frozen=True)
class PiecewiseConstant:
    """η_k = initial · factor^{#milestones ≤ k} (decay at given steps, e.g. milestones (50, 75) of 100)."""

    initial: float
    milestones: Sequence[int]
    factor: float = 0.5

    def __post_init__(self) -> None:
        _positive("initial", self.initial)
        check_real("factor", self.factor, 0.0, 1.0)
        object.__setattr__(self, "milestones", tuple(check_int("milestone", m, 0) for m in self.milestones))

    def __call__(self, k: int) -> float:
        return self.initial * self.factor ** sum(k >= m for m in self.milestones)


@dataclass(frozen=True)
class CosineDecay:
    """η_k = final + (initial − final)(1 + cos(π k / steps))/2 for k ≤ steps (Loshchilov & Hutter 2017); default final 0.

    A step size must stay > 0, so η_steps = final must be > 0 if the schedule is evaluated at k = steps.
    """

    initial: float
    steps: int
    final: float = 0.0

    def __post_init__(self) -> None:
        _positive("initial", self.initial)
        check_int("steps", self.steps, 1)
        check_real("final", self.final, 0.0, self.initial, low_open=False)

    def __call__(self, k: int) -> float:
        return self.final + (self.initial - self.final) * 0.5 * (
            1 + math.cos(math.pi * min(k, self.steps) / self.steps)
        )


def _checked_value(name: str, schedule: Schedule, k: int) -> float:
    """schedule(k) if it is a finite real > 0, else ValueError naming the schedule, k and the value returned."""
    eta = schedule(k)
    try:  # a number, numpy scalar or one-element tensor
        value = math.nan if isinstance(eta, (bool, str)) else float(eta)
    except (TypeError, ValueError, RuntimeError):
        value = math.nan
    if not (math.isfinite(value) and value > 0):
        raise ValueError(f"{name} schedule returned {eta!r} at k={k}; a step size must be finite and > 0")
    return value


@dataclass(frozen=True)
class _Checked:
    """A user's schedule k -> η_k whose every value is checked when it is read (a negative step would descend where
    the caller ascends; NaN would spread through every iterate)."""

    schedule: Schedule
    name: str = "step_size"

    def __call__(self, k: int) -> float:
        return _checked_value(self.name, self.schedule, k)


_VALIDATED = (Constant, PolynomialDecay, StepDecay, PiecewiseConstant, CosineDecay, _Checked)


def as_schedule(step_size: float | Schedule, name: str = "step_size") -> Schedule:
    """A number becomes a (validated) `Constant`; the schedules of this module are used as they are; any other
    callable is wrapped so that each value it returns is checked (ValueError unless finite and > 0)."""
    step_size = check_step_size(step_size, name)
    if not callable(step_size):
        return Constant(step_size)
    return step_size if isinstance(step_size, _VALIDATED) else _Checked(step_size, name)


def step_size_at(step_size: float | Schedule, k: int) -> float:
    """η_k: the constant itself or the schedule evaluated at step k (ValueError unless finite and > 0)."""
    if not callable(step_size):
        return step_size
    return _checked_value("step-size", step_size, k)
