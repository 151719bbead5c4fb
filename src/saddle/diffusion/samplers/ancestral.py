"""Ancestral sampling: draw x_s ~ q(x_s | x_t, x̂_0) with x̂_0 = (x_t − σ_t ε̂)/α_t.

Ho et al. (2020), Algorithm 2 with σ_t² = β̃_t (the posterior variance of eq. 7) when the timestep array
is T, T−1, …, 0; on a sub-sequence it is the posterior of the skipped chain (any s < t), and for the VE
SDE it is the ancestral sampler of SMLD. One network evaluation per step.
"""

from __future__ import annotations

import torch
from torch import Tensor

from saddle.diffusion.process import NoiseProcess
from saddle.diffusion.samplers.base import EpsFn, call_eps, check_timesteps, noise_like, predict_x0, step_pairs


@torch.no_grad()
def ancestral(eps_fn: EpsFn, process: NoiseProcess, x: Tensor, timesteps: Tensor,
              generator: torch.Generator | None = None, clip_x0: float | None = None) -> Tensor:
    """Ancestral (DDPM) sampling through the timestep array; x̂_0 optionally clamped to ±clip_x0.

    x: (n, *shape) at time timesteps[0]; the last step to t = 0 (σ = 0) returns the mean x̂_0.
    """
    ts = check_timesteps(process, timesteps)
    for t, s in step_pairs(ts, "ancestral"):
        x0 = predict_x0(process, x, call_eps(eps_fn, x, t), t, clip_x0)
        mean, var = process.posterior(x, x0, t, s)
        x = mean + var.sqrt() * noise_like(x, generator) if bool((var > 0).any()) else mean
    return x
