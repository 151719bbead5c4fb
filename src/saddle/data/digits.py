"""scikit-learn's 8×8 handwritten digits (1,797 images shipped with the package, no download)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
from torch import Tensor

from saddle.validation import check_int

DIGITS_SHAPE = (1, 8, 8)


@dataclass(frozen=True)
class Split:
    """Images in [0, 1] of shape (N, C, H, W) (float32; (N, 1, 8, 8) for the digits) and integer labels (N,)."""

    x: Tensor
    y: Tensor

    def __len__(self) -> int:
        return len(self.y)


def load_digits(test_fraction: float = 0.2, split_seed: int = 0) -> tuple[Split, Split]:
    """The fixed stratified train/test split of the 8×8 digits, pixels scaled from 0..16 to [0, 1].

    With the defaults: 1,437 training and 360 test images. The split depends only on
    `split_seed`, never on the global random state.
    """
    if not 0.0 < test_fraction < 1.0:
        raise ValueError(f"test_fraction must be in (0, 1), got {test_fraction}")
    from sklearn.datasets import load_digits as _sk_digits
    from sklearn.model_selection import train_test_split

    data = _sk_digits()
    x = (data.images.astype(np.float32) / 16.0)[:, None, :, :]
    y = data.target.astype(np.int64)
    xtr, xte, ytr, yte = train_test_split(x, y, test_size=test_fraction, random_state=split_seed, stratify=y)
    return (Split(torch.from_numpy(xtr), torch.from_numpy(ytr)), Split(torch.from_numpy(xte), torch.from_numpy(yte)))


def holdout_split(split: Split, n: int, seed: int = 0) -> tuple[Split, Split]:
    """(rest, held): `n` examples held out of `split`, stratified by label, chosen by `seed` only (scikit-learn's
    `train_test_split`). Rice et al. (ICML 2020) hold 1,000 CIFAR-10 training images out for early stopping."""
    check_int("n", n, low=1, high=len(split) - 1)
    from sklearn.model_selection import train_test_split

    idx = np.arange(len(split))
    labels = split.y.cpu().numpy()
    stratify = labels if np.bincount(labels).min() >= 2 else None
    rest, held = train_test_split(idx, test_size=n, random_state=seed, stratify=stratify)
    rest_t, held_t = torch.from_numpy(np.sort(rest)), torch.from_numpy(np.sort(held))
    return Split(split.x[rest_t], split.y[rest_t]), Split(split.x[held_t], split.y[held_t])
