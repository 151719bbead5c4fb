"""Projected Langevin Monte Carlo on a closed convex set K: a ULA step followed by the Euclidean projection.

x⁺ = Π_K(x − h ∇f(x) + √(2h) ξ), the one Langevin step of `saddle.langevin` then Π_K  (Bubeck, Eldan & Lehec 2015/2018, "Sampling from a log-concave distribution
with projected Langevin Monte Carlo"; seed 000 "projected versions exist"). The iterates stay in K by construction;
the bias vanishes as h → 0. K is any `saddle.sets.Set` or a projection callable (n_chains, d) → (n_chains, d).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import NamedTuple

import torch
from torch import Tensor

from saddle.langevin import langevin_step
from saddle.sampling.base import PotentialFn, as_energy, check_generator, check_positions, check_step_size
from saddle.sets import Set, project_simplex
from saddle.validation import check_real, check_tensor

__all__ = ["Info", "ProjectedLangevin", "State", "project_simplex_corner"]


class State(NamedTuple):
    """position (n_chains, d) in K and the cached ∇f(position) (n_chains, d)."""

    position: Tensor
    grad: Tensor


class Info(NamedTuple):
    """Nothing to report."""


def project_simplex_corner(z: Tensor, margin: float = 0.0) -> Tensor:
    """Projection onto {u ∈ R^d : u_i ≥ δ, Σu ≤ 1 − δ}, δ = margin ≥ 0, per row of z (n, d).

    The full-dimensional simplex (reduced coordinates of Δ_{d+1}: the last coordinate is 1 − Σu ≥ δ).
    If clamping at δ already satisfies the sum constraint that is the projection; otherwise the sum
    constraint is active and the answer is δ + the projection onto {w ≥ 0, Σw = 1 − (d+1)δ}.
    """
    d = check_tensor("z", z, ("n", "d"), finite=False, nonempty=False).shape[-1]
    margin = check_real("margin", margin, 0.0, 1.0 / (d + 1), low_open=False, high_open=True)
    room = 1.0 - (d + 1) * margin
    clamped = z.clamp_min(margin)
    on_face = margin + project_simplex(z - margin, radius=room)
    inside = clamped.sum(-1, keepdim=True) <= 1.0 - margin
    return torch.where(inside, clamped, on_face)


class ProjectedLangevin:
    """Projected Langevin kernel: `ProjectedLangevin(step_size, constraint, potential=f)`.

    constraint: a `saddle.sets.Set` (e.g. `Ball(1.0)`, `Box(-1, 1)`) or a callable projecting (n_chains, d).
    """

    def __init__(
        self,
        step_size: float,
        constraint: Set | Callable[[Tensor], Tensor],
        potential: PotentialFn | object | None = None,
        logdensity_fn: PotentialFn | None = None,
        grad_potential: PotentialFn | None = None,
    ) -> None:
        self.step_size = check_step_size(step_size)
        if not callable(constraint):
            raise ValueError(f"constraint must be a saddle.sets.Set or a projection callable, got {constraint!r}")
        self.project = constraint.project if isinstance(constraint, Set) else constraint
        self.energy = as_energy(potential, logdensity_fn, grad_potential)

    def init(self, position: Tensor) -> State:
        """State at Π_K(position) (n_chains, d)."""
        x = self.energy.check(self.project(check_positions(position)))
        return State(x, self.energy.grad(x))

    def step(self, state: State, generator: torch.Generator | None = None) -> tuple[State, Info]:
        """One projected Langevin step for every chain."""
        x = self.project(langevin_step(state.position, state.grad, self.step_size, check_generator(generator)))
        return State(x, self.energy.grad(x)), Info()
