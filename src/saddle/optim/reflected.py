"""Reflected forward-backward splitting / projected reflected gradient (Malitsky 2015)."""

from __future__ import annotations

from typing import NamedTuple

import torch
from torch import Tensor

from saddle.optim._common import axpy, check_projection, check_step_size, graph_free, project, step_at
from saddle.optim.base import Field, Params, Projection, StepSize

__all__ = ["ReflectedForwardBackward", "ReflectedState"]


class ReflectedState(NamedTuple):
    """Step counter and the previous iterate z_{k−1} (empty list before the first step)."""

    count: int  # type: ignore[assignment]  # the step counter shadows tuple.count on purpose
    previous: list[Tensor]


class ReflectedForwardBackward:
    """RFBS: z_{k+1} = P(z_k − η V(2z_k − z_{k−1})); one field call per step.

    Malitsky 2015, "Projected reflected gradient methods for monotone variational inequalities"
    (SIAM J. Optim.): converges for monotone L-Lipschitz V with η < (sqrt(2) − 1)/L. The reflected
    point 2z_k − z_{k−1} is not projected (V must be defined there); z_{−1} := z_0, so the first
    step is a projected GDA step.
    """

    def __init__(self, step_size: StepSize, projection: Projection | None = None) -> None:
        self.step_size = check_step_size(step_size)
        self.projection = check_projection(projection)

    def init(self, params: Params) -> ReflectedState:
        return ReflectedState(0, [])

    @graph_free
    def step(self, params: Params, state: ReflectedState, field: Field) -> tuple[Params, ReflectedState]:
        eta = step_at(self.step_size, state.count)
        params = list(params)
        prev = state.previous if state.previous else params
        reflected = list(torch._foreach_sub(torch._foreach_mul(params, 2.0), list(prev)))
        new = project(self.projection, axpy(params, field(reflected), -eta))
        return new, ReflectedState(state.count + 1, params)
