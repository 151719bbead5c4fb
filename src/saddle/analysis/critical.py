"""Critical points of a game and the local-Nash test (seed 000, "Saddle points & local Nash equilibria").

A local Nash equilibrium z* satisfies V(z*) = 0 and, to second order, each player's own-loss Hessian is
positive semidefinite: for min_x max_y Φ, ∇²_xx Φ ⪰ 0 and −∇²_yy Φ ⪰ 0. These are the diagonal blocks of
the Jacobian ∇V(z*). Positive definite blocks make z* a *strict* local Nash equilibrium; singular ones leave
the second-order test inconclusive. The eigenvalues of ∇V(z*) decide local stability of the flow ż = −V(z).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import torch
from torch import Tensor

from saddle.games.base import Game
from saddle.validation import as_real_tensor, check_finite, check_real

STRICT_NASH = "strict local Nash"
DEGENERATE = "second-order test inconclusive (singular Hessian block)"
NOT_NASH = "critical, not local Nash"
NOT_CRITICAL = "not critical"
#: behaviour of the flow ż = −V(z) near a critical point, from the real parts of the eigenvalues of ∇V
ATTRACTING = "attracting"
REPELLING = "repelling"
SADDLE_OF_V = "saddle of V"
CENTRE_OR_DEGENERATE = "centre or degenerate"


def as_point(game: Game | None, point: Sequence[Tensor], name: str = "point") -> list[Tensor]:
    """One point given as one (d_i,) tensor per player, checked (real, finite and, with a game, the game's d_i) and
    returned as float64 (1, d_i) tensors: the validation boundary of the analysis functions."""
    if not isinstance(point, (list, tuple)):
        raise ValueError(f"{name} must be a list with one (d_i,) tensor per player, got {type(point).__name__}")
    pts = [as_real_tensor(f"{name}[{i}]", p).to(torch.float64).reshape(1, -1) for i, p in enumerate(point)]
    if game is not None:
        game.check_params(pts, name)
    return pts


def as_points(game: Game, points: Tensor, name: str = "points") -> Tensor:
    """A batch of N points (N, D) of `game` (players concatenated, D = Σd_i), checked and returned as float64."""
    return as_real_tensor(name, points, ("N", sum(game.dims))).to(torch.float64)


def finite_matrix(name: str, J: Tensor) -> Tensor:
    """J if it is finite: LAPACK's eigen/singular-value routines on a NaN or inf matrix can abort the interpreter."""
    return check_finite(name, J)


def field_jacobian(game: Game, point: Sequence[Tensor]) -> Tensor:
    """∇V(z) at one point z = [z_1, ..., z_n] (each (d_i,)); shape (D, D), D = Σd_i, float64, by torch.func.jacfwd."""
    pts = as_point(game, point)
    sizes = [p.shape[-1] for p in pts]

    def flat_field(z: Tensor) -> Tensor:
        parts = list(torch.split(z.reshape(1, -1), sizes, dim=-1))
        return torch.cat([v.reshape(-1) for v in game.field(parts)])

    return torch.func.jacfwd(flat_field)(torch.cat([p.reshape(-1) for p in pts]))


def field_jacobians(game: Game, points: Tensor) -> Tensor:
    """∇V at a batch of points (N, D) (players concatenated); shape (N, D, D), by D forward-mode products.

    Plays in a batch are independent, so one `torch.func.jvp` per coordinate direction gives a column for all N.
    """
    z = as_points(game, points)
    sizes = list(game.dims)

    def flat_field(u: Tensor) -> Tensor:
        return torch.cat(game.field(list(torch.split(u, sizes, dim=-1))), dim=-1)

    cols = []
    for j in range(z.shape[-1]):
        e = torch.zeros_like(z)
        e[:, j] = 1.0
        cols.append(torch.func.jvp(flat_field, (z,), (e,))[1])
    return torch.stack(cols, -1)


@dataclass(frozen=True)
class CriticalPointReport:
    """label: one of STRICT_NASH, DEGENERATE, NOT_NASH, NOT_CRITICAL; the evidence behind it.

    own_hessian_eigs[i]: eigenvalues of ∇_{z_i} V_i (for zero-sum: ∇²_xx Φ and −∇²_yy Φ);
    jacobian_eigs: eigenvalues of ∇V (complex); flow_stable: all Re > 0, i.e. z* attracts ż = −V(z);
    flow: ATTRACTING (all Re > 0), REPELLING (all Re < 0), SADDLE_OF_V (both signs) or CENTRE_OR_DEGENERATE
    (some Re = 0 within tol: linearisation inconclusive, e.g. the centre of a bilinear game).
    """

    label: str
    field_norm: float
    own_hessian_eigs: list[Tensor]
    jacobian_eigs: Tensor
    flow_stable: bool
    flow: str = CENTRE_OR_DEGENERATE

    @property
    def is_local_nash_candidate(self) -> bool:
        return self.label in (STRICT_NASH, DEGENERATE)


def classify_critical_point(game: Game, point: Sequence[Tensor], tol: float = 1e-8) -> CriticalPointReport:
    """Local-Nash test at `point`: ‖V‖ ≤ tol, then the sign of each player's own-loss Hessian block.

    tol (default 1e-8) is the threshold for ‖V(z)‖ and for calling an eigenvalue zero.
    """
    check_real("tol", tol, high_open=True)
    pts = as_point(game, point)
    v = torch.cat([g.reshape(-1) for g in game.field(pts)])
    J = finite_matrix("the Jacobian of the field at point", field_jacobian(game, pts))
    blocks, start = [], 0
    for p in pts:
        d = p.shape[-1]
        B = J[start : start + d, start : start + d]
        blocks.append(torch.linalg.eigvalsh((B + B.T) / 2))
        start += d
    jac_eigs = torch.linalg.eigvals(J)
    norm = torch.linalg.vector_norm(v).item()
    if norm > tol:
        label = NOT_CRITICAL
    elif all((b > tol).all() for b in blocks):
        label = STRICT_NASH
    elif all((b >= -tol).all() for b in blocks):
        label = DEGENERATE
    else:
        label = NOT_NASH
    re = jac_eigs.real
    if (re > tol).all():
        flow = ATTRACTING
    elif (re < -tol).all():
        flow = REPELLING
    elif (re > tol).any() and (re < -tol).any():
        flow = SADDLE_OF_V
    else:
        flow = CENTRE_OR_DEGENERATE
    return CriticalPointReport(label, norm, blocks, jac_eigs, bool((re > tol).all()), flow)


def nash_labels(game: Game, points: Tensor, tol: float = 1e-6, hessian_tol: float = 1e-8) -> list[str]:
    """The local-Nash label (STRICT_NASH, DEGENERATE, NOT_NASH, NOT_CRITICAL) of each of N points (N, D), batched.

    A point counts as critical when ‖V(z)‖ ≤ tol; eigenvalues within hessian_tol of 0 count as zero.
    """
    check_real("tol", tol, high_open=True)
    check_real("hessian_tol", hessian_tol, high_open=True)
    z = as_points(game, points)
    sizes = list(game.dims)
    v = torch.cat(game.field(list(torch.split(z, sizes, dim=-1))), dim=-1)
    J = finite_matrix("the Jacobian of the field at points", field_jacobians(game, z))
    pos = torch.ones(len(z), dtype=torch.bool)
    psd = torch.ones(len(z), dtype=torch.bool)
    start = 0
    for d in sizes:
        B = J[:, start : start + d, start : start + d]
        lam = torch.linalg.eigvalsh((B + B.transpose(-1, -2)) / 2).amin(-1)
        pos &= lam > hessian_tol
        psd &= lam >= -hessian_tol
        start += d
    crit = torch.linalg.vector_norm(v, dim=-1) <= tol
    return [
        NOT_CRITICAL if not c else STRICT_NASH if p else DEGENERATE if q else NOT_NASH
        for c, p, q in zip(crit.tolist(), pos.tolist(), psd.tolist())
    ]
