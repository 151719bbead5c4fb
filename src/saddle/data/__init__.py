"""Built-in data (scikit-learn's 8×8 digits, generated 2-D toys) and loaders for user-provided datasets."""

from saddle.data.digits import DIGITS_SHAPE, load_digits
from saddle.data.loaders import load_cifar10, load_fashion_mnist, load_mnist, read_idx
from saddle.data.toy import TOY_DISTRIBUTIONS, sample_toy

__all__ = [
    "DIGITS_SHAPE",
    "TOY_DISTRIBUTIONS",
    "load_cifar10",
    "load_digits",
    "load_fashion_mnist",
    "load_mnist",
    "read_idx",
    "sample_toy",
]
