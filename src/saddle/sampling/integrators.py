"""Deterministic integrators of Hamiltonian dynamics shared by the kernels (HMC today; any future NUTS or
underdamped splitting reuses them from here, never from a sibling kernel's file).

Leapfrog / Störmer–Verlet for H(x, p) = f(x) + ½ pᵀ M⁻¹ p: p ← p − (h/2)∇f(x), x ← x + h M⁻¹ p, p ← p − (h/2)∇f(x)
(Neal 2011, "MCMC using Hamiltonian dynamics", §2.3; seed 004 "Hamiltonian Monte Carlo"). Seed 004 discretises with
Euler's method, θ⁺ = θ + ηv, v⁺ = v − η∇E(θ); Neal 2011, §2.3 decides it: Euler's trajectories spiral away (it does
not preserve volume or reverse), the leapfrog method is volume-preserving and reversible, which the Metropolis
test of HMC (§3.2) needs.
"""

from __future__ import annotations

from torch import Tensor

from saddle.sampling.base import Energy
from saddle.validation import check_int, check_positions, check_real, check_tensor

__all__ = ["leapfrog"]


def leapfrog(
    energy: Energy,
    x: Tensor,
    p: Tensor,
    grad: Tensor,
    step_size: float,
    n_steps: int,
    inverse_mass: Tensor | float = 1.0,
) -> tuple[Tensor, Tensor, Tensor, Tensor]:
    """`n_steps` leapfrog steps of size h from (x, p) with ∇f(x) = grad; returns (x, p, f(x), ∇f(x)).

    Time-reversible and volume-preserving (symplectic); one gradient evaluation per step. Shapes (n_chains, d);
    inverse_mass: a diagonal M⁻¹ as a (d,) tensor or a scalar (default 1, M = I).
    """
    check_int("n_steps", n_steps)
    h = check_real("step_size", step_size, high_open=True)
    check_positions(x, "x")
    for name, value in (("p", p), ("grad", grad)):
        if check_tensor(name, value, finite=False).shape != x.shape:
            raise ValueError(f"{name} must have the shape of x {tuple(x.shape)}, got {tuple(value.shape)}")
    f: Tensor  # set by the first step
    for _ in range(n_steps):
        p = p - 0.5 * h * grad
        x = x + h * inverse_mass * p
        f, grad = energy.value_and_grad(x)
        p = p - 0.5 * h * grad
    return x, p, f, grad
