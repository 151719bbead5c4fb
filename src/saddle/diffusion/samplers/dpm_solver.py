"""DPM-Solver++(2M): the second-order multistep solver of the probability-flow ODE in data prediction.

Lu, Zhou, Bao, Chen, Li & Zhu (2022), "DPM-Solver++", Algorithm 2. With λ_t = log(α_t/σ_t),
h = λ_s − λ_t and x̂_0 the data prediction at t:
  first step (no history):  x_s = (σ_s/σ_t) x_t − α_s (e^{−h} − 1) x̂_0(t)
  later steps:              D = (1 + 1/(2r)) x̂_0(t) − 1/(2r) x̂_0(t_prev), r = (λ_t − λ_{t_prev})/h,
                            x_s = (σ_s/σ_t) x_t − α_s (e^{−h} − 1) D.
A step to σ_s = 0 (the data) is first order, x_s = x̂_0(t), and so is the final step of a grid of fewer than 15
steps with `lower_order_final` (default True; diffusers' stabiliser: that step has the largest h in λ, where the
extrapolation with r ≪ 1 overshoots). One network evaluation per step; the state's history holds
(x̂_0(t_prev), λ_{t_prev}). Any process (VP, sub-VP, VE, DDPM).

Conventions against diffusers' `DPMSolverMultistepScheduler(algorithm_type="dpmsolver++", solver_order=2,
solver_type="midpoint")` (agreement tested to round-off, with and without `lower_order_final`): diffusers'
timestep k is saddle's t = k + 1 and its final sigma "zero" is saddle's final time 0.
"""

from __future__ import annotations

import math

import torch

from saddle.diffusion.process import NoiseProcess
from saddle.diffusion.samplers.base import EpsFn, Sampler, SamplerState, call_eps, coefs, predict_x0
from saddle.validation import check_bool

__all__ = ["DPMSolverPP2M"]


class DPMSolverPP2M(Sampler):
    """DPM-Solver++(2M) step (Lu et al. 2022): multistep, second order, deterministic, 1 evaluation per step."""

    def __init__(self, lower_order_final: bool = True) -> None:
        self.lower_order_final = check_bool("lower_order_final", lower_order_final)

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
        x0 = predict_x0(process, x, call_eps(model, x, t), t)
        lam_t = math.log(a_t / s_t)
        if s_s == 0:
            return state.advance(a_s * x0, (x0, lam_t))
        h = math.log(a_s / s_s) - lam_t
        d = x0
        final_first_order = self.lower_order_final and state.n_steps < 15 and state.index == state.n_steps - 1
        if state.history and not final_first_order:
            x0_prev, lam_prev = state.history
            r = (lam_t - lam_prev) / h
            d = (1 + 1 / (2 * r)) * x0 - 1 / (2 * r) * x0_prev
        return state.advance(s_s / s_t * x - a_s * math.expm1(-h) * d, (x0, lam_t))
