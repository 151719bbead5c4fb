"""Metropolis-adjusted Langevin algorithm (MALA): a ULA proposal corrected by a Metropolis–Hastings test.

y = x − h ∇f(x) + √(2h) ξ;  accept with prob. min(1, exp(f(x) − f(y) + log q(x|y) − log q(y|x))),
log q(y|x) = −‖y − x + h∇f(x)‖² / (4h)  (Roberts & Tweedie 1996; Besag 1994). Exact: π is invariant.
"""

from __future__ import annotations

import math
from typing import NamedTuple

import torch
from torch import Tensor

from saddle.sampling.base import PotentialFn, as_energy, check_positions, check_step_size, gaussian_noise

__all__ = ["State", "Info", "MALA", "metropolis_accept"]


class State(NamedTuple):
    """position (n_chains, d), potential f(position) (n_chains,), gradient ∇f(position) (n_chains, d)."""

    position: Tensor
    potential: Tensor
    grad: Tensor


class Info(NamedTuple):
    """acceptance_prob min(1, ratio) (n_chains,) and accepted (n_chains,) bool."""

    acceptance_prob: Tensor
    accepted: Tensor


def metropolis_accept(log_ratio: Tensor, generator: torch.Generator | None) -> tuple[Tensor, Tensor]:
    """Metropolis–Hastings test: returns (min(1, e^{log_ratio}), accepted = U < e^{log_ratio}), NaN → reject."""
    log_ratio = torch.nan_to_num(log_ratio, nan=-math.inf)
    prob = torch.exp(torch.clamp(log_ratio, max=0.0))
    u = torch.rand(log_ratio.shape, generator=generator, dtype=log_ratio.dtype, device=log_ratio.device)
    return prob, torch.log(u) < log_ratio


class MALA:
    """MALA kernel: `MALA(step_size, potential=f)` or `MALA(step_size, logdensity_fn=log π)`.

    step_size h > 0; optimal scaling targets an acceptance rate near 0.574 (Roberts & Rosenthal 1998).
    One potential and one gradient evaluation per step.
    """

    def __init__(self, step_size: float, potential: PotentialFn | object | None = None,
                 logdensity_fn: PotentialFn | None = None, grad_potential: PotentialFn | None = None) -> None:
        self.step_size = check_step_size(step_size)
        self.energy = as_energy(potential, logdensity_fn, grad_potential)

    def init(self, position: Tensor) -> State:
        """State at `position` (n_chains, d)."""
        x = check_positions(position)
        return State(x, *self.energy.value_and_grad(x))

    def step(self, state: State, generator: torch.Generator | None = None) -> tuple[State, Info]:
        """One MALA step for every chain."""
        h = self.step_size
        x, fx, gx = state
        y = x - h * gx + math.sqrt(2 * h) * gaussian_noise(x, generator)
        fy, gy = self.energy.value_and_grad(y)
        log_q_xy = -((x - y + h * gy) ** 2).sum(-1) / (4 * h)  # log q(x | y)
        log_q_yx = -((y - x + h * gx) ** 2).sum(-1) / (4 * h)  # log q(y | x)
        prob, accepted = metropolis_accept(fx - fy + log_q_xy - log_q_yx, generator)
        keep = accepted[:, None]
        new = State(torch.where(keep, y, x), torch.where(accepted, fy, fx), torch.where(keep, gy, gx))
        return new, Info(prob, accepted)
