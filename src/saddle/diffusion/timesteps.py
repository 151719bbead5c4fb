"""Timestep grids as data: decreasing arrays t_0 = T > t_1 > … > t_N of process times that samplers step through.

- `uniform_timesteps`: diffusers' spacings for discrete schedules (`DDIMScheduler.set_timesteps`, and
  Lin et al. 2024, "Common diffusion noise schedules and sample steps are flawed", Table 2):
  "leading" (k·⌊T/N⌋ + steps_offset), "trailing" (round(T − k·T/N) − 1) and "linspace"
  (round(linspace(0, T − 1, N)), reversed). diffusers counts from 0 (its t indexes ᾱ_{t+1} of Ho et al.),
  saddle from 1, so saddle's times are diffusers' + 1. The final entry is `final_time` (default 0 = the
  data, ᾱ = 1: diffusers' `set_alpha_to_one=True`; 1 gives its `set_alpha_to_one=False`). For the
  continuous SDEs only "linspace" exists: N evenly spaced times from T to t_min, then t = 0.
- `karras_timesteps`: Karras et al. (2022), eq. 5: σ_i = (σ_max^{1/ρ} + i/(N−1)(σ_min^{1/ρ} − σ_max^{1/ρ}))^ρ,
  ρ = 7, in the process's noise-to-signal ratio σ/α, mapped back to times with `process.time_at`, then t = 0.

The final step to the data. Every grid ends with a step to t = 0 (σ = 0) by default, after the last time the
model was trained at (t_min for the SDEs, t = 1 for DDPM), as the peers do: k-diffusion's `get_sigmas_karras(n,
σ_min, σ_max)` and `get_sigmas_vp(n, eps_s=1e-3)` return n noise levels down to σ_min and append σ = 0, and
diffusers' multistep schedulers default to `final_sigmas_type="zero"`. The deterministic samplers' step to
σ = 0 returns Tweedie's x̂_0 (DPM-Solver++ as k-diffusion's `sample_dpmpp_2m`, whose first-order branch runs
when σ_next = 0; DDIM and the Heun samplers take the Euler step in σ/α, Karras et al.'s Algorithm 1 correcting
only "if σ_{i+1} ≠ 0"); the reverse-SDE samplers take their usual step in t. On the SDEs
`to_data=False` gives the grid without that step (n_steps steps from T down to t_min, no step to the data: the
grid of Song et al.'s samplers before their "denoise" step); with the exact score of a Gaussian the error of
DPM-Solver++(2M) on that grid jumps where `lower_order_final` switches off (15 steps), see
benchmarks/diffusion.py.
"""

from __future__ import annotations

import torch
from torch import Tensor

from saddle.diffusion.process import NoiseProcess
from saddle.validation import check_bool, check_choice, check_int, check_real

__all__ = ["SPACINGS", "karras_timesteps", "uniform_timesteps"]

SPACINGS = ("linspace", "leading", "trailing")


def uniform_timesteps(
    process: NoiseProcess,
    n_steps: int,
    spacing: str = "linspace",
    steps_offset: int = 0,
    final_time: float | None = None,
    to_data: bool = True,
) -> Tensor:
    """n_steps steps as a float64 tensor of n_steps + 1 decreasing times.

    Discrete schedules: n_steps evenly spaced times then `final_time` (default 0, the data). spacing ∈
    {"linspace", "leading", "trailing"} (diffusers' names; the last two only for discrete schedules);
    steps_offset shifts the "leading" grid (diffusers' `steps_offset`, e.g. 1 for Stable Diffusion).
    SDEs: with `to_data` (default) n_steps evenly spaced times from T to t_min then 0, k-diffusion's
    `get_sigmas_vp`; with `to_data=False`, n_steps + 1 evenly spaced times from T to `final_time` (default t_min).
    """
    n = check_int("n_steps", n_steps)
    check_choice("spacing", spacing, SPACINGS)
    offset = check_int("steps_offset", steps_offset, low=0)
    to_data = _check_to_data(process, to_data)
    if not process.discrete:
        if spacing != "linspace" or offset:
            raise ValueError(
                f"spacing {spacing!r} with steps_offset {offset} needs a discrete schedule "
                f"(DDPMSchedule); continuous SDEs use spacing 'linspace', steps_offset 0"
            )
        if to_data:
            if final_time is not None:
                raise ValueError(
                    f"final_time={final_time!r} sets the end of an SDE grid without the step to the data: "
                    f"pass to_data=False with it"
                )
            return _then_data(torch.linspace(process.T, process.t_min, n, dtype=torch.float64))
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


def karras_timesteps(process: NoiseProcess, n_steps: int, rho: float = 7.0, to_data: bool = True) -> Tensor:
    """The Karras et al. (2022) grid (eq. 5, ρ = 7) of n_steps steps, as a float64 tensor of n_steps + 1 times.

    n_steps times whose σ/α runs from σ/α(T) to σ/α(t_lo) by eq. 5, then 0 (σ = 0, the data), as k-diffusion's
    `get_sigmas_karras(n_steps, σ_min, σ_max)`: t_lo = t_min on the SDEs; on discrete schedules t_lo = 1 and
    the times are integers (rounded in log σ/α, kept strictly decreasing). SDEs with `to_data=False`: n_steps + 1
    times by eq. 5 from σ/α(T) to σ/α(t_min), no step to the data.
    """
    n = check_int("n_steps", n_steps)
    rho = check_real("rho", rho, 0.0, high_open=True)
    to_data = _check_to_data(process, to_data)
    if process.discrete:
        if n > int(process.T):
            raise ValueError(f"n_steps must lie in [1, {int(process.T)}] for this schedule, got {n}")
        lo = 1.0
    else:
        lo = float(process.t_min)
    count = n if to_data else n + 1
    s_max, s_min = float(process.noise_to_signal(float(process.T))), float(process.noise_to_signal(lo))
    i = torch.linspace(0, 1, count, dtype=torch.float64) if count > 1 else torch.zeros(1, dtype=torch.float64)
    sig = (s_max ** (1 / rho) + i * (s_min ** (1 / rho) - s_max ** (1 / rho))) ** rho
    t = process.time_at(sig)
    t[-1], t[0] = lo, float(process.T)  # a one-point grid is T
    if process.discrete:
        for k in range(len(t) - 2, -1, -1):  # rounding may merge neighbours: push them apart upwards
            t[k] = max(float(t[k]), float(t[k + 1]) + 1)
    return _then_data(t) if to_data else t


def _check_to_data(process: NoiseProcess, to_data: bool) -> bool:
    """`to_data` as a bool; False only on the SDEs (a discrete schedule's grid always ends at its final time)."""
    to_data = check_bool("to_data", to_data)
    if not to_data and process.discrete:
        raise ValueError(
            "to_data=False needs an SDE (VESDE, VPSDE, SubVPSDE); a discrete schedule's grid ends at final_time"
        )
    return to_data


def _then_data(t: Tensor) -> Tensor:
    """The grid t followed by t = 0 (σ = 0): the final step to the data."""
    return torch.cat([t, torch.zeros(1, dtype=torch.float64)])
