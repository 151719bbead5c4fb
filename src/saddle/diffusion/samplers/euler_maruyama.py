"""Reverse-time SDE sampler, Euler–Maruyama discretisation.

Anderson (1982); Song et al. (ICLR 2021), eq. 6: dx = [f(x, t) − g(t)²∇log p_t(x)] dt + g(t) dw̄,
integrated from t_i down to t_{i+1}: x ← x − [f − g² s] h + g sqrt(h) z, h = t_i − t_{i+1}.
One network evaluation per step (+1 with `denoise_final`).
"""

from __future__ import annotations

import torch
from torch import Tensor

from saddle.diffusion.process import SDE
from saddle.diffusion.samplers.base import (EpsFn, call_eps, check_timesteps, final_denoise, noise_like,
                                            score_from_eps, step_pairs)


@torch.no_grad()
def reverse_sde_euler_maruyama(eps_fn: EpsFn, sde: SDE, x: Tensor, timesteps: Tensor,
                               generator: torch.Generator | None = None, denoise_final: bool = False) -> Tensor:
    """Integrate the reverse SDE from x at timesteps[0] through the given timesteps; returns x at the last one.

    x: (n, *shape) draws at time timesteps[0] (e.g. `sde.prior_sample`). With `denoise_final`, returns
    Tweedie's E[x_0 | x_{t_N}] instead (one more evaluation).
    """
    ts = check_timesteps(sde, timesteps)
    for t, s in step_pairs(ts, "reverse SDE (EM)"):
        x = reverse_sde_step(eps_fn, sde, x, t, s, generator)
    return final_denoise(eps_fn, sde, x, float(ts[-1])) if denoise_final else x


def reverse_sde_step(eps_fn: EpsFn, sde: SDE, x: Tensor, t: float, s: float,
                     generator: torch.Generator | None = None) -> Tensor:
    """One Euler–Maruyama step of the reverse SDE from time t down to s < t."""
    h = t - s
    score = score_from_eps(sde, call_eps(eps_fn, x, t), t)
    drift, g = sde.sde(x, torch.tensor(t))
    return x - (drift - g**2 * score) * h + g * (h**0.5) * noise_like(x, generator)
