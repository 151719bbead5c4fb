"""LipSDP-Neuron: an l2 Lipschitz upper bound of a ReLU network by a semidefinite program.

Fazlyab, Robey, Hassani, Morari, Pappas, "Efficient and accurate estimation of Lipschitz constants for
deep neural networks", NeurIPS 2019 (seed 000, table row "LipSDP [28] any l2 good SDP"), Theorem 2 with
a diagonal multiplier T (LipSDP-Neuron) and ReLU slope bounds [α, β] = [0, 1]:

    minimise ρ  s.t.  M(ρ, T) = [A; B]ᵀ [[−2αβT, (α+β)T], [(α+β)T, −2T]] [A; B]
                                 + diag(−ρ I_{n₀}, 0, …, 0, W_Lᵀ W_L) ⪯ 0,   T = diag(t), t ≥ 0,

with A = [blkdiag(W_1, …, W_{L−1}), 0], B = [0, I_n] (n hidden units); then L ≤ sqrt(ρ).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import torch
from torch import Tensor, nn

from saddle.robustness.lipschitz import ReLULayers, relu_layers
from saddle.validation import check_int, check_real


@dataclass(frozen=True)
class LipSDPResult:
    """LipSDP outcome: `bound` = scale·sqrt(ρ), certified when the LMI was re-checked exactly in float64."""

    bound: float
    solver_bound: float  # scale·sqrt(ρ) as returned by the solver (may be slightly infeasible)
    certified: bool
    multipliers: np.ndarray  # t ≥ 0, one per hidden unit
    input_dim: int  # dimension of the (reduced) input block of the LMI
    status: str


def _reduce_first_layer(w0: np.ndarray) -> np.ndarray:
    """W_1 = U S Vᵀ → U S (out × r): the input enters M only through W_1 a and −ρ‖a‖², so a can be
    restricted to the row space of W_1 (a = V z, ‖a‖ = ‖z‖) without changing the LMI's feasibility."""
    u, s, _ = np.linalg.svd(w0, full_matrices=False)
    r = int((s > s.max() * 1e-12).sum()) if s.size and s.max() > 0 else 0
    return u[:, :r] * s[:r] if r else np.zeros((w0.shape[0], 1))


def _lmi_blocks(ws: list[np.ndarray]) -> tuple[np.ndarray, np.ndarray, np.ndarray, int, int]:
    """A (n × N), B (n × N) and the constant block diag(0, …, W_Lᵀ W_L) (N × N) of M; n₀ and n."""
    hidden = [w.shape[0] for w in ws[:-1]]
    n0, n = ws[0].shape[1], sum(hidden)
    N = n0 + n
    A = np.zeros((n, N))
    row, col = 0, 0
    for w in ws[:-1]:
        A[row : row + w.shape[0], col : col + w.shape[1]] = w
        row, col = row + w.shape[0], col + w.shape[1]
    B = np.hstack([np.zeros((n, n0)), np.eye(n)])
    C = np.zeros((N, N))
    C[N - hidden[-1] :, N - hidden[-1] :] = ws[-1].T @ ws[-1]
    return A, B, C, n0, n


def lipschitz_upper_bound_sdp(
    model: nn.Module | ReLULayers | Sequence[Tensor],
    solver: str = "SCS",
    eps: float = 1e-7,
    max_iters: int = 100_000,
    reduce_input: bool = True,
) -> LipSDPResult:
    """LipSDP-Neuron l2 Lipschitz upper bound (Fazlyab et al. 2019) solved with cvxpy (default solver SCS).

    Biases do not enter (slope restriction holds for any bias); a final ReLU is 1-Lipschitz and ignored;
    the output scale multiplies the bound. With `reduce_input` (default) the first layer W_1 (m × p) is
    replaced by U S (m × r, r = rank W_1 ≤ min(m, p)), an exact reduction for wide inputs.
    The solver's T is then turned into a sound certificate: with t clipped to ≥ 0 and M(0, T) split as
    [[P, Q], [Qᵀ, R]] (P the input block), M(ρ, T) ⪯ 0 ⇔ R ≺ 0 and ρ ≥ λ_max(P − Q R⁻¹ Qᵀ) (Schur
    complement, float64), so `bound` is a true upper bound whenever `certified` is True.
    """
    import cvxpy as cp

    layers = relu_layers(model).to(torch.float64)
    check_real("eps", eps, high_open=True)
    check_int("max_iters", max_iters)
    ws = [w.cpu().numpy() for w in layers.weights]
    if len(ws) == 1:
        value = layers.scale * float(np.linalg.norm(ws[0], 2))
        return LipSDPResult(value, value, True, np.zeros(0), ws[0].shape[1], "linear")
    if reduce_input:
        ws = [_reduce_first_layer(ws[0]), *ws[1:]]
    A, B, C, n0, n = _lmi_blocks(ws)
    t = cp.Variable(n, nonneg=True)
    rho = cp.Variable(nonneg=True)
    T = cp.diag(t)
    E0 = np.zeros((n0 + n, n0 + n))
    E0[:n0, :n0] = np.eye(n0)
    M = A.T @ T @ B + B.T @ T @ A - 2 * B.T @ T @ B + C - rho * E0
    problem = cp.Problem(cp.Minimize(rho), [(M + M.T) / 2 << 0])
    kwargs = {"eps": eps, "max_iters": max_iters} if solver.upper() == "SCS" else {}
    try:
        problem.solve(solver=solver, **kwargs)
    except cp.error.SolverError as e:
        raise ValueError(f"solver {solver!r} failed: {e}") from None
    if t.value is None or rho.value is None:
        raise ValueError(f"LipSDP solve failed with status {problem.status!r}")
    t_val = np.clip(np.asarray(t.value, dtype=np.float64), 0.0, None)
    solver_bound = layers.scale * math.sqrt(max(float(rho.value), 0.0))
    M0 = A.T @ np.diag(t_val) @ B
    M0 = M0 + M0.T - 2 * B.T @ np.diag(t_val) @ B + C
    P, Q, R = M0[:n0, :n0], M0[:n0, n0:], M0[n0:, n0:]
    certified = bool(np.linalg.eigvalsh(R).max() < 0)
    bound = solver_bound
    if certified:
        S = P - Q @ np.linalg.solve(R, Q.T)
        rho_exact = max(float(np.linalg.eigvalsh((S + S.T) / 2).max()), 0.0)
        bound = layers.scale * math.sqrt(rho_exact)
    return LipSDPResult(bound, solver_bound, certified, t_val, n0, str(problem.status))
