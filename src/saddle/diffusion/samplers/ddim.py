"""DDIM sampler (Song, Meng & Ermon, ICLR 2021, eq. 12) for any Gaussian noising process.

x̂_0 = (x_t − σ_t ε̂)/α_t;  x_s = α_s x̂_0 + sqrt(σ_s² − c²) ε̂ + c z,
c = η σ_s sqrt(1 − (α_t σ_s / (α_s σ_t))²), which for DDPM is their σ_t(η) =
η sqrt((1 − ᾱ_{t−1})/(1 − ᾱ_t)) sqrt(1 − ᾱ_t/ᾱ_{t−1}). η = 0: deterministic (a discretisation of the
probability-flow ODE); η = 1: the ancestral DDPM posterior step. One network evaluation per step.
"""

from __future__ import annotations

import torch
from torch import Tensor

from saddle.diffusion.process import NoiseProcess
from saddle.diffusion.samplers.base import EpsFn, call_eps, check_timesteps, coefs, noise_like, predict_x0, step_pairs


@torch.no_grad()
def ddim(eps_fn: EpsFn, process: NoiseProcess, x: Tensor, timesteps: Tensor, eta: float = 0.0,
         generator: torch.Generator | None = None, clip_x0: float | None = None) -> Tensor:
    """DDIM sampling through the timestep array; η ∈ [0, 1] (default 0), x̂_0 optionally clamped to ±clip_x0.

    x: (n, *shape) at time timesteps[0]. When clamping, ε̂ is recomputed from the clamped x̂_0 (as diffusers).
    """
    if not (0 <= eta <= 1):
        raise ValueError(f"eta must lie in [0, 1], got {eta}")
    ts = check_timesteps(process, timesteps)
    for t, s in step_pairs(ts, "DDIM"):
        a_t, s_t = coefs(process, t)
        a_s, s_s = coefs(process, s)
        eps = call_eps(eps_fn, x, t)
        x0 = predict_x0(process, x, eps, t, clip_x0)
        if clip_x0 is not None:
            eps = (x - a_t * x0) / s_t
        c = eta * s_s * max(0.0, 1 - (a_t * s_s / (a_s * s_t)) ** 2) ** 0.5
        x = a_s * x0 + max(s_s**2 - c**2, 0.0) ** 0.5 * eps
        if c > 0:
            x = x + c * noise_like(x, generator)
    return x
