"""Stochastic gradient Langevin dynamics (Welling & Teh 2011; seed 003 "Stochastic Gradient Langevin Dynamics").

For f(θ) = f₀(θ) + Σ_{i=1}^N ℓ(θ, z_i) (prior plus per-datum negative log-likelihood) and a minibatch B of size b
drawn uniformly with replacement, independently per chain,

    g = ∇f₀(θ) + (N/b) Σ_{i∈B} ∇ℓ(θ, z_i)   (unbiased for ∇f),    θ⁺ = θ − α_t g + √(2α_t) ξ,

the one Langevin step of `saddle.langevin` with a stochastic gradient.

Welling & Teh write ε_t/2 for α_t; their schedule ε_t = a (b + t)^{−γ}, γ ∈ (0.5, 1], is
`saddle.schedules.PolynomialDecay.welling_teh(a, b, gamma)`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import NamedTuple

import torch
from torch import Tensor

from saddle.langevin import langevin_step
from saddle.sampling.base import check_generator, check_positions, check_step_size
from saddle.schedules import as_schedule

__all__ = ["SGLD", "Info", "State"]


class State(NamedTuple):
    """position (n_chains, d) and the number of steps taken so far (0-dim long tensor)."""

    position: Tensor
    count: Tensor  # type: ignore[assignment]  # the step counter shadows tuple.count on purpose


class Info(NamedTuple):
    """step_size α_t used by this step, broadcast to (n_chains,)."""

    step_size: Tensor


class SGLD:
    """SGLD kernel over a data set.

    prior_potential f₀: (n_chains, d) → (n_chains,); data_potential ℓ: (position (n_chains, d), batch
    (n_chains, b, *z.shape[1:])) → (n_chains, b); data (N, ...); batch_size b ≤ N; step_size: a number
    (constant) or a schedule t ↦ α_t such as `PolynomialDecay.welling_teh(a, b, gamma)`. Gradients by autograd.
    """

    def __init__(
        self,
        step_size: float | Callable[[int], float],
        prior_potential: Callable[[Tensor], Tensor],
        data_potential: Callable[[Tensor, Tensor], Tensor],
        data: Tensor,
        batch_size: int,
    ) -> None:
        self.schedule = as_schedule(step_size)
        if not isinstance(data, Tensor) or data.ndim < 1 or len(data) == 0:
            raise ValueError(f"data must be a non-empty tensor (N, ...), got {type(data).__name__}")
        if not isinstance(batch_size, int) or not 1 <= batch_size <= len(data):
            raise ValueError(f"batch_size must be an integer in [1, {len(data)}], got {batch_size!r}")
        self.prior_potential, self.data_potential = prior_potential, data_potential
        self.data, self.batch_size = data, batch_size

    def init(self, position: Tensor) -> State:
        """State at `position` (n_chains, d), step counter 0."""
        x = check_positions(position)
        return State(x, torch.zeros((), dtype=torch.long, device=x.device))

    def stochastic_grad(self, position: Tensor, generator: torch.Generator | None = None) -> Tensor:
        """The unbiased minibatch estimate g of ∇f at `position` (n_chains, d), one minibatch per chain."""
        n, big_n = position.shape[0], len(self.data)
        idx = torch.randint(0, big_n, (n, self.batch_size), generator=generator, device=self.data.device)
        batch = self.data[idx]
        with torch.enable_grad():
            z = position.detach().requires_grad_(True)
            terms = self.data_potential(z, batch)
            if terms.shape != (n, self.batch_size):
                raise ValueError(
                    f"data_potential must return (n_chains, batch_size) = {(n, self.batch_size)}, "
                    f"got {tuple(terms.shape)}"
                )
            f_hat = self.prior_potential(z) + (big_n / self.batch_size) * terms.sum(-1)
            (g,) = torch.autograd.grad(f_hat.sum(), z)
        return g

    def step(self, state: State, generator: torch.Generator | None = None) -> tuple[State, Info]:
        """One SGLD step with α_t = schedule(t) for every chain."""
        t, generator = int(state.count.item()), check_generator(generator)
        alpha = check_step_size(self.schedule(t), f"step size at t={t}")
        x = state.position
        g = self.stochastic_grad(x, generator)
        x = langevin_step(x, g, alpha, generator)
        return State(x, state.count + 1), Info(torch.full_like(x[:, 0], alpha))
