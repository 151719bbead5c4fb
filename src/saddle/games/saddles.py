"""Saddles of different shapes (seed 000, figures "x² − y²", "monkey saddle", "weird saddle" [44])."""

from __future__ import annotations

import math
from collections.abc import Sequence

import torch
from torch import Tensor

from saddle.games.base import ZeroSumGame
from saddle.validation import check_real


class MonkeySaddle(ZeroSumGame):
    """Φ(x, y) = x³ − 3xy²; V = [3x² − 3y², 6xy]. Only critical point: 0, where the Hessian vanishes (not a Nash point)."""

    dims = (1, 1)

    def phi(self, x: Tensor, y: Tensor) -> Tensor:
        return (x**3 - 3 * x * y**2).sum(-1)

    def field(self, params: Sequence[Tensor]) -> list[Tensor]:
        x, y = params
        return [3 * x**2 - 3 * y**2, 6 * x * y]

    def critical_points(self, dtype: torch.dtype = torch.float64) -> list[list[Tensor]]:
        return [[torch.zeros(1, dtype=dtype), torch.zeros(1, dtype=dtype)]]


class WeirdSaddle(ZeroSumGame):
    """Φ(x, y) = −x²y² + xy; V = [y(1 − 2xy), −x(1 − 2xy)].

    Critical points: the origin (a degenerate local Nash point: Φ(0, y) = Φ(x, 0) = 0) and the whole hyperbola
    xy = 1/2, where ∇²_xx Φ = −2y² < 0, so the minimising player sits at a local maximum (not Nash).
    `critical_points` returns the origin and the hyperbola points x = ±2^{-1/2}·t^{±1} for t in `hyperbola_t`.
    """

    dims = (1, 1)

    def __init__(self, hyperbola_t: Sequence[float] = (1.0, 2.0)) -> None:
        self.hyperbola_t = tuple(check_real("hyperbola_t entry", t, 0.0, math.inf, high_open=True) for t in hyperbola_t)

    def phi(self, x: Tensor, y: Tensor) -> Tensor:
        return (-(x**2) * y**2 + x * y).sum(-1)

    def field(self, params: Sequence[Tensor]) -> list[Tensor]:
        x, y = params
        u = 1 - 2 * x * y
        return [y * u, -x * u]

    def critical_points(self, dtype: torch.dtype = torch.float64) -> list[list[Tensor]]:
        pts = [[torch.zeros(1, dtype=dtype), torch.zeros(1, dtype=dtype)]]
        for t in self.hyperbola_t:
            for s in (1.0, -1.0):
                x = s * t / math.sqrt(2)
                pts.append([torch.tensor([x], dtype=dtype), torch.tensor([0.5 / x], dtype=dtype)])
        return pts
