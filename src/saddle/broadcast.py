"""Per-point broadcasting over a batch (bottom floor): the leading dims of a tensor index independent points.

Games are stepped as batches of trajectories, attacks on batches of images, diffusion on batches of samples;
a per-point value (a step size, a norm, a time t) has the batch shape and must broadcast against the data.
"""

from __future__ import annotations

from collections.abc import Sequence

from torch import Tensor

__all__ = ["per_point_broadcast", "per_point_dot"]


def per_point_broadcast(v: Tensor, like: Tensor) -> Tensor:
    """v (batch shape, or 0-dim) with trailing singleton dims appended so that it broadcasts against `like` (batch shape, ...)."""
    return v.reshape(*v.shape, *([1] * (like.ndim - v.ndim)))


def per_point_dot(a: Sequence[Tensor], b: Sequence[Tensor], batch_dims: int) -> Tensor:
    """⟨a, b⟩ for each point of the batch, summed over players and non-batch dims; shape a[0].shape[:batch_dims]."""
    total = None
    for u, v in zip(a, b):
        s = (u * v).reshape(*u.shape[:batch_dims], -1).sum(-1)
        total = s if total is None else total + s
    if total is None:
        raise ValueError("per_point_dot needs at least one player (a pair of tensors), got none")
    return total
