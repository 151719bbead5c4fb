"""The game's health at an iterate: ‖V‖ per player, the potential and rotational parts of the game Jacobian, and
the spectral radius of a method's update map — measured by Jacobian-vector products, never forming a matrix.

For the field V = [∇_{z_1} L_1, …, ∇_{z_n} L_n] the game Jacobian J = ∇V splits into S = (J + Jᵀ)/2 and
A = (J − Jᵀ)/2 (Balduzzi et al. 2018, "The mechanics of n-player differentiable games", §3): a potential game
(all players minimise one function) has A = 0, a Hamiltonian game such as the bilinear xy has S = 0. On a random
unit vector v (one per row), J v comes from forward mode (`torch.func.jvp`) and Jᵀ v from reverse mode
(`torch.func.vjp`): S v = (Jv + Jᵀv)/2, A v = (Jv − Jᵀv)/2, and ‖A v‖/(‖S v‖ + ‖A v‖) says how rotational the game
is at the iterate. The update map F of one `Method.step` (on the augmented state, as `update_jacobian`) converges
locally iff ρ(∇F) < 1 (Mescheder et al. 2017); its spectral radius is estimated by a Krylov power iteration on
JVPs of F (Arnoldi: the largest |Ritz value| of the m × m Hessenberg matrix, m JVPs; exact once m reaches the
dimension of the Krylov space, e.g. m = 2 on the Dirac-GAN).

Every function takes params as one (B, d_i) tensor per player (B independent rows: plays, seeds) and returns one
value per row. `field` must be a pure function of the params that `torch.func` can transform (the test games'
fields; `saddle.gans.GANGame.functional_field` for a GAN at a fixed batch).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import torch
from torch import Tensor

from saddle.analysis.jacobian import augmented_step
from saddle.validation import as_generator, check_int

__all__ = ["GameHealth", "game_health", "jacobian_parts", "update_map_radius"]

Field = Callable[[list[Tensor]], list[Tensor]]


def _rows(params: Sequence[Tensor]) -> tuple[list[Tensor], list[int], int]:
    if not params:
        raise ValueError("params must hold one (B, d_i) tensor per player, got none")
    pts = [torch.as_tensor(p) for p in params]
    b = pts[0].shape[0] if pts[0].ndim == 2 else -1
    for i, p in enumerate(pts):
        if p.ndim != 2 or p.shape[0] != b:
            raise ValueError(
                f"player {i}: params must be (B, d_i) tensors with one B, got shapes {[tuple(q.shape) for q in pts]}"
            )
    return pts, [p.shape[1] for p in pts], b


def _unit_rows(shape: tuple[int, ...], like: Tensor, generator: torch.Generator | None) -> Tensor:
    v = torch.randn(shape, generator=generator, dtype=like.dtype, device="cpu").to(like.device)
    return v / v.norm(dim=-1, keepdim=True)


def jacobian_parts(
    field: Field, params: Sequence[Tensor], generator: torch.Generator | int | None = None
) -> tuple[Tensor, Tensor]:
    """(‖S v‖, ‖A v‖) per row, S and A the symmetric and antisymmetric parts of J = ∇V at params (module doc).

    v is one random unit vector per row over all players (drawn from `generator`); shapes (B,), (B,).
    """
    pts, sizes, _ = _rows(params)
    gen = as_generator(generator)
    z = torch.cat(pts, dim=-1)
    v = _unit_rows(tuple(z.shape), z, gen)

    def flat(u: Tensor) -> Tensor:
        return torch.cat(list(field(list(torch.split(u, sizes, dim=-1)))), dim=-1)

    jv = torch.func.jvp(flat, (z,), (v,))[1]
    pullback = torch.func.vjp(flat, z)[1]
    (jtv,) = pullback(v)
    return (0.5 * (jv + jtv)).norm(dim=-1), (0.5 * (jv - jtv)).norm(dim=-1)


def update_map_radius(
    method: Any,
    field: Field,
    params: Sequence[Tensor],
    state: Any = None,
    iters: int = 8,
    generator: torch.Generator | int | None = None,
) -> Tensor:
    """Spectral radius of ∇F per row, F one `method.step` on (params, floating state) — the map `update_jacobian`
    differentiates — estimated from `iters` JVPs by Arnoldi (largest |Ritz value|; module doc). Shape (B,).

    state: the method's state at params (default: the state after one step from params, as `update_jacobian`).
    A method that draws noise (Langevin) has its generators' states restored afterwards (`method.generator`, and
    `method.generators` of a composite step): the diagnostic does not change the run (the noise is additive, so
    it does not enter ∇F).
    """
    iters = check_int("iters", iters)
    pts, _, b = _rows(params)
    gen = as_generator(generator)
    noise = [getattr(method, "generator", None), *getattr(method, "generators", ())]
    flat = [g for item in noise for g in (item if isinstance(item, tuple) else (item,))]  # one per row, or one
    saved = [(g, g.get_state()) for g in flat if isinstance(g, torch.Generator)]
    try:
        step, z0 = augmented_step(method, field, pts, state)
        basis = [_unit_rows(tuple(z0.shape), z0, gen)]
        hessenberg = torch.zeros(b, iters + 1, iters, dtype=z0.dtype, device=z0.device)
        for j in range(iters):
            w = torch.func.jvp(step, (z0,), (basis[j],))[1]
            for i, q in enumerate(basis):  # modified Gram-Schmidt, row by row
                h = (q * w).sum(-1)
                hessenberg[:, i, j] = h
                w = w - h[:, None] * q
            norm = w.norm(dim=-1)
            hessenberg[:, j + 1, j] = norm
            floor = torch.finfo(w.dtype).tiny
            tiny = norm <= 1e-12 * hessenberg[:, : j + 1, j].abs().amax(-1).clamp_min(floor)
            basis.append(torch.where(tiny[:, None], torch.zeros_like(w), w / norm.clamp_min(floor)[:, None]))
    finally:
        for g, st in saved:
            g.set_state(st)
    h = hessenberg[:, :iters, :iters].double()
    finite = torch.isfinite(h).flatten(1).all(-1)
    radius = torch.full((b,), math.nan, dtype=torch.float64, device=h.device)
    if bool(finite.any()):  # a diverged row (inf/NaN) has no radius; LAPACK must not see it
        radius[finite] = torch.linalg.eigvals(h[finite]).abs().amax(-1)
    return radius.to(z0.dtype)


@dataclass(frozen=True)
class GameHealth:
    """The game's health at one iterate, one value per row (module doc).

    field_norms (B, n_players): ‖V_i‖; symmetric, antisymmetric (B,): ‖S v‖, ‖A v‖ on a random unit v;
    update_radius (B,) or None: the method's update-map spectral radius.
    """

    field_norms: Tensor
    symmetric: Tensor
    antisymmetric: Tensor
    update_radius: Tensor | None

    @property
    def rotational_share(self) -> Tensor:
        """‖A v‖ / (‖S v‖ + ‖A v‖) ∈ [0, 1]: 0 for a potential game, 1 for a Hamiltonian one; shape (B,)."""
        return self.antisymmetric / (self.symmetric + self.antisymmetric).clamp_min(1e-300)

    def scalars(self, names: Sequence[str] | None = None, prefix: str = "health/") -> dict[str, float]:
        """Means over rows as {name: float} for a log: `field_norm/<player>`, `symmetric`, `antisymmetric`,
        `rotational_share`, `update_radius` (when measured)."""
        n = self.field_norms.shape[-1]
        names = [f"player{i}" for i in range(n)] if names is None else list(names)
        if len(names) != n:
            raise ValueError(f"got {len(names)} player names for {n} players")
        out = {f"{prefix}field_norm/{name}": float(self.field_norms[:, i].mean()) for i, name in enumerate(names)}
        out[f"{prefix}symmetric"] = float(self.symmetric.mean())
        out[f"{prefix}antisymmetric"] = float(self.antisymmetric.mean())
        out[f"{prefix}rotational_share"] = float(self.rotational_share.mean())
        if self.update_radius is not None:
            out[f"{prefix}update_radius"] = float(self.update_radius.mean())
        return out


def game_health(
    field: Field,
    params: Sequence[Tensor],
    method: Any = None,
    state: Any = None,
    iters: int = 8,
    generator: torch.Generator | int | None = None,
) -> GameHealth:
    """‖V_i‖, ‖S v‖, ‖A v‖ and (with a `method`) the update-map radius at params, one value per row.

    One generator (int seed or torch.Generator) draws the random vectors of both products in turn.
    """
    pts, _, _ = _rows(params)
    gen = as_generator(generator)
    norms = torch.stack([v.detach().norm(dim=-1) for v in field([p.clone() for p in pts])], dim=-1)
    sym, anti = jacobian_parts(field, pts, gen)
    radius = None if method is None else update_map_radius(method, field, pts, state, iters, gen)
    return GameHealth(norms.detach(), sym.detach(), anti.detach(), None if radius is None else radius.detach())
