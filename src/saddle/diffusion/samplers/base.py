"""What every sampler shares: the ε-model calling convention, timestep validation, ε → score, x̂_0.

An ε-model is any callable `eps_fn(x, t) -> ε̂` with x of shape (n, *shape) and t of shape (n,)
(the process's own time: t ∈ [0, 1] for the SDEs, integer t ∈ {0, …, T} for DDPM). The score is
∇log p_t(x) = −ε̂/σ_t. Samplers take a decreasing array of timesteps t_0 > t_1 > … > t_N and step from
each t_i to the next array entry t_{i+1} (never t − 1/N), so any spacing works.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

import torch
from torch import Tensor

from saddle.diffusion.process import NoiseProcess, bcast
from saddle.progress import progress

EpsFn = Callable[[Tensor, Tensor], Tensor]


def check_timesteps(process: NoiseProcess, timesteps: Tensor | list[float]) -> Tensor:
    """Return the timesteps as a 1-D float64 tensor after checking: ≥ 2 entries, strictly decreasing, in [0, T]."""
    ts = torch.as_tensor(timesteps, dtype=torch.float64).detach().cpu()
    if ts.dim() != 1 or len(ts) < 2:
        raise ValueError(f"timesteps must be a 1-D array with at least 2 entries, got shape {tuple(ts.shape)}")
    if not bool(torch.all(ts[1:] < ts[:-1])):
        raise ValueError("timesteps must be strictly decreasing")
    if not (ts[-1] >= 0 and ts[0] <= process.T):
        raise ValueError(f"timesteps must lie in [0, {process.T}], got [{ts[-1].item()}, {ts[0].item()}]")
    if process.marginal(ts[0])[1] <= 0:
        raise ValueError(f"the first timestep must have σ_t > 0, got t = {ts[0].item()}")
    return ts


def step_pairs(ts: Tensor, desc: str) -> Iterator[tuple[float, float]]:
    """(t_i, t_{i+1}) for consecutive entries of the timestep array, with a progress bar."""
    pairs = list(zip(ts[:-1].tolist(), ts[1:].tolist()))
    return progress(pairs, desc=desc, total=len(pairs))


def call_eps(eps_fn: EpsFn, x: Tensor, t: float) -> Tensor:
    """ε̂ = eps_fn(x, t·1) with t broadcast to a (n,) tensor of x's dtype and device."""
    return eps_fn(x, torch.full((x.shape[0],), t, dtype=x.dtype, device=x.device))


def coefs(process: NoiseProcess, t: float) -> tuple[float, float]:
    """(α_t, σ_t) as Python floats (computed in float64)."""
    a, s = process.marginal(torch.tensor(t, dtype=torch.float64))
    return float(a), float(s)


def score_from_eps(process: NoiseProcess, eps: Tensor, t: float) -> Tensor:
    """∇log p_t = −ε̂/σ_t."""
    return -eps / coefs(process, t)[1]


def eps_from_score(process: NoiseProcess, score_fn: Callable[[Tensor, Tensor], Tensor]) -> EpsFn:
    """Wrap a score function s(x, t) into an ε-model ε̂ = −σ_t s(x, t) (e.g. an exact score)."""

    def eps_fn(x: Tensor, t: Tensor) -> Tensor:
        sigma = process.marginal(t.to(torch.float64))[1]
        return -bcast(sigma, x).to(x.dtype) * score_fn(x, t)

    return eps_fn


def predict_x0(process: NoiseProcess, x: Tensor, eps: Tensor, t: float, clip: float | None = None) -> Tensor:
    """Tweedie / ε-parametrisation: x̂_0 = (x_t − σ_t ε̂)/α_t, optionally clamped to [−clip, clip]."""
    a, s = coefs(process, t)
    x0 = (x - s * eps) / a
    return x0.clamp(-clip, clip) if clip is not None else x0


def noise_like(x: Tensor, generator: torch.Generator | None) -> Tensor:
    """Standard normal noise of x's shape, drawn on the CPU generator then moved to x's device."""
    return torch.randn(x.shape, generator=generator, dtype=x.dtype).to(x.device)


def final_denoise(eps_fn: EpsFn, process: NoiseProcess, x: Tensor, t: float) -> Tensor:
    """Tweedie's x̂_0 = E[x_0 | x_t] at the last time t (one evaluation); x unchanged where σ_t = 0."""
    if coefs(process, t)[1] <= 0:
        return x
    return predict_x0(process, x, call_eps(eps_fn, x, t), t)
