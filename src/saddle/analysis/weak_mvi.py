"""The weak Minty variational inequality constant ρ (Diakonikolas, Daskalakis, Jordan 2021; Pethick et al. 2022).

V satisfies the weak MVI with constant ρ at a solution z* if ⟨V(z), z − z*⟩ ≥ ρ‖V(z)‖² for all z (seed 000, eq. 4);
ρ < 0 lets V point away from z*. The best constant on a region is ρ = inf_z ⟨V(z), z − z*⟩ / ‖V(z)‖².
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import torch
from torch import Tensor

from saddle.games.base import Game
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
