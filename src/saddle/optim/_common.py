"""Shared pieces of the methods: argument validation, step-size lookup, projection, fused axpy."""

from __future__ import annotations

import math
import numbers
from collections.abc import Sequence

import torch
from torch import Tensor

from saddle.optim.base import Params, Projection, StepSize


def check_real(name: str, value: float, low: float = 0.0, high: float = math.inf, *,
               low_open: bool = True, high_open: bool = False) -> float:
    """Return float(value) if it lies in the interval (or [) low, high ] (or )), else raise ValueError."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise ValueError(f"{name} must be a real number, got {value!r}")
    v = float(value)
    ok = math.isfinite(v) or (v == high == math.inf and not high_open)
    ok = ok and (v > low if low_open else v >= low) and (v < high if high_open else v <= high)
    if not ok:
        lb, rb = ("(" if low_open else "["), (")" if high_open else "]")
        raise ValueError(f"{name} must be in {lb}{low}, {high}{rb}, got {value!r}")
    return v


def check_step_size(value: StepSize, name: str = "step_size") -> StepSize:
    """A step size is a finite float > 0 or a callable schedule k -> η_k."""
    if callable(value):
        return value
    return check_real(name, value, 0.0, math.inf, high_open=True)


def check_projection(projection: Projection | None) -> Projection | None:
    if projection is not None and not callable(projection):
        raise ValueError(f"projection must be None or a callable params -> params, got {projection!r}")
    return projection


def check_int(name: str, value: int, low: int = 1) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < low:
        raise ValueError(f"{name} must be an integer >= {low}, got {value!r}")
    return value


def step_at(step_size: StepSize, k: int) -> float:
    """η_k: the constant itself or the schedule evaluated at the step counter k = 0, 1, ..."""
    if not callable(step_size):
        return step_size
    eta = float(step_size(k))
    if not (math.isfinite(eta) and eta > 0):
        raise ValueError(f"step-size schedule returned {eta} at k={k}; it must be finite and > 0")
    return eta


def project(projection: Projection | None, params: Params) -> Params:
    return params if projection is None else list(projection(params))


def axpy(params: Sequence[Tensor], direction: Sequence[Tensor], alpha: float) -> Params:
    """[z_i + α d_i] for every player in one fused foreach call (new tensors, inputs untouched)."""
    return list(torch._foreach_add(list(params), list(direction), alpha=alpha))


def per_point_dot(a: Sequence[Tensor], b: Sequence[Tensor], batch_dims: int) -> Tensor:
    """⟨a, b⟩ for each point of the batch, summed over players and non-batch dims; shape a[0].shape[:batch_dims]."""
    total = None
    for u, v in zip(a, b):
        s = (u * v).reshape(*u.shape[:batch_dims], -1).sum(-1)
        total = s if total is None else total + s
    return total


def per_point_broadcast(v: Tensor, like: Tensor) -> Tensor:
    """Reshape a per-point value (batch shape) so it broadcasts against a player's tensor."""
    return v.reshape(*v.shape, *([1] * (like.ndim - v.ndim)))
