"""DDIM sampler (Song, Meng & Ermon, ICLR 2021, eq. 12) for any Gaussian noising process.

x̂_0 = (x_t − σ_t ε̂)/α_t;  x_s = α_s x̂_0 + sqrt(σ_s² − c²) ε̂ + c z,
c = η σ_s sqrt(1 − (α_t σ_s / (α_s σ_t))²), which for DDPM is their σ_t(η) =
η sqrt((1 − ᾱ_{t−1})/(1 − ᾱ_t)) sqrt(1 − ᾱ_t/ᾱ_{t−1}). η = 0: deterministic (the Euler step of the
probability-flow ODE in σ/α, Karras et al. 2022 §4); η = 1: the ancestral step x_s ~ q(x_s | x_t, x̂_0)
(Ho et al. 2020, Algorithm 2 with σ_t² = β̃_t on the grid T, T−1, …, 0). One network evaluation per step.

Conventions against diffusers' `DDIMScheduler` (agreement tested to round-off):
- indexing: diffusers' timestep k is saddle's t = k + 1 (its `alphas_cumprod[k]` is ᾱ_{k+1} of Ho et al.);
- the previous time: diffusers always steps to k − ⌊T/N⌋, whatever its spacing; saddle steps to the next
  grid entry (identical for "leading" and for "trailing" when N divides T; its "linspace" differs);
- final ᾱ: diffusers' `set_alpha_to_one=True` is saddle's final time 0 (ᾱ = 1), False is final time 1;
- clipping: diffusers clips x̂_0 by default (`clip_sample=True`, range 1), saddle does not (clip_x0=None);
  when clipping, ε̂ stays the model's output unless `use_clipped_model_output=True`, which recomputes
  ε̂ = (x_t − α_t x̂_0)/σ_t from the clipped x̂_0 — both exactly as diffusers;
- the noise of η > 0 is `torch.randn(x.shape, generator)` on the CPU, the same stream as diffusers' `randn_tensor`.
"""

from __future__ import annotations

import torch

from saddle.diffusion.process import NoiseProcess
from saddle.diffusion.samplers.base import EpsFn, Sampler, SamplerState, call_eps, coefs, noise_like, predict_x0
from saddle.validation import check_real

__all__ = ["DDIM"]


class DDIM(Sampler):
    """DDIM step with η ∈ [0, 1] (default 0), x̂_0 optionally clamped to ±clip_x0 (default: no clamp)."""

    def __init__(self, eta: float = 0.0, clip_x0: float | None = None, use_clipped_model_output: bool = False) -> None:
        self.eta = check_real("eta", eta, 0.0, 1.0, low_open=False)
        self.clip_x0 = None if clip_x0 is None else check_real("clip_x0", clip_x0, 0.0)
        self.use_clipped_model_output = bool(use_clipped_model_output)

    def step(
        self,
        model: EpsFn,
        process: NoiseProcess,
        state: SamplerState,
        t: float,
        s: float,
        generator: torch.Generator | None = None,
    ) -> SamplerState:
        x = state.x
        a_t, s_t = coefs(process, t)
        a_s, s_s = coefs(process, s)
        eps = call_eps(model, x, t)
        x0 = predict_x0(process, x, eps, t, self.clip_x0)
        if self.clip_x0 is not None and self.use_clipped_model_output:
            eps = (x - a_t * x0) / s_t
        c = self.eta * s_s * max(0.0, 1 - (a_t * s_s / (a_s * s_t)) ** 2) ** 0.5
        x = a_s * x0 + max(s_s**2 - c**2, 0.0) ** 0.5 * eps
        if c > 0:
            x = x + c * noise_like(x, generator)
        return state.advance(x)
