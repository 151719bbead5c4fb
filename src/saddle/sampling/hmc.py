"""Hamiltonian Monte Carlo with a leapfrog integrator, a fixed path length and a Metropolis test.

H(x, p) = f(x) + ½ pᵀ M⁻¹ p; leapfrog p ← p − (h/2)∇f, x ← x + h M⁻¹ p, p ← p − (h/2)∇f, repeated
L = max(1, round(path_length / h)) times; accept with prob. min(1, e^{−ΔH}) (seed 004 "Hamiltonian Monte Carlo";
Duane et al. 1987; Neal 2011, "MCMC using Hamiltonian dynamics"). Diagonal mass matrix M (default I).
"""

from __future__ import annotations

from typing import NamedTuple

import torch
from torch import Tensor

from saddle.langevin import gaussian_noise
from saddle.sampling.base import PotentialFn, as_energy, check_generator, check_positions, check_step_size
from saddle.sampling.integrators import leapfrog
from saddle.sampling.metropolis import metropolis_accept, select_accepted
from saddle.validation import as_real_tensor

__all__ = ["HMC", "Info", "State"]


class State(NamedTuple):
    """position (n_chains, d), potential f(position) (n_chains,), gradient ∇f(position) (n_chains, d)."""

    position: Tensor
    potential: Tensor
    grad: Tensor


class Info(NamedTuple):
    """acceptance_prob (n_chains,), accepted (n_chains,) bool, energy_change ΔH = H(end) − H(start) (n_chains,)."""

    acceptance_prob: Tensor
    accepted: Tensor
    energy_change: Tensor


class HMC:
    """HMC kernel: `HMC(step_size, path_length, potential=f, inverse_mass=None)`.

    step_size h > 0, path_length T ≥ h (number of leapfrog steps L = round(T/h)), inverse_mass (d,) or None for I.
    """

    def __init__(
        self,
        step_size: float,
        path_length: float,
        potential: PotentialFn | object | None = None,
        logdensity_fn: PotentialFn | None = None,
        grad_potential: PotentialFn | None = None,
        inverse_mass: Tensor | None = None,
    ) -> None:
        self.step_size = check_step_size(step_size)
        self.path_length = check_step_size(path_length, "path_length")
        if self.path_length < self.step_size:
            raise ValueError(f"path_length must be >= step_size = {self.step_size}, got {path_length}")
        self.n_leapfrog = max(1, round(self.path_length / self.step_size))
        self.energy = as_energy(potential, logdensity_fn, grad_potential)
        if inverse_mass is not None:
            inverse_mass = as_real_tensor("inverse_mass", inverse_mass, ("d",))
            if not (inverse_mass > 0).all():
                raise ValueError(f"inverse_mass must be a vector of positive numbers, got {inverse_mass.tolist()}")
        self.inverse_mass = inverse_mass

    def init(self, position: Tensor) -> State:
        """State at `position` (n_chains, d)."""
        x = self.energy.check(check_positions(position))
        return State(x, *self.energy.value_and_grad(x))

    def step(self, state: State, generator: torch.Generator | None = None) -> tuple[State, Info]:
        """Draw momenta p ~ N(0, M), integrate, accept or reject, for every chain."""
        x, fx, gx = state
        generator = check_generator(generator)
        inv_m = 1.0 if self.inverse_mass is None else self.inverse_mass.to(x)
        p = gaussian_noise(x, generator) / inv_m**0.5  # p ~ N(0, M)
        y, q, fy, gy = leapfrog(self.energy, x, p, gx, self.step_size, self.n_leapfrog, inv_m)
        h0 = fx + 0.5 * (inv_m * p * p).sum(-1)
        h1 = fy + 0.5 * (inv_m * q * q).sum(-1)
        prob, accepted = metropolis_accept(h0 - h1, generator)
        return select_accepted(accepted, State(y, fy, gy), state), Info(prob, accepted, h1 - h0)
