"""Exact Wasserstein distances between two empirical distributions (POT's network simplex)."""

from __future__ import annotations

import numpy as np
import ot
import torch
from torch import Tensor

from saddle.validation import check_choice, check_probability_vectors, check_tensor


def _weights(name: str, w: Tensor, n: int) -> np.ndarray:
    """A probability vector of length n (sum 1 within the rounding of its dtype), renormalised in float64 for POT
    (which asserts deep inside on sums that differ, and returns 0 for negative weights)."""
    t = check_probability_vectors(name, check_tensor(name, w, (n,))).detach().to(torch.float64).cpu()
    return (t / t.sum()).numpy()


def wasserstein(
    a: Tensor, b: Tensor, p: int = 2, weights_a: Tensor | None = None, weights_b: Tensor | None = None
) -> float:
    """W_p between the empirical measures of samples a (n, d) and b (m, d): (min_π Σ π_ij ‖a_i − b_j‖^p)^{1/p}.

    Exact linear program (POT `ot.emd2`), uniform weights unless given: probability vectors (n,) and (m,) (entries
    ≥ 0 summing to 1; ValueError otherwise). O(n² m) time: fine for a few thousand points.
    """
    check_choice("p", p, (1, 2))
    check_tensor("samples a", a, ("n", ...))
    check_tensor("samples b", b, ("m", ...))
    a2 = a.detach().reshape(len(a), -1).to(torch.float64).cpu().numpy()
    b2 = b.detach().reshape(len(b), -1).to(torch.float64).cpu().numpy()
    if a2.shape[1] != b2.shape[1]:
        raise ValueError(f"samples a and b live in different dimensions: shapes {tuple(a.shape)} and {tuple(b.shape)}")
    wa, wb = (
        np.full(len(x), 1.0 / len(x)) if w is None else _weights(name, w, len(x))
        for name, w, x in (("weights_a", weights_a, a2), ("weights_b", weights_b, b2))
    )
    cost = ot.dist(a2, b2, metric="euclidean")
    if p == 2:
        cost = cost**2
    value = float(ot.emd2(wa, wb, cost, numItermax=10_000_000))
    return max(value, 0.0) ** (1.0 / p)
