"""Unadjusted Langevin algorithm (ULA / Langevin Monte Carlo), the Euler–Maruyama step of dX = −∇f dt + √2 dB.

x⁺ = x − h ∇f(x) + √(2h) ξ,  ξ ~ N(0, I)  (seed 000, "Langevin Monte Carlo (LMC)"; Roberts & Tweedie 1996).
Biased: on N(0, s²) the stationary variance is s² / (1 − h/(2s²)), not s².
"""

from __future__ import annotations

from typing import NamedTuple

import torch
from torch import Tensor

from saddle.langevin import langevin_step
from saddle.sampling.base import PotentialFn, as_energy, check_generator, check_positions, check_step_size

__all__ = ["ULA", "Info", "State"]


class State(NamedTuple):
    """position (n_chains, d) and the cached ∇f(position) (n_chains, d)."""

    position: Tensor
    grad: Tensor


class Info(NamedTuple):
    """ULA has nothing to report (every move is accepted)."""


class ULA:
    """Unadjusted Langevin kernel: `ULA(step_size, potential=f)` or `ULA(step_size, logdensity_fn=log π)`.

    step_size h > 0 (no default: the bias grows with h). One gradient evaluation per step.
    """

    def __init__(
        self,
        step_size: float,
        potential: PotentialFn | object | None = None,
        logdensity_fn: PotentialFn | None = None,
        grad_potential: PotentialFn | None = None,
    ) -> None:
        self.step_size = check_step_size(step_size)
        self.energy = as_energy(potential, logdensity_fn, grad_potential)

    def init(self, position: Tensor) -> State:
        """State at `position` (n_chains, d)."""
        x = self.energy.check(check_positions(position))
        return State(x, self.energy.grad(x))

    def step(self, state: State, generator: torch.Generator | None = None) -> tuple[State, Info]:
        """One ULA step for every chain."""
        x = langevin_step(state.position, state.grad, self.step_size, check_generator(generator))
        return State(x, self.energy.grad(x)), Info()
