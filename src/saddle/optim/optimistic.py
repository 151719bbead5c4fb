"""Optimistic gradient descent-ascent (Popov 1980; Daskalakis, Ilyas, Syrgkanis, Zeng 2018)."""

from __future__ import annotations

from typing import Any, NamedTuple

from torch import Tensor

from saddle.optim._common import axpy, axpy_, graph_free, project
from saddle.optim.base import Field, Params, Projection, StepSizes
from saddle.optim.directions import Direction
from saddle.optim.template import Template
from saddle.validation import check_players

__all__ = ["OptimisticGDA", "OptimisticState"]


class OptimisticState(NamedTuple):
    """Step counter, the previous direction d_{k−1} (the field V(z_{k−1}) for the identity direction; empty list
    before the first step) and the direction's state."""

    count: int  # type: ignore[assignment]  # the step counter shadows tuple.count on purpose
    past_direction: list[Tensor]
    direction: Any = None


class OptimisticGDA(Template):
    """OGDA: z_{k+1} = P(z_k − 2η d_k + η d_{k−1}), d_k = d(V(z_k)) (d = V by default); one field call per step.

    The projected form used is the one-line one above (projection of the optimistic step); the
    first step uses d_{−1} := d_0, i.e. it is a GDA step. With a schedule the update is
    z_k − 2η_k d_k + η_k d_{k−1} (Daskalakis et al. 2018, Alg. 1, computed in that order).
    Args: step_size η (float, schedule, or one per player); projection; direction (default the field;
    `AdamDirection` gives OptimisticAdam).

    Rate on min_x max_y xy (V(z) = Az, A = [[0, 1], [−1, 0]], eigenvalues ±i). In an eigendirection
    of A with eigenvalue iω (ω = ±1) write a = iωη; the recursion z_{k+1} = (1 − 2a) z_k + a z_{k−1}
    has characteristic polynomial λ² − (1 − 2a) λ − a = 0, roots λ± = ((1 − 2a) ± sqrt(1 + 4a²)) / 2
    = ((1 − 2iωη) ± sqrt(1 − 4η²)) / 2. For η < 1/2, with s = sqrt(1 − 4η²):
    |λ±|² = ((1 ± s)² + 4η²)/4 = (1 ± s)/2, so ‖z_k‖ contracts asymptotically by
    |λ+| = sqrt((1 + sqrt(1 − 4η²)) / 2) < 1 per step (the λ− mode dies out).
    """

    def __init__(
        self, step_size: StepSizes, projection: Projection | None = None, direction: Direction | None = None
    ) -> None:
        super().__init__(step_size, projection, direction)

    def init(self, params: Params) -> OptimisticState:
        check_players("params", params)
        return OptimisticState(0, [], self.direction.init(params))

    @graph_free
    def update(
        self, params: Params, state: OptimisticState, field: Field, step_sizes: list[float]
    ) -> tuple[Params, OptimisticState]:
        d, direction = self.direction(list(field(params)), state.direction)
        past = state.past_direction if state.past_direction else d
        # z − 2η d_k + η d_{k−1} as two fused foreach calls, the second in place
        new = axpy(params, d, step_sizes, -2.0)
        axpy_(new, past, step_sizes)
        new = project(self.projection, new)
        return new, OptimisticState(state.count + 1, d, direction)
