"""Classifiers for 8×8 digits (inputs (B, 1, 8, 8) in [0, 1], logits (B, n_classes)), and a seeded factory."""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import Tensor, nn

from saddle.validation import check_choice


class DigitsCNN(nn.Module):
    """Two 3×3 conv layers (32, 64 channels, ReLU, 2×2 max-pool after the second) and a 128-unit head.

    Inputs (B, 1, in_size, in_size): 8 for the built-in digits (default), 28 for MNIST / Fashion-MNIST.
    """

    def __init__(
        self, n_classes: int = 10, channels: tuple[int, int] = (32, 64), hidden: int = 128, in_size: int = 8
    ) -> None:
        super().__init__()
        c1, c2 = channels
        self.features = nn.Sequential(
            nn.Conv2d(1, c1, 3, padding=1),
            nn.ReLU(),
            nn.Conv2d(c1, c2, 3, padding=1),
            nn.ReLU(),
            nn.MaxPool2d(2),  # 8×8 -> 4×4
        )
        self.head = nn.Sequential(
            nn.Flatten(), nn.Linear(c2 * (in_size // 2) ** 2, hidden), nn.ReLU(), nn.Linear(hidden, n_classes)
        )

    def forward(self, x: Tensor) -> Tensor:
        return self.head(self.features(x))


class DigitsMLP(nn.Module):
    """Fully connected ReLU network on the flattened 64 pixels."""

    def __init__(self, n_classes: int = 10, hidden: Sequence[int] = (256, 128), in_features: int = 64) -> None:
        super().__init__()
        layers: list[nn.Module] = [nn.Flatten()]
        width = in_features
        for h in hidden:
            layers += [nn.Linear(width, h), nn.ReLU()]
            width = h
        layers.append(nn.Linear(width, n_classes))
        self.net = nn.Sequential(*layers)

    def forward(self, x: Tensor) -> Tensor:
        return self.net(x)


@torch.no_grad()
def accuracy(model: nn.Module, x: Tensor, y: Tensor, batch_size: int = 1024) -> float:
    """Fraction of x classified as y (model evaluated in its current mode)."""
    correct = 0
    for i in range(0, len(x), batch_size):
        correct += int((model(x[i : i + batch_size]).argmax(-1) == y[i : i + batch_size]).sum())
    return correct / max(len(x), 1)


def make_classifier(kind: str, in_size: int, generator: torch.Generator, n_classes: int = 10) -> nn.Module:
    """A `DigitsMLP` ("mlp") or `DigitsCNN` ("cnn") for (B, 1, in_size, in_size) inputs, built by `build_seeded`
    (PyTorch's default init drawn from `generator`; the global RNG is not touched)."""
    from saddle.models.seeded_init import build_seeded

    factories = {
        "mlp": lambda: DigitsMLP(n_classes, in_features=in_size * in_size),
        "cnn": lambda: DigitsCNN(n_classes, in_size=in_size),
    }
    check_choice("model", kind, factories)
    return build_seeded(factories[kind], generator)
