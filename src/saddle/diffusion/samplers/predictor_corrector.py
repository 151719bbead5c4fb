"""Predictor–corrector sampler: Langevin corrector + reverse-SDE Euler–Maruyama predictor.

Song et al. (ICLR 2021), Algorithms 4–5 and their code: at each t, `n_corrector` Langevin steps
x ← x + ε ŝ + sqrt(2ε) z with the signal-to-noise step rule ε = 2α (r ‖z‖/‖ŝ‖)² (norms averaged over
the batch, α = (α_t/α_s)², i.e. 1 − β_i for VP and 1 for VE), then one predictor step to s.
The corrector is THE Langevin step `saddle.langevin.langevin_step` with grad = −ŝ and a tensor step size.
Network evaluations: n_corrector + 1 per step. SDEs only.
"""

from __future__ import annotations

import math

import torch
from torch import Tensor

from saddle.diffusion.process import SDE
from saddle.diffusion.samplers.base import EpsFn, Sampler, SamplerState, call_eps, coefs, noise_like, score_from_eps
from saddle.diffusion.samplers.euler_maruyama import reverse_sde_step
from saddle.langevin import langevin_step
from saddle.validation import check_int, check_real

__all__ = ["PredictorCorrector", "langevin_snr_step"]


def langevin_snr_step(
    x: Tensor, score: Tensor, snr: float, alpha: float, generator: torch.Generator | None = None
) -> Tensor:
    """One Langevin corrector step with Song et al.'s SNR step size ε = 2α(r‖z‖/‖ŝ‖)², via `langevin_step`."""
    z = noise_like(x, generator)
    grad_norm = score.reshape(len(x), -1).norm(dim=1).mean()
    noise_norm = z.reshape(len(x), -1).norm(dim=1).mean()
    step = 2 * alpha * (snr * noise_norm / grad_norm) ** 2
    return langevin_step(x, -score, step, noise=z)


class PredictorCorrector(Sampler[SDE]):
    """PC sampling with SNR r (default 0.16, Song et al.'s CIFAR-10 VE value) and `n_corrector` Langevin steps."""

    requires_sde = True

    def __init__(self, snr: float = 0.16, n_corrector: int = 1) -> None:
        self.snr = check_real("snr", snr, 0.0, math.inf, high_open=True)
        self.n_corrector = check_int("n_corrector", n_corrector, low=0)

    def step(
        self,
        model: EpsFn,
        process: SDE,
        state: SamplerState,
        t: float,
        s: float,
        generator: torch.Generator | None = None,
    ) -> SamplerState:
        x = state.x
        alpha = (coefs(process, t)[0] / coefs(process, s)[0]) ** 2
        for _ in range(self.n_corrector):
            x = langevin_snr_step(x, score_from_eps(process, call_eps(model, x, t), t), self.snr, alpha, generator)
        return state.advance(reverse_sde_step(model, process, x, t, s, generator))
