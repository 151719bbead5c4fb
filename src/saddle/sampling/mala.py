"""Metropolis-adjusted Langevin algorithm (MALA): a ULA proposal corrected by a Metropolis–Hastings test.

y = x − h ∇f(x) + √(2h) ξ (the one Langevin step of `saddle.langevin`);  accept with prob.
min(1, exp(f(x) − f(y) + log q(x|y) − log q(y|x))), log q(y|x) = −‖y − x + h∇f(x)‖² / (4h)
(Roberts & Tweedie 1996; Besag 1994). Exact: π is invariant. The MH pieces come from `saddle.sampling.metropolis`.
"""

from __future__ import annotations

from typing import NamedTuple

import torch
from torch import Tensor

from saddle.langevin import langevin_step
from saddle.sampling.base import PotentialFn, as_energy, check_generator, check_positions, check_step_size
from saddle.sampling.metropolis import gaussian_proposal_logdensity, metropolis_accept, select_accepted

__all__ = ["MALA", "Info", "State"]


class State(NamedTuple):
    """position (n_chains, d), potential f(position) (n_chains,), gradient ∇f(position) (n_chains, d)."""

    position: Tensor
    potential: Tensor
    grad: Tensor


class Info(NamedTuple):
    """acceptance_prob min(1, ratio) (n_chains,) and accepted (n_chains,) bool."""

    acceptance_prob: Tensor
    accepted: Tensor


class MALA:
    """MALA kernel: `MALA(step_size, potential=f)` or `MALA(step_size, logdensity_fn=log π)`.

    step_size h > 0; optimal scaling targets an acceptance rate near 0.574 (Roberts & Rosenthal 1998).
    One potential and one gradient evaluation per step.
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
        return State(x, *self.energy.value_and_grad(x))

    def step(self, state: State, generator: torch.Generator | None = None) -> tuple[State, Info]:
        """One MALA step for every chain."""
        h, generator = self.step_size, check_generator(generator)
        x, fx, gx = state
        y = langevin_step(x, gx, h, generator)
        fy, gy = self.energy.value_and_grad(y)
        log_q_xy = gaussian_proposal_logdensity(x, y - h * gy, 2 * h)  # log q(x | y)
        log_q_yx = gaussian_proposal_logdensity(y, x - h * gx, 2 * h)  # log q(y | x)
        prob, accepted = metropolis_accept(fx - fy + log_q_xy - log_q_yx, generator)
        return select_accepted(accepted, State(y, fy, gy), state), Info(prob, accepted)
