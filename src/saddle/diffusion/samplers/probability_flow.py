"""Probability-flow ODE dx/dt = f(x, t) − ½g(t)²∇log p_t(x) (Song et al., ICLR 2021, eq. 13).

Its flow maps p_t to p_s for any s, t (the same marginals as the SDE), so it integrates both ways:
t from T to t_min samples, t from t_min to T encodes. Two integrators: Heun's method in t on a timestep
grid (`ProbabilityFlowHeun`, 2 evaluations per step; Karras et al. 2022, Algorithm 1 in the SDE's own time
variable, unlike `EDMHeun` which steps in σ/α) and scipy's adaptive RK45 (`solve_ivp`, Dormand–Prince,
as in Song et al.'s likelihood code; adaptive, so not a fixed-grid step and not in `SAMPLERS`).
"""

from __future__ import annotations

import math

import numpy as np
import torch
from scipy.integrate import solve_ivp
from torch import Tensor

from saddle.diffusion.process import SDE
from saddle.diffusion.samplers.base import EpsFn, Sampler, SamplerState, call_eps, coefs, predict_x0, score_from_eps
from saddle.validation import check_callable, check_real, check_tensor

__all__ = ["ProbabilityFlowHeun", "ode_velocity", "probability_flow_rk45"]


def ode_velocity(model: EpsFn, sde: SDE, x: Tensor, t: float) -> Tensor:
    """v(x, t) = f(x, t) − ½g(t)² ŝ(x, t): the probability-flow vector field (one evaluation)."""
    return _velocity(sde, x, call_eps(model, x, t), t)


def _velocity(sde: SDE, x: Tensor, eps: Tensor, t: float) -> Tensor:
    """v(x, t) from the ε-model's output ε̂ at (x, t)."""
    drift, g = sde.sde(x, torch.tensor(t))
    return drift - 0.5 * g**2 * score_from_eps(sde, eps, t)


class ProbabilityFlowHeun(Sampler[SDE]):
    """Heun (explicit trapezoid) step of the probability-flow ODE in t; deterministic, 2 evaluations per step.

    A step to σ_s = 0 (the data, where the score is undefined and the field in t is singular: σ_t² ∝ t near 0)
    is the Euler step in σ/α instead, 1 evaluation: Tweedie's x̂_0 (Karras et al. 2022, Algorithm 1, whose
    correction runs only "if σ_{i+1} ≠ 0"; what `EDMHeun` and DDIM do on that step).
    """

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
        x = state.x
        eps = call_eps(model, x, t)
        a_s, s_s = coefs(process, s)
        if s_s == 0:
            return state.advance(a_s * predict_x0(process, x, eps, t))
        d1 = _velocity(process, x, eps, t)
        d2 = ode_velocity(model, process, x + (s - t) * d1, s)
        return state.advance(x + (s - t) * 0.5 * (d1 + d2))


@torch.no_grad()
def probability_flow_rk45(
    model: EpsFn, sde: SDE, x: Tensor, t_start: float, t_end: float, rtol: float = 1e-5, atol: float = 1e-5
) -> tuple[Tensor, int]:
    """Integrate the probability-flow ODE from t_start to t_end (either direction) with scipy RK45.

    The whole batch is one ODE state (flattened, float64 for the solver); rtol, atol > 0. Returns (x at t_end,
    number of network evaluations used).
    """
    if not isinstance(sde, SDE):
        raise ValueError(f"probability_flow_rk45 needs an SDE (VESDE, VPSDE, SubVPSDE), got {type(sde).__name__}")
    check_callable("model", model, "an ε-model (x, t) -> ε̂")
    check_tensor("x", x, ("n", ...))
    rtol = check_real("rtol", rtol, 0.0, math.inf, high_open=True)
    atol = check_real("atol", atol, 0.0, math.inf, high_open=True)
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
        return ode_velocity(model, sde, xt, float(t)).reshape(-1).double().cpu().numpy()

    y0 = x.detach().reshape(-1).double().cpu().numpy()
    sol = solve_ivp(rhs, (t_start, t_end), y0, method="RK45", rtol=rtol, atol=atol)
    if not sol.success:
        raise RuntimeError(f"solve_ivp failed: {sol.message}")
    return torch.from_numpy(sol.y[:, -1]).reshape(shape).to(device=device, dtype=dtype), int(sol.nfev)
