"""CEG+ and its adaptive variant (Pethick, Latafat, Patrinos, Fercoq, Cevher, ICLR 2022).

"Escaping limit cycles: global convergence for constrained nonconvex-nonconcave minimax problems".
"""

from __future__ import annotations

import warnings
from typing import NamedTuple

import torch
from torch import Tensor

from saddle.broadcast import per_point_broadcast, per_point_dot
from saddle.optim._common import Factor, axpy, check_int, check_real, graph_free, project
from saddle.optim.base import Field, Params, Projection, StepSizes
from saddle.optim.template import Template
from saddle.validation import check_bool, check_players

__all__ = ["CEGPlus", "CEGPlusState"]


class CEGPlusState(NamedTuple):
    """Step counter and, for the adaptive variant, the last secant curvature estimate per point (or None)."""

    count: int  # type: ignore[assignment]  # the step counter shadows tuple.count on purpose
    curvature: Tensor | None


def _norm(params: Params, batch_dims: int) -> Tensor:
    return per_point_dot(params, params, batch_dims).sqrt()


class CEGPlus(Template):
    """CEG+: extrapolate with a forward-backward step, then a relaxed forward-backward-forward correction.

    With H_γ(z) = z − γ V(z) and P the projection (resolvent of the constraint):
        z̄ = P(z − γ V(z)),   z⁺ = P(z + α (H_γ z̄ − H_γ z)) = P(z + α (z̄ − z − γ (V(z̄) − V(z)))).
    Unconstrained, z̄ − z = −γ V(z) and z⁺ = z − αγ V(z̄): exactly EG+ (Diakonikolas et al. 2021).
    The paper leaves z⁺ unprojected; projecting it onto the feasible set (which contains every
    solution z*) is nonexpansive towards z*, so the paper's Fejér inequality on ‖z − z*‖ still holds,
    and every iterate stays feasible.

    Relaxation α: `alpha` (default 0.5) when adaptive=False and rho=None; otherwise the paper's
        α_k = λ (σ/γ_k + ⟨z − z̄, H z − H z̄⟩ / ‖H z − H z̄‖²),  σ = rho (0 if None), λ = `relaxation`,
    per point of the batch, which is valid for weak-MVI problems ⟨V(z), z − z*⟩ ≥ ρ‖V(z)‖² with
    σ ≤ ρ and σ > −γ_k/2, λ ∈ (0, 2) (so pass rho = the game's weak-MVI constant, e.g. negative).
    adaptive=True (CurvatureEG+): γ_k per point by backtracking, γ ← τγ until
    γ ‖V(z̄) − V(z)‖ ≤ ν ‖z̄ − z‖, started from ν / L̂ where L̂ = ‖V(z̄) − V(z)‖/‖z̄ − z‖ is the
    secant curvature estimate of the previous step (the paper uses ν/‖∇V(z_k)‖; a secant keeps to
    field calls), capped at `step_size`. Each point of the batch backtracks independently.

    Per-player steps Γ = diag(γ_i) (H z = z − Γ V(z)): with adaptive=True the players keep the ratios of their
    caps, γ_i = c γ_max,i / max_j γ_max,j, and the scalar c per point backtracks on ‖D(V(z̄) − V(z))‖ with
    D = diag(γ_max,i / max_j γ_max,j) (the paper's rule in the metric of D; D = I for equal steps); with rho the
    correction σ/γ_k needs one step for all players (unequal steps are refused).
    Args: step_size γ (float, schedule, or one per player; γ_max when adaptive), alpha 0.5, adaptive False, rho None,
    relaxation λ 1.0, nu ν 0.99, tau τ 0.5, max_backtracks 30, batch_dims 1 (leading dims indexing
    independent points; GameOptimizer uses one), projection None.
    """

    def __init__(
        self,
        step_size: StepSizes,
        alpha: float = 0.5,
        adaptive: bool = False,
        rho: float | None = None,
        relaxation: float = 1.0,
        nu: float = 0.99,
        tau: float = 0.5,
        max_backtracks: int = 30,
        batch_dims: int = 1,
        projection: Projection | None = None,
    ) -> None:
        super().__init__(step_size, projection)
        self.alpha = check_real("alpha", alpha, 0.0, 1.0)
        self.adaptive = check_bool("adaptive", adaptive)
        self.rho = None if rho is None else check_real("rho", rho, -float("inf"), float("inf"))
        self.relaxation = check_real("relaxation", relaxation, 0.0, 2.0, high_open=True)
        self.nu = check_real("nu", nu, 0.0, 1.0, high_open=True)
        self.tau = check_real("tau", tau, 0.0, 1.0, high_open=True)
        self.max_backtracks = check_int("max_backtracks", max_backtracks, 0)
        self.batch_dims = check_int("batch_dims", batch_dims, 0)

    def init(self, params: Params) -> CEGPlusState:
        check_players("params", params)
        return CEGPlusState(0, None)

    def _extrapolate(self, z: Params, vz: Params, gamma: list[Factor]) -> list[Tensor]:
        return project(self.projection, axpy(z, vz, gamma, -1.0))

    @graph_free
    def update(
        self, params: Params, state: CEGPlusState, field: Field, step_sizes: list[float]
    ) -> tuple[Params, CEGPlusState]:
        z = list(params)
        vz = list(field(z))
        curvature = None
        vbar: list[Tensor]
        gamma: list[Factor]
        if not self.adaptive:
            gamma = list(step_sizes)
            zbar = self._extrapolate(z, vz, gamma)
            vbar = list(field(zbar))
            scalar: Factor = step_sizes[0]
        else:
            gmax = max(step_sizes)
            ratios = [s / gmax for s in step_sizes]  # D; all 1.0 for equal steps

            def scaled(c: Tensor) -> list[Factor]:
                return [c if r == 1.0 else c * r for r in ratios]

            def metric(dv: list[Tensor]) -> list[Tensor]:
                return [d if r == 1.0 else d * r for d, r in zip(dv, ratios)]

            batch = z[0].shape[: self.batch_dims]
            if state.curvature is None:
                c = torch.full(batch, gmax, dtype=z[0].dtype, device=z[0].device)
            else:
                c = (self.nu / state.curvature).clamp(max=gmax)  # L̂ = 0 gives inf, capped at γ_max
            gamma = scaled(c)
            zbar = self._extrapolate(z, vz, gamma)  # vbar = V(zbar) is set by the first pass (t = 0) below
            active = torch.ones(batch, dtype=torch.bool, device=z[0].device)
            for t in range(self.max_backtracks + 1):
                cand_bar = self._extrapolate(z, vz, gamma) if t else zbar
                cand_v = list(field(cand_bar))
                if t:
                    keep = [per_point_broadcast(active, p) for p in z]
                    zbar = [torch.where(m, c_, o) for m, c_, o in zip(keep, cand_bar, zbar)]
                    vbar = [torch.where(m, c_, o) for m, c_, o in zip(keep, cand_v, vbar)]
                else:
                    vbar = cand_v
                dv = _norm(metric([a - b for a, b in zip(vbar, vz)]), self.batch_dims)
                dz = _norm([a - b for a, b in zip(zbar, z)], self.batch_dims)
                bad = active & (c * dv > self.nu * dz)
                if t == self.max_backtracks or not bool(bad.any()):
                    break
                c = torch.where(bad, c * self.tau, c)
                gamma = scaled(c)
                active = bad
            curvature = torch.where(dz > 0, dv / dz.clamp_min(torch.finfo(dz.dtype).tiny), torch.zeros_like(dz))
            scalar = c
        # H z̄ − H z = (z̄ − z) − Γ (V(z̄) − V(z))
        dz_all = list(torch._foreach_sub(list(zbar), z))
        dh = axpy(dz_all, list(torch._foreach_sub(list(vbar), vz)), gamma, -1.0)
        if not self.adaptive and self.rho is None:
            alpha: Factor = self.alpha
        else:
            if self.rho is not None and any(s != step_sizes[0] for s in step_sizes):
                raise ValueError(
                    f"CEGPlus with rho={self.rho}: the correction σ/γ_k needs one step for all players, "
                    f"got per-player steps {step_sizes}"
                )
            num = per_point_dot(dz_all, dh, self.batch_dims)  # = ⟨z − z̄, Hz − Hz̄⟩
            den = per_point_dot(dh, dh, self.batch_dims)
            ratio = torch.where(den > 0, num / den.clamp_min(torch.finfo(den.dtype).tiny), torch.zeros_like(den))
            sigma = 0.0 if self.rho is None else self.rho
            alpha = self.relaxation * (sigma / scalar + ratio)
            alpha = torch.where(den > 0, alpha, torch.zeros_like(alpha))
            if self.rho is not None and bool((alpha < 0).any()):
                warnings.warn(
                    f"CEGPlus: relaxation α_k < 0 at step {state.count}: rho={self.rho} is not above "
                    "−γ_k/2 there (the weak-MVI range the method needs); use a larger step or rho",
                    RuntimeWarning,
                    stacklevel=2,
                )
        new = project(self.projection, axpy(z, dh, alpha))
        return new, CEGPlusState(state.count + 1, curvature)
