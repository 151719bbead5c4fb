"""Bilinear games min_x max_y xᵀAy (seed 000, "a simple bilinear game min_x max_y xy")."""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import Tensor

from saddle.games.base import ZeroSumGame
from saddle.validation import as_real_tensor


class Bilinear(ZeroSumGame):
    """Φ(x, y) = xᵀAy, V(z) = [Ay, −Aᵀx]; A = [[1]] (the game xy) by default.

    The unique equilibrium is z* = 0 when A is square and invertible. Shapes: x (B, m), y (B, n), A (m, n).
    """

    def __init__(self, A: Tensor | None = None) -> None:
        A = torch.ones(1, 1, dtype=torch.float64) if A is None else as_real_tensor("A", A, ("m", "n"))
        if A.shape[0] == 0 or A.shape[1] == 0:
            raise ValueError(f"A must be a non-empty matrix (m, n), got shape {tuple(A.shape)}")
        self.A = A
        self.dims = (A.shape[0], A.shape[1])

    def _A(self, like: Tensor) -> Tensor:
        return self.A.to(dtype=like.dtype, device=like.device)

    def phi(self, x: Tensor, y: Tensor) -> Tensor:
        return ((x @ self._A(x)) * y).sum(-1)

    def field(self, params: Sequence[Tensor]) -> list[Tensor]:
        x, y = params
        A = self._A(x)
        return [y @ A.T, -(x @ A)]

    def critical_points(self, dtype: torch.dtype = torch.float64) -> list[list[Tensor]]:
        return [[torch.zeros(self.dims[0], dtype=dtype), torch.zeros(self.dims[1], dtype=dtype)]]
