"""Exact Wasserstein distances between two empirical distributions (POT's network simplex; sorting in 1-D), and the
quantisation lower bound on how close n points can come to the uniform measure."""

from __future__ import annotations

import math

import numpy as np
import ot
import torch
from torch import Tensor

from saddle.validation import check_choice, check_int, check_probability_vectors, check_tensor


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
    In one dimension with n = m and uniform weights the optimal plan matches the sorted samples, so
    W_p^p = (1/n) Σ_i |a_(i) − b_(i)|^p exactly (O(n log n); Villani 2003, Thm. 2.18).
    """
    check_choice("p", p, (1, 2))
    check_tensor("samples a", a, ("n", ...))
    check_tensor("samples b", b, ("m", ...))
    a2 = a.detach().reshape(len(a), -1).to(torch.float64).cpu().numpy()
    b2 = b.detach().reshape(len(b), -1).to(torch.float64).cpu().numpy()
    if a2.shape[1] != b2.shape[1]:
        raise ValueError(f"samples a and b live in different dimensions: shapes {tuple(a.shape)} and {tuple(b.shape)}")
    if a2.shape[1] == 1 and len(a2) == len(b2) and weights_a is None and weights_b is None:
        gaps = np.abs(np.sort(a2[:, 0]) - np.sort(b2[:, 0]))
        return float(np.mean(gaps**p)) ** (1.0 / p)
    wa, wb = (
        np.full(len(x), 1.0 / len(x)) if w is None else _weights(name, w, len(x))
        for name, w, x in (("weights_a", weights_a, a2), ("weights_b", weights_b, b2))
    )
    cost = ot.dist(a2, b2, metric="euclidean")
    if p == 2:
        cost = cost**2
    value = float(ot.emd2(wa, wb, cost, numItermax=10_000_000))
    return max(value, 0.0) ** (1.0 / p)


def uniform_quantization_bound(n: int, d: int) -> float:
    """Lower bound on W1(μ, ν) for μ uniform on [0, 1]^d and any ν on n points: (d/(d + 1)) (ω_d n)^{−1/d}.

    Every unit of mass travels at least to the nearest support point, and the n balls of radius r around them
    carry μ-mass ≤ n ω_d r^d (ω_d = π^{d/2}/Γ(d/2 + 1), the unit ball's volume), so
    W1 ≥ ∫₀^∞ P(dist > r) dr ≥ ∫₀^{r₀} (1 − n ω_d r^d) dr = r₀ d/(d + 1) with r₀ = (n ω_d)^{−1/d}: the
    n^{−1/d} "slow convergence of empirical measures" of seed 001 (Dudley 1969; Fournier & Guillin 2015), for
    the empirical measure μ̂_n in particular, and (by convexity of W1) for E W1(μ̂_n, μ̂'_n) of two samples.
    """
    check_int("n", n)
    check_int("d", d)
    omega = math.pi ** (d / 2) / math.gamma(d / 2 + 1)
    return d / (d + 1) * (omega * n) ** (-1.0 / d)
