"""Probability-flow ODE dx/dt = f(x, t) − ½g(t)²∇log p_t(x) (Song et al., ICLR 2021, eq. 13).

Its flow maps p_t to p_s for any s, t (the same marginals as the SDE), so it integrates both ways:
t from T to t_min samples, t from t_min to T encodes. Two integrators: Heun's method on a given
timestep array (2 evaluations per step, Karras et al. 2022, Algorithm 1) and scipy's adaptive RK45
(`solve_ivp`, Dormand–Prince, as in Song et al.'s likelihood code).
"""

from __future__ import annotations

import numpy as np
import torch
from scipy.integrate import solve_ivp
from torch import Tensor

from saddle.diffusion.process import SDE
from saddle.diffusion.samplers.base import EpsFn, call_eps, check_timesteps, final_denoise, score_from_eps, step_pairs


def ode_velocity(eps_fn: EpsFn, sde: SDE, x: Tensor, t: float) -> Tensor:
    """v(x, t) = f(x, t) − ½g(t)² s(x, t): the probability-flow vector field (one evaluation)."""
    score = score_from_eps(sde, call_eps(eps_fn, x, t), t)
    drift, g = sde.sde(x, torch.tensor(t))
    return drift - 0.5 * g**2 * score


@torch.no_grad()
def probability_flow_heun(eps_fn: EpsFn, sde: SDE, x: Tensor, timesteps: Tensor,
                          denoise_final: bool = False) -> Tensor:
    """Heun (explicit trapezoid) integration of the probability-flow ODE along a decreasing timestep array."""
    ts = check_timesteps(sde, timesteps)
    for t, s in step_pairs(ts, "probability flow (Heun)"):
        d1 = ode_velocity(eps_fn, sde, x, t)
        x_euler = x + (s - t) * d1
        d2 = ode_velocity(eps_fn, sde, x_euler, s)
        x = x + (s - t) * 0.5 * (d1 + d2)
    return final_denoise(eps_fn, sde, x, float(ts[-1])) if denoise_final else x


@torch.no_grad()
def probability_flow_rk45(eps_fn: EpsFn, sde: SDE, x: Tensor, t_start: float, t_end: float,
                          rtol: float = 1e-5, atol: float = 1e-5) -> tuple[Tensor, int]:
    """Integrate the probability-flow ODE from t_start to t_end (either direction) with scipy RK45.

    The whole batch is one ODE state (flattened, float64 for the solver). Returns (x at t_end, number of
    network evaluations used).
    """
    for name, v in (("t_start", t_start), ("t_end", t_end)):
        if not (0 <= v <= sde.T):
            raise ValueError(f"{name} must lie in [0, {sde.T}], got {v}")
    if t_start == t_end:
        raise ValueError("t_start and t_end must differ")
    for name, v in (("t_start", t_start), ("t_end", t_end)):
        if float(sde.marginal(torch.tensor(v, dtype=torch.float64))[1]) <= 0:
            raise ValueError(f"{name} must have σ_t > 0 (the score is undefined at σ = 0), got {v}; use sde.t_min")
    shape, dtype, device = x.shape, x.dtype, x.device

    def rhs(t: float, y: np.ndarray) -> np.ndarray:
        xt = torch.from_numpy(y).reshape(shape).to(device=device, dtype=dtype)
        return ode_velocity(eps_fn, sde, xt, float(t)).reshape(-1).double().cpu().numpy()

    y0 = x.detach().reshape(-1).double().cpu().numpy()
    sol = solve_ivp(rhs, (t_start, t_end), y0, method="RK45", rtol=rtol, atol=atol)
    if not sol.success:
        raise RuntimeError(f"solve_ivp failed: {sol.message}")
    return torch.from_numpy(sol.y[:, -1]).reshape(shape).to(device=device, dtype=dtype), int(sol.nfev)
