"""Reflected forward-backward splitting / projected reflected gradient (Malitsky 2015)."""

from __future__ import annotations

from typing import Any, NamedTuple

import torch
from torch import Tensor

from saddle.optim._common import axpy, graph_free, project
from saddle.optim.base import Field, Params, Projection, StepSizes
from saddle.optim.directions import Direction
from saddle.optim.template import Template
from saddle.validation import check_players

__all__ = ["ReflectedForwardBackward", "ReflectedState"]


class ReflectedState(NamedTuple):
    """Step counter, the previous iterate z_{k−1} (empty list before the first step) and the direction's state."""

    count: int  # type: ignore[assignment]  # the step counter shadows tuple.count on purpose
    previous: list[Tensor]
    direction: Any = None


class ReflectedForwardBackward(Template):
    """RFBS: z_{k+1} = P(z_k − η d(V(2z_k − z_{k−1}))); one field call per step.

    Malitsky 2015, "Projected reflected gradient methods for monotone variational inequalities"
    (SIAM J. Optim.): converges for monotone L-Lipschitz V with η < (sqrt(2) − 1)/L. The reflected
    point 2z_k − z_{k−1} is not projected (V must be defined there); z_{−1} := z_0, so the first
    step is a projected GDA step. Args: step_size η (float, schedule, or one per player); projection;
    direction (default the field).
    """

    def __init__(
        self, step_size: StepSizes, projection: Projection | None = None, direction: Direction | None = None
    ) -> None:
        super().__init__(step_size, projection, direction)

    def init(self, params: Params) -> ReflectedState:
        check_players("params", params)
        return ReflectedState(0, [], self.direction.init(params))

    @graph_free
    def update(
        self, params: Params, state: ReflectedState, field: Field, step_sizes: list[float]
    ) -> tuple[Params, ReflectedState]:
        params = list(params)
        prev = state.previous if state.previous else params
        reflected = list(torch._foreach_sub(torch._foreach_mul(params, 2.0), list(prev)))
        d, direction = self.direction(field(reflected), state.direction)
        new = project(self.projection, axpy(params, d, step_sizes, -1.0))
        return new, ReflectedState(state.count + 1, params, direction)
