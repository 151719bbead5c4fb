"""Mirrored Langevin dynamics on the probability simplex with the entropic mirror map (Hsieh, Kavis, Rolland,
Cevher, NeurIPS 2018, "Mirrored Langevin dynamics"; seed 000 "mirrored versions exist").

Run ULA on the mirror image of the target and map back. For Δ_K with h(x) = Σ_{i≤K} x_i log x_i written in
the first K−1 coordinates, ∇h(x) = y = log(x_{1:K−1}/x_K) and (∇h)⁻¹(y) = softmax([y, 0]). If X ~ e^{−f} on
Δ_K then Y = ∇h(X) ~ e^{−W} with W(y) = f(x(y)) − Σ_{i≤K} log x_i(y) (change of variables: the Jacobian of
y ↦ x_{1:K−1} has determinant Π_{i≤K} x_i). The iteration is

    y⁺ = y − h ∇W(y) + √(2h) ξ,   x⁺ = softmax([y⁺, 0]),   (the one Langevin step of `saddle.langevin`, in y)

so every iterate lies in the open simplex. For Dirichlet(α), W(y) = −Σ_{i<K} α_i y_i + α₀ log(1 + Σ e^{y_i}) is
convex even when α_i < 1 (the paper's point: a non-log-concave target becomes log-concave); the closed-form
∇W of `saddle.sampling.targets.Dirichlet` is used when a Dirichlet is given.
"""

from __future__ import annotations

from typing import NamedTuple

import torch
from torch import Tensor

from saddle.langevin import langevin_step
from saddle.sampling.base import Energy, PotentialFn, check_generator, check_positions, check_step_size
from saddle.sets import EntropicMirrorMap

__all__ = ["Info", "MirroredLangevin", "State", "to_dual", "to_primal"]

_MIRROR = EntropicMirrorMap()


class State(NamedTuple):
    """position x (n_chains, K) in the simplex, dual y = ∇h(x) (n_chains, K−1), cached ∇W(y) (n_chains, K−1)."""

    position: Tensor
    dual: Tensor
    grad: Tensor


class Info(NamedTuple):
    """Nothing to report."""


def to_primal(y: Tensor) -> Tensor:
    """(∇h)⁻¹(y) = softmax([y, 0]): (n, K−1) → (n, K) in the open simplex."""
    return _MIRROR.to_primal(torch.cat([y, torch.zeros_like(y[:, :1])], dim=-1))


def to_dual(x: Tensor) -> Tensor:
    """∇h(x) = log x_{1:K−1} − log x_K: (n, K) → (n, K−1)."""
    log_x = _MIRROR.to_dual(x)
    return log_x[:, :-1] - log_x[:, -1:]


class MirroredLangevin:
    """Mirrored Langevin kernel on Δ_K: `MirroredLangevin(step_size, potential=f)` with f on (n, K) positions.

    Alternatively give the dual potential directly: `dual_potential=W` and/or `grad_dual_potential=∇W`
    on (n, K−1). A target with `grad_dual_potential` (e.g. `Dirichlet`) passed as `potential` brings its own.
    """

    def __init__(
        self,
        step_size: float,
        potential: PotentialFn | object | None = None,
        dual_potential: PotentialFn | None = None,
        grad_dual_potential: PotentialFn | None = None,
    ) -> None:
        self.step_size = check_step_size(step_size)
        self.primal = None  # the potential f on the simplex when given as a plain function (checked at init)
        if potential is not None and hasattr(potential, "grad_dual_potential"):
            dual_potential = dual_potential or getattr(potential, "dual_potential", None)  # ∇W alone suffices
            grad_dual_potential = grad_dual_potential or potential.grad_dual_potential
        elif potential is not None:
            f = potential.potential if hasattr(potential, "potential") else potential
            if not callable(f):
                raise ValueError(f"potential must be callable, got {potential!r}")
            if dual_potential is not None:
                raise ValueError("give either potential= or dual_potential=, not both")
            self.primal = Energy(f)

            def dual_potential(y: Tensor) -> Tensor:
                log_x = torch.log_softmax(torch.cat([y, torch.zeros_like(y[:, :1])], -1), -1)
                return f(log_x.exp()) - log_x.sum(-1)

        if dual_potential is None and grad_dual_potential is None:
            raise ValueError("give potential= (on the simplex) or dual_potential= / grad_dual_potential=")
        self.energy = Energy(dual_potential, grad_dual_potential)  # W may be None: the Langevin step needs ∇W only

    def init(self, position: Tensor) -> State:
        """State at `position` (n_chains, K), which must lie in the open simplex (entries > 0, rows summing to 1)."""
        x = check_positions(position)
        if x.shape[1] < 2:
            raise ValueError(f"simplex positions need K >= 2 coordinates, got shape {tuple(x.shape)}")
        if not (x > 0).all() or not torch.allclose(x.sum(-1), torch.ones_like(x[:, 0]), atol=1e-5):
            raise ValueError("position must lie in the open simplex: entries > 0 and rows summing to 1")
        if self.primal is not None:
            self.primal.check(x)
        y = self.energy.check(to_dual(x))
        return State(to_primal(y), y, self.energy.grad(y))

    def step(self, state: State, generator: torch.Generator | None = None) -> tuple[State, Info]:
        """One Langevin step in the dual, mapped back to the simplex."""
        y = langevin_step(state.dual, state.grad, self.step_size, check_generator(generator))
        return State(to_primal(y), y, self.energy.grad(y)), Info()
