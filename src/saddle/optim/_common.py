"""Shared pieces of the methods: step-size lookup, projection, fused axpy, graph-free steps (validators: saddle.validation)."""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

import torch
from torch import Tensor

from saddle.optim.base import Field, Params, Projection
from saddle.schedules import step_size_at as step_at  # noqa: F401  (re-exported to the methods)
from saddle.validation import check_callable, check_int, check_real, check_step_size  # noqa: F401  (re-exported to the methods)


def check_projection(projection: Projection | None) -> Projection | None:
    return (
        None if projection is None else check_callable("projection", projection, "None or a callable params -> params")
    )


def project(projection: Projection | None, params: Params) -> Params:
    return params if projection is None else list(projection(params))


def axpy(params: Sequence[Tensor], direction: Sequence[Tensor], alpha: float) -> Params:
    """[z_i + α d_i] for every player in one fused foreach call (new tensors, inputs untouched)."""
    return list(torch._foreach_add(list(params), list(direction), alpha=alpha))


def _detached(out: Any) -> Any:
    """The field's output with every tensor that carries an autograd graph detached (lists, tuples of lists)."""
    if isinstance(out, Tensor):
        return out.detach() if out.requires_grad else out
    if isinstance(out, (list, tuple)):
        return type(out)(_detached(o) for o in out)
    return out


class _GraphFreeField:
    """A field whose outputs never carry an autograd graph; other callables of the field (e.g. NoisyField.paired) too."""

    __slots__ = ("field",)

    def __init__(self, field: Callable) -> None:
        self.field = field

    def __call__(self, params: Params) -> list[Tensor]:
        out = self.field(params)
        for g in out:
            if g.requires_grad:
                return [g.detach() for g in out]
        return out

    def __getattr__(self, name: str) -> Any:
        attr = getattr(self.field, name)
        return (lambda *a, **k: _detached(attr(*a, **k))) if callable(attr) else attr


_M = TypeVar("_M")
_S = TypeVar("_S")
_Step = Callable[[_M, Params, _S, Field], tuple[Params, _S]]


def graph_free(step: _Step[_M, _S]) -> _Step[_M, _S]:
    """Decorate a Method's `step` so that no autograd graph survives it: the iterates and state it returns hold none.

    Inputs with requires_grad (nn.Module parameters, user tensors) would otherwise chain a graph through every
    step, and memory would grow with the number of steps. The step sees the inputs and the field's values
    detached; the field itself may use autograd internally. Forward-mode derivatives (torch.func.jacfwd, used
    by `saddle.analysis.update_jacobian`) carry no requires_grad and pass through untouched.
    """

    @functools.wraps(step)
    def wrapped(self: _M, params: Params, state: _S, field: Field) -> tuple[Params, _S]:
        for p in params:
            if p.requires_grad:
                params = [q.detach() for q in params]
                break
        return step(self, params, state, _GraphFreeField(field))

    return wrapped
