"""The EDM sampler of Karras, Aittala, Aila & Laine (NeurIPS 2022), Algorithm 2 (Heun with stochastic churn).

It integrates the probability-flow ODE in the noise-to-signal ratio σ̃ = σ_t/α_t on the scaled variable
x̃ = x/α_t (their eq. 4 with s(t) = α_t), where it reads dx̃/dσ̃ = ε̂ (= (x̃ − D(x̃; σ̃))/σ̃, D the denoiser):
  churn: if S_tmin ≤ σ̃_t ≤ S_tmax, γ = min(S_churn/N, √2 − 1), else 0; σ̂ = (1 + γ) σ̃_t,
         x̂ = x̃ + sqrt(σ̂² − σ̃_t²) S_noise ξ  (σ̂ taken at the time t̂ = `process.time_at(σ̂)`, clamped to T;
         on DDPM t̂ is rounded to an integer and σ̂ recomputed from it);
  Euler: x̃_s = x̂ + (σ̃_s − σ̂) ε̂(x̂, t̂);  Heun (if σ̃_s > 0): x̃_s = x̂ + (σ̃_s − σ̂) ½(ε̂(x̂, t̂) + ε̂(x̃_s, s)).
With S_churn = 0 it is deterministic (their Algorithm 1), its Euler part is exactly DDIM η = 0.
Network evaluations: 2 per step (1 on a final step to σ = 0). Any process (VP, sub-VP, VE, DDPM);
Karras et al.'s ImageNet-64 churn settings are S_churn 40, S_tmin 0.05, S_tmax 50, S_noise 1.003.
"""

from __future__ import annotations

import math

import torch

from saddle.diffusion.process import NoiseProcess
from saddle.diffusion.samplers.base import EpsFn, Sampler, SamplerState, call_eps, coefs, noise_like
from saddle.validation import check_real

__all__ = ["EDMHeun"]


class EDMHeun(Sampler):
    """Karras et al. (2022) Algorithm 2; defaults S_churn = 0 (deterministic), S_tmin = 0, S_tmax = ∞, S_noise = 1."""

    def __init__(
        self, s_churn: float = 0.0, s_tmin: float = 0.0, s_tmax: float = math.inf, s_noise: float = 1.0
    ) -> None:
        self.s_churn = check_real("s_churn", s_churn, 0.0, math.inf, low_open=False, high_open=True)
        self.s_tmin = check_real("s_tmin", s_tmin, 0.0, math.inf, low_open=False, high_open=True)
        self.s_tmax = check_real("s_tmax", s_tmax, self.s_tmin, math.inf, low_open=False)
        self.s_noise = check_real("s_noise", s_noise, 0.0, math.inf, high_open=True)

    def step(
        self,
        model: EpsFn,
        process: NoiseProcess,
        state: SamplerState,
        t: float,
        s: float,
        generator: torch.Generator | None = None,
    ) -> SamplerState:
        a_t, s_t = coefs(process, t)
        a_s, s_s = coefs(process, s)
        sig_t, sig_s = s_t / a_t, s_s / a_s
        x = state.x / a_t
        t_hat, sig_hat = t, sig_t
        gamma = min(self.s_churn / state.n_steps, math.sqrt(2) - 1) if self.s_tmin <= sig_t <= self.s_tmax else 0.0
        if gamma > 0:
            t_hat = min(float(process.time_at((1 + gamma) * sig_t)), float(process.T))
            a_hat, s_hat = coefs(process, t_hat)
            sig_hat = s_hat / a_hat
            if sig_hat > sig_t:
                x = x + math.sqrt(sig_hat**2 - sig_t**2) * self.s_noise * noise_like(x, generator)
            else:
                t_hat, sig_hat = t, sig_t
        a_hat = coefs(process, t_hat)[0]
        d = call_eps(model, a_hat * x, t_hat)
        x_next = x + (sig_s - sig_hat) * d
        if sig_s > 0:
            d2 = call_eps(model, a_s * x_next, s)
            x_next = x + (sig_s - sig_hat) * 0.5 * (d + d2)
        return state.advance(a_s * x_next)
