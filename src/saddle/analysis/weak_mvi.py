"""The weak Minty variational inequality constant ρ (Diakonikolas, Daskalakis, Jordan 2021; Pethick et al. 2022).

V satisfies the weak MVI with constant ρ at a solution z* if ⟨V(z), z − z*⟩ ≥ ρ‖V(z)‖² for all z (seed 000, eq. 4);
ρ < 0 lets V point away from z*. The best constant on a region is ρ = inf_z ⟨V(z), z − z*⟩ / ‖V(z)‖².
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import torch
from torch import Tensor

from saddle.analysis.rollout import rollout
from saddle.games.base import Game
from saddle.games.linear import weak_mvi_game
from saddle.validation import as_real_tensor, check_int, check_real


@dataclass(frozen=True)
class WeakMVIEstimate:
    """rho: the smallest ratio on the grid (an upper bound on the true ρ of the region); argmin (D,); n_points used."""

    rho: float
    argmin: Tensor
    n_points: int


def weak_mvi_ratio(game: Game, z: Tensor, z_star: Tensor) -> Tensor:
    """⟨V(z), z − z*⟩ / ‖V(z)‖² for a batch of points z (N, D) (players concatenated), z* (D,); NaN where V(z) = 0."""
    from saddle.analysis.critical import as_points

    z = as_points(game, z, "z")
    z_star = as_real_tensor("z_star", z_star, (sum(game.dims),))
    sizes = list(game.dims)
    parts = list(torch.split(z, sizes, dim=-1))
    v = torch.cat(game.field(parts), dim=-1)
    num = (v * (z - z_star.to(z))).sum(-1)
    den = (v * v).sum(-1)
    return torch.where(den > 0, num / den.clamp_min(1e-300), torch.full_like(num, float("nan")))


def grid(lower: Sequence[float], upper: Sequence[float], n: int) -> Tensor:
    """All n^D points of the regular grid on the box [lower, upper] ⊂ R^D; shape (n^D, D), float64."""
    lower = [check_real("lower", lo, -math.inf, math.inf) for lo in lower]
    upper = [check_real("upper", hi, -math.inf, math.inf) for hi in upper]
    if len(lower) != len(upper) or not lower or not all(lo < hi for lo, hi in zip(lower, upper)):
        raise ValueError(f"need lower < upper coordinatewise, got lower={lower} and upper={upper}")
    check_int("n", n, low=2)
    if n ** len(lower) > 10**7:
        raise ValueError(
            f"need at most 1e7 grid points, got n={n} in dimension {len(lower)} ({n ** len(lower):.3g} points)"
        )
    axes = [torch.linspace(lo, hi, n, dtype=torch.float64) for lo, hi in zip(lower, upper)]
    return torch.stack(torch.meshgrid(*axes, indexing="ij"), -1).reshape(-1, len(axes))


def estimate_weak_mvi_rho(
    game: Game,
    z_star: Tensor | Sequence[Tensor],
    lower: Sequence[float],
    upper: Sequence[float],
    n: int = 101,
    exclude: float = 1e-9,
) -> WeakMVIEstimate:
    """ρ̂ = min over the grid (n points per axis on [lower, upper]) of ⟨V(z), z − z*⟩ / ‖V(z)‖².

    Points with ‖V(z)‖ ≤ exclude (critical points, where the ratio is undefined) are skipped. A grid minimum
    can only overestimate the infimum; refine n to tighten it.
    """
    check_real("exclude", exclude, 0.0, math.inf, low_open=False, high_open=True)
    target = (
        z_star if isinstance(z_star, Tensor) else torch.cat([as_real_tensor("z_star", p).reshape(-1) for p in z_star])
    )
    pts = grid(lower, upper, n)
    if pts.shape[-1] != sum(game.dims):
        raise ValueError(f"grid dimension {pts.shape[-1]} does not match the game's {sum(game.dims)}")
    sizes = list(game.dims)
    v = torch.cat(game.field(list(torch.split(pts, sizes, dim=-1))), dim=-1)
    keep = torch.linalg.vector_norm(v, dim=-1) > exclude
    if not keep.any():
        raise ValueError(f"every grid point has ‖V(z)‖ <= exclude = {exclude}: no ratio is defined; lower exclude")
    ratio = weak_mvi_ratio(game, pts[keep], target)
    i = int(torch.argmin(ratio))
    return WeakMVIEstimate(ratio[i].item(), pts[keep][i], int(keep.sum()))


def field_lipschitz_on_grid(game: Game, lower: Sequence[float], upper: Sequence[float], n: int = 61) -> float:
    """L̂ = max ‖∇V(z)‖₂ over the grid (n points per axis on [lower, upper]): the Lipschitz constant of V on the box,
    from below (exact for a linear field). CurvatureEG+ needs ρ > −γ/2 with γ ≥ ν/L (Pethick et al. 2022)."""
    from saddle.analysis.critical import field_jacobians

    pts = grid(lower, upper, n)
    if pts.shape[-1] != sum(game.dims):
        raise ValueError(f"grid dimension {pts.shape[-1]} does not match the game's {sum(game.dims)}")
    from saddle.analysis.critical import finite_matrix

    jac = finite_matrix("the Jacobian of the field on the grid", field_jacobians(game, pts))
    return torch.linalg.matrix_norm(jac, ord=2).max().item()


def linear_weak_mvi_rho(M: Tensor) -> float:
    """Exact ρ of V(z) = Mz (z* = 0, M invertible): with w = Mz, ⟨w, M⁻¹w⟩ ≥ ρ‖w‖² ⇔ ρ = λ_min(sym(M⁻¹))."""
    M = as_real_tensor("M", M, ("n", "n")).to(torch.float64)
    Minv, info = torch.linalg.inv_ex(M)
    if int(info) != 0 or not bool(torch.isfinite(Minv).all()):
        raise ValueError(f"M must be invertible, got a singular matrix {M.tolist()}")
    return torch.linalg.eigvalsh((Minv + Minv.T) / 2).min().item()


def contracts_on_weak_mvi_game(
    method: Any, rho: float, L: float = 1.0, steps: int = 200, dim: int = 1, generator: torch.Generator | None = None
) -> bool:
    """True when `steps` steps of `method` shrink ‖z‖ on the linear game `weak_mvi_game(dim, rho, L)` from a random start.

    Each 2×2 block of that game is L times a rotation, so every linear method (EG, EG+, CEG+ with fixed γ) multiplies
    each block by one complex number μ: ‖z_K‖ = |μ|^K ‖z_0‖ exactly, and "shrinks after K steps" is "|μ| < 1", the
    method's convergence on the game (‖V(z_K)‖ = L‖z_K‖ → 0), for every K.
    """
    game = weak_mvi_game(dim, rho, L, generator)
    z0 = [torch.randn(1, dim, generator=generator, dtype=torch.float64) for _ in range(2)]
    traj, _ = rollout(method, game.field, z0, check_int("steps", steps), every=steps)
    first, last = torch.linalg.vector_norm(traj[0]), torch.linalg.vector_norm(traj[-1])
    return bool(torch.isfinite(last) and last < first)


def weak_mvi_boundary(
    make_method: Callable[[float], Any],
    L: float = 1.0,
    lower: float | None = None,
    upper: float = 0.0,
    steps: int = 200,
    tol: float = 1e-4,
    dim: int = 1,
    generator: torch.Generator | None = None,
) -> float:
    """The weak-MVI constant below which `make_method(ρ)` stops converging on the linear family `weak_mvi_game`.

    Bisection on ρ ∈ [lower, upper] (lower defaults to −1/L, the family's end) for the boundary between
    "contracts" (at `upper`, required) and "does not contract" (at `lower`, required), with
    `contracts_on_weak_mvi_game` deciding each ρ; stops when the bracket is shorter than tol/L. Returns the
    bracket's midpoint. `make_method(ρ)` builds the method for the game with constant ρ (CEG+ needs σ ≤ ρ).
    The family is Pethick et al.'s (ICLR 2022) lower-bound example: EG+ with γ = 1/L and update step αγ
    converges on it iff ρ > −(1 − α)/(2L).
    """
    L = check_real("L", L, 0.0, float("inf"), high_open=True)
    lo = -1.0 / L if lower is None else check_real("lower", lower, -1.0 / L, 1.0 / L, low_open=False)
    hi = check_real("upper", upper, lo, 1.0 / L)
    check_real("tol", tol, 0.0, 1.0)

    def contracts(rho: float) -> bool:
        return contracts_on_weak_mvi_game(make_method(rho), rho, L, steps, dim, generator)

    if not contracts(hi):
        raise ValueError(f"the method does not converge at the upper end rho={hi}: no boundary in [{lo}, {hi}]")
    if contracts(lo):
        raise ValueError(f"the method converges at the lower end rho={lo}: no boundary in [{lo}, {hi}]")
    while hi - lo > tol / L:
        mid = 0.5 * (lo + hi)
        lo, hi = (lo, mid) if contracts(mid) else (mid, hi)
    return 0.5 * (lo + hi)
