"""Small classifiers for the 8×8 digits (inputs (B, 1, 8, 8) in [0, 1], logits (B, n_classes)), and the seeded
factory `make_classifier` that builds every network of `saddle.models` by name."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import torch
from torch import Tensor, nn

from saddle.models.mnist import MadryCNN, WongCNN
from saddle.models.normalization import normalized
from saddle.models.resnet import PreActResNet18
from saddle.models.wideresnet import WideResNet
from saddle.validation import check_choice, check_int


class DigitsCNN(nn.Module):
    """Two 3×3 conv layers (32, 64 channels, ReLU, 2×2 max-pool after the second) and a 128-unit head.

    Inputs (B, in_channels, in_size, in_size): 8 for the built-in digits (default), 28 for MNIST / Fashion-MNIST.
    """

    def __init__(
        self,
        n_classes: int = 10,
        channels: tuple[int, int] = (32, 64),
        hidden: int = 128,
        in_size: int = 8,
        in_channels: int = 1,
    ) -> None:
        super().__init__()
        c1, c2 = channels
        self.features = nn.Sequential(
            nn.Conv2d(in_channels, c1, 3, padding=1),
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
    """Fully connected ReLU network on the flattened pixels (`in_features`, default 64 = 8 × 8)."""

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


#: every network `make_classifier` builds: name -> (what it is, its factory (n_classes, in_channels, in_size))
CLASSIFIERS: dict[str, tuple[str, Callable[[int, int, int], nn.Module]]] = {
    "mlp": ("DigitsMLP, 2 hidden ReLU layers (256, 128)", lambda k, c, s: DigitsMLP(k, in_features=c * s * s)),
    "cnn": ("DigitsCNN, 3×3 convs (32, 64), 128-unit head", lambda k, c, s: DigitsCNN(k, in_size=s, in_channels=c)),
    "wong": ("WongCNN, Wong et al.'s MNIST network (166k parameters)", lambda k, c, s: WongCNN(k, c, s)),
    "madry": ("MadryCNN, Madry et al.'s MNIST network (3.27M parameters)", lambda k, c, s: MadryCNN(k, c, s)),
    "preact_resnet18": ("PreActResNet-18 (11.2M parameters)", lambda k, c, s: PreActResNet18(k, c)),
    "wrn28_10": ("WideResNet-28-10 (36.5M parameters)", lambda k, c, s: WideResNet(28, 10, k, c)),
    "wrn34_10": ("WideResNet-34-10 (46.2M parameters)", lambda k, c, s: WideResNet(34, 10, k, c)),
}


def make_classifier(
    kind: str,
    in_size: int,
    generator: torch.Generator,
    n_classes: int = 10,
    in_channels: int = 1,
    normalization: tuple[Sequence[float], Sequence[float]] | None = None,
    device: torch.device | str = "cpu",
) -> nn.Module:
    """The network `kind` (a key of `CLASSIFIERS`) for (B, in_channels, in_size, in_size) inputs, built by
    `build_seeded` (its initialisation drawn from the CPU `generator`, so the same seed gives the same weights on
    every device; the global RNG is not touched) and moved to `device`.

    `normalization=(mean, std)` prepends `InputNormalization` (attacks stay in pixel space).
    """
    from saddle.models.seeded_init import build_seeded

    check_choice("model", kind, CLASSIFIERS)
    check_int("in_size", in_size, low=1)
    check_int("in_channels", in_channels, low=1)
    factory = CLASSIFIERS[kind][1]
    if normalization is None:
        net = build_seeded(lambda: factory(n_classes, in_channels, in_size), generator)
    else:
        mean, std = normalization
        net = build_seeded(lambda: normalized(factory(n_classes, in_channels, in_size), mean, std), generator)
    return net.to(device)
