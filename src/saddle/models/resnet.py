"""PreActResNet-18 (He et al. 2016, "Identity mappings in deep residual networks") as adversarial training uses it.

The network of Wong et al. (ICLR 2020, locuslab/fast_adversarial `CIFAR10/preact_resnet.py`) and Rice et al.
(ICML 2020, locuslab/robust_overfitting `preactresnet.py`): a 3×3 stem with 64 channels, four stages of two
pre-activation basic blocks (64, 128, 256, 512 channels, stride 2 from the second stage, 1×1 projection
shortcuts where the shape changes, convolutions without bias), the final BN-ReLU, global average pooling and
a linear layer: 11,172,170 parameters for 3-channel inputs and 10 classes. Inputs (B, C, H, W) with H, W ≥ 8
(32×32 on CIFAR-10, where the pooling is the reference's 4×4 average); PyTorch's default initialisation.
"""

from __future__ import annotations

import torch.nn.functional as F
from torch import Tensor, nn

__all__ = ["PreActBlock", "PreActResNet18"]


class PreActBlock(nn.Module):
    """x ↦ conv(relu(bn(conv(relu(bn(x)))))) + shortcut, the shortcut taken after the first BN-ReLU when it projects."""

    def __init__(self, in_planes: int, planes: int, stride: int = 1) -> None:
        super().__init__()
        self.bn1 = nn.BatchNorm2d(in_planes)
        self.conv1 = nn.Conv2d(in_planes, planes, 3, stride=stride, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(planes)
        self.conv2 = nn.Conv2d(planes, planes, 3, stride=1, padding=1, bias=False)
        self.shortcut = (
            nn.Conv2d(in_planes, planes, 1, stride=stride, bias=False) if stride != 1 or in_planes != planes else None
        )

    def forward(self, x: Tensor) -> Tensor:
        out = F.relu(self.bn1(x))
        shortcut = self.shortcut(out) if self.shortcut is not None else x
        out = self.conv2(F.relu(self.bn2(self.conv1(out))))
        return out + shortcut


class PreActResNet18(nn.Module):
    """PreActResNet-18 for (B, in_channels, H, W) images (default 3 channels, 10 classes); logits (B, n_classes)."""

    def __init__(self, n_classes: int = 10, in_channels: int = 3) -> None:
        super().__init__()
        self.conv1 = nn.Conv2d(in_channels, 64, 3, stride=1, padding=1, bias=False)
        stages, planes = [], 64
        for width, stride in ((64, 1), (128, 2), (256, 2), (512, 2)):
            stages.append(nn.Sequential(PreActBlock(planes, width, stride), PreActBlock(width, width, 1)))
            planes = width
        self.layer1, self.layer2, self.layer3, self.layer4 = stages
        self.bn = nn.BatchNorm2d(512)
        self.linear = nn.Linear(512, n_classes)

    def forward(self, x: Tensor) -> Tensor:
        out = self.layer4(self.layer3(self.layer2(self.layer1(self.conv1(x)))))
        out = F.adaptive_avg_pool2d(F.relu(self.bn(out)), 1)  # = the reference's avg_pool2d(4) on 32×32 inputs
        return self.linear(out.flatten(1))
