"""What every sampler shares: the ε-model convention, the step protocol on explicit state, ε → score, x̂_0.

An ε-model is any callable `model(x, t) -> ε̂` with x of shape (n, *shape) and t of shape (n,) (the
process's own time: t ∈ [0, 1] for the SDEs, integer t ∈ {0, …, T} for DDPM); ε̂ must have x's shape.
The score is ∇log p_t(x) = −ε̂/σ_t and Tweedie's denoiser x̂_0 = (x − σ_t ε̂)/α_t.

A sampler is one step on explicit state, as diffusers' `Scheduler.step` and k-diffusion's samplers:
`state = sampler.step(model, process, state, t, s, generator)` moves `state.x` from time t to the next
grid time s < t; multistep samplers keep their memory in `state.history`. The one loop over a decreasing
timestep array t_0 > t_1 > … > t_N is `saddle.diffusion.samplers.sample`; every step goes from one array
entry to the next (never t − 1/N), so any spacing works.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Generic, TypeVar

import torch
from torch import Tensor

from saddle.diffusion.process import SDE, NoiseProcess, bcast
from saddle.validation import check_generator

EpsFn = Callable[[Tensor, Tensor], Tensor]
#: the processes a sampler steps: any NoiseProcess, or only SDEs for those with `requires_sde`
ProcessT = TypeVar("ProcessT", bound=NoiseProcess)

__all__ = [
    "EpsFn",
    "EvaluationCounter",
    "Sampler",
    "SamplerState",
    "call_eps",
    "check_timesteps",
    "coefs",
    "eps_from_score",
    "predict_x0",
    "score_from_eps",
]


@dataclass(frozen=True)
class SamplerState:
    """x (n, *shape) at the current grid time; index i of that time in the grid of n_steps steps; history:
    whatever a multistep sampler remembers of earlier steps (e.g. DPM-Solver++'s previous x̂_0 and λ)."""

    x: Tensor
    index: int = 0
    n_steps: int = 1
    history: tuple = field(default_factory=tuple)

    def advance(self, x: Tensor, history: tuple | None = None) -> SamplerState:
        """The state after one step: new x, index + 1, and the new history (kept if None)."""
        return replace(self, x=x, index=self.index + 1, history=self.history if history is None else history)


class Sampler(ABC, Generic[ProcessT]):
    """One reverse-process step on explicit state; `requires_sde`: needs the drift f and diffusion g (not DDPM).

    Generic in the processes it steps: `Sampler[SDE]` for the samplers with `requires_sde`.
    """

    requires_sde: bool = False

    def check_process(self, process: NoiseProcess) -> None:
        """ValueError if this sampler cannot run on `process`."""
        if not isinstance(process, NoiseProcess):
            raise ValueError(f"process must be a NoiseProcess (VESDE, VPSDE, SubVPSDE, DDPMSchedule), got {process!r}")
        if self.requires_sde and not isinstance(process, SDE):
            raise ValueError(
                f"{type(self).__name__} integrates the reverse SDE / probability-flow ODE and needs an "
                f"SDE (VESDE, VPSDE, SubVPSDE), got {type(process).__name__}; use DDIM, DPMSolverPP2M "
                f"or EDMHeun for discrete schedules"
            )

    @abstractmethod
    def step(
        self,
        model: EpsFn,
        process: ProcessT,
        state: SamplerState,
        t: float,
        s: float,
        generator: torch.Generator | None = None,
    ) -> SamplerState:
        """Move state.x from time t to time s < t (the next grid entry)."""


class EvaluationCounter:
    """Wrap an ε-model and count its calls (`calls`): the network evaluations (NFE) a sampler spends."""

    def __init__(self, model: EpsFn) -> None:
        self.model, self.calls = model, 0

    def __call__(self, x: Tensor, t: Tensor) -> Tensor:
        self.calls += 1
        return self.model(x, t)


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


def call_eps(model: EpsFn, x: Tensor, t: float) -> Tensor:
    """ε̂ = model(x, t·1) with t broadcast to a (n,) tensor of x's dtype and device; ε̂ must have x's shape."""
    eps = model(x, torch.full((x.shape[0],), t, dtype=x.dtype, device=x.device))
    if not isinstance(eps, Tensor) or eps.shape != x.shape:
        shape = tuple(eps.shape) if isinstance(eps, Tensor) else type(eps).__name__
        raise ValueError(f"the ε-model must return a tensor of x's shape {tuple(x.shape)}, got {shape}")
    return eps


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
    """Standard normal noise of x's shape and dtype, drawn on the CPU generator then moved to x's device.

    Same stream as diffusers' `randn_tensor(x.shape, generator)` on the CPU.
    """
    check_generator(generator, allow_none=True)
    return torch.randn(x.shape, generator=generator, dtype=x.dtype).to(x.device)
