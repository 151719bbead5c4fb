"""The MNIST networks of the adversarial-training papers, for (B, C, 28, 28) inputs in [0, 1] (any C and size).

`MadryCNN`: Madry et al. (ICLR 2018), MadryLab/mnist_challenge `model.py`: 5×5 convs with 32 and 64 channels
("SAME" padding, ReLU, 2×2 max-pool after each), a 1024-unit ReLU layer and 10 logits — 3,274,634 parameters
for 1×28×28 inputs and 10 classes. `WongCNN`: Wong, Rice & Kolter (ICLR 2020), locuslab/fast_adversarial
`MNIST/mnist_net.py`: 4×4 stride-2 convs with 16 and 32 channels, a 100-unit ReLU layer — 166,406 parameters,
the small network of their MNIST FGSM / PGD training (about 20× cheaper per pass than Madry's on one core).
"""

from __future__ import annotations

import math

import torch
from torch import Tensor, nn

from saddle.validation import check_generator, check_int

__all__ = ["MadryCNN", "WongCNN"]


class MadryCNN(nn.Module):
    """Madry et al.'s MNIST CNN: conv5×5(32)-ReLU-pool2, conv5×5(64)-ReLU-pool2, FC 1024-ReLU, FC n_classes.

    `in_channels` (default 1) and `in_size` (default 28; 7 × 7 × 64 features after two pools) adapt it to
    other images. `initialize_(generator)` draws the reference initialisation (TensorFlow's truncated normal
    with σ = 0.1 for weights, biases 0.1); the seeded factory `make_classifier("madry", ...)` uses it.
    """

    def __init__(self, n_classes: int = 10, in_channels: int = 1, in_size: int = 28) -> None:
        super().__init__()
        check_int("in_size", in_size, low=4)
        self.features = nn.Sequential(
            nn.Conv2d(in_channels, 32, 5, padding=2),
            nn.ReLU(),
            nn.MaxPool2d(2, ceil_mode=True),  # TF "SAME" pooling keeps the last row/column of an odd size
            nn.Conv2d(32, 64, 5, padding=2),
            nn.ReLU(),
            nn.MaxPool2d(2, ceil_mode=True),
        )
        side = math.ceil(math.ceil(in_size / 2) / 2)  # two "SAME" 2×2 pools
        self.head = nn.Sequential(
            nn.Flatten(), nn.Linear(64 * side * side, 1024), nn.ReLU(), nn.Linear(1024, n_classes)
        )

    def forward(self, x: Tensor) -> Tensor:
        return self.head(self.features(x))

    @torch.no_grad()
    def initialize_(self, generator: torch.Generator) -> None:
        """Weights ~ N(0, 0.1²) truncated at ±2σ (tf.truncated_normal), biases = 0.1, as mnist_challenge/model.py."""
        gen = check_generator(generator)
        for m in self.modules():
            if isinstance(m, (nn.Conv2d, nn.Linear)):
                nn.init.trunc_normal_(m.weight, std=0.1, a=-0.2, b=0.2, generator=gen)
                if m.bias is not None:
                    nn.init.constant_(m.bias, 0.1)


class WongCNN(nn.Module):
    """Wong et al.'s MNIST CNN: conv4×4/2(16)-ReLU, conv4×4/2(32)-ReLU, FC 100-ReLU, FC n_classes (PyTorch init).

    `in_size` must be divisible by 4 (default 28: 32 × 7 × 7 features).
    """

    def __init__(self, n_classes: int = 10, in_channels: int = 1, in_size: int = 28) -> None:
        super().__init__()
        if check_int("in_size", in_size, low=4) % 4:
            raise ValueError(f"in_size must be divisible by 4, got {in_size}")
        c1, c2 = 16, 32
        self.net = nn.Sequential(
            nn.Conv2d(in_channels, c1, 4, stride=2, padding=1),
            nn.ReLU(),
            nn.Conv2d(c1, c2, 4, stride=2, padding=1),
            nn.ReLU(),
            nn.Flatten(),
            nn.Linear(c2 * (in_size // 4) ** 2, 100),
            nn.ReLU(),
            nn.Linear(100, n_classes),
        )

    def forward(self, x: Tensor) -> Tensor:
        return self.net(x)
