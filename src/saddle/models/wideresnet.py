"""WideResNet-d-k (Zagoruyko & Komodakis 2016) as the adversarial-robustness code defines it.

The network of TRADES (Zhang et al. 2019), Rice et al. (ICML 2020, locuslab/robust_overfitting
`wideresnet.py`) and RobustBench: a 3×3 stem with 16 channels, three groups of (d − 4)/6 pre-activation basic
blocks with 16k, 32k, 64k channels (stride 1, 2, 2; 1×1 projection shortcuts where the width changes, taken
after the block's first BN-ReLU), the final BN-ReLU, global average pooling and a linear layer. Parameters for
3-channel inputs and 10 classes: WRN-28-10 36,479,194, WRN-34-10 46,160,474. `initialize_(generator)` draws
the reference initialisation (He-normal fan-out convolutions, BN weight 1 / bias 0, zero linear bias).
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from saddle.validation import check_generator, check_int

__all__ = ["WideBasicBlock", "WideResNet"]


class WideBasicBlock(nn.Module):
    """Pre-activation basic block of WideResNet (no dropout): relu(bn(x)) → conv3×3 → relu(bn) → conv3×3, + shortcut."""

    def __init__(self, in_planes: int, planes: int, stride: int) -> None:
        super().__init__()
        self.bn1 = nn.BatchNorm2d(in_planes)
        self.conv1 = nn.Conv2d(in_planes, planes, 3, stride=stride, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(planes)
        self.conv2 = nn.Conv2d(planes, planes, 3, stride=1, padding=1, bias=False)
        self.shortcut = nn.Conv2d(in_planes, planes, 1, stride=stride, bias=False) if in_planes != planes else None

    def forward(self, x: Tensor) -> Tensor:
        out = F.relu(self.bn1(x))
        shortcut = x if self.shortcut is None else self.shortcut(out)
        out = self.conv2(F.relu(self.bn2(self.conv1(out))))
        return out + shortcut


class WideResNet(nn.Module):
    """WRN-`depth`-`widen_factor` (defaults 28, 10) for (B, in_channels, H, W) images; logits (B, n_classes).

    `depth` − 4 must be divisible by 6 (28 → 4 blocks per group, 34 → 5).
    """

    def __init__(self, depth: int = 28, widen_factor: int = 10, n_classes: int = 10, in_channels: int = 3) -> None:
        super().__init__()
        check_int("widen_factor", widen_factor)
        if check_int("depth", depth, low=10) % 6 != 4:
            raise ValueError(f"depth must be 6n + 4 (e.g. 28 or 34), got {depth}")
        n = (depth - 4) // 6
        widths = [16, 16 * widen_factor, 32 * widen_factor, 64 * widen_factor]
        self.conv1 = nn.Conv2d(in_channels, widths[0], 3, stride=1, padding=1, bias=False)
        groups = []
        for g, stride in enumerate((1, 2, 2)):
            blocks = [WideBasicBlock(widths[g], widths[g + 1], stride)]
            blocks += [WideBasicBlock(widths[g + 1], widths[g + 1], 1) for _ in range(1, n)]
            groups.append(nn.Sequential(*blocks))
        self.block1, self.block2, self.block3 = groups
        self.bn = nn.BatchNorm2d(widths[3])
        self.fc = nn.Linear(widths[3], n_classes)

    def forward(self, x: Tensor) -> Tensor:
        out = self.block3(self.block2(self.block1(self.conv1(x))))
        out = F.adaptive_avg_pool2d(F.relu(self.bn(out)), 1)  # = the reference's avg_pool2d(8) on 32×32 inputs
        return self.fc(out.flatten(1))

    @torch.no_grad()
    def initialize_(self, generator: torch.Generator) -> None:
        """Convolutions ~ N(0, 2/(k²·out_channels)) (kaiming_normal_, fan_out, ReLU), BN (1, 0), linear bias 0."""
        gen = check_generator(generator)
        for m in self.modules():
            if isinstance(m, nn.Conv2d):
                nn.init.kaiming_normal_(m.weight, mode="fan_out", nonlinearity="relu", generator=gen)
            elif isinstance(m, nn.BatchNorm2d):
                nn.init.ones_(m.weight)
                nn.init.zeros_(m.bias)
            elif isinstance(m, nn.Linear):
                nn.init.zeros_(m.bias)
