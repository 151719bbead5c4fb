"""Step-size schedules k -> η_k, usable wherever a method takes `step_size` (k = 0, 1, ... counts steps)."""

from __future__ import annotations

import math
from dataclasses import dataclass

from saddle.optim._common import check_real

__all__ = ["Constant", "PolynomialDecay", "StepDecay"]


@dataclass(frozen=True)
class Constant:
    """η_k = value for every k."""

    value: float

    def __post_init__(self) -> None:
        check_real("value", self.value, 0.0, math.inf, high_open=True)

    def __call__(self, k: int) -> float:
        return float(self.value)


@dataclass(frozen=True)
class PolynomialDecay:
    """η_k = initial / (1 + k / offset)^power: Robbins–Monro steps (Σ η_k = ∞, Σ η_k² < ∞ for power in (1/2, 1]).

    Defaults: power = 1 (η_k ∝ 1/k), offset = 1 (η_k = initial / (k + 1)).
    """

    initial: float
    power: float = 1.0
    offset: float = 1.0

    def __post_init__(self) -> None:
        check_real("initial", self.initial, 0.0, math.inf, high_open=True)
        check_real("power", self.power, 0.0, math.inf, low_open=False, high_open=True)
        check_real("offset", self.offset, 0.0, math.inf, high_open=True)

    def __call__(self, k: int) -> float:
        return self.initial / (1.0 + k / self.offset) ** self.power


@dataclass(frozen=True)
class StepDecay:
    """η_k = initial · factor^⌊k / every⌋ (piecewise constant, multiplied by `factor` every `every` steps)."""

    initial: float
    factor: float = 0.5
    every: int = 100

    def __post_init__(self) -> None:
        check_real("initial", self.initial, 0.0, math.inf, high_open=True)
        check_real("factor", self.factor, 0.0, 1.0)
        if isinstance(self.every, bool) or not isinstance(self.every, int) or self.every < 1:
            raise ValueError(f"every must be an integer >= 1, got {self.every!r}")

    def __call__(self, k: int) -> float:
        return self.initial * self.factor ** (k // self.every)
