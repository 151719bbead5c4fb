"""Input normalisation as the network's first module, so that attacks and threat models stay in pixel space.

`InputNormalization(mean, std)` maps x (B, C, H, W) in [0, 1] to (x − mean_c) / std_c; `normalized(model, mean,
std)` prepends it. ε-balls, boxes and every attack of `saddle.attacks` then act on the [0, 1] pixels, as in
Wong et al. and Rice et al., who normalise inside the forward pass (`model(normalize(X + delta))`).
The statistics are buffers (saved with the state dict, moved with `.to(device)`), restored by
`reset_parameters()` — which the seeded factory calls, since they are constants, not random draws.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import Tensor, nn

__all__ = ["CIFAR10_MEAN", "CIFAR10_STD", "InputNormalization", "normalized"]

#: CIFAR-10's per-channel pixel mean and standard deviation (locuslab/fast_adversarial `CIFAR10/utils.py`)
CIFAR10_MEAN = (0.4914, 0.4822, 0.4465)
CIFAR10_STD = (0.2471, 0.2435, 0.2616)


class InputNormalization(nn.Module):
    """x ↦ (x − mean) / std per channel; `mean`, `std` sequences of C numbers (std > 0)."""

    mean: Tensor
    std: Tensor

    def __init__(self, mean: Sequence[float], std: Sequence[float]) -> None:
        super().__init__()
        self._mean, self._std = tuple(float(m) for m in mean), tuple(float(s) for s in std)
        if len(self._mean) != len(self._std) or not self._mean:
            raise ValueError(f"mean and std need the same number (≥ 1) of channels, got {mean!r} and {std!r}")
        if any(not s > 0 or s == float("inf") for s in self._std):
            raise ValueError(f"std must be positive and finite, got {std!r}")
        self.register_buffer("mean", torch.empty(len(self._mean), 1, 1))
        self.register_buffer("std", torch.empty(len(self._std), 1, 1))
        self.reset_parameters()

    @torch.no_grad()
    def reset_parameters(self) -> None:
        """Fill the buffers with the constructor's statistics."""
        self.mean.copy_(torch.tensor(self._mean).view(-1, 1, 1))
        self.std.copy_(torch.tensor(self._std).view(-1, 1, 1))

    def forward(self, x: Tensor) -> Tensor:
        if x.ndim != 4 or x.shape[1] != self.mean.shape[0]:
            raise ValueError(f"expected inputs (B, {self.mean.shape[0]}, H, W), got {tuple(x.shape)}")
        return (x - self.mean) / self.std

    def extra_repr(self) -> str:
        return f"mean={self._mean}, std={self._std}"


def normalized(model: nn.Module, mean: Sequence[float], std: Sequence[float]) -> nn.Sequential:
    """nn.Sequential(InputNormalization(mean, std), model): the same network, fed pixels in [0, 1]."""
    return nn.Sequential(InputNormalization(mean, std), model)
