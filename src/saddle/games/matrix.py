"""Finite two-player zero-sum matrix games min_p max_q pᵀAq on probability simplices (seed 000, mixed NE).

The exact Nash equilibrium comes from the linear programme of von Neumann's minimax theorem, solved with
scipy.optimize.linprog (HiGHS); the duality gap max_j (Aᵀp)_j − min_i (Aq)_i ≥ 0 is zero exactly at equilibria.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import torch
from torch import Tensor

from saddle.games.base import ZeroSumGame
from saddle.sets import Simplex
from saddle.validation import as_generator, as_real_tensor, check_int, check_probability_vectors


@dataclass(frozen=True)
class NashEquilibrium:
    """value = min_p max_q pᵀAq; p (n,), q (m,) optimal mixed strategies (float64)."""

    value: float
    p: Tensor
    q: Tensor


class MatrixGame(ZeroSumGame):
    """min_p max_q pᵀAq: the row player p (B, n) pays A[i, j] to the column player q (B, m).

    V = [Aq, −Aᵀp]; both players are constrained to the simplex (`project`, `constraints`).
    """

    names = ("p", "q")

    def __init__(self, A: Tensor) -> None:
        A = as_real_tensor("payoff matrix A", A, ("n", "m")).to(torch.float64)
        if A.shape[0] < 1 or A.shape[1] < 1:
            raise ValueError(f"payoff matrix A must be 2-D and non-empty, got shape {tuple(A.shape)}")
        self.A = A
        self.dims = (A.shape[0], A.shape[1])
        self.constraints = (Simplex(), Simplex())

    def _A(self, like: Tensor) -> Tensor:
        return self.A.to(dtype=like.dtype, device=like.device)

    def phi(self, p: Tensor, q: Tensor) -> Tensor:
        return ((p @ self._A(p)) * q).sum(-1)

    def field(self, params: Sequence[Tensor]) -> list[Tensor]:
        p, q = params
        A = self._A(p)
        return [q @ A.T, -(p @ A)]

    def duality_gap(self, p: Tensor, q: Tensor) -> Tensor:
        """max_j (Aᵀp)_j − min_i (Aq)_i for each play of the batch; shape p.shape[:-1]. Zero iff (p, q) is a Nash equilibrium.

        p (..., n) and q (..., m) are probability vectors with the same batch shape (ValueError otherwise).
        """
        self.check_params([p, q], "(p, q)")
        check_probability_vectors("p", p)
        check_probability_vectors("q", q)
        A = self._A(p)
        return (p @ A).amax(-1) - (q @ A.T).amin(-1)

    def nash(self) -> NashEquilibrium:
        """Exact value and optimal strategies by two linear programmes (scipy.optimize.linprog, HiGHS)."""
        from scipy.optimize import linprog

        A = self.A.numpy()
        n, m = A.shape
        # row player: min v s.t. Aᵀp ≤ v·1, Σp = 1, p ≥ 0; variables (p, v)
        res_p = linprog(
            np.r_[np.zeros(n), 1.0],
            A_ub=np.c_[A.T, -np.ones(m)],
            b_ub=np.zeros(m),
            A_eq=np.r_[np.ones(n), 0.0][None],
            b_eq=[1.0],
            bounds=[(0, None)] * n + [(None, None)],
            method="highs",
        )
        # column player: max w s.t. Aq ≥ w·1, Σq = 1, q ≥ 0; variables (q, w)
        res_q = linprog(
            np.r_[np.zeros(m), -1.0],
            A_ub=np.c_[-A, np.ones(n)],
            b_ub=np.zeros(n),
            A_eq=np.r_[np.ones(m), 0.0][None],
            b_eq=[1.0],
            bounds=[(0, None)] * m + [(None, None)],
            method="highs",
        )
        if not (res_p.success and res_q.success):
            raise RuntimeError(f"linprog failed: {res_p.message} / {res_q.message}")
        p = torch.tensor(np.clip(res_p.x[:n], 0, None), dtype=torch.float64)
        q = torch.tensor(np.clip(res_q.x[:m], 0, None), dtype=torch.float64)
        return NashEquilibrium(value=float(res_p.x[-1]), p=p / p.sum(), q=q / q.sum())


def rock_paper_scissors() -> MatrixGame:
    """Rock-paper-scissors as a loss matrix for the row player: value 0, unique equilibrium uniform (1/3, 1/3, 1/3)."""
    return MatrixGame(torch.tensor([[0.0, 1.0, -1.0], [-1.0, 0.0, 1.0], [1.0, -1.0, 0.0]]))


def random_matrix_game(n: int, m: int, generator: torch.Generator | int | None = None) -> MatrixGame:
    """A (n, m) payoff matrix with i.i.d. U[−1, 1] entries; generator a torch.Generator, an int seed or None."""
    check_int("n", n), check_int("m", m)
    generator = as_generator(generator)
    return MatrixGame(torch.rand(n, m, generator=generator, dtype=torch.float64) * 2 - 1)
