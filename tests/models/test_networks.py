"""The networks of the field: parameter counts against the reference implementations, a forward/backward pass on
each, the pre-activation residual structure, the reference initialisations, and input normalisation."""

import pytest
import torch
import torch.nn.functional as F
from torch import nn

from saddle.models import (
    CIFAR10_MEAN,
    CIFAR10_STD,
    CLASSIFIERS,
    InputNormalization,
    MadryCNN,
    PreActBlock,
    PreActResNet18,
    WideBasicBlock,
    WideResNet,
    WongCNN,
    make_classifier,
    normalized,
)

# counted from the reference code: MadryLab/mnist_challenge model.py (3,274,634), locuslab/fast_adversarial
# MNIST/mnist_net.py (166,406), locuslab/robust_overfitting preactresnet.py and wideresnet.py (the numbers
# RobustBench lists for PreActResNet-18 and WRN-28-10 / WRN-34-10)
REFERENCE_COUNTS = {
    ("madry", 1, 28): 3_274_634,
    ("wong", 1, 28): 166_406,
    ("preact_resnet18", 3, 32): 11_172_170,
    ("wrn28_10", 3, 32): 36_479_194,
    ("wrn34_10", 3, 32): 46_160_474,
}


def _count(model):
    return sum(p.numel() for p in model.parameters())


@pytest.mark.parametrize("kind, channels, size", list(REFERENCE_COUNTS))
def test_parameter_counts_match_the_reference_implementations(kind, channels, size):
    with torch.device("meta"):  # counting needs no memory
        model = CLASSIFIERS[kind][1](10, channels, size)
    assert _count(model) == REFERENCE_COUNTS[(kind, channels, size)]


@pytest.mark.parametrize(
    "kind, channels, size",
    [("madry", 1, 28), ("wong", 1, 28), ("preact_resnet18", 3, 32), ("preact_resnet18", 1, 28), ("madry", 3, 32)],
)
def test_forward_and_backward_on_each_network(kind, channels, size):
    model = make_classifier(kind, size, torch.Generator().manual_seed(0), n_classes=10, in_channels=channels)
    x = torch.rand(2, channels, size, size, requires_grad=True)
    logits = model(x)
    assert logits.shape == (2, 10) and bool(torch.isfinite(logits).all())
    F.cross_entropy(logits, torch.tensor([1, 7])).backward()
    assert all(p.grad is not None and bool(torch.isfinite(p.grad).all()) for p in model.parameters())
    assert x.grad is not None and float(x.grad.abs().sum()) > 0


@pytest.mark.parametrize("depth", [28, 34])
def test_wide_resnets_forward_and_backward_at_small_width(depth):
    """The 10-wide networks are 36M / 46M parameters; the same code at width 1 runs forward and backward."""
    model = WideResNet(depth, 1, n_classes=10)
    assert len(model.block1) == (depth - 4) // 6
    x = torch.rand(2, 3, 32, 32, requires_grad=True)
    F.cross_entropy(model(x), torch.tensor([0, 3])).backward()
    assert x.grad is not None and all(p.grad is not None for p in model.parameters())


def test_preact_blocks_are_identity_plus_residual_with_the_projection_after_bn_relu():
    torch.manual_seed(0)  # test-only weights
    block = PreActBlock(8, 8).eval()
    nn.init.zeros_(block.conv2.weight)  # residual branch off: the block is the identity
    x = torch.randn(2, 8, 6, 6)
    torch.testing.assert_close(block(x), x)
    down = PreActBlock(8, 16, stride=2).eval()
    nn.init.zeros_(down.conv2.weight)
    torch.testing.assert_close(down(x), down.shortcut(F.relu(down.bn1(x))))
    wide = WideBasicBlock(8, 16, stride=2).eval()
    nn.init.zeros_(wide.conv2.weight)
    torch.testing.assert_close(wide(x), wide.shortcut(F.relu(wide.bn1(x))))
    same = WideBasicBlock(8, 8, stride=1).eval()
    nn.init.zeros_(same.conv2.weight)
    torch.testing.assert_close(same(x), x)


def test_reference_initialisations_of_madry_and_wideresnet():
    madry = make_classifier("madry", 28, torch.Generator().manual_seed(0))
    w = madry.head[1].weight.detach()  # 3.2M draws of N(0, 0.1²) cut at ±2σ: sd 0.1 · √(1 − 4φ(2)/(2Φ(2) − 1)) = 0.0880
    assert float(w.abs().max()) <= 0.2 and abs(float(w.std()) - 0.0880) < 0.0005
    assert all(bool((m.bias == 0.1).all()) for m in madry.modules() if isinstance(m, (nn.Conv2d, nn.Linear)))
    wrn = make_classifier("wrn28_10", 32, torch.Generator().manual_seed(0), in_channels=3)
    conv = wrn.block3[0].conv2.weight.detach()  # 640 → 640, 3×3: He-normal fan-out, variance 2 / (9 · 640)
    assert abs(float(conv.std()) / (2 / (9 * 640)) ** 0.5 - 1) < 0.01
    assert float(wrn.fc.bias.detach().abs().max()) == 0.0
    again = make_classifier("madry", 28, torch.Generator().manual_seed(0))
    assert all(torch.equal(a, b) for a, b in zip(madry.parameters(), again.parameters()))


def test_input_normalization_maps_pixels_to_standard_scores_and_is_built_seeded():
    norm = InputNormalization(CIFAR10_MEAN, CIFAR10_STD)
    x = torch.rand(4, 3, 5, 5)
    want = (x - torch.tensor(CIFAR10_MEAN)[:, None, None]) / torch.tensor(CIFAR10_STD)[:, None, None]
    torch.testing.assert_close(norm(x), want)
    model = make_classifier(
        "preact_resnet18",
        32,
        torch.Generator().manual_seed(1),
        in_channels=3,
        normalization=(CIFAR10_MEAN, CIFAR10_STD),
    )
    assert isinstance(model[0], InputNormalization)
    torch.testing.assert_close(model[0].mean.flatten(), torch.tensor(CIFAR10_MEAN))  # filled after the meta build
    assert torch.equal(model.state_dict()["0.std"].flatten(), torch.tensor(CIFAR10_STD))  # saved with the weights
    plain = normalized(WongCNN(), [0.5], [0.25])
    torch.testing.assert_close(plain[0](torch.ones(1, 1, 28, 28)), torch.full((1, 1, 28, 28), 2.0))
    with pytest.raises(ValueError, match="same number"):
        InputNormalization([0.1, 0.2], [0.3])
    with pytest.raises(ValueError, match="std must be positive"):
        InputNormalization([0.1], [0.0])
    with pytest.raises(ValueError, match="expected inputs"):
        norm(torch.rand(2, 1, 5, 5))


def test_network_arguments_are_checked():
    with pytest.raises(ValueError, match="depth must be 6n"):
        WideResNet(30, 10)
    with pytest.raises(ValueError, match="divisible by 4"):
        WongCNN(in_size=30)
    assert MadryCNN(in_size=30)(torch.rand(1, 1, 30, 30)).shape == (1, 10)  # "SAME" pooling: 30 → 15 → 8
    assert PreActResNet18(n_classes=5)(torch.rand(1, 3, 16, 16)).shape == (1, 5)
    with pytest.raises(ValueError, match="model must be one of"):
        make_classifier("resnet50", 32, torch.Generator())
