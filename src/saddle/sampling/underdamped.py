"""Underdamped (kinetic) Langevin dynamics, unit mass: dx = v dt, dv = −∇f(x) dt − γ v dt + √(2γ) dB.

Invariant law π(x) ⊗ N(0, I) (seed 004, "Langevin dynamics extends HMC by friction"; Cheng et al. 2018 for
the Nesterov-like acceleration mentioned in seed 000). Two discretisations share `State`:

- `BAOAB` (Leimkuhler & Matthews 2013): half kick, half drift, exact Ornstein–Uhlenbeck friction step,
  half drift, half kick. One gradient per step; exact position variance on Gaussian targets for h < 2/√L.
- `UnderdampedEulerMaruyama` (seed 004's discretisation): x⁺ = x + h v, v⁺ = (1 − hγ) v − h∇f(x) + √(2γh) ξ.
"""

from __future__ import annotations

import math
from typing import NamedTuple

import torch
from torch import Tensor

from saddle.langevin import gaussian_noise
from saddle.sampling.base import PotentialFn, as_energy, check_generator, check_positions, check_step_size

__all__ = ["BAOAB", "Info", "State", "UnderdampedEulerMaruyama"]


class State(NamedTuple):
    """position (n_chains, d), velocity (n_chains, d), cached ∇f(position) (n_chains, d)."""

    position: Tensor
    velocity: Tensor
    grad: Tensor


class Info(NamedTuple):
    """No rejection step: nothing to report."""


class _Underdamped:
    def __init__(
        self,
        step_size: float,
        friction: float = 1.0,
        potential: PotentialFn | object | None = None,
        logdensity_fn: PotentialFn | None = None,
        grad_potential: PotentialFn | None = None,
    ) -> None:
        self.step_size = check_step_size(step_size)
        self.friction = check_step_size(friction, "friction")
        self.energy = as_energy(potential, logdensity_fn, grad_potential)

    def init(self, position: Tensor, velocity: Tensor | None = None) -> State:
        """State at `position` (n_chains, d) with `velocity` (default 0, same shape)."""
        x = self.energy.check(check_positions(position))
        v = torch.zeros_like(x) if velocity is None else check_positions(velocity, "velocity").to(x)
        if v.shape != x.shape:
            raise ValueError(f"velocity must have the shape of position {tuple(x.shape)}, got {tuple(v.shape)}")
        return State(x, v, self.energy.grad(x))


class BAOAB(_Underdamped):
    """BAOAB splitting of underdamped Langevin: `BAOAB(step_size, friction=1.0, potential=f)`."""

    def step(self, state: State, generator: torch.Generator | None = None) -> tuple[State, Info]:
        """One B-A-O-A-B step for every chain."""
        h, g = self.step_size, self.friction
        x, v, grad = state
        generator = check_generator(generator)
        v = v - 0.5 * h * grad
        x = x + 0.5 * h * v
        c = math.exp(-g * h)
        v = c * v + math.sqrt(1 - c * c) * gaussian_noise(v, generator)
        x = x + 0.5 * h * v
        grad = self.energy.grad(x)
        v = v - 0.5 * h * grad
        return State(x, v, grad), Info()


class UnderdampedEulerMaruyama(_Underdamped):
    """Explicit Euler–Maruyama step of underdamped Langevin (seed 004): biased, needs h γ < 2 for stability."""

    def step(self, state: State, generator: torch.Generator | None = None) -> tuple[State, Info]:
        """x⁺ = x + h v, v⁺ = (1 − hγ) v − h ∇f(x) + √(2γh) ξ."""
        h, g = self.step_size, self.friction
        x, v, grad = state
        generator = check_generator(generator)
        x_new = x + h * v
        v_new = (1 - h * g) * v - h * grad + math.sqrt(2 * g * h) * gaussian_noise(v, generator)
        return State(x_new, v_new, self.energy.grad(x_new)), Info()
