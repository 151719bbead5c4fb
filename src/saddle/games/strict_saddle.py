"""A strict saddle of a function to minimise (one player): where gradient descent stalls only on a null set.

Seed 003, "Does SGD avoid non-minimum points with probability 1?" and its perturbed SGD; Lee, Simchowitz, Jordan,
Recht (COLT 2016): gradient descent from a random start avoids strict saddles almost surely, because the starts
that converge to one (its stable manifold) have measure zero; Jin, Ge, Netrapalli, Kakade, Jordan (ICML 2017):
perturbed gradient descent escapes them in a number of steps poly-logarithmic in the dimension.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import Tensor

from saddle.games.base import Game
from saddle.validation import check_int


class StrictSaddle(Game):
    """f(x, y) = ½‖x‖² − ½y² + ¼y⁴ on z = (x, y) ∈ R^{d−1} × R, one player minimising f; V = ∇f = (x, y³ − y).

    Critical points: the strict saddle 0 (Hessian diag(1, …, 1, −1), f = 0) and the minimisers (0, ±1)
    (f = −1/4). Gradient descent started on the saddle's stable manifold {y = 0} keeps y = 0 exactly and
    converges to the saddle; any y ≠ 0 grows by the factor (1 + η) per step near it. `dim` = d ≥ 1 is the
    player's dimension (the last coordinate is y); params are one (B, d) tensor.
    """

    names = ("z",)

    def __init__(self, dim: int = 2) -> None:
        self.dims = (check_int("dim", dim),)

    def value(self, z: Tensor) -> Tensor:
        """f(z) for a batch z (B, d) -> (B,)."""
        x, y = z[..., :-1], z[..., -1]
        return 0.5 * (x * x).sum(-1) - 0.5 * y**2 + 0.25 * y**4

    def losses(self, params: Sequence[Tensor]) -> list[Tensor]:
        return [self.value(params[0])]

    def field(self, params: Sequence[Tensor]) -> list[Tensor]:
        (z,) = params
        y = z[..., -1:]
        return [torch.cat([z[..., :-1], y**3 - y], -1)]

    def critical_points(self, dtype: torch.dtype = torch.float64) -> list[list[Tensor]]:
        """The saddle 0 first, then the minimisers (0, …, 0, ±1)."""
        d = self.dims[0]
        saddle = torch.zeros(d, dtype=dtype)
        minima = [torch.zeros(d, dtype=dtype) for _ in range(2)]
        minima[0][-1], minima[1][-1] = 1.0, -1.0
        return [[saddle], [minima[0]], [minima[1]]]
