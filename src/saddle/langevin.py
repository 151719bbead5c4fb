"""The one Langevin discretisation of saddle: x⁺ = x − h P ∇f(x) + sqrt(2 h T P) ξ, ξ ~ N(0, I).

Euler–Maruyama step of dX = −P∇f(X) dt + sqrt(2TP) dB, whose stationary law is π ∝ exp(−f/T)
(seed 000, "Langevin Monte Carlo (LMC)"; Roberts & Tweedie 1996; Welling & Teh 2011 for stochastic ∇f;
Li et al. 2016 for a diagonal preconditioner P, without their Γ correction term).

Every Langevin user in saddle calls `langevin_step`: the samplers of `saddle.sampling` (ULA, the MALA
proposal, SGLD, projected Langevin), the predictor–corrector's Langevin corrector in `saddle.diffusion`,
and the Langevin game dynamics `saddle.optim.LangevinGDA` (trap game, mixed-strategy GAN particles,
MixedNE-LD). It lives on the bottom floor because `saddle.optim` and `saddle.sampling` are siblings.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import torch
from torch import Tensor

from saddle.validation import NoiseSource, as_generator, check_real, random_rows

__all__ = ["NoiseSource", "check_noise_source", "gaussian_noise", "langevin_step", "langevin_step_all"]


def check_noise_source(generator: object, name: str = "generator") -> NoiseSource:
    """A Langevin method's noise source: a torch.Generator (an int seed gives a fresh CPU generator, `as_generator`)
    or a non-empty sequence of torch.Generators, one per row (kept as a tuple); anything else (None included) raises
    ValueError."""
    if isinstance(generator, Sequence) and not isinstance(generator, (str, bytes)):
        rows = tuple(generator)
        if not rows or not all(isinstance(g, torch.Generator) for g in rows):
            raise ValueError(f"{name} as a sequence must hold one torch.Generator per row, got {generator!r}")
        return rows
    checked = as_generator(generator, name)
    if checked is None:
        raise ValueError(f"{name} must be a torch.Generator, an int seed or one generator per row, got None")
    return checked


def gaussian_noise(like: Tensor, generator: NoiseSource | None) -> Tensor:
    """Standard normal noise with the shape, dtype and device of `like`, drawn from `generator`; with one generator
    per row (a sequence of len(like) generators), row r is `torch.randn(like.shape[1:])` from generator r alone
    (`saddle.validation.random_rows`)."""
    return random_rows(like.shape, generator, dtype=like.dtype, device=like.device)


def langevin_step(
    position: Tensor,
    grad: Tensor,
    step_size: float | Tensor,
    generator: NoiseSource | None = None,
    temperature: float = 1.0,
    *,
    preconditioner: Tensor | None = None,
    noise: Tensor | None = None,
) -> Tensor:
    """One Langevin step x⁺ = x − h P g + sqrt(2 h T P) ξ (returns a new tensor; inputs untouched).

    position x and grad g = ∇f(x) (any shape, equal); step_size h > 0, a float or a tensor that
    broadcasts against x (per-point steps, e.g. the PC corrector's SNR rule); temperature T ≥ 0
    (T = 0 is gradient descent, T = 1/β for π ∝ e^{−βf}); preconditioner P > 0 (broadcasts against x,
    default I); noise ξ drawn from `generator` (or one generator per row of x) unless given (same shape as x).
    For a score s = ∇log π pass grad = −s.
    """
    if grad.shape != position.shape:
        raise ValueError(f"grad has shape {tuple(grad.shape)} but position has shape {tuple(position.shape)}")
    if not isinstance(step_size, Tensor):
        step_size = check_real("step_size", step_size, 0.0, math.inf, high_open=True)
    temperature = check_real("temperature", temperature, 0.0, math.inf, low_open=False, high_open=True)
    drift = grad if preconditioner is None else preconditioner * grad
    # torch.add(..., alpha=−h) is the kernel of the gradient Methods' axpy: at T = 0 this is GDA bit for bit
    x = position - step_size * drift if isinstance(step_size, Tensor) else torch.add(position, drift, alpha=-step_size)
    if temperature == 0.0:
        return x
    xi = gaussian_noise(position, generator) if noise is None else noise
    if xi.shape != position.shape:
        raise ValueError(f"noise has shape {tuple(xi.shape)} but position has shape {tuple(position.shape)}")
    scale = 2.0 * temperature * step_size
    if preconditioner is not None:
        scale = scale * preconditioner
    scale = scale.sqrt() if isinstance(scale, Tensor) else math.sqrt(scale)
    return x + scale * xi


def langevin_step_all(
    positions: Sequence[Tensor],
    grads: Sequence[Tensor],
    step_size: float | Sequence[float],
    generator: NoiseSource | None = None,
    temperature: float = 1.0,
    *,
    preconditioners: Sequence[Tensor | None] | None = None,
) -> list[Tensor]:
    """`langevin_step` on each tensor of a list (one per player), noise drawn in list order from one generator.

    step_size: one h for all, or one per tensor (each player's own step: its drift and its noise sqrt(2 h_i T)).
    """
    if len(positions) != len(grads):
        raise ValueError(f"got {len(positions)} positions but {len(grads)} gradients")
    pre = [None] * len(positions) if preconditioners is None else list(preconditioners)
    if len(pre) != len(positions):
        raise ValueError(f"got {len(pre)} preconditioners for {len(positions)} positions")
    steps = list(step_size) if isinstance(step_size, Sequence) else [step_size] * len(positions)
    if len(steps) != len(positions):
        raise ValueError(f"got {len(steps)} step sizes for {len(positions)} positions")
    return [
        langevin_step(x, g, h, generator, temperature, preconditioner=p)
        for x, g, h, p in zip(positions, grads, steps, pre)
    ]
