"""Quadratic zero-sum games Φ = ½xᵀAx + xᵀBy − ½yᵀCy: x² − y², strongly monotone and linear games.

Their field is linear, V(z) = Mz with M = [[A, B], [−Bᵀ, C]]; the symmetric part diag(A, C) decides
monotonicity (A, C ⪰ μI ⇒ μ-strongly monotone) and ‖M‖₂ is the Lipschitz constant L (seed 000, rate table).
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import Tensor

from saddle.games.base import ZeroSumGame
from saddle.validation import as_real_tensor


class QuadraticGame(ZeroSumGame):
    """Φ(x, y) = ½xᵀAx + xᵀBy − ½yᵀCy with A (m, m), C (n, n) symmetric and B (m, n).

    V(z) = [Ax + By, Cy − Bᵀx]. Shapes: x (B, m), y (B, n). The saddle x² − y² is A = C = [[2]], B = [[0]].
    """

    def __init__(self, A: Tensor, B: Tensor, C: Tensor) -> None:
        sizes: dict[str, int] = {}
        B = as_real_tensor("B", B, ("m", "n"), sizes=sizes).to(torch.float64)
        A = as_real_tensor("A", A, ("m", "m"), sizes=sizes).to(torch.float64)
        C = as_real_tensor("C", C, ("n", "n"), sizes=sizes).to(torch.float64)
        m, n = B.shape
        for name, T in (("A", A), ("C", C)):
            if not torch.allclose(T, T.T, atol=1e-12):
                raise ValueError(f"{name} must be symmetric, got asymmetry {(T - T.T).abs().max().item():.3g}")
        self.A, self.B, self.C = A, B, C
        self.dims = (m, n)

    @classmethod
    def saddle(cls) -> QuadraticGame:
        """Φ = x² − y² (seed 000, the plain saddle): a strict local Nash equilibrium at 0."""
        return cls(torch.tensor([[2.0]]), torch.tensor([[0.0]]), torch.tensor([[2.0]]))

    def _mats(self, like: Tensor) -> tuple[Tensor, Tensor, Tensor]:
        return tuple(T.to(dtype=like.dtype, device=like.device) for T in (self.A, self.B, self.C))  # type: ignore[return-value]

    def phi(self, x: Tensor, y: Tensor) -> Tensor:
        A, B, C = self._mats(x)
        return 0.5 * ((x @ A) * x).sum(-1) + ((x @ B) * y).sum(-1) - 0.5 * ((y @ C) * y).sum(-1)

    def field(self, params: Sequence[Tensor]) -> list[Tensor]:
        x, y = params
        A, B, C = self._mats(x)
        return [x @ A + y @ B.T, y @ C - x @ B]

    @property
    def matrix(self) -> Tensor:
        """M with V(z) = Mz for z = [x, y] (float64, shape (m + n, m + n))."""
        return torch.cat([torch.cat([self.A, self.B], 1), torch.cat([-self.B.T, self.C], 1)], 0)

    def lipschitz(self) -> float:
        """L = ‖M‖₂, the Lipschitz constant of V."""
        return torch.linalg.matrix_norm(self.matrix, ord=2).item()

    def strong_monotonicity(self) -> float:
        """μ = λ_min(sym M) = min(λ_min(A), λ_min(C)); negative when the game is not monotone."""
        return min(torch.linalg.eigvalsh(self.A).min().item(), torch.linalg.eigvalsh(self.C).min().item())

    def critical_points(self, dtype: torch.dtype = torch.float64) -> list[list[Tensor]]:
        m, n = self.dims
        return [[torch.zeros(m, dtype=dtype), torch.zeros(n, dtype=dtype)]]
