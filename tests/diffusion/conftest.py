"""Gaussian data N(m, s² I): every marginal is Gaussian and the exact ε-model is affine, so samplers can be
checked against closed forms with no training."""

import math

import pytest
import torch


class GaussianData:
    """x_0 ~ N(m, s² I) in R^d; x_t ~ N(α_t m, (α_t² s² + σ_t²) I), ε(x, t) = σ_t (x − α_t m)/(α_t² s² + σ_t²)."""

    def __init__(self, mean, std):
        self.m, self.s = torch.as_tensor(mean, dtype=torch.float64), float(std)

    def moments(self, process, t):
        a, sig = process.marginal(torch.tensor(float(t), dtype=torch.float64))
        return a * self.m, float(a**2 * self.s**2 + sig**2)

    def eps_model(self, process):
        def eps(x, t):
            a, sig = process.marginal(t.to(torch.float64))
            a, sig = a.to(x.dtype)[:, None], sig.to(x.dtype)[:, None]
            return sig * (x - a * self.m.to(x.dtype)) / (a**2 * self.s**2 + sig**2)

        return eps

    def draw(self, process, t, n, seed, dtype=torch.float64):
        mean, var = self.moments(process, t)
        z = torch.randn(n, len(self.m), generator=torch.Generator().manual_seed(seed), dtype=torch.float64)
        return (mean + math.sqrt(var) * z).to(dtype)

    def assert_moments(self, out, process, t, inflation=1.0, n_se=5.0):
        """Mean and variance per coordinate within n_se Monte-Carlo standard errors of the exact marginal."""
        mean, var = self.moments(process, t)
        var, n = var * inflation, len(out)
        assert bool(((out.mean(0) - mean).abs() < n_se * math.sqrt(var / n)).all()), (out.mean(0), mean)
        assert bool(((out.var(0) - var).abs() < n_se * var * math.sqrt(2 / (n - 1))).all()), (out.var(0), var)


@pytest.fixture
def gaussian():
    return GaussianData([1.0, -0.5], 0.5)
