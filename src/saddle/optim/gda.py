"""Gradient descent-ascent: simultaneous and alternating (seed 000/002: GDA on xy spirals out)."""

from __future__ import annotations

from saddle.optim._common import axpy, graph_free, project
from saddle.optim.base import CountState, Field, Params, Projection, StepSizes
from saddle.optim.directions import Direction
from saddle.optim.template import Template
from saddle.validation import check_players

__all__ = ["AlternatingGDA", "SimultaneousGDA"]


class SimultaneousGDA(Template):
    """Simultaneous gradient descent-ascent: z_i⁺ = P(z − η_{i,k} d(V(z)))_i; one field call per step.

    On min_x max_y xy (V(x, y) = (y, −x)): z⁺ = (I − ηA) z with A the rotation generator, so
    ‖z⁺‖ = sqrt(1 + η²) ‖z‖ exactly: GDA spirals out for every η > 0.
    Args: step_size η > 0, a schedule k -> η_k, or one of either per player; projection P (default None =
    unconstrained); direction d (default the field itself; `AdamDirection` gives SimultaneousAdam,
    `RMSPropDirection` torch's RMSprop on every player). With a noisy field and η_k = η_0/(k+1) this is the
    Robbins–Monro template of seed 001.
    """

    def __init__(
        self, step_size: StepSizes, projection: Projection | None = None, direction: Direction | None = None
    ) -> None:
        super().__init__(step_size, projection, direction)

    def init(self, params: Params) -> CountState:
        check_players("params", params)
        return CountState(0, self.direction.init(params))

    @graph_free
    def update(
        self, params: Params, state: CountState, field: Field, step_sizes: list[float]
    ) -> tuple[Params, CountState]:
        d, direction = self.direction(field(params), state.direction)
        new = project(self.projection, axpy(params, d, step_sizes, -1.0))
        return new, CountState(state.count + 1, direction)


class AlternatingGDA(Template):
    """Alternating GDA: players move in order, each using the field at the already-updated players.

    z_i⁺ = P(z_i − η_i V_i(z_1⁺, ..., z_{i−1}⁺, z_i, ..., z_n)), i = 1..n (one update per player per
    step, n_g = n_d = 1); n field calls per step. The projection is applied to the whole list after
    each player's move (it is separable for `per_player`, so earlier players are unchanged).
    On xy: x⁺ = x − ηy, y⁺ = y + ηx⁺ is a linear map of determinant 1 that preserves the modified
    energy Q(x, y) = x² + y² − ηxy exactly; Q is positive definite for η < 2, so iterates stay
    bounded (they neither converge nor diverge). Args: step_size (float, schedule, or one per player), projection.
    """

    def __init__(self, step_size: StepSizes, projection: Projection | None = None) -> None:
        super().__init__(step_size, projection)

    def init(self, params: Params) -> CountState:
        check_players("params", params)
        return CountState(0)

    @graph_free
    def update(
        self, params: Params, state: CountState, field: Field, step_sizes: list[float]
    ) -> tuple[Params, CountState]:
        current = list(params)
        for i, eta in enumerate(step_sizes):
            g = field(current)[i]
            current[i] = current[i] - eta * g
            current = project(self.projection, current)
        return current, CountState(state.count + 1)
