"""MCMC diagnostics: autocorrelation, effective sample size, split R-hat, acceptance rate, W2 to a reference.

Conventions: `samples` has shape (n_draws, n_chains) for one scalar quantity or (n_draws, n_chains, d) for d of
them (the `positions` of `saddle.sampling.sample`); results have shape () or (d,) accordingly.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import torch
from torch import Tensor

from saddle.validation import as_real_tensor, check_int, check_tensor

__all__ = [
    "ESS_METHODS",
    "acceptance_rate",
    "autocovariance",
    "effective_sample_size",
    "gaussian_w2",
    "monte_carlo_se",
    "split_rhat",
    "w2_to_reference",
]


def _as_3d(samples: Tensor, min_draws: int = 4) -> tuple[Tensor, bool]:
    x = as_real_tensor("samples", samples, nonempty=False)
    if x.ndim not in (2, 3) or 0 in x.shape[1:]:
        raise ValueError(
            f"samples must have shape (n_draws, n_chains) or (n_draws, n_chains, d) with n_chains, d >= 1, "
            f"got {tuple(x.shape)}"
        )
    if x.shape[0] < min_draws:
        raise ValueError(f"samples need at least {min_draws} draws per chain, got shape {tuple(x.shape)}")
    x = x.detach().to(torch.float64)
    return (x, False) if x.ndim == 3 else (x[..., None], True)


def autocovariance(x: Tensor) -> Tensor:
    """Biased autocovariance γ(t) = (1/n) Σ_{s<n−t} (x_s − x̄)(x_{s+t} − x̄) along dim 0 by FFT; same shape as x
    (n ≥ 1 draws along dim 0, real and finite)."""
    x = check_tensor("x", x, ("n", ...))
    n = x.shape[0]
    xc = x - x.mean(0, keepdim=True)
    size = 1 << (2 * n - 1).bit_length()  # zero-pad to avoid circular wrap-around
    spec = torch.fft.rfft(xc, n=size, dim=0)
    return torch.fft.irfft(spec * spec.conj(), n=size, dim=0)[:n] / n


_CONSTANT = float(np.finfo(np.float64).resolution)  # 1e-15: a quantity whose draws span less is constant (ArviZ)
ESS_METHODS = ("bulk", "tail", "mean")


def _split_chains(x: Tensor) -> Tensor:
    """(n, m, d) → (n//2, 2m, d): first and last halves of every chain as separate chains (the middle draw of
    an odd n is dropped), as Stan and ArviZ do before computing ESS and R̂."""
    half = x.shape[0] // 2
    return torch.cat([x[:half], x[x.shape[0] - half :]], dim=1)


def _geyer_ess(x: Tensor) -> Tensor:
    """ESS = m n / τ̂ of chains x (n, m, d) with Geyer's initial monotone sequence, exactly as Stan / ArviZ `_ess`.

    ρ̂_0 = 1 and ρ̂_t = 1 − (W − mean_chains γ̂_t)/var⁺ for t ≥ 1 (Vehtari et al. 2021, eq. 10). With the pairs
    P̂_k = ρ̂_{2k} + ρ̂_{2k+1}, K is the first k ≥ 1 with P̂_k < 0 (or the last pair that fits in n − 3 lags);
    τ̂ = −1 + 2 Σ_{k<K} min_{j≤k} P̂_j + ρ̂_{2K}⁺ (Stan's final even term: ρ̂_{2K} when positive, else
    ρ̂_{2K}·[P̂_K ≥ 0]), capped below at 1/log10(m n). Draws spanning < 1e-15 are constant: ESS = m n.
    """
    n, m, _ = x.shape
    acov = autocovariance(x)  # (n, m, d)
    w = acov[0].mean(0) * n / (n - 1)  # mean within-chain variance (unbiased)
    var_plus = w * (n - 1) / n + (x.mean(0).var(0, unbiased=True) if m > 1 else 0.0)
    rho = 1.0 - (w - acov.mean(1)) / var_plus  # (n, d)
    rho[0] = 1.0
    n_pairs = max(
        0, (n - 3) // 2
    )  # pairs k = 1..n_pairs satisfy Stan's bound 2k − 1 < n − 3 (n ≥ 4); plus the pair k = 0
    pairs = rho[: 2 * n_pairs + 2].reshape(n_pairs + 1, 2, -1).sum(1)  # (n_pairs + 1, d): P̂_0 .. P̂_{n_pairs}
    # K = number of pairs k ≥ 1 visited: the loop continues past k while P̂_{k−1} > 0
    visited = torch.cumprod((pairs[:-1] > 0).to(x.dtype), dim=0)  # (n_pairs, d): pair k = i + 1 visited
    big_k = visited.sum(0).long()  # (d,)
    monotone = torch.cummin(pairs, dim=0).values  # P̂_k made non-increasing (Geyer's monotone sequence)
    ks = torch.arange(n_pairs + 1, device=x.device)[:, None]
    head = (monotone * (ks < big_k)).sum(0)  # Σ_{k<K}
    rho_2k = rho.gather(0, 2 * big_k[None])[0]
    pair_k = pairs.gather(0, big_k[None])[0]
    last = torch.where(rho_2k > 0, rho_2k, torch.where(pair_k >= 0, rho_2k, torch.zeros_like(rho_2k)))
    tau = torch.clamp(-1.0 + 2.0 * head + last, min=1.0 / math.log10(n * m))
    ess = n * m / tau
    constant = (x.amax(dim=(0, 1)) - x.amin(dim=(0, 1))) < _CONSTANT
    return torch.where(constant, torch.full_like(ess, float(n * m)), ess)


def _z_scale(x: Tensor) -> Tensor:
    """Normal scores of the pooled ranks: Φ⁻¹((r − 3/8)/(S + 1/4)) with average ranks for ties (Blom 1958;
    Vehtari et al. 2021, eq. 14), per coordinate over all S = n m draws of x (n, m, d)."""
    from scipy.stats import rankdata

    n, m, d = x.shape
    ranks = torch.as_tensor(rankdata(x.reshape(n * m, d).cpu().numpy(), method="average", axis=0), dtype=x.dtype)
    return torch.special.ndtri((ranks - 0.375) / (n * m + 0.25)).reshape(n, m, d).to(x.device)


def _tail_ess(x: Tensor) -> Tensor:
    """min over q ∈ {0.05, 0.95} of the ESS of the split indicator chains 1{x ≤ Q̂_q} (Vehtari et al. 2021, §4.3;
    Q̂ the type-7 quantile of all draws)."""
    flat = x.reshape(-1, x.shape[-1])
    out = []
    for q in (0.05, 0.95):
        quantile = torch.quantile(flat, q, dim=0)  # linear interpolation = R's type 7, as ArviZ
        out.append(_geyer_ess(_split_chains((x <= quantile).to(x.dtype))))
    return torch.minimum(*out)


def effective_sample_size(samples: Tensor, method: str = "bulk") -> Tensor:
    """Multi-chain effective sample size of Vehtari, Gelman, Simpson, Carpenter & Bürkner (2021), as Stan and ArviZ.

    method "bulk" (default, ArviZ's default): ESS of the rank-normalised split chains (normal scores of the
    pooled ranks; eq. 14); "tail": min of the ESS of the indicators 1{x ≤ Q̂_0.05} and 1{x ≤ Q̂_0.95} on the
    split chains; "mean": ESS of the split chains themselves (the ESS for the MCSE of the mean).
    Every variant uses ρ̂_0 = 1, Geyer's initial monotone sequence and Stan's final ρ̂_{2K} term (`_geyer_ess`).
    For an AR(1) chain with coefficient φ the mean ESS tends to n (1 − φ)/(1 + φ). A constant quantity (draws
    spanning < 1e-15) gets ESS = number of split draws (ArviZ's convention: its mean is known exactly),
    never NaN. samples: (n_draws ≥ 4, n_chains) → shape (), or (n_draws, n_chains, d) → shape (d,).
    """
    if method not in ESS_METHODS:
        raise ValueError(f"method must be one of {ESS_METHODS}, got {method!r}")
    x, scalar = _as_3d(samples)
    if method == "tail":
        ess = _tail_ess(x)
    else:
        split = _split_chains(x)
        ess = _geyer_ess(_z_scale(split) if method == "bulk" else split)
    return ess[0] if scalar else ess


def monte_carlo_se(samples: Tensor) -> Tensor:
    """Standard error of the sample mean, sd / √ESS_mean; shape () or (d,) like `effective_sample_size`."""
    x, scalar = _as_3d(samples)
    se = x.reshape(-1, x.shape[-1]).std(0) / effective_sample_size(x, method="mean").sqrt()
    return se[0] if scalar else se


def _split_rhat_plain(halves: Tensor) -> Tensor:
    """√(var⁺/W) of chains (n, m, d); 1 where every draw is equal (W = B = 0), +inf where only W = 0."""
    n = halves.shape[0]
    w = halves.var(0, unbiased=True).mean(0)
    b_over_n = halves.mean(0).var(0, unbiased=True)
    var_plus = w * (n - 1) / n + b_over_n
    ratio = torch.where(var_plus == 0, torch.ones_like(w), var_plus / w)
    return torch.sqrt(ratio)


def split_rhat(samples: Tensor, rank_normalize: bool = True) -> Tensor:
    """Split R̂ = √(var⁺ / W) over chains split in halves (Gelman et al., BDA3 §11.4), as ArviZ `rhat`.

    With `rank_normalize` (default; ArviZ method "rank") it is the rank-normalised version of Vehtari et al.
    (2021): the maximum of the split R̂ of the normal scores of the ranks ("bulk") and of the folded split draws
    |x − median| ("tail"). Values near 1 indicate mixing; > 1.01 (strict) or > 1.1 (classic) signal chains that
    disagree. Needs n_draws ≥ 4; one chain is allowed (its two halves are compared; ArviZ asks for two).
    Constant draws give R̂ = 1 (no disagreement; ArviZ returns NaN), chains constant at different values +inf.
    Shape () or (d,).
    """
    x, scalar = _as_3d(samples)
    halves = _split_chains(x)
    if rank_normalize:
        bulk = _split_rhat_plain(_z_scale(halves))
        folded = (halves - torch.quantile(halves.reshape(-1, x.shape[-1]), 0.5, dim=0)).abs()  # mean of the middle two
        r = torch.maximum(bulk, _split_rhat_plain(_z_scale(folded)))
    else:
        r = _split_rhat_plain(halves)
    return r[0] if scalar else r


def acceptance_rate(info: Any) -> float:
    """Mean Metropolis acceptance probability over steps and chains from a stacked Info (MALA, HMC)."""
    prob = getattr(info, "acceptance_prob", None)
    if prob is None:
        raise ValueError(
            f"info has no acceptance_prob field (kernel without a Metropolis test?): {type(info).__name__}"
        )
    return float(prob.to(torch.float64).mean())


def w2_to_reference(
    samples: Tensor, reference: Tensor, max_points: int | None = 2000, generator: torch.Generator | None = None
) -> float:
    """Exact W2 between the empirical measures of samples (n, d) and reference (m, d) (POT, `saddle.metrics`).

    Each set is subsampled without replacement to at most `max_points` (default 2000; None keeps all),
    since the exact transport LP costs O(n³). Note the empirical W2 of two samples of one law is > 0.
    """
    from saddle.metrics.transport import wasserstein  # POT is slow to import; only this function needs it

    if max_points is not None:
        check_int("max_points", max_points)
    sizes: dict[str, int] = {}
    check_tensor("samples", samples, ("n", "d"), sizes=sizes)
    check_tensor("reference (the dimension d of samples)", reference, ("m", "d"), sizes=sizes)

    def sub(z: Tensor) -> Tensor:
        if max_points is None or len(z) <= max_points:
            return z
        return z[torch.randperm(len(z), generator=generator)[:max_points].to(z.device)]

    return wasserstein(sub(samples), sub(reference), p=2)


def _covariance(name: str, cov: Tensor, sizes: dict[str, int]) -> Tensor:
    """A covariance (d, d): finite, symmetric and positive semidefinite up to rounding, as float64."""
    c = as_real_tensor(name, cov, ("d", "d"), sizes=sizes).to(torch.float64)
    scale = float(c.abs().max())
    tol = 1e-8 * max(scale, 1e-300)
    if float((c - c.T).abs().max()) > tol:
        raise ValueError(f"{name} must be symmetric, got max|C − Cᵀ| = {float((c - c.T).abs().max()):.3g}")
    low = float(torch.linalg.eigvalsh(0.5 * (c + c.T))[0])
    if low < -tol * c.shape[0]:
        raise ValueError(f"{name} must be positive semidefinite, got smallest eigenvalue {low:.4g}")
    return c


def _sqrtm_psd(a: Tensor) -> Tensor:
    evals, evecs = torch.linalg.eigh(0.5 * (a + a.T))
    return (evecs * evals.clamp_min(0).sqrt()) @ evecs.T


def gaussian_w2(mean1: Tensor, cov1: Tensor, mean2: Tensor, cov2: Tensor) -> float:
    """W2 between N(m1, C1) and N(m2, C2): ‖m1 − m2‖² + tr(C1 + C2 − 2 (C2^{1/2} C1 C2^{1/2})^{1/2}), square-rooted.

    (Dowson & Landau 1982; Givens & Shortt 1984.) Shapes (d,), (d, d); each covariance symmetric positive
    semidefinite (ValueError otherwise: a negative-definite one would give a meaningless distance).
    """
    sizes: dict[str, int] = {}
    m1 = as_real_tensor("mean1", mean1, ("d",), sizes=sizes).to(torch.float64)
    m2 = as_real_tensor("mean2 (the length d of mean1)", mean2, ("d",), sizes=sizes).to(torch.float64)
    c1, c2 = (_covariance(f"{n} (d × d, d the length of mean1)", c, sizes) for n, c in (("cov1", cov1), ("cov2", cov2)))
    r2 = _sqrtm_psd(c2)
    cross = _sqrtm_psd(r2 @ c1 @ r2)
    val = ((m1 - m2) ** 2).sum() + torch.trace(c1 + c2 - 2 * cross)
    return float(val.clamp_min(0).sqrt())
