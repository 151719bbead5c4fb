"""EG+ (Diakonikolas, Daskalakis, Jordan, AISTATS 2021): extragradient with a shorter update step."""

from __future__ import annotations

from saddle.optim._common import check_projection, check_real, check_step_size, graph_free, step_at
from saddle.optim.base import Field, Params, Projection, StepSize
from saddle.optim.extragradient import ExtraGradient
from saddle.optim.gda import CountState

__all__ = ["EGPlus"]


class _Scaled:
    """The schedule k -> α η_k (picklable, unlike a lambda)."""

    def __init__(self, step_size: StepSize, alpha: float) -> None:
        self.step_size, self.alpha = step_size, alpha

    def __call__(self, k: int) -> float:
        return self.alpha * step_at(self.step_size, k)


class EGPlus:
    """EG+: z̄ = P(z − γ V(z)), z⁺ = P(z − αγ V(z̄)) with α ∈ (0, 1]; two field calls per step.

    Diakonikolas, Daskalakis & Jordan 2021, "Efficient methods for structured nonconvex-nonconcave
    min-max optimization": with γ = 1/L and α = 1/2 it converges under their weak Minty condition
    ⟨V(z), z − z*⟩ ≥ −(ρ/2)‖V(z)‖² with ρ < 1/(8L) (the paper's notation). Implemented as ExtraGradient with extrapolation step γ
    and update step αγ (one implementation of the EG template). The paper is unconstrained; the
    projection is applied to both points as for EG (for the principled constrained variant use CEGPlus).
    Args: step_size γ (float or schedule), alpha (default 0.5), projection (default None).
    """

    def __init__(self, step_size: StepSize, alpha: float = 0.5, projection: Projection | None = None) -> None:
        self.step_size = check_step_size(step_size)
        self.alpha = check_real("alpha", alpha, 0.0, 1.0)
        self.projection = check_projection(projection)
        update = _Scaled(self.step_size, self.alpha) if callable(self.step_size) else self.alpha * self.step_size
        self._eg = ExtraGradient(update, extrapolation_step=self.step_size, projection=self.projection)

    def init(self, params: Params) -> CountState:
        return self._eg.init(params)

    @graph_free
    def step(self, params: Params, state: CountState, field: Field) -> tuple[Params, CountState]:
        return self._eg.step(params, state, field)
