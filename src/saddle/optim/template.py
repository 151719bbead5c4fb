"""Update templates: where the field is evaluated and how the step moves, with one step size per player.

A Method of saddle.optim is an update template (GDA, alternating GDA, extragradient, EG+, OGDA, RFBS,
proximal point, CEG+, SEG+, Langevin, Langevin mirror descent, mirror descent / mirror-prox) applied to a
direction (`saddle.optim.directions`: the field itself, Adam's m̂/(sqrt(v̂) + ε), RMSProp's preconditioned
field), composed the way optax chains `scale_by_adam` with an update rule — but keeping the protocol
`step(params, state, field)`, which lets a template call the field several times (extragradient's
extrapolation, proximal point's inner loop, CEG+'s backtracking), which optax's `update(grads, state)` cannot.

The step size lives here and only here: `step_size` is a float, a schedule k -> η_k, or a list/tuple with one
of either per player, and `step` evaluates it at the step counter k (`state.count`) and calls the functional
core `update(params, state, field, step_sizes)` with one float per player. `GameOptimizer` calls `update`
directly with its param groups' lr, so a group's lr IS that player's step — for every template, noise of the
Langevin templates included (sqrt(2 lr T) ξ) — and torch's lr schedulers change every method's step.

Writing a new template (e.g. a variant of extragradient):

    class MyTemplate(Template):
        def __init__(self, step_size, projection=None, direction=None):
            super().__init__(step_size, projection, direction)    # validates all three

        def init(self, params):                                   # a NamedTuple with a `count` field;
            return CountState(0, self.direction.init(params))     # per-player lists are saved per player

        @graph_free                                               # no autograd graph survives a step
        def update(self, params, state, field, step_sizes):       # step_sizes: one float η_i per player
            d, ds = self.direction(field(params), state.direction)
            mid = project(self.projection, axpy(params, d, step_sizes, -1.0))
            ...                                                   # more field calls as the template needs
            return new, CountState(state.count + 1, ds)

then add a `MethodInfo` entry to `saddle.optim.registry.METHODS`: every generic test (batch = trajectories
alone, purity, dtype, graph-freedom, GameOptimizer = tensor path, group lr = step, per-player steps,
schedulers, state_dict resume) runs on it. Multiply each player's direction by its own η_i (`axpy` with a
list of factors); a template that needs one step for all players (e.g. a relaxation σ/γ) says so with a
ValueError naming the steps. A template that ignores `direction` does not take the argument. `graph_free`
also makes the decorated `update` the class's `step` (called without step sizes it evaluates the template's
own), which saves a Python call per step; an undecorated `update` gets the generic `Template.step`.

Compositions in this package: SimultaneousAdam = SimultaneousGDA × AdamDirection, ExtraAdam = ExtraGradient
× AdamDirection, OptimisticAdam = OptimisticGDA × AdamDirection, PreconditionedLangevinGDA = LangevinGDA ×
RMSPropDirection; MixedNE-LD's RMSProp-preconditioned inner loop with averaging is
`LangevinMirrorDescent(γ, T, generator, K, β, direction=RMSPropDirection(α, ε))`. A template that runs a
loop over the field of its own (Mirror-Prox on the particles of a mixed strategy, an inner sampler) keeps
the loop inside `update`, calls `field` as often as it needs and counts its outer steps in `state.count`
(the index of a schedule; see LangevinMirrorDescent).
"""

from __future__ import annotations

from typing import Any

from saddle.optim._common import check_projection, check_step_sizes, step_sizes_at
from saddle.optim.base import Field, Params, Projection, StepSizes
from saddle.optim.directions import Direction, Identity, check_direction

__all__ = ["Template"]


class Template:
    """Base of every Method of saddle.optim: per-player step sizes, projection, direction (module doc).

    Args: step_size (float > 0, schedule k -> η_k, or one of either per player); projection P (callable
    params -> params, default None); direction (default Identity(): d = V(z)). Subclasses define `init`
    (a state with a `count` field) and `update(params, state, field, step_sizes)`.
    """

    def __init__(
        self, step_size: StepSizes, projection: Projection | None = None, direction: Direction | None = None
    ) -> None:
        self.step_size = check_step_sizes(step_size)
        self.projection = check_projection(projection)
        self.direction: Any = Identity() if direction is None else check_direction(direction)

    def step_sizes(self, k: int, n: int) -> list[float]:
        """[η_{1,k}, ..., η_{n,k}]: each player's step size at step k (schedules evaluated at k)."""
        return step_sizes_at(self.step_size, k, n)

    def init(self, params: Params) -> Any:
        raise NotImplementedError

    def update(self, params: Params, state: Any, field: Field, step_sizes: list[float]) -> tuple[Params, Any]:
        """One step with the given per-player step sizes (the functional core; `step` and GameOptimizer call it)."""
        raise NotImplementedError

    def step(self, params: Params, state: Any, field: Field) -> tuple[Params, Any]:
        """One step with the template's own step sizes at k = state.count (the Method protocol).

        A subclass whose `update` is decorated with `graph_free` gets that function itself as `step` (called with
        step_sizes=None it evaluates the template's steps), which saves a Python call per step.
        """
        return self.update(params, state, field, self.step_sizes(state.count, len(params)))

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        update = cls.__dict__.get("update")
        if update is not None and "step" not in cls.__dict__:  # a new update: a step that calls it
            cls.step = update if hasattr(update, "__wrapped__") else Template.step  # type: ignore[method-assign]

    def __repr__(self) -> str:
        return f"{type(self).__name__}(step_size={self.step_size!r}, direction={self.direction!r})"
