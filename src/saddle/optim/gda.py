"""Gradient descent-ascent: simultaneous and alternating (seed 000/002: GDA on xy spirals out)."""

from __future__ import annotations

from typing import NamedTuple

from saddle.optim._common import axpy, check_projection, check_step_size, graph_free, project, step_at
from saddle.optim.base import Field, Params, Projection, StepSize

__all__ = ["AlternatingGDA", "CountState", "SimultaneousGDA"]


class CountState(NamedTuple):
    """State of memoryless methods: only the step counter k (for schedules)."""

    count: int = 0  # type: ignore[assignment]  # the step counter shadows tuple.count on purpose


class SimultaneousGDA:
    """Simultaneous gradient descent-ascent: z⁺ = P(z − η_k V(z)); one field call per step.

    On min_x max_y xy (V(x, y) = (y, −x)): z⁺ = (I − ηA) z with A the rotation generator, so
    ‖z⁺‖ = sqrt(1 + η²) ‖z‖ exactly: GDA spirals out for every η > 0.
    Args: step_size η > 0 or a schedule k -> η_k; projection P (default None = unconstrained).
    With a noisy field and η_k = η_0/(k+1) this is the Robbins–Monro template of seed 001.
    """

    def __init__(self, step_size: StepSize, projection: Projection | None = None) -> None:
        self.step_size = check_step_size(step_size)
        self.projection = check_projection(projection)

    def init(self, params: Params) -> CountState:
        return CountState(0)

    @graph_free
    def step(self, params: Params, state: CountState, field: Field) -> tuple[Params, CountState]:
        eta = step_at(self.step_size, state.count)
        new = project(self.projection, axpy(params, field(params), -eta))
        return new, CountState(state.count + 1)


class AlternatingGDA:
    """Alternating GDA: players move in order, each using the field at the already-updated players.

    z_i⁺ = P(z_i − η V_i(z_1⁺, ..., z_{i−1}⁺, z_i, ..., z_n)), i = 1..n (one update per player per
    step, n_g = n_d = 1); n field calls per step. The projection is applied to the whole list after
    each player's move (it is separable for `per_player`, so earlier players are unchanged).
    On xy: x⁺ = x − ηy, y⁺ = y + ηx⁺ is a linear map of determinant 1 that preserves the modified
    energy Q(x, y) = x² + y² − ηxy exactly; Q is positive definite for η < 2, so iterates stay
    bounded (they neither converge nor diverge).
    """

    def __init__(self, step_size: StepSize, projection: Projection | None = None) -> None:
        self.step_size = check_step_size(step_size)
        self.projection = check_projection(projection)

    def init(self, params: Params) -> CountState:
        return CountState(0)

    @graph_free
    def step(self, params: Params, state: CountState, field: Field) -> tuple[Params, CountState]:
        eta = step_at(self.step_size, state.count)
        current = list(params)
        for i in range(len(current)):
            g = field(current)[i]
            current[i] = current[i] - eta * g
            current = project(self.projection, current)
        return current, CountState(state.count + 1)
