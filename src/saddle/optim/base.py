"""The Method protocol shared by every min-max algorithm (DESIGN.md), and the state of memoryless templates.

    state = method.init(params)
    params, state = method.step(params, state, field)

`params` is a list of tensors, one per player; `field(params)` returns each player's gradient of
its own loss with the same shapes (for min_x max_y Φ: [∇_x Φ, −∇_y Φ]). Methods never look
inside the tensors, so the same object steps a batch of 10,000 toy-game trajectories (tensors of
shape (B, d)) and the parameters of `nn.Module` players (through `GameOptimizer`). A method that draws
noise keeps its `torch.Generator` as the attribute `generator`; `GameOptimizer.state_dict` saves its state.
Every Method of saddle.optim is an update template (`saddle.optim.template.Template`) whose step size is
given per player; see that module for how templates and directions compose.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, NamedTuple, Protocol, runtime_checkable

from torch import Tensor

Params = list[Tensor]
Field = Callable[[Params], list[Tensor]]
#: a constant step size or a schedule k -> η_k (k = 0, 1, ... counts calls to `step`)
StepSize = float | Callable[[int], float]
#: one StepSize for every player, or a sequence with one StepSize per player
StepSizes = StepSize | Sequence[StepSize]
#: maps params to their projection onto the feasible set (one callable for all players)
Projection = Callable[[Params], Params]


@runtime_checkable
class Method(Protocol):
    """A min-max algorithm as pure functions over explicit state.

    `step` uses the method's own step sizes; `update(params, state, field, step_sizes)` is the same step with
    one given step size per player (the functional core; `GameOptimizer` passes its param groups' lr there).
    """

    def init(self, params: Params) -> Any: ...

    def step(self, params: Params, state: Any, field: Field) -> tuple[Params, Any]: ...

    def update(self, params: Params, state: Any, field: Field, step_sizes: list[float]) -> tuple[Params, Any]: ...


class CountState(NamedTuple):
    """State of memoryless templates: the step counter k (for schedules) and the direction's state (None: identity)."""

    count: int = 0  # type: ignore[assignment]  # the step counter shadows tuple.count on purpose
    direction: Any = None


def per_player(*sets: Callable[[Tensor], Tensor] | None) -> Projection:
    """Build a Projection from one set (or None = unconstrained) per player, e.g. per_player(Box(-2, 2), None)."""

    def project(params: Sequence[Tensor]) -> Params:
        if len(params) != len(sets):
            raise ValueError(f"projection has {len(sets)} sets but got {len(params)} players")
        return [p if s is None else s(p) for p, s in zip(params, sets)]

    return project
