"""Isotropic Gaussian mixtures with exact scores of their noised versions: the ground truth for tests,
the Tweedie illustration (an empirical data set is the mixture with std 0) and the score-matching study.

If x_0 ~ Σ_k w_k N(m_k, τ² I) and x_t = α x_0 + σ z, then x_t ~ Σ_k w_k N(α m_k, (α²τ² + σ²) I), whose
score is (α Σ_k r_k(x) m_k − x)/(α²τ² + σ²) with responsibilities r_k ∝ w_k N(x; α m_k, (α²τ² + σ²) I).
"""

from __future__ import annotations

import math

import torch
from torch import Tensor

from saddle.diffusion.process import NoiseProcess, bcast


class GaussianMixture:
    """Σ_k w_k N(m_k, τ² I) in R^d; means (K, d), shared std τ ≥ 0 (τ = 0: an empirical measure), weights (K,)."""

    def __init__(self, means: Tensor, std: float, weights: Tensor | None = None) -> None:
        if means.dim() != 2:
            raise ValueError(f"means must have shape (K, d), got {tuple(means.shape)}")
        if not (std >= 0 and math.isfinite(std)):
            raise ValueError(f"std must be finite and >= 0, got {std}")
        k = means.shape[0]
        w = torch.full((k,), 1.0 / k, dtype=means.dtype) if weights is None else weights.to(means.dtype)
        if w.shape != (k,) or bool((w < 0).any()) or abs(float(w.sum()) - 1) > 1e-6:
            raise ValueError("weights must be a nonnegative vector of length K summing to 1")
        self.means, self.std, self.weights = means, float(std), w.to(means.device)

    @property
    def dim(self) -> int:
        return self.means.shape[1]

    def sample(self, n: int, generator: torch.Generator | None = None) -> Tensor:
        """n draws, shape (n, d)."""
        idx = torch.multinomial(self.weights.cpu(), n, replacement=True, generator=generator)
        z = torch.randn(n, self.dim, generator=generator, dtype=self.means.dtype)
        return self.means.cpu()[idx].to(self.means.device) + self.std * z.to(self.means.device)

    def _logits(self, x: Tensor, alpha: Tensor, sigma: Tensor) -> tuple[Tensor, Tensor]:
        var = alpha**2 * self.std**2 + sigma**2  # (n,)
        m = self.means.to(x.dtype)
        # ‖x − α m_k‖² = ‖x‖² − 2α x·m_k + α²‖m_k‖², per sample α
        sq = (x * x).sum(1, keepdim=True) - 2 * alpha[:, None] * (x @ m.T) + alpha[:, None] ** 2 * (m * m).sum(1)[None]
        logits = self.weights.log().to(x.dtype)[None] - 0.5 * sq.clamp_min(0) / var[:, None]
        return logits, var

    def _coefs(self, x: Tensor, alpha: Tensor | float, sigma: Tensor | float) -> tuple[Tensor, Tensor]:
        n = x.shape[0]
        alpha = torch.as_tensor(alpha, dtype=x.dtype, device=x.device).expand(n)
        sigma = torch.as_tensor(sigma, dtype=x.dtype, device=x.device).expand(n)
        if bool((alpha**2 * self.std**2 + sigma**2 <= 0).any()):
            raise ValueError("the noised mixture has zero variance: need std > 0 or sigma > 0")
        return alpha, sigma

    def responsibilities(self, x: Tensor, alpha: Tensor | float = 1.0, sigma: Tensor | float = 0.0) -> Tensor:
        """r_k(x) = P(component k | x_t = x) for the noised mixture; shape (n, K)."""
        alpha, sigma = self._coefs(x, alpha, sigma)
        logits, _ = self._logits(x, alpha, sigma)
        return torch.softmax(logits, dim=1)

    def log_prob(self, x: Tensor, alpha: Tensor | float = 1.0, sigma: Tensor | float = 0.0) -> Tensor:
        """log density of the noised mixture at x (n, d); shape (n,)."""
        alpha, sigma = self._coefs(x, alpha, sigma)
        logits, var = self._logits(x, alpha, sigma)
        return torch.logsumexp(logits, dim=1) - 0.5 * self.dim * torch.log(2 * math.pi * var)

    def score(self, x: Tensor, alpha: Tensor | float = 1.0, sigma: Tensor | float = 0.0) -> Tensor:
        """∇log of the noised mixture at x (n, d) for x_t = αx_0 + σz (α, σ scalars or (n,)); shape (n, d)."""
        alpha, sigma = self._coefs(x, alpha, sigma)
        logits, var = self._logits(x, alpha, sigma)
        r = torch.softmax(logits, dim=1)
        return (alpha[:, None] * (r @ self.means.to(x.dtype)) - x) / var[:, None]

    def eps_fn(self, process: NoiseProcess):
        """The exact ε-model ε(x, t) = −σ_t ∇log p_t(x) of this mixture under `process` (x of shape (n, d))."""

        def eps(x: Tensor, t: Tensor) -> Tensor:
            a, s = process.marginal(t.to(torch.float64))
            a, s = a.to(x.dtype).expand(x.shape[0]), s.to(x.dtype).expand(x.shape[0])
            return -bcast(s, x) * self.score(x, a, s)

        return eps
