"""Reverse-time SDE sampler, Euler–Maruyama discretisation.

Anderson (1982); Song et al. (ICLR 2021), eq. 6: dx = [f(x, t) − g(t)²∇log p_t(x)] dt + g(t) dw̄,
integrated from t down to s: x ← x − [f − g² ŝ] h + g sqrt(h) z, h = t − s. One network evaluation per step.
SDEs only (VE, VP, sub-VP): DDPM has no drift/diffusion coefficients (use `DDIM(eta=1)`, its ancestral step).
"""

from __future__ import annotations

import torch
from torch import Tensor

from saddle.diffusion.process import SDE
from saddle.diffusion.samplers.base import EpsFn, Sampler, SamplerState, call_eps, noise_like, score_from_eps

__all__ = ["EulerMaruyama", "reverse_sde_step"]


def reverse_sde_step(
    model: EpsFn, sde: SDE, x: Tensor, t: float, s: float, generator: torch.Generator | None = None
) -> Tensor:
    """One Euler–Maruyama step of the reverse SDE from time t down to s < t."""
    h = t - s
    score = score_from_eps(sde, call_eps(model, x, t), t)
    drift, g = sde.sde(x, torch.tensor(t))
    return x - (drift - g**2 * score) * h + g * (h**0.5) * noise_like(x, generator)


class EulerMaruyama(Sampler[SDE]):
    """Reverse-SDE Euler–Maruyama (Song et al. ICLR 2021, eq. 6); stochastic, 1 evaluation per step."""

    requires_sde = True

    def step(
        self,
        model: EpsFn,
        process: SDE,
        state: SamplerState,
        t: float,
        s: float,
        generator: torch.Generator | None = None,
    ) -> SamplerState:
        return state.advance(reverse_sde_step(model, process, state.x, t, s, generator))
