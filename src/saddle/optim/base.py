"""The Method protocol shared by every min-max algorithm (DESIGN.md).

    state = method.init(params)
    params, state = method.step(params, state, field)

`params` is a list of tensors, one per player; `field(params)` returns each player's gradient of
its own loss with the same shapes (for min_x max_y Φ: [∇_x Φ, −∇_y Φ]). Methods never look
inside the tensors, so the same object steps a batch of 10,000 toy-game trajectories (tensors of
shape (B, d)) and the parameters of `nn.Module` players (through `GameOptimizer`). A method that draws
noise keeps its `torch.Generator` as the attribute `generator`; `GameOptimizer.state_dict` saves its state.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, Protocol, runtime_checkable

from torch import Tensor

Params = list[Tensor]
Field = Callable[[Params], list[Tensor]]
#: a constant step size or a schedule k -> η_k (k = 0, 1, ... counts calls to `step`)
StepSize = float | Callable[[int], float]
#: maps params to their projection onto the feasible set (one callable for all players)
Projection = Callable[[Params], Params]


@runtime_checkable
class Method(Protocol):
    """A min-max algorithm as a pair of pure functions over explicit state."""

    def init(self, params: Params) -> Any: ...

    def step(self, params: Params, state: Any, field: Field) -> tuple[Params, Any]: ...


def per_player(*sets: Callable[[Tensor], Tensor] | None) -> Projection:
    """Build a Projection from one set (or None = unconstrained) per player, e.g. per_player(Box(-2, 2), None)."""

    def project(params: Sequence[Tensor]) -> Params:
        if len(params) != len(sets):
            raise ValueError(f"projection has {len(sets)} sets but got {len(params)} players")
        return [p if s is None else s(p) for p, s in zip(params, sets)]

    return project
