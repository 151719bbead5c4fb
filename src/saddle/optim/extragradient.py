"""Extragradient (Korpelevich 1976): extrapolate, then step from the original point with the new field."""

from __future__ import annotations

from saddle.optim._common import axpy, check_real, check_step_sizes, graph_free, project, step_sizes_at
from saddle.optim.base import CountState, Field, Params, Projection, StepSizes
from saddle.optim.directions import Direction
from saddle.optim.template import Template
from saddle.validation import check_players

__all__ = ["ExtraGradient"]


class ExtraGradient(Template):
    """EG: z̄ = P(z − γ_k d(V(z))), z⁺ = P(z − α η_k d(V(z̄))); two field calls (two direction updates) per step.

    Korpelevich 1976; seed 001 writes it with the sign convention V ↦ −V.
    Args: step_size η (float, schedule, or one per player); extrapolation_step γ (same forms; default None:
    γ = η, so a param group's lr sets both; an explicit γ stays as given); projection; direction d (default
    the field; `AdamDirection` gives ExtraAdam); alpha α ∈ (0, 1] (keyword, default 1: the update step is αη,
    EGPlus is this template with α < 1).

    Rate on the bilinear game min_x max_y xy with γ = η = α. Here V(z) = Az with
    A = [[0, 1], [−1, 0]], a rotation generator: A is skew (Aᵀ = −A) and A² = −I. Then
        z̄ = (I − αA) z,   z⁺ = z − αA z̄ = (I − αA + α²A²) z = ((1 − α²) I − αA) z,
    and because A is skew, ‖((1 − α²)I − αA) z‖² = (1 − α²)² ‖z‖² + α² ‖Az‖² = (1 − α² + α⁴) ‖z‖².
    So ‖z⁺‖ = sqrt(1 − α² + α⁴) ‖z‖ exactly: a contraction for 0 < α < 1 (GDA expands by sqrt(1 + α²)).
    """

    def __init__(
        self,
        step_size: StepSizes,
        extrapolation_step: StepSizes | None = None,
        projection: Projection | None = None,
        direction: Direction | None = None,
        *,
        alpha: float = 1.0,
    ) -> None:
        super().__init__(step_size, projection, direction)
        self.extrapolation_step = (
            None if extrapolation_step is None else check_step_sizes(extrapolation_step, "extrapolation_step")
        )
        self.alpha = check_real("alpha", alpha, 0.0, 1.0)

    def init(self, params: Params) -> CountState:
        check_players("params", params)
        return CountState(0, self.direction.init(params))

    @graph_free
    def update(
        self, params: Params, state: CountState, field: Field, step_sizes: list[float]
    ) -> tuple[Params, CountState]:
        k = state.count
        gammas = (
            step_sizes
            if self.extrapolation_step is None
            else step_sizes_at(self.extrapolation_step, k, len(step_sizes))
        )
        d, direction = self.direction(field(params), state.direction)
        mid = project(self.projection, axpy(params, d, gammas, -1.0))
        d, direction = self.direction(field(mid), direction)
        new = project(self.projection, axpy(params, d, step_sizes, -self.alpha))
        return new, CountState(k + 1, direction)
