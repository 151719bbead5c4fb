"""Shared pieces of the methods: step-size lookup, projection, fused axpy (validators live in saddle.validation)."""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import Tensor

from saddle.optim.base import Params, Projection
from saddle.schedules import step_size_at as step_at  # noqa: F401  (re-exported to the methods)
from saddle.validation import check_callable, check_int, check_real, check_step_size  # noqa: F401  (re-exported to the methods)


def check_projection(projection: Projection | None) -> Projection | None:
    return None if projection is None else check_callable("projection", projection, "None or a callable params -> params")


def project(projection: Projection | None, params: Params) -> Params:
    return params if projection is None else list(projection(params))


def axpy(params: Sequence[Tensor], direction: Sequence[Tensor], alpha: float) -> Params:
    """[z_i + α d_i] for every player in one fused foreach call (new tensors, inputs untouched)."""
    return list(torch._foreach_add(list(params), list(direction), alpha=alpha))

