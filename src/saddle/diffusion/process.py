"""Gaussian noising processes x_t = α_t x_0 + σ_t z: the part shared by the SDEs and DDPM.

Every forward process of this package (VE, VP, sub-VP SDEs of Song et al. ICLR 2021 and the
discrete DDPM chain of Ho et al. 2020) has Gaussian marginals p(x_t | x_0) = N(α_t x_0, σ_t² I) and is
Markov with Gaussian transitions x_t | x_s ~ N(α_{t|s} x_s, σ²_{t|s} I), α_{t|s} = α_t/α_s,
σ²_{t|s} = σ_t² − α²_{t|s} σ_s². The schedule (this class) is kept apart from the model (an
ε-prediction network) and from the sampler loops (`saddle.diffusion.samplers`), as in diffusers.
"""

from __future__ import annotations

import math
from abc import ABC, abstractmethod

import torch
from torch import Tensor

from saddle.broadcast import per_point_broadcast as bcast
from saddle.validation import check_generator, check_tensor


class NoiseProcess(ABC):
    """A forward noising process on [0, T] with marginals N(α_t x_0, σ_t² I) and prior N(0, σ_T² I)."""

    T: float = 1.0
    t_min: float = 0.0
    discrete: bool = False  # True: times are the integers 0..T (DDPM)

    @abstractmethod
    def marginal(self, t: Tensor) -> tuple[Tensor, Tensor]:
        """(α_t, σ_t), each of t's shape: the mean coefficient and the std of p(x_t | x_0)."""

    def _t(self, t: Tensor | float, like: Tensor | None = None) -> Tensor:
        device = like.device if like is not None else None
        if isinstance(t, Tensor):
            check_tensor("t", t, dtype="any", finite=False, nonempty=False)
            if t.is_complex() or t.dtype == torch.bool:
                raise ValueError(f"t must be a real tensor of times, got dtype {t.dtype}")
        t = torch.as_tensor(t, dtype=torch.float64, device=device)
        if t.numel() and not bool(torch.all((t >= 0) & (t <= self.T))):
            raise ValueError(f"t (times) must lie in [0, {self.T}], got min {t.min().item()}, max {t.max().item()}")
        return t

    def perturb(self, x0: Tensor, t: Tensor, noise: Tensor) -> Tensor:
        """x_t = α_t x_0 + σ_t z for per-sample times t (n,) (or one time) and noise z of x0's shape (n, ...)."""
        check_tensor("x0", x0, ("n", ...), finite=False, nonempty=False)
        if check_tensor("noise", noise, finite=False, nonempty=False).shape != x0.shape:
            raise ValueError(f"noise must have the shape of x0 {tuple(x0.shape)}, got {tuple(noise.shape)}")
        if isinstance(t, Tensor) and t.ndim > 0 and t.shape != x0.shape[:1]:
            raise ValueError(f"t must be one time or one per sample, shape ({x0.shape[0]},), got {tuple(t.shape)}")
        alpha, sigma = self.marginal(self._t(t, x0))
        return bcast(alpha, x0).to(x0.dtype) * x0 + bcast(sigma, x0).to(x0.dtype) * noise

    def prior_std(self) -> float:
        """σ_T: the prior is N(0, σ_T² I) (the marginal at T of data with mean ≈ 0 and α_T ≈ 0)."""
        return float(self.marginal(torch.tensor(float(self.T), dtype=torch.float64))[1])

    def prior_sample(
        self,
        shape: tuple[int, ...],
        generator: torch.Generator | None = None,
        device: torch.device | str | None = None,
        dtype: torch.dtype = torch.float32,
    ) -> Tensor:
        """Draw x_T ~ N(0, σ_T² I) of the given shape (n, *event_shape)."""
        if not isinstance(shape, (tuple, list, torch.Size)) or not all(
            isinstance(s, int) and not isinstance(s, bool) and s >= 0 for s in shape
        ):
            raise ValueError(f"shape must be a tuple of ints >= 0 (n, *event_shape), got {shape!r}")
        z = torch.randn(tuple(shape), generator=check_generator(generator, allow_none=True), dtype=dtype)
        return (self.prior_std() * z).to(device if device is not None else "cpu")

    def prior_logp(self, x: Tensor) -> Tensor:
        """log N(x; 0, σ_T² I) per sample, shape (n,)."""
        s = self.prior_std()
        d = x[0].numel()
        flat = x.reshape(x.shape[0], -1)
        return -0.5 * (flat**2).sum(dim=1) / s**2 - d * (math.log(s) + 0.5 * math.log(2 * math.pi))

    def noise_to_signal(self, t: Tensor | float) -> Tensor:
        """σ_t/α_t (float64, t's shape): the noise level of x_t/α_t = x_0 + (σ_t/α_t) z, increasing in t.

        This is Karras et al.'s (2022) σ(t) with scale s(t) = α_t; Lu et al.'s (2022) λ_t = −log(σ_t/α_t).
        """
        a, s = self.marginal(self._t(t))
        return s / a

    def time_at(self, ratio: Tensor | float) -> Tensor:
        """The time t ∈ [0, T] with σ_t/α_t = ratio (float64), clamped to [0, T]; bisection (60 halvings).

        Inverse of `noise_to_signal`, needed by the Karras σ grid and the EDM churn; processes with a closed
        form or discrete time override it.
        """
        r = torch.as_tensor(ratio, dtype=torch.float64)
        lo, hi = torch.zeros_like(r), torch.full_like(r, float(self.T))
        for _ in range(60):
            mid = 0.5 * (lo + hi)
            below = self.noise_to_signal(mid) < r
            lo, hi = torch.where(below, mid, lo), torch.where(below, hi, mid)
        return 0.5 * (lo + hi)

    def sample_times(
        self, n: int, generator: torch.Generator | None = None, device: torch.device | str | None = None
    ) -> Tensor:
        """Training times t ~ Uniform[t_min, T], shape (n,), float64."""
        u = torch.rand(n, generator=generator, dtype=torch.float64)
        return (self.t_min + (self.T - self.t_min) * u).to(device if device is not None else "cpu")

    def posterior(self, x_t: Tensor, x0: Tensor, t: Tensor | float, s: Tensor | float) -> tuple[Tensor, Tensor]:
        """Mean and variance of q(x_s | x_t, x_0) for s < t; variance broadcastable against x.

        Gaussian conditioning (Kingma et al. 2021, eq. 21 / Ho et al. 2020, eqs. 6–7 when s = t − 1):
        mean = α_{t|s} σ_s²/σ_t² · x_t + α_s σ²_{t|s}/σ_t² · x_0, var = σ²_{t|s} σ_s² / σ_t².
        """
        a_t, s_t = self.marginal(self._t(t, x_t))
        a_s, s_s = self.marginal(self._t(s, x_t))
        a_ts = a_t / a_s
        var_ts = s_t**2 - a_ts**2 * s_s**2
        c_xt = a_ts * s_s**2 / s_t**2
        c_x0 = a_s * var_ts / s_t**2
        var = var_ts * s_s**2 / s_t**2
        mean = bcast(c_xt, x_t).to(x_t.dtype) * x_t + bcast(c_x0, x_t).to(x_t.dtype) * x0
        return mean, bcast(var, x_t).to(x_t.dtype)


class SDE(NoiseProcess):
    """A linear forward SDE dx = f(t) x dt + g(t) dw on [0, T] (Song et al., ICLR 2021, eq. 5)."""

    @abstractmethod
    def drift_coef(self, t: Tensor) -> Tensor:
        """f(t) in the drift f(x, t) = f(t)·x."""

    @abstractmethod
    def diffusion(self, t: Tensor) -> Tensor:
        """g(t)."""

    def sde(self, x: Tensor, t: Tensor | float) -> tuple[Tensor, Tensor]:
        """(drift f(x, t), diffusion g(t)) with g broadcastable against x."""
        t = self._t(t, x)
        if t.dim() == 0:
            t = t.expand(x.shape[0])
        return bcast(self.drift_coef(t), x).to(x.dtype) * x, bcast(self.diffusion(t), x).to(x.dtype)
