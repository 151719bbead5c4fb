"""Seeded initialisation: PyTorch's default layer initialisation drawn from an explicit torch.Generator."""

from __future__ import annotations

import math

import torch
from torch import nn

__all__ = ["seeded_init_", "make_classifier"]


@torch.no_grad()
def seeded_init_(model: nn.Module, generator: torch.Generator) -> nn.Module:
    """Re-draw every Linear/Conv layer as PyTorch does by default (kaiming_uniform_(a=√5), bias U(±1/√fan_in)).

    Same generator state → same weights, without touching the global RNG. Returns `model`.
    """
    for m in model.modules():
        if isinstance(m, (nn.Linear, nn.Conv1d, nn.Conv2d, nn.Conv3d)):
            nn.init.kaiming_uniform_(m.weight, a=math.sqrt(5), generator=generator)
            if m.bias is not None:
                fan_in = m.weight[0].numel()
                bound = 1 / math.sqrt(fan_in) if fan_in > 0 else 0.0
                nn.init.uniform_(m.bias, -bound, bound, generator=generator)
    return model


def make_classifier(kind: str, in_size: int, generator: torch.Generator, n_classes: int = 10) -> nn.Module:
    """A `DigitsMLP` ("mlp") or `DigitsCNN` ("cnn") for (B, 1, in_size, in_size) inputs, seeded by `generator`."""
    from saddle.models.classifiers import DigitsCNN, DigitsMLP

    if kind == "mlp":
        return seeded_init_(DigitsMLP(n_classes, in_features=in_size * in_size), generator)
    if kind == "cnn":
        return seeded_init_(DigitsCNN(n_classes, in_size=in_size), generator)
    raise ValueError(f"model must be 'mlp' or 'cnn', got {kind!r}")
