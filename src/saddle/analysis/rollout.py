"""Run a method for many steps on a batch of plays and record the trajectory (for figures and classifiers)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import torch
from torch import Tensor

from saddle.progress import progress


def rollout(method: Any, field: Callable[[list[Tensor]], list[Tensor]], params: Sequence[Tensor], steps: int,
            every: int = 1, desc: str = "") -> tuple[Tensor, Any]:
    """Iterate `params, state = method.step(params, state, field)` `steps` times from `params` (one (B, d_i) per player).

    Returns (trajectory, final state): trajectory has shape (steps // every + 1, B, Σd_i), players concatenated,
    recorded every `every` steps starting with the initial point (default every step).
    """
    if steps < 0 or every < 1:
        raise ValueError(f"need steps >= 0 and every >= 1, got steps={steps}, every={every}")
    z = list(params)
    state = method.init(z)
    out = [torch.cat(z, -1)]
    for k in progress(range(1, steps + 1), desc=desc or type(method).__name__, total=steps):
        z, state = method.step(z, state, field)
        if k % every == 0:
            out.append(torch.cat(z, -1))
    return torch.stack(out), state
