"""Networks: small classifiers for the 8×8 digits, the MNIST networks of Madry et al. and Wong et al.,
PreActResNet-18 and WideResNet-28/34-10 as adversarial training uses them, input normalisation in the network,
and the seeded factory `make_classifier` (initialisation from an explicit generator)."""

from saddle.models.classifiers import CLASSIFIERS, DigitsCNN, DigitsMLP, accuracy, make_classifier
from saddle.models.mnist import MadryCNN, WongCNN
from saddle.models.normalization import CIFAR10_MEAN, CIFAR10_STD, InputNormalization, normalized
from saddle.models.resnet import PreActBlock, PreActResNet18
from saddle.models.seeded_init import build_seeded, reinitialize_
from saddle.models.wideresnet import WideBasicBlock, WideResNet

__all__ = [
    "CIFAR10_MEAN",
    "CIFAR10_STD",
    "CLASSIFIERS",
    "DigitsCNN",
    "DigitsMLP",
    "InputNormalization",
    "MadryCNN",
    "PreActBlock",
    "PreActResNet18",
    "WideBasicBlock",
    "WideResNet",
    "WongCNN",
    "accuracy",
    "build_seeded",
    "make_classifier",
    "normalized",
    "reinitialize_",
]
