"""MCMC diagnostics: autocorrelation, effective sample size, split R-hat, acceptance rate, W2 to a reference.

Conventions: `samples` has shape (n_draws, n_chains) for one scalar quantity or (n_draws, n_chains, d) for d of
them (the `positions` of `saddle.sampling.sample`); results have shape () or (d,) accordingly.
"""

from __future__ import annotations

import math
from typing import Any

import torch
from torch import Tensor

__all__ = ["autocovariance", "effective_sample_size", "split_rhat", "acceptance_rate", "w2_to_reference",
           "gaussian_w2", "monte_carlo_se"]


def _as_3d(samples: Tensor, min_draws: int = 4) -> tuple[Tensor, bool]:
    if not isinstance(samples, Tensor) or samples.ndim not in (2, 3):
        shape = tuple(samples.shape) if isinstance(samples, Tensor) else type(samples).__name__
        raise ValueError(f"samples must have shape (n_draws, n_chains) or (n_draws, n_chains, d), got {shape}")
    if samples.shape[0] < min_draws:
        raise ValueError(f"need at least {min_draws} draws per chain, got {samples.shape[0]}")
    x = samples.detach().to(torch.float64)
    if not torch.isfinite(x).all():
        raise ValueError("samples contain NaN or inf")
    return (x, False) if x.ndim == 3 else (x[..., None], True)


def autocovariance(x: Tensor) -> Tensor:
    """Biased autocovariance γ(t) = (1/n) Σ_{s<n−t} (x_s − x̄)(x_{s+t} − x̄) along dim 0 by FFT; same shape as x."""
    n = x.shape[0]
    xc = x - x.mean(0, keepdim=True)
    size = 1 << (2 * n - 1).bit_length()  # zero-pad to avoid circular wrap-around
    spec = torch.fft.rfft(xc, n=size, dim=0)
    return torch.fft.irfft(spec * spec.conj(), n=size, dim=0)[:n] / n


def effective_sample_size(samples: Tensor) -> Tensor:
    """Multi-chain ESS = m n / τ̂ with Geyer's initial monotone sequence estimator of τ (Geyer 1992).

    ρ̂_t = 1 − (W − mean_chains γ̂_t) / var⁺ (Vehtari, Gelman, Simpson, Carpenter, Bürkner 2021, eq. 10);
    τ̂ = −1 + 2 Σ_{k≤K} P̂_k with P̂_k = ρ̂_{2k} + ρ̂_{2k+1} truncated at the first negative pair and made
    non-increasing. For an AR(1) chain with coefficient φ the ESS tends to n (1 − φ)/(1 + φ).
    Returns shape () for (n_draws, n_chains) input, (d,) for (n_draws, n_chains, d).
    """
    x, scalar = _as_3d(samples)
    n, m, _ = x.shape
    acov = autocovariance(x)  # (n, m, d)
    chain_var = acov[0] * n / (n - 1)
    w = chain_var.mean(0)
    var_plus = w * (n - 1) / n + (x.mean(0).var(0, unbiased=True) if m > 1 else 0.0)
    rho = 1.0 - (w - acov.mean(1)) / var_plus  # (n, d); rho[0] = 1 when m = 1
    k = n // 2
    pairs = rho[: 2 * k].reshape(k, 2, -1).sum(1)  # (k, d)
    positive = torch.cumprod((pairs > 0).to(x.dtype), dim=0)
    monotone = torch.cummin(pairs.clamp_min(0.0), dim=0).values
    tau = -1.0 + 2.0 * (monotone * positive).sum(0)
    tau = torch.clamp(tau, min=1.0 / math.log10(n * m))  # Stan's cap: ESS ≤ m n log10(m n)
    ess = n * m / tau
    return ess[0] if scalar else ess


def monte_carlo_se(samples: Tensor) -> Tensor:
    """Standard error of the sample mean, sd / √ESS; shape () or (d,) like `effective_sample_size`."""
    x, scalar = _as_3d(samples)
    se = x.reshape(-1, x.shape[-1]).std(0) / effective_sample_size(x).sqrt()
    return se[0] if scalar else se


def _split_rhat_plain(x: Tensor) -> Tensor:
    n = x.shape[0] // 2
    halves = torch.cat([x[:n], x[x.shape[0] - n:]], dim=1)  # (n, 2m, d)
    w = halves.var(0, unbiased=True).mean(0)
    b_over_n = halves.mean(0).var(0, unbiased=True)
    var_plus = w * (n - 1) / n + b_over_n
    return torch.sqrt(var_plus / w)


def _rank_normalize(x: Tensor) -> Tensor:
    n, m, d = x.shape
    flat = x.reshape(n * m, d)
    ranks = flat.argsort(0).argsort(0).to(x.dtype) + 1.0
    return torch.special.ndtri((ranks - 0.375) / (n * m + 0.25)).reshape(n, m, d)


def split_rhat(samples: Tensor, rank_normalize: bool = True) -> Tensor:
    """Split R̂ = √(var⁺ / W) over chains split in halves (Gelman et al., BDA3 §11.4).

    With `rank_normalize` (default) it is the rank-normalised version of Vehtari et al. (2021): the maximum of
    the split R̂ of the normal scores of the ranks ("bulk") and of the folded draws |x − median| ("tail").
    Values near 1 indicate mixing; > 1.01 (strict) or > 1.1 (classic) signal chains that disagree.
    Needs n_draws ≥ 4 and at least one chain. Shape () or (d,).
    """
    x, scalar = _as_3d(samples)
    if rank_normalize:
        bulk = _split_rhat_plain(_rank_normalize(x))
        folded = (x - x.reshape(-1, x.shape[-1]).median(0).values).abs()
        r = torch.maximum(bulk, _split_rhat_plain(_rank_normalize(folded)))
    else:
        r = _split_rhat_plain(x)
    return r[0] if scalar else r


def acceptance_rate(info: Any) -> float:
    """Mean Metropolis acceptance probability over steps and chains from a stacked Info (MALA, HMC)."""
    prob = getattr(info, "acceptance_prob", None)
    if prob is None:
        raise ValueError(f"info has no acceptance_prob field (kernel without a Metropolis test?): {type(info).__name__}")
    return float(prob.to(torch.float64).mean())


def w2_to_reference(samples: Tensor, reference: Tensor, max_points: int | None = 2000,
                    generator: torch.Generator | None = None) -> float:
    """Exact W2 between the empirical measures of samples (n, d) and reference (m, d) (POT, `saddle.metrics`).

    Each set is subsampled without replacement to at most `max_points` (default 2000; None keeps all),
    since the exact transport LP costs O(n³). Note the empirical W2 of two samples of one law is > 0.
    """
    from saddle.metrics.transport import wasserstein  # POT is slow to import; only this function needs it

    if max_points is not None and max_points < 1:
        raise ValueError(f"max_points must be >= 1 or None, got {max_points}")

    def sub(z: Tensor) -> Tensor:
        z = z.reshape(len(z), -1)
        if max_points is None or len(z) <= max_points:
            return z
        return z[torch.randperm(len(z), generator=generator)[:max_points].to(z.device)]

    return wasserstein(sub(samples), sub(reference), p=2)


def _sqrtm_psd(a: Tensor) -> Tensor:
    evals, evecs = torch.linalg.eigh(0.5 * (a + a.T))
    return (evecs * evals.clamp_min(0).sqrt()) @ evecs.T


def gaussian_w2(mean1: Tensor, cov1: Tensor, mean2: Tensor, cov2: Tensor) -> float:
    """W2 between N(m1, C1) and N(m2, C2): ‖m1 − m2‖² + tr(C1 + C2 − 2 (C2^{1/2} C1 C2^{1/2})^{1/2}), square-rooted.

    (Dowson & Landau 1982; Givens & Shortt 1984.) Shapes (d,), (d, d).
    """
    m1, m2 = mean1.to(torch.float64), mean2.to(torch.float64)
    c1, c2 = cov1.to(torch.float64), cov2.to(torch.float64)
    r2 = _sqrtm_psd(c2)
    cross = _sqrtm_psd(r2 @ c1 @ r2)
    val = ((m1 - m2) ** 2).sum() + torch.trace(c1 + c2 - 2 * cross)
    return float(val.clamp_min(0).sqrt())
