"""Shared pieces of the methods: step-size lookup, projection, fused axpy (validators live in saddle.validation)."""

from __future__ import annotations

import math
from collections.abc import Sequence

import torch
from torch import Tensor

from saddle.optim.base import Params, Projection, StepSize
from saddle.validation import check_int, check_real, check_step_size  # noqa: F401  (re-exported to the methods)


def check_projection(projection: Projection | None) -> Projection | None:
    if projection is not None and not callable(projection):
        raise ValueError(f"projection must be None or a callable params -> params, got {projection!r}")
    return projection


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
