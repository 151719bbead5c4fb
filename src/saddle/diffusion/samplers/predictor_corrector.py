"""Predictor–corrector sampler: Langevin corrector + reverse-SDE Euler–Maruyama predictor.

Song et al. (ICLR 2021), Algorithms 4–5 and their code: at each t_i, `n_corrector` Langevin steps
x ← x + ε s + sqrt(2ε) z with the signal-to-noise step rule ε = 2α (r ‖z‖/‖s‖)² (norms averaged over
the batch, α = (α_{t_i}/α_{t_{i+1}})², i.e. 1 − β_i for VP and 1 for VE), then one predictor step to
t_{i+1}. Network evaluations: n_corrector + 1 per step.
"""

from __future__ import annotations

import torch
from torch import Tensor

from saddle.diffusion.process import SDE
from saddle.diffusion.samplers.base import (EpsFn, call_eps, check_timesteps, coefs, final_denoise, noise_like,
                                            score_from_eps, step_pairs)
from saddle.diffusion.samplers.euler_maruyama import reverse_sde_step


def langevin_snr_step(x: Tensor, score: Tensor, snr: float, alpha: float,
                      generator: torch.Generator | None = None) -> Tensor:
    """One Langevin corrector step with Song et al.'s SNR step size ε = 2α(r‖z‖/‖s‖)²."""
    z = noise_like(x, generator)
    grad_norm = score.reshape(len(x), -1).norm(dim=1).mean()
    noise_norm = z.reshape(len(x), -1).norm(dim=1).mean()
    eps = 2 * alpha * (snr * noise_norm / grad_norm) ** 2
    return x + eps * score + (2 * eps).sqrt() * z


@torch.no_grad()
def predictor_corrector(eps_fn: EpsFn, sde: SDE, x: Tensor, timesteps: Tensor, snr: float = 0.16,
                        n_corrector: int = 1, generator: torch.Generator | None = None,
                        denoise_final: bool = False) -> Tensor:
    """PC sampling from timesteps[0] to timesteps[-1]; snr r (default 0.16, Song et al.'s CIFAR-10 VE value).

    x: (n, *shape) at time timesteps[0]. Returns x at the last timestep (or Tweedie's x̂_0 with
    `denoise_final`).
    """
    if not (snr > 0):
        raise ValueError(f"snr must be > 0, got {snr}")
    if n_corrector < 0:
        raise ValueError(f"n_corrector must be >= 0, got {n_corrector}")
    ts = check_timesteps(sde, timesteps)
    for t, s in step_pairs(ts, "predictor-corrector"):
        alpha = (coefs(sde, t)[0] / coefs(sde, s)[0]) ** 2
        for _ in range(n_corrector):
            score = score_from_eps(sde, call_eps(eps_fn, x, t), t)
            x = langevin_snr_step(x, score, snr, alpha, generator)
        x = reverse_sde_step(eps_fn, sde, x, t, s, generator)
    return final_denoise(eps_fn, sde, x, float(ts[-1])) if denoise_final else x
