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
from saddle.validation import check_callable, check_int, check_tensor

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
        check_tensor("data", data, ("N", ...), dtype="any")
        check_int("batch_size", batch_size, 1, len(data))
        self.prior_potential = check_callable(
            "prior_potential", prior_potential, "a callable (n_chains, d) -> (n_chains,)"
        )
        self.data_potential = check_callable(
            "data_potential", data_potential, "a callable (position, batch) -> (n_chains, b)"
        )
        self.data, self.batch_size = data, batch_size

    def init(self, position: Tensor) -> State:
        """State at `position` (n_chains, d), step counter 0; the potentials are evaluated there once (shapes, finiteness)."""
        x = check_positions(position)
        self.stochastic_grad(x, torch.Generator(x.device).manual_seed(0), name="position")
        return State(x, torch.zeros((), dtype=torch.long, device=x.device))

    def stochastic_grad(
        self, position: Tensor, generator: torch.Generator | None = None, *, name: str | None = None
    ) -> Tensor:
        """The unbiased minibatch estimate g of ∇f at `position` (n_chains, d), one minibatch per chain.

        Both potentials' shapes are checked at every call (a scalar prior would be summed over the chains and its
        gradient multiplied by n_chains); with `name` (what `init` passes) also their finiteness, once.
        """
        n, big_n = position.shape[0], len(self.data)
        idx = torch.randint(0, big_n, (n, self.batch_size), generator=generator, device=self.data.device)
        batch = self.data[idx]
        with torch.enable_grad():
            z = position.detach().requires_grad_(True)
            try:
                terms, prior = self.data_potential(z, batch), self.prior_potential(z)
            except (RuntimeError, IndexError) as e:
                if name is None:
                    raise
                raise ValueError(
                    f"the potentials cannot be evaluated at the {name} of shape {tuple(z.shape)}: {e}"
                ) from e
            for what, value, shape in (
                ("data_potential", terms, (n, self.batch_size)),
                ("prior_potential", prior, (n,)),
            ):
                if not isinstance(value, Tensor) or value.shape != shape:
                    got = tuple(value.shape) if isinstance(value, Tensor) else type(value).__name__
                    raise ValueError(f"{what} must return shape {shape} (one value per chain), got {got}")
            f_hat = prior + (big_n / self.batch_size) * terms.sum(-1)
            if name is not None and not bool(torch.isfinite(f_hat).all()):
                raise ValueError(f"the potential (prior_potential + data_potential) is NaN or inf at the {name}")
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
