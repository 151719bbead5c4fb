"""scikit-learn's 8×8 handwritten digits (1,797 images shipped with the package, no download)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
from torch import Tensor

DIGITS_SHAPE = (1, 8, 8)


@dataclass(frozen=True)
class Split:
    """Images in [0, 1] of shape (N, 1, 8, 8) (float32) and integer labels 0..9 of shape (N,)."""

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
