"""Exact Wasserstein distances between two empirical distributions (POT's network simplex)."""

from __future__ import annotations

import numpy as np
import ot
import torch
from torch import Tensor

from saddle.validation import check_choice, check_finite


def wasserstein(
    a: Tensor, b: Tensor, p: int = 2, weights_a: Tensor | None = None, weights_b: Tensor | None = None
) -> float:
    """W_p between the empirical measures of samples a (n, d) and b (m, d): (min_π Σ π_ij ‖a_i − b_j‖^p)^{1/p}.

    Exact linear program (POT `ot.emd2`), uniform weights unless given. O(n² m) time: fine for a few thousand points.
    """
    check_choice("p", p, (1, 2))
    check_finite("samples a", a)
    check_finite("samples b", b)
    a2 = a.detach().reshape(len(a), -1).to(torch.float64).cpu().numpy()
    b2 = b.detach().reshape(len(b), -1).to(torch.float64).cpu().numpy()
    if a2.shape[1] != b2.shape[1]:
        raise ValueError(f"samples live in different dimensions: {a2.shape[1]} vs {b2.shape[1]}")
    wa = np.full(len(a2), 1.0 / len(a2)) if weights_a is None else weights_a.double().cpu().numpy()
    wb = np.full(len(b2), 1.0 / len(b2)) if weights_b is None else weights_b.double().cpu().numpy()
    cost = ot.dist(a2, b2, metric="euclidean")
    if p == 2:
        cost = cost**2
    value = float(ot.emd2(wa, wb, cost, numItermax=10_000_000))
    return max(value, 0.0) ** (1.0 / p)
