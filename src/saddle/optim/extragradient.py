"""Extragradient (Korpelevich 1976): extrapolate, then step from the original point with the new field."""

from __future__ import annotations

from saddle.optim._common import axpy, check_projection, check_step_size, graph_free, project, step_at
from saddle.optim.base import Field, Params, Projection, StepSize
from saddle.optim.gda import CountState

__all__ = ["ExtraGradient"]


class ExtraGradient:
    """EG: z̄ = P(z − γ_k V(z)), z⁺ = P(z − η_k V(z̄)); two field calls per step.

    Korpelevich 1976; seed 001 writes it with the sign convention V ↦ −V.
    Args: step_size η (float or schedule), extrapolation_step γ (default None: γ = η), projection.

    Rate on the bilinear game min_x max_y xy with γ = η = α. Here V(z) = Az with
    A = [[0, 1], [−1, 0]], a rotation generator: A is skew (Aᵀ = −A) and A² = −I. Then
        z̄ = (I − αA) z,   z⁺ = z − αA z̄ = (I − αA + α²A²) z = ((1 − α²) I − αA) z,
    and because A is skew, ‖((1 − α²)I − αA) z‖² = (1 − α²)² ‖z‖² + α² ‖Az‖² = (1 − α² + α⁴) ‖z‖².
    So ‖z⁺‖ = sqrt(1 − α² + α⁴) ‖z‖ exactly: a contraction for 0 < α < 1 (GDA expands by sqrt(1 + α²)).
    """

    def __init__(
        self, step_size: StepSize, extrapolation_step: StepSize | None = None, projection: Projection | None = None
    ) -> None:
        self.step_size = check_step_size(step_size)
        self.extrapolation_step = (
            None if extrapolation_step is None else check_step_size(extrapolation_step, "extrapolation_step")
        )
        self.projection = check_projection(projection)

    def init(self, params: Params) -> CountState:
        return CountState(0)

    @graph_free
    def step(self, params: Params, state: CountState, field: Field) -> tuple[Params, CountState]:
        k = state.count
        eta = step_at(self.step_size, k)
        gamma = eta if self.extrapolation_step is None else step_at(self.extrapolation_step, k)
        mid = project(self.projection, axpy(params, field(params), -gamma))
        new = project(self.projection, axpy(params, field(mid), -eta))
        return new, CountState(k + 1)
