"""Optimistic Adam (Daskalakis, Ilyas, Syrgkanis, Zeng, ICLR 2018, Algorithm 1)."""

from __future__ import annotations

from typing import NamedTuple

import torch
from torch import Tensor

from saddle.optim._common import graph_free, project, step_at
from saddle.optim.adam_scaling import AdamMethod
from saddle.optim.base import Field, Params

__all__ = ["OptimisticAdam", "OptimisticAdamState"]


class OptimisticAdamState(NamedTuple):
    """Step counter, Adam moments (m, v) and the previous scaled direction d_{k−1} (empty list at start)."""

    count: int  # type: ignore[assignment]  # the step counter shadows tuple.count on purpose
    m: list[Tensor]
    v: list[Tensor]
    past_direction: list[Tensor]


class OptimisticAdam(AdamMethod):
    """The optimistic step applied to Adam-scaled directions; one field call per step.

    Daskalakis et al. 2018, Alg. 1: m, v ← moments with g_t = V(θ_{t−1}), d_t = m̂_t/(sqrt(v̂_t) + ε),
    θ_t = P(θ_{t−1} − 2η d_t + η d_{t−1}). d_0 is undefined in the paper (m̂_0 = 0/(1 − β1⁰)); we set
    d_0 := d_1, so the first step is a plain Adam step θ_0 − η d_1, the same convention as OptimisticGDA
    (V(z_{−1}) := V(z_0)) and as common implementations of Alg. 1.
    Args: step_size η (float or schedule), betas (0.9, 0.999), eps > 0 (1e-8), projection (None).
    """

    def init(self, params: Params) -> OptimisticAdamState:  # type: ignore[override]  # its state adds the past direction to AdamState's fields
        m, v = self.scaling.zeros(params)
        return OptimisticAdamState(0, m, v, [])

    @graph_free
    def step(self, params: Params, state: OptimisticAdamState, field: Field) -> tuple[Params, OptimisticAdamState]:
        k, eta = state.count, step_at(self.step_size, state.count)
        m, v = self.scaling.update(state.m, state.v, field(params))
        d = self.scaling.direction(m, v, k + 1)
        new = torch._foreach_add(list(params), d, alpha=-2.0 * eta)
        torch._foreach_add_(new, list(state.past_direction) if state.past_direction else d, alpha=eta)
        return project(self.projection, list(new)), OptimisticAdamState(k + 1, m, v, d)
