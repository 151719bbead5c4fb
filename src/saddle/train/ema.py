"""Exponential moving average of a model's weights, on torch's `AveragedModel` (one EMA for every trainer).

θ̄ ← β_n θ̄ + (1 − β_n) θ after each update; β_n = β, or with warm-up β_n = min(β, n/(n + 9)) for the n-th
average (n ≥ 1 weights averaged so far), the schedule min(β, (1 + k)/(10 + k)) of TensorFlow's
`ExponentialMovingAverage(num_updates=k)`, so that short runs do not keep the initial weights.
"""

from __future__ import annotations

from collections.abc import Callable

import torch
from torch import Tensor, nn
from torch.optim.swa_utils import AveragedModel

from saddle.validation import check_bool, check_real

__all__ = ["ema_model", "ema_multi_avg_fn"]

ParamList = tuple[Tensor, ...] | list[Tensor]
MultiAvgFn = Callable[[ParamList, ParamList, Tensor | int], None]


def ema_multi_avg_fn(decay: float, warmup: bool = False) -> MultiAvgFn:
    """A `multi_avg_fn` for AveragedModel: θ̄ ← θ̄ + (1 − β_n)(θ − θ̄) on floating tensors; other tensors copied.

    β_n = `decay` (then it is torch's `get_ema_multi_avg_fn(decay)` on floating tensors), or with `warmup`
    β_n = min(decay, n/(n + 9)), n = AveragedModel's count of averaged weights (n ≥ 1 when it is called).
    Integer buffers (BatchNorm's num_batches_tracked) take the current model's value.
    """
    decay = check_real("decay", decay, 0.0, 1.0, low_open=False, high_open=False)
    warmup = check_bool("warmup", warmup)

    @torch.no_grad()
    def update(averaged: ParamList, current: ParamList, num_averaged: Tensor | int) -> None:
        if not (averaged[0].is_floating_point() or averaged[0].is_complex()):
            torch._foreach_copy_(list(averaged), list(current))
            return
        n = int(num_averaged)
        beta = min(decay, n / (n + 9)) if warmup else decay
        torch._foreach_lerp_(list(averaged), list(current), 1.0 - beta)

    return update


def ema_model(module: nn.Module, decay: float, warmup: bool = False) -> AveragedModel:
    """The EMA of `module`'s parameters and buffers as a `torch.optim.swa_utils.AveragedModel` (a deep copy).

    Call `.update_parameters(module)` after each optimiser step; `.module` is the averaged network and the
    AveragedModel's state_dict (with its count) checkpoints it. Without `warmup` the first update copies the
    weights (torch's convention); with `warmup` the current weights are the first average, so the k-th update
    (k = 0, 1, ...) has decay min(`decay`, (1 + k)/(10 + k)). decay β ∈ [0, 1].
    """
    averaged = AveragedModel(module, multi_avg_fn=ema_multi_avg_fn(decay, warmup), use_buffers=True)
    if warmup:
        averaged.update_parameters(module)
    return averaged
