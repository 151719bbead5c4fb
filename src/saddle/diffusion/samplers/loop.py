"""THE sampling loop: any registered sampler stepped through a decreasing timestep array.

As diffusers' pipelines and k-diffusion's `sample_*` loops: the model (ε-prediction), the update rule (a
`Sampler` step) and the loop are kept apart; guidance (classifier-free or classifier) wraps the model once here.
"""

from __future__ import annotations

import torch
from torch import Tensor

from saddle.diffusion.guidance import Guidance
from saddle.diffusion.process import NoiseProcess
from saddle.diffusion.samplers.base import EpsFn, Sampler, SamplerState, call_eps, check_timesteps, coefs, predict_x0
from saddle.progress import progress as progress_bar
from saddle.validation import as_generator, check_callable, check_tensor

__all__ = ["sample"]


@torch.no_grad()
def sample(
    model: EpsFn,
    process: NoiseProcess,
    sampler: Sampler,
    timesteps: Tensor,
    x_T: Tensor,
    generator: torch.Generator | int | None = None,
    guidance: Guidance | None = None,
    progress: bool = True,
    denoise_final: bool = False,
) -> Tensor:
    """Run `sampler` from x_T (n, *shape) at timesteps[0] through every entry of `timesteps`; returns x at the last.

    model(x, t) -> ε̂ in the process's time (with `guidance`, the model `guidance.wrap` expects: model(x, t, y) for
    classifier-free guidance, ε̃ = (1 + w)ε_c − wε_∅; the unconditional model(x, t) for `ClassifierGuidance`);
    timesteps: strictly decreasing in [0, T] (e.g. `uniform_timesteps`, `karras_timesteps`); generator: the
    noise of stochastic samplers (an int is a seed for a fresh CPU generator); progress: a progress bar (when enabled globally); denoise_final: return
    Tweedie's E[x_0 | x_{t_N}] = (x − σ ε̂)/α instead (one more evaluation; no-op where σ_{t_N} = 0).
    """
    check_callable("model", model, "an ε-model (x, t) -> ε̂")
    if not isinstance(sampler, Sampler):
        raise ValueError(f"sampler must be a Sampler (see saddle.diffusion.SAMPLERS), got {sampler!r}")
    sampler.check_process(process)
    ts = check_timesteps(process, timesteps)
    check_tensor("x_T", x_T, ("n", ...))
    generator = as_generator(generator)
    eps_model = guidance.wrap(model) if guidance is not None else model
    pairs = list(zip(ts[:-1].tolist(), ts[1:].tolist()))
    steps = progress_bar(pairs, desc=type(sampler).__name__, total=len(pairs)) if progress else pairs
    state = SamplerState(x_T, 0, len(pairs))
    for t, s in steps:
        state = sampler.step(eps_model, process, state, t, s, generator)
    t_end = float(ts[-1])
    x = state.x
    if denoise_final and coefs(process, t_end)[1] > 0:
        x = predict_x0(process, x, call_eps(eps_model, x, t_end), t_end)
    if not bool(torch.isfinite(x).all()):  # one check at the end: a NaN never recovers, so none is missed
        raise ValueError(
            "the samples contain NaN or inf after the last step from a finite x_T: the model (ε-model) returned "
            "non-finite values, or the steps are too large for it"
        )
    return x
