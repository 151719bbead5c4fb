"""Optimistic gradient descent-ascent (Popov 1980; Daskalakis, Ilyas, Syrgkanis, Zeng 2018)."""

from __future__ import annotations

from typing import NamedTuple

import torch
from torch import Tensor

from saddle.optim._common import check_projection, check_step_size, graph_free, project, step_at
from saddle.optim.base import Field, Params, Projection, StepSize

__all__ = ["OptimisticGDA", "OptimisticState"]


class OptimisticState(NamedTuple):
    """Step counter and the previous field V(z_{k−1}) (empty list before the first step)."""

    count: int  # type: ignore[assignment]  # the step counter shadows tuple.count on purpose
    past_field: list[Tensor]


class OptimisticGDA:
    """OGDA: z_{k+1} = P(z_k − 2η V(z_k) + η V(z_{k−1})); one field call per step.

    The projected form used is the one-line one above (projection of the optimistic step); the
    first step uses V(z_{−1}) := V(z_0), i.e. it is a GDA step. With a schedule the update is
    z_k − η_k (2V(z_k) − V(z_{k−1})).

    Rate on min_x max_y xy (V(z) = Az, A = [[0, 1], [−1, 0]], eigenvalues ±i). In an eigendirection
    of A with eigenvalue iω (ω = ±1) write a = iωη; the recursion z_{k+1} = (1 − 2a) z_k + a z_{k−1}
    has characteristic polynomial λ² − (1 − 2a) λ − a = 0, roots λ± = ((1 − 2a) ± sqrt(1 + 4a²)) / 2
    = ((1 − 2iωη) ± sqrt(1 − 4η²)) / 2. For η < 1/2, with s = sqrt(1 − 4η²):
    |λ±|² = ((1 ± s)² + 4η²)/4 = (1 ± s)/2, so ‖z_k‖ contracts asymptotically by
    |λ+| = sqrt((1 + sqrt(1 − 4η²)) / 2) < 1 per step (the λ− mode dies out).
    """

    def __init__(self, step_size: StepSize, projection: Projection | None = None) -> None:
        self.step_size = check_step_size(step_size)
        self.projection = check_projection(projection)

    def init(self, params: Params) -> OptimisticState:
        return OptimisticState(0, [])

    @graph_free
    def step(self, params: Params, state: OptimisticState, field: Field) -> tuple[Params, OptimisticState]:
        eta = step_at(self.step_size, state.count)
        g = list(field(params))
        past = state.past_field if state.past_field else g
        # z − η(2g − g_past) as two fused foreach calls
        direction = torch._foreach_add(g, torch._foreach_sub(g, list(past)))
        new = project(self.projection, list(torch._foreach_add(list(params), direction, alpha=-eta)))
        return new, OptimisticState(state.count + 1, g)
