"""The VE, VP and sub-VP SDEs of Song, Sohl-Dickstein, Kingma, Kumar, Ermon & Poole (ICLR 2021).

Marginals are exact closed forms, computed in float64:
- VE:     dx = sqrt(d[σ²(t)]/dt) dw, σ(t) = σ_min (σ_max/σ_min)^t; α_t = 1, σ_t² = σ(t)² − σ_min².
  (score_sde's code uses σ_t = σ(t), treating the data as already carrying σ_min noise; we keep
  the exact std of the SDE so that marginals match its simulation: Song et al. 2021, Appendix B, give the VE
  perturbation kernel N(x(t); x(0), [σ²(t) − σ²(0)] I), which decides it.)
- VP:     dx = −½β(t) x dt + sqrt(β(t)) dw, β(t) = β_min + t(β_max − β_min);
          α_t = exp(−½B(t)), σ_t² = 1 − exp(−B(t)), B(t) = ∫₀ᵗ β.
- sub-VP: same drift, g(t)² = β(t)(1 − exp(−2B(t))); α_t = exp(−½B(t)), σ_t = 1 − exp(−B(t)).
"""

from __future__ import annotations

import math

import torch
from torch import Tensor

from saddle.diffusion.process import SDE
from saddle.validation import check_real


def _check_range(name_lo: str, lo: float, name_hi: str, hi: float) -> None:
    """0 < lo < hi, both finite (σ_min < σ_max, β_min < β_max)."""
    lo = check_real(name_lo, lo, high_open=True)
    check_real(f"{name_hi} (given {name_lo}={lo:g})", hi, lo, high_open=True)


def _check_t_min(t_min: float) -> None:
    check_real("t_min", t_min, 0.0, 1.0, low_open=False, high_open=True)


class VESDE(SDE):
    """Variance-exploding SDE; defaults σ_min = 0.01, σ_max = 50, sampling down to t_min = 1e-5."""

    def __init__(self, sigma_min: float = 0.01, sigma_max: float = 50.0, t_min: float = 1e-5) -> None:
        _check_range("sigma_min", sigma_min, "sigma_max", sigma_max)
        _check_t_min(t_min)
        self.sigma_min, self.sigma_max, self.t_min = sigma_min, sigma_max, t_min
        self._log_ratio = math.log(sigma_max / sigma_min)

    def _sigma(self, t: Tensor) -> Tensor:
        return self.sigma_min * torch.exp(t * self._log_ratio)

    def marginal(self, t: Tensor) -> tuple[Tensor, Tensor]:
        t = torch.as_tensor(t, dtype=torch.float64)
        var = self.sigma_min**2 * torch.expm1(2 * t * self._log_ratio)
        return torch.ones_like(t), var.clamp_min(0).sqrt()

    def drift_coef(self, t: Tensor) -> Tensor:
        return torch.zeros_like(t)

    def diffusion(self, t: Tensor) -> Tensor:
        return self._sigma(t) * math.sqrt(2 * self._log_ratio)


class VPSDE(SDE):
    """Variance-preserving SDE (continuous DDPM); defaults β_min = 0.1, β_max = 20, t_min = 1e-3."""

    def __init__(self, beta_min: float = 0.1, beta_max: float = 20.0, t_min: float = 1e-3) -> None:
        _check_range("beta_min", beta_min, "beta_max", beta_max)
        _check_t_min(t_min)
        self.beta_min, self.beta_max, self.t_min = beta_min, beta_max, t_min

    def beta(self, t: Tensor) -> Tensor:
        """β(t) = β_min + t(β_max − β_min)."""
        return self.beta_min + t * (self.beta_max - self.beta_min)

    def integrated_beta(self, t: Tensor) -> Tensor:
        """B(t) = ∫₀ᵗ β(s) ds = β_min t + ½(β_max − β_min)t²."""
        return self.beta_min * t + 0.5 * (self.beta_max - self.beta_min) * t**2

    def marginal(self, t: Tensor) -> tuple[Tensor, Tensor]:
        t = torch.as_tensor(t, dtype=torch.float64)
        b = self.integrated_beta(t)
        return torch.exp(-0.5 * b), (-torch.expm1(-b)).clamp_min(0).sqrt()

    def drift_coef(self, t: Tensor) -> Tensor:
        return -0.5 * self.beta(t)

    def diffusion(self, t: Tensor) -> Tensor:
        return self.beta(t).sqrt()


class SubVPSDE(VPSDE):
    """sub-VP SDE: VP drift, smaller diffusion; σ_t = 1 − exp(−B(t)) ≤ the VP std."""

    def marginal(self, t: Tensor) -> tuple[Tensor, Tensor]:
        t = torch.as_tensor(t, dtype=torch.float64)
        b = self.integrated_beta(t)
        return torch.exp(-0.5 * b), -torch.expm1(-b)

    def diffusion(self, t: Tensor) -> Tensor:
        return (self.beta(t) * -torch.expm1(-2 * self.integrated_beta(t))).sqrt()
