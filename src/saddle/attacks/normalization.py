"""Attack a model that expects normalised inputs in pixel space: x ↦ model((x − mean) / std).

The threat model (ε, the box) stays in pixel units, where robustness is stated (ε = 8/255 on [0, 1] images),
and the attacks never see the normalised coordinates: wrap the model, not the data.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import Tensor, nn

from saddle.validation import check_finite

__all__ = ["NormalizedInputs"]


class NormalizedInputs(nn.Module):
    """`NormalizedInputs(model, mean, std)(x) = model((x − mean) / std)`, mean and std per channel (dim 1) or scalars.

    Shapes: x (B, C, ...) in pixel space; mean, std of length C (or 1). std must be > 0. The statistics are
    buffers (they follow `.to(device)` and the state dict). Example: `NormalizedInputs(net, (0.4914, 0.4822,
    0.4465), (0.2471, 0.2435, 0.2616))` for CIFAR-10 statistics, then attack with box (0, 1).
    """

    mean: Tensor
    std: Tensor

    def __init__(self, model: nn.Module, mean: Sequence[float] | float | Tensor, std: Sequence[float] | float | Tensor):
        super().__init__()
        m = torch.as_tensor(mean, dtype=torch.float32).reshape(-1)
        s = torch.as_tensor(std, dtype=torch.float32).reshape(-1)
        check_finite("mean", m)
        check_finite("std", s)
        if m.numel() != s.numel() or m.numel() == 0:
            raise ValueError(f"mean and std need one entry per channel, got {m.numel()} and {s.numel()}")
        if bool((s <= 0).any()):
            raise ValueError(f"std must be > 0, got {s.tolist()}")
        self.model = model
        self.register_buffer("mean", m)
        self.register_buffer("std", s)

    def forward(self, x: Tensor) -> Tensor:
        shape = (1, -1) + (1,) * (x.ndim - 2)
        return self.model((x - self.mean.to(x.dtype).reshape(shape)) / self.std.to(x.dtype).reshape(shape))
