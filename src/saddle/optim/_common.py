"""Shared pieces of the methods: per-player step sizes, projection, fused axpy, graph-free steps (validators: saddle.validation)."""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from typing import Any, Protocol, TypeVar, cast

import torch
from torch import Tensor

from saddle.broadcast import per_point_broadcast
from saddle.optim.base import Field, Params, Projection, StepSize, StepSizes
from saddle.schedules import step_size_at as step_at
from saddle.validation import check_callable, check_int, check_real, check_step_size  # noqa: F401  (re-exported to the methods)


def check_projection(projection: Projection | None) -> Projection | None:
    return (
        None if projection is None else check_callable("projection", projection, "None or a callable params -> params")
    )


def project(projection: Projection | None, params: Params) -> Params:
    return params if projection is None else list(projection(params))


#: a per-player factor: a float, or a tensor of the batch shape (one factor per point of a batch of games)
Factor = float | Tensor


def axpy(
    params: Sequence[Tensor], direction: Sequence[Tensor], alpha: Factor | Sequence[Factor], scale: float = 1.0
) -> Params:
    """[z_i + s α_i d_i] for every player i, s = `scale` (new tensors, inputs untouched).

    alpha: one float for all players, a tensor of the batch shape (one factor per point of the batch, broadcast
    over each player's trailing dims), or a sequence with one of those per player (e.g. the per-player steps,
    with scale −1 for a descent step). Equal floats take one fused foreach call.
    """
    if isinstance(alpha, (list, tuple)):
        first = alpha[0]
        if type(first) is float and alpha.count(first) == len(alpha):  # one step for all: one fused call
            return list(torch._foreach_add(params, direction, alpha=scale * first))  # type: ignore[call-overload]
        if len(alpha) != len(params):
            raise ValueError(f"got {len(alpha)} factors for {len(params)} players")
        return [_axpy_one(z, d, a if scale == 1.0 else scale * a) for z, d, a in zip(params, direction, alpha)]
    if isinstance(alpha, Tensor):
        a = alpha if scale == 1.0 else scale * alpha
        return [_axpy_one(z, d, a) for z, d in zip(params, direction)]
    return list(torch._foreach_add(params, direction, alpha=scale * cast(float, alpha)))  # type: ignore[call-overload]


def axpy_(params: list[Tensor], direction: Sequence[Tensor], alpha: Sequence[float]) -> None:
    """z_i ← z_i + α_i d_i in place for every player i (one fused foreach call when the α_i are equal)."""
    first = alpha[0]
    if list(alpha).count(first) == len(alpha):
        torch._foreach_add_(params, list(direction), alpha=first)
    else:
        for z, d, a in zip(params, direction, alpha):
            z.add_(d, alpha=a)


def _axpy_one(z: Tensor, d: Tensor, a: Factor) -> Tensor:
    return torch.add(z, d, alpha=a) if isinstance(a, (int, float)) else z + d * per_point_broadcast(a, d)


def check_step_sizes(step_size: StepSizes, name: str = "step_size") -> StepSizes:
    """A StepSize (float > 0 or schedule) for every player, or a non-empty list/tuple of them, one per player."""
    if isinstance(step_size, (list, tuple)):
        if not step_size:
            raise ValueError(
                f"{name} must be a step size or a non-empty list of them (one per player), got {step_size!r}"
            )
        return tuple(check_step_size(s, f"{name}={step_size!r}: player {i}'s step") for i, s in enumerate(step_size))
    return check_step_size(cast(StepSize, step_size), name)


def step_sizes_at(step_size: StepSizes, k: int, n: int) -> list[float]:
    """[η_{1,k}, ..., η_{n,k}]: each player's step at step k (ValueError if a per-player list is not n long)."""
    if isinstance(step_size, (list, tuple)):
        if len(step_size) != n:
            raise ValueError(f"step_size gives {len(step_size)} per-player steps for {n} players")
        return [step_at(s, k) for s in step_size]
    return [step_at(cast(StepSize, step_size), k)] * n


def _detached(out: Any) -> Any:
    """The field's output with every tensor that carries an autograd graph detached (lists, tuples of lists)."""
    if isinstance(out, Tensor):
        return out.detach() if out.requires_grad else out
    if isinstance(out, (list, tuple)):
        return type(out)(_detached(o) for o in out)
    return out


def check_field_output(out: Any, params: Params) -> None:
    """ValueError unless the field returned one tensor per player with that player's shape, dtype and device.

    A field of another shape would be broadcast into (or reshape) a player, one of another dtype would silently
    change the player's dtype (float32 + float64 = float64): both are refused at the step they happen.
    """
    if (type(out) is list or type(out) is tuple) and len(out) == len(params):
        for g, p in zip(out, params):  # the fast path: every player matches
            if not (isinstance(g, Tensor) and g.shape == p.shape and g.dtype is p.dtype and g.device == p.device):
                break
        else:
            return
    if not isinstance(out, (list, tuple)) or len(out) != len(params):
        got = f"{len(out)} values" if isinstance(out, (list, tuple)) else type(out).__name__
        raise ValueError(f"field must return one tensor per player ({len(params)}), got {got}")
    for i, (g, p) in enumerate(zip(out, params)):
        if not isinstance(g, Tensor) or g.shape != p.shape or g.dtype != p.dtype or g.device != p.device:
            got = f"{tuple(g.shape)} {g.dtype} on {g.device}" if isinstance(g, Tensor) else type(g).__name__
            raise ValueError(
                f"field must return player {i}'s gradient with the player's shape, dtype and device "
                f"({tuple(p.shape)} {p.dtype} on {p.device}), got {got}"
            )


class _GraphFreeField:
    """A field whose outputs never carry an autograd graph; other callables of the field (e.g. NoisyField.paired)
    are graph-free too. With check=True its first call is checked to match the players (`check_field_output`).

    `graph_free` checks the first field call of a run's first step (state.count == 0), the way a shape check runs
    once at trace time: a field is a function of the players, and players whose shapes and dtype a step keeps
    give it the same shapes and dtype at every later step. Checking every call cost 2-4 µs per step, 10-20% of
    a step of GDA or extragradient on a batch of 10,000 two-dimensional games."""

    __slots__ = ("checked", "field")

    def __init__(self, field: Callable, check: bool = True) -> None:
        if not callable(field):
            check_callable("field", field, "a callable params -> one gradient per player")
        self.field = field
        self.checked = not check

    def __call__(self, params: Params) -> list[Tensor]:
        out = self.field(params)
        if not self.checked:
            check_field_output(out, params)
            self.checked = True
        for g in out:
            if g.requires_grad:
                return [g.detach() for g in out]
        return out

    def __getattr__(self, name: str) -> Any:
        attr = getattr(self.field, name)
        return (lambda *a, **k: _detached(attr(*a, **k))) if callable(attr) else attr


class _Stepped(Protocol):
    step_size: Any

    def step_sizes(self, k: int, n: int) -> list[float]: ...


_M = TypeVar("_M", bound=_Stepped)
_S = TypeVar("_S")
_Update = Callable[[_M, Params, _S, Field, list[float]], tuple[Params, _S]]
_Wrapped = Callable[[_M, Params, _S, Field, list[float] | None], tuple[Params, _S]]


def graph_free(update: _Update[_M, _S]) -> _Wrapped[_M, _S]:
    """Decorate a template's `update` so that no autograd graph survives it: the iterates and state it returns hold none.

    Inputs with requires_grad (nn.Module parameters, user tensors) would otherwise chain a graph through every
    step, and memory would grow with the number of steps. The step sees the inputs and the field's values
    detached; the field itself may use autograd internally. Forward-mode derivatives (torch.func.jacfwd, used
    by `saddle.analysis.update_jacobian`) carry no requires_grad and pass through untouched.
    step_sizes=None takes the template's own steps at k = state.count (so `Template.step` is this same function).
    The field's values are checked against the players (shape, dtype, device) at the first step of a run
    (state.count == 0; see `_GraphFreeField`).
    """

    @functools.wraps(update)
    def wrapped(
        self: _M, params: Params, state: _S, field: Field, step_sizes: list[float] | None = None
    ) -> tuple[Params, _S]:
        if step_sizes is None:
            eta = self.step_size
            n = len(params)
            step_sizes = [eta] * n if type(eta) is float else self.step_sizes(state.count, n)  # type: ignore[attr-defined]
        for p in params:
            if p.requires_grad:
                params = [q.detach() for q in params]
                break
        return update(self, params, state, _GraphFreeField(field, state.count == 0), step_sizes)  # type: ignore[attr-defined]

    return wrapped
