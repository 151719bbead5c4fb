"""Timestep grids as data: decreasing arrays t_0 = T > t_1 > … > t_N of process times that samplers step through.

- `uniform_timesteps`: diffusers' spacings for discrete schedules (`DDIMScheduler.set_timesteps`, and
  Lin et al. 2024, "Common diffusion noise schedules and sample steps are flawed", Table 2):
  "leading" (k·⌊T/N⌋ + steps_offset), "trailing" (round(T − k·T/N) − 1) and "linspace"
  (round(linspace(0, T − 1, N)), reversed). diffusers counts from 0 (its t indexes ᾱ_{t+1} of Ho et al.),
  saddle from 1, so saddle's times are diffusers' + 1. The final entry is `final_time` (default 0 = the
  data, ᾱ = 1: diffusers' `set_alpha_to_one=True`; 1 gives its `set_alpha_to_one=False`). For the
  continuous SDEs only "linspace" exists: N + 1 evenly spaced times from T to t_min.
- `karras_timesteps`: Karras et al. (2022), eq. 5: σ_i = (σ_max^{1/ρ} + i/(N−1)(σ_min^{1/ρ} − σ_max^{1/ρ}))^ρ,
  ρ = 7, in the process's noise-to-signal ratio σ/α, mapped back to times with `process.time_at`.
"""

from __future__ import annotations

import torch
from torch import Tensor

from saddle.diffusion.process import NoiseProcess
from saddle.validation import check_choice, check_int, check_real

__all__ = ["SPACINGS", "karras_timesteps", "uniform_timesteps"]

SPACINGS = ("linspace", "leading", "trailing")


def uniform_timesteps(
    process: NoiseProcess,
    n_steps: int,
    spacing: str = "linspace",
    steps_offset: int = 0,
    final_time: float | None = None,
) -> Tensor:
    """N = n_steps evenly spaced times then `final_time`: a float64 tensor of n_steps + 1 decreasing times.

    spacing ∈ {"linspace", "leading", "trailing"} (diffusers' names; the last two only for discrete
    schedules); steps_offset shifts the "leading" grid (diffusers' `steps_offset`, e.g. 1 for Stable
    Diffusion). final_time defaults to 0 for discrete schedules and t_min for SDEs.
    """
    n = check_int("n_steps", n_steps)
    check_choice("spacing", spacing, SPACINGS)
    offset = check_int("steps_offset", steps_offset, low=0)
    if not process.discrete:
        if spacing != "linspace" or offset:
            raise ValueError(
                f"spacing {spacing!r} with steps_offset {offset} needs a discrete schedule "
                f"(DDPMSchedule); continuous SDEs use spacing 'linspace', steps_offset 0"
            )
        end = (
            process.t_min
            if final_time is None
            else check_real("final_time", final_time, 0.0, process.T, low_open=False)
        )
        return torch.linspace(process.T, end, n + 1, dtype=torch.float64)
    big_t = int(process.T)
    if n > big_t:
        raise ValueError(f"n_steps must lie in [1, {big_t}] for this schedule, got {n}")
    if spacing == "linspace":
        d = torch.linspace(0, big_t - 1, n, dtype=torch.float64).round().flip(0)
    elif spacing == "leading":
        d = (torch.arange(n, dtype=torch.float64) * (big_t // n)).flip(0) + offset
    else:
        d = (torch.arange(big_t, 0, -big_t / n, dtype=torch.float64)).round() - 1
    grid = d + 1  # diffusers' t indexes saddle's t + 1
    end = 0.0 if final_time is None else float(final_time)
    if not (0 <= end < float(grid[-1]) and end == round(end)) or float(grid[0]) > big_t:
        raise ValueError(
            f"final_time must be an integer in [0, {int(grid[-1]) - 1}] and the grid within "
            f"[1, {big_t}], got final_time={final_time}, steps_offset={offset}"
        )
    return torch.cat([grid, torch.tensor([end], dtype=torch.float64)])


def karras_timesteps(process: NoiseProcess, n_steps: int, rho: float = 7.0) -> Tensor:
    """The Karras et al. (2022) grid (eq. 5, ρ = 7) of n_steps steps, as a float64 tensor of process times.

    Continuous SDEs: n_steps + 1 times whose σ/α runs from σ/α(T) to σ/α(t_min). Discrete schedules:
    n_steps integer times from T down to 1 (rounded in log σ/α, kept strictly decreasing) and then 0,
    their σ_N = 0.
    """
    n = check_int("n_steps", n_steps)
    rho = check_real("rho", rho, 0.0, high_open=True)
    if process.discrete:
        if n > int(process.T):
            raise ValueError(f"n_steps must lie in [1, {int(process.T)}] for this schedule, got {n}")
        lo, count = 1.0, n
    else:
        lo, count = float(process.t_min), n + 1
    s_max, s_min = float(process.noise_to_signal(float(process.T))), float(process.noise_to_signal(lo))
    i = torch.linspace(0, 1, count, dtype=torch.float64) if count > 1 else torch.zeros(1, dtype=torch.float64)
    sig = (s_max ** (1 / rho) + i * (s_min ** (1 / rho) - s_max ** (1 / rho))) ** rho
    t = process.time_at(sig)
    t[0], t[-1] = float(process.T), lo
    if process.discrete:
        for k in range(len(t) - 2, -1, -1):  # rounding may merge neighbours: push them apart upwards
            t[k] = max(float(t[k]), float(t[k + 1]) + 1)
        t = torch.cat([t, torch.zeros(1, dtype=torch.float64)])
    return t
