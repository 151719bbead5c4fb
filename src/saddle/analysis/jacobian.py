"""Jacobian of one step of any method's update map, and its spectral radius.

This is how the Dirac-GAN lemmas are proved (Mescheder et al. 2018, seed 002): the iteration z ↦ F_h(z)
is locally linear at a fixed point z*, and converges locally iff the spectral radius of ∇F_h(z*) is < 1.
Methods with memory (OGDA keeps V(z_{k−1}), RFBS keeps z_{k−1}) are linearised on the augmented state
(params, floating-point tensors of the method's state).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import torch
from torch import Tensor
from torch.utils import _pytree as pytree

from saddle.analysis.critical import as_point, finite_matrix
from saddle.games.base import Game
from saddle.validation import as_real_tensor, check_callable


def _flat(params: Sequence[Tensor]) -> Tensor:
    return torch.cat([p.reshape(-1) for p in params])


def _jacobian(fn: Callable[[Tensor], Tensor], z: Tensor) -> Tensor:
    """∂fn/∂z by forward mode (torch.func.jacfwd). Methods' steps are graph-free in reverse mode (see
    `saddle.optim._common.graph_free`), so a reverse-mode fallback would silently return zeros: there is none.
    Implicit steps provide their forward-mode derivative (ProximalPoint differentiates its resolvent implicitly)."""
    return torch.func.jacfwd(fn)(z)


def map_jacobian(step: Callable[[list[Tensor]], list[Tensor]], point: Sequence[Tensor]) -> Tensor:
    """Jacobian (D, D) of an arbitrary update map params -> params at `point` (one (d_i,) tensor per player)."""
    check_callable("step", step, "a callable params -> params")
    pts = as_point(None, point)
    sizes = [p.shape[-1] for p in pts]

    def fn(z: Tensor) -> Tensor:
        out = step(list(torch.split(z.reshape(1, -1), sizes, dim=-1)))
        if not isinstance(out, (list, tuple)) or [o.numel() if isinstance(o, Tensor) else -1 for o in out] != sizes:
            got = (
                [tuple(o.shape) if isinstance(o, Tensor) else type(o).__name__ for o in out]
                if isinstance(out, (list, tuple))
                else type(out).__name__
            )
            raise ValueError(f"step must return one tensor per player with the sizes of point {sizes}, got {got}")
        return _flat(out)

    return _jacobian(fn, _flat(pts))


def augmented_step(
    method: Any, field: Callable[[list[Tensor]], list[Tensor]], params: Sequence[Tensor], state: Any = None
) -> tuple[Callable[[Tensor], Tensor], Tensor]:
    """One `method.step` as a map of the augmented state, row by row: (F, z0) with z0 (B, D + S_row).

    params: one (B, d_i) tensor per player; the state (default: after one step from params) contributes its
    floating-point tensors — every one when B = 1, those with leading dimension B otherwise (per-row state such as
    OGDA's stored field or Adam's moments; the others are held fixed). F(z) returns the stepped params and state
    in the same layout, so ∇F is what `update_jacobian` returns (B = 1) and what `update_map_radius` iterates on.
    """
    pts = list(params)
    b = pts[0].shape[0]
    sizes = [p.shape[-1] for p in pts]
    if state is None:
        _, state = method.step([p.clone() for p in pts], method.init([p.clone() for p in pts]), field)
    leaves, spec = pytree.tree_flatten(state)
    var = [
        i
        for i, x in enumerate(leaves)
        if isinstance(x, Tensor) and x.is_floating_point() and (b == 1 or (x.ndim > 0 and x.shape[0] == b))
    ]
    shapes = [leaves[i].shape for i in var]
    numels = [leaves[i].numel() // b for i in var]
    D = sum(sizes)

    def step(z: Tensor) -> Tensor:
        new_params = list(torch.split(z[:, :D], sizes, dim=-1))
        new_leaves = list(leaves)
        for i, chunk, shape in zip(var, torch.split(z[:, D:], numels, dim=-1), shapes):
            new_leaves[i] = chunk.reshape(shape)
        out_params, out_state = method.step(new_params, pytree.tree_unflatten(new_leaves, spec), field)
        out_leaves, _ = pytree.tree_flatten(out_state)
        return torch.cat([p.reshape(b, -1) for p in out_params] + [out_leaves[i].reshape(b, -1) for i in var], -1)

    z0 = torch.cat([torch.cat(pts, -1)] + [leaves[i].reshape(b, -1).to(pts[0].dtype) for i in var], -1)
    return step, z0


def update_jacobian(
    method: Any, game: Game | Callable[[list[Tensor]], list[Tensor]], point: Sequence[Tensor], state: Any = None
) -> Tensor:
    """Jacobian of one `method.step` at `point` on the augmented state (params, floating tensors of the state).

    method: any object with init/step (saddle.optim.base.Method); game: a Game or a field callable;
    point: one (d_i,) tensor per player (float64 is used). state: the method's state at `point`; by default
    the state after one step from `point` (for a fixed point z*, the stationary state: OGDA's stored field is
    V(z*), RFBS's previous point is z*). Implicit steps are differentiated implicitly (ProximalPoint: the
    resolvent's (I + η ∂V(z⁺))⁻¹), so the answer is right at z* itself. Forward mode (torch.func.jacfwd).
    Returns (D + S, D + S), the first D = Σd_i rows/columns being params.
    """
    field = game.field if isinstance(game, Game) else check_callable("game", game, "a Game or a field params -> V")
    pts = as_point(game if isinstance(game, Game) else None, point)
    step, z0 = augmented_step(method, field, pts, state)
    return _jacobian(lambda z: step(z.reshape(1, -1)).reshape(-1), z0.reshape(-1))


def spectral_radius(J: Tensor) -> float:
    """max |λ| over the eigenvalues of a square, finite, real matrix J (n, n), n ≥ 1."""
    J = as_real_tensor("J", J, ("n", "n"))
    return torch.linalg.eigvals(finite_matrix("J", J)).abs().max().item()
