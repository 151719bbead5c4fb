"""The weak Minty variational inequality constant ρ (Diakonikolas, Daskalakis, Jordan 2021; Pethick et al. 2022).

V satisfies the weak MVI with constant ρ at a solution z* if ⟨V(z), z − z*⟩ ≥ ρ‖V(z)‖² for all z (seed 000, eq. 4);
ρ < 0 lets V point away from z*. The best constant on a region is ρ = inf_z ⟨V(z), z − z*⟩ / ‖V(z)‖².
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import torch
from torch import Tensor

from saddle.games.base import Game
from saddle.validation import check_int


@dataclass(frozen=True)
class WeakMVIEstimate:
    """rho: the smallest ratio on the grid (an upper bound on the true ρ of the region); argmin (D,); n_points used."""

    rho: float
    argmin: Tensor
    n_points: int


def weak_mvi_ratio(game: Game, z: Tensor, z_star: Tensor) -> Tensor:
    """⟨V(z), z − z*⟩ / ‖V(z)‖² for a batch of points z (N, D) (players concatenated); NaN where V(z) = 0."""
    sizes = list(game.dims)
    parts = list(torch.split(z, sizes, dim=-1))
    v = torch.cat(game.field(parts), dim=-1)
    num = (v * (z - z_star.to(z))).sum(-1)
    den = (v * v).sum(-1)
    return torch.where(den > 0, num / den.clamp_min(1e-300), torch.full_like(num, float("nan")))


def grid(lower: Sequence[float], upper: Sequence[float], n: int) -> Tensor:
    """All n^D points of the regular grid on the box [lower, upper] ⊂ R^D; shape (n^D, D), float64."""
    if len(lower) != len(upper) or not all(lo < hi for lo, hi in zip(lower, upper)):
        raise ValueError(f"need lower < upper coordinatewise, got {list(lower)} and {list(upper)}")
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
    target = (
        z_star
        if isinstance(z_star, Tensor)
        else torch.cat([torch.as_tensor(p, dtype=torch.float64).reshape(-1) for p in z_star])
    )
    pts = grid(lower, upper, n)
    if pts.shape[-1] != sum(game.dims):
        raise ValueError(f"grid dimension {pts.shape[-1]} does not match the game's {sum(game.dims)}")
    sizes = list(game.dims)
    v = torch.cat(game.field(list(torch.split(pts, sizes, dim=-1))), dim=-1)
    keep = torch.linalg.vector_norm(v, dim=-1) > exclude
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
    return torch.linalg.matrix_norm(field_jacobians(game, pts), ord=2).max().item()


def linear_weak_mvi_rho(M: Tensor) -> float:
    """Exact ρ of V(z) = Mz (z* = 0, M invertible): with w = Mz, ⟨w, M⁻¹w⟩ ≥ ρ‖w‖² ⇔ ρ = λ_min(sym(M⁻¹))."""
    Minv = torch.linalg.inv(torch.as_tensor(M, dtype=torch.float64))
    return torch.linalg.eigvalsh((Minv + Minv.T) / 2).min().item()
