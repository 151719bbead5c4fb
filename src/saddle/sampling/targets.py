"""Target distributions with log-densities, gradients, exact moments and exact samples.

Every target exposes `potential(x)` = f(x) = −log π(x) + const, `logdensity(x)` (normalised where the
constant is known), `grad_potential(x)`, `mean`, `cov` and `sample(n, generator)`; x has shape (n, d).
They can be passed directly as `potential=` to any kernel in `saddle.sampling`.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Protocol

import numpy as np
import torch
from torch import Tensor

from saddle.data.toy import sample_mixture
from saddle.validation import as_generator, as_real_tensor, check_int, check_real, check_tensor

__all__ = ["Banana", "Dirichlet", "Gaussian", "GaussianMixture", "Target"]


class _Marginals(Protocol):
    """A noise process as `GaussianMixture.eps_fn` needs it: marginal(t) -> (α_t, σ_t) (saddle.diffusion's processes)."""

    def marginal(self, t: Tensor) -> tuple[Tensor, Tensor]: ...


class Target:
    """Base class: `potential` = −`logdensity`; autograd gradient unless a subclass has a closed form."""

    dim: int

    def logdensity(self, x: Tensor) -> Tensor:
        raise NotImplementedError

    def potential(self, x: Tensor) -> Tensor:
        """f(x) = −log π(x), shape (n,)."""
        return -self.logdensity(x)

    def grad_potential(self, x: Tensor) -> Tensor:
        """∇f(x), shape (n, d) (autograd)."""
        with torch.enable_grad():
            z = x.detach().requires_grad_(True)
            (g,) = torch.autograd.grad(self.potential(z).sum(), z)
        return g

    def sample(self, n: int, generator: torch.Generator | int | None = None) -> Tensor:
        raise NotImplementedError


def _as_matrix(cov: Tensor | float, dim: int, dtype: torch.dtype, device: torch.device) -> Tensor:
    c = as_real_tensor("cov", cov).to(dtype=dtype, device=device)
    if c.ndim == 0:
        return c * torch.eye(dim, dtype=dtype, device=device)
    if c.ndim == 1:
        return torch.diag(c)
    return c


def _symmetrised(cov: Tensor, rtol: float = 1e-10) -> Tensor:
    """(C + Cᵀ)/2 when C is symmetric to `rtol` relative to max|C| (a @ a.T / d + I is symmetric only to rounding).

    Refuses real asymmetry: ValueError with max|C − Cᵀ| / max|C|. rtol defaults to 1e-10 in float64, and to
    100·eps(dtype) (≈ 1.2e-5) in lower precision.
    """
    tol = max(rtol, 100 * torch.finfo(cov.dtype).eps)
    scale = cov.abs().max()
    asym = (cov - cov.T).abs().max()
    if not bool(torch.isfinite(scale)) or asym > tol * scale:
        rel = float(asym / scale) if scale > 0 else float(asym)
        raise ValueError(f"cov must be symmetric: max|C − Cᵀ|/max|C| = {rel:.3g} exceeds the tolerance {tol:.3g}")
    return 0.5 * (cov + cov.T)


def _check_n(n: int) -> None:
    check_int("number of samples n", n)


def _check_x(x: Tensor, dim: int) -> Tensor:
    """Positions x (n, dim) of a target's closed forms: floating, values (a NaN propagates: per-step kernels)."""
    return check_tensor("x", x, ("n", dim), finite=False, nonempty=False)


def _noise_level(name: str, value: Tensor | float, low_open: bool) -> Tensor | float:
    """α (> 0) or σ (≥ 0) of a noised mixture: a number checked here, or a tensor (n,) of per-point values."""
    return (
        value
        if isinstance(value, Tensor)
        else check_real(name, value, 0.0, math.inf, low_open=low_open, high_open=True)
    )


class Gaussian(Target):
    """N(mean, cov) with any symmetric positive-definite covariance (d, d), a diagonal (d,) or a scalar variance.

    f(x) = ½ (x − μ)ᵀ Σ⁻¹ (x − μ); ∇f(x) = Σ⁻¹ (x − μ) in closed form. Samples μ + L ξ with Σ = L Lᵀ.
    """

    def __init__(self, mean: Tensor, cov: Tensor | float = 1.0) -> None:
        self.mean = as_real_tensor("mean", mean, ("d",)).detach()
        self.dim = self.mean.shape[0]
        self.cov = _as_matrix(cov, self.dim, self.mean.dtype, self.mean.device)
        if self.cov.shape != (self.dim, self.dim):
            raise ValueError(
                f"cov must be a scalar, (d,) or (d, d) with d = {self.dim} (mean has shape {tuple(self.mean.shape)}), "
                f"got shape {tuple(self.cov.shape)}"
            )
        self.cov = _symmetrised(self.cov)
        self.scale_tril, info = torch.linalg.cholesky_ex(self.cov)
        if info != 0:
            raise ValueError(
                f"cov must be positive definite; smallest eigenvalue {torch.linalg.eigvalsh(self.cov)[0].item():.3g}"
            )
        self.precision = torch.cholesky_inverse(self.scale_tril)
        self._log_norm = (
            0.5 * self.dim * math.log(2 * math.pi) + torch.log(torch.diagonal(self.scale_tril)).sum().item()
        )

    def potential(self, x: Tensor) -> Tensor:
        r = x - self.mean.to(x)
        return 0.5 * ((r @ self.precision.to(x)) * r).sum(-1)

    def logdensity(self, x: Tensor) -> Tensor:
        return -self.potential(x) - self._log_norm

    def grad_potential(self, x: Tensor) -> Tensor:
        return (x - self.mean.to(x)) @ self.precision.to(x)

    def sample(self, n: int, generator: torch.Generator | int | None = None) -> Tensor:
        _check_n(n)
        generator = as_generator(generator)
        xi = torch.randn(n, self.dim, generator=generator, dtype=self.mean.dtype, device=self.mean.device)
        return self.mean + xi @ self.scale_tril.T


class GaussianMixture(Target):
    """Σ_k w_k N(μ_k, τ_k² I) in R^d, and its noised versions under x_t = α x_0 + σ z (the one mixture of saddle).

    means (K, d); stds τ: (K,) or a scalar ≥ 0 (τ = 0 makes a point mass: an empirical measure, as in the Tweedie
    study); weights (K,) (uniform by default). The noised mixture is Σ_k w_k N(α μ_k, v_k I), v_k = α²τ_k² + σ²,
    with responsibilities r_k(x) ∝ w_k N(x; α μ_k, v_k I) and exact score Σ_k r_k (α μ_k − x)/v_k; α = 1, σ = 0
    (the defaults) is the mixture itself, whose potential f = −log π and gradient −score are in closed form.
    Exact mean Σ w_k μ_k and covariance Σ w_k (τ_k² I + μ_k μ_kᵀ) − mean meanᵀ.
    """

    def __init__(self, means: Tensor, stds: Tensor | float = 1.0, weights: Tensor | None = None) -> None:
        self.means = as_real_tensor("means", means, ("K", "d")).detach()
        k, self.dim = self.means.shape
        dt, dev = self.means.dtype, self.means.device
        stds = as_real_tensor("stds", stds).to(dtype=dt, device=dev)
        if stds.ndim > 1 or (stds.ndim == 1 and stds.shape != (k,)):
            raise ValueError(f"stds must be a scalar or have shape (K,) = ({k},), got {tuple(stds.shape)}")
        self.stds = stds.expand(k).clone()
        if not (torch.isfinite(self.stds).all() and (self.stds >= 0).all()):
            raise ValueError(f"stds must be finite and >= 0 (0: a point mass), got {self.stds.tolist()}")
        w = (
            torch.full((k,), 1.0 / k, dtype=dt, device=dev)
            if weights is None
            else as_real_tensor("weights", weights).to(dtype=dt, device=dev)
        )
        if w.shape != (k,) or (w < 0).any() or not math.isclose(w.sum().item(), 1.0, rel_tol=1e-6):
            raise ValueError(f"weights must be {k} non-negative numbers summing to 1, got {w.tolist()}")
        self.weights = w
        self.mean = (w[:, None] * self.means).sum(0)
        eye = torch.eye(self.dim, dtype=dt, device=dev)
        second = (
            w[:, None, None] * (self.stds[:, None, None] ** 2 * eye + self.means[:, :, None] * self.means[:, None, :])
        ).sum(0)
        self.cov = second - torch.outer(self.mean, self.mean)

    def component_logdensity(self, x: Tensor, alpha: Tensor | float = 1.0, sigma: Tensor | float = 0.0) -> Tensor:
        """log w_k + log N(x; α μ_k, v_k I) of the noised mixture, shape (n, K); α, σ scalars or (n,) (one per point)."""
        n = _check_x(x, self.dim).shape[0]
        alpha, sigma = _noise_level("alpha", alpha, True), _noise_level("sigma", sigma, False)
        alpha = torch.as_tensor(alpha, dtype=x.dtype, device=x.device).expand(n)[:, None]  # (n, 1)
        sigma = torch.as_tensor(sigma, dtype=x.dtype, device=x.device).expand(n)[:, None]
        var = alpha**2 * self.stds.to(x)[None] ** 2 + sigma**2  # (n, K)
        if bool((var <= 0).any()):
            raise ValueError("the noised mixture has a zero-variance component: need stds > 0 or sigma > 0")
        m = self.means.to(x)
        # ‖x − α m_k‖² = ‖x‖² − 2α x·m_k + α²‖m_k‖²: (n, K) without an (n, K, d) intermediate
        sq = (x * x).sum(1, keepdim=True) - 2 * alpha * (x @ m.T) + alpha**2 * (m * m).sum(1)[None]
        return (
            torch.log(self.weights.to(x))[None]
            - 0.5 * sq.clamp_min(0) / var
            - 0.5 * self.dim * torch.log(2 * math.pi * var)
        )

    def logdensity(self, x: Tensor, alpha: Tensor | float = 1.0, sigma: Tensor | float = 0.0) -> Tensor:
        """log density of the noised mixture at x (n, d), normalised; shape (n,). Defaults: the mixture itself."""
        return torch.logsumexp(self.component_logdensity(x, alpha, sigma), dim=-1)

    log_prob = logdensity  # the torch.distributions name, used by the diffusion code

    def responsibilities(self, x: Tensor, alpha: Tensor | float = 1.0, sigma: Tensor | float = 0.0) -> Tensor:
        """r_k(x) = P(component k | x_t = x) for the noised mixture; shape (n, K)."""
        return torch.softmax(self.component_logdensity(x, alpha, sigma), dim=-1)

    def score(self, x: Tensor, alpha: Tensor | float = 1.0, sigma: Tensor | float = 0.0) -> Tensor:
        """∇log p_t(x) = Σ_k r_k (α μ_k − x)/v_k of the noised mixture at x (n, d); shape (n, d)."""
        n = _check_x(x, self.dim).shape[0]
        alpha, sigma = _noise_level("alpha", alpha, True), _noise_level("sigma", sigma, False)
        a = torch.as_tensor(alpha, dtype=x.dtype, device=x.device).expand(n)[:, None]
        s = torch.as_tensor(sigma, dtype=x.dtype, device=x.device).expand(n)[:, None]
        r_over_v = self.responsibilities(x, alpha, sigma) / (a**2 * self.stds.to(x)[None] ** 2 + s**2)  # (n, K)
        return a * (r_over_v @ self.means.to(x)) - r_over_v.sum(1, keepdim=True) * x

    def grad_potential(self, x: Tensor) -> Tensor:
        """∇f = −score, closed form; shape (n, d)."""
        return -self.score(x)

    def eps_fn(self, process: _Marginals) -> Callable[[Tensor, Tensor], Tensor]:
        """The exact ε-model ε(x, t) = −σ_t ∇log p_t(x) of this mixture noised by `process` (x of shape (n, d)).

        `process`: anything with `marginal(t) -> (α_t, σ_t)` (the SDEs and DDPM schedule of `saddle.diffusion`).
        """

        def eps(x: Tensor, t: Tensor) -> Tensor:
            a, s = process.marginal(torch.as_tensor(t, dtype=torch.float64))
            a, s = a.to(x.dtype).expand(x.shape[0]), s.to(x.dtype).expand(x.shape[0])
            return -s[:, None] * self.score(x, a, s)

        return eps

    def sample(self, n: int, generator: torch.Generator | int | None = None) -> Tensor:
        """n exact draws, shape (n, d), by `saddle.data.toy.sample_mixture` (the toys' sampler; equal weights draw the
        component uniformly); drawn on the generator's device (CPU by default) and moved to the means'."""
        _check_n(n)
        generator = as_generator(generator)
        equal = bool((self.weights == self.weights[0]).all())
        return sample_mixture(self.means, self.stds, n, generator, None if equal else self.weights)


class Banana(Target):
    """The twisted-Gaussian "banana" (Haario, Saksman, Tamminen 1999; a Rosenbrock-type valley) in 2-D.

    x₁ ~ N(0, a²), x₂ | x₁ ~ N(b (x₁² − a²), 1): f(x) = x₁²/(2a²) + (x₂ − b(x₁² − a²))²/2.
    Exact moments: mean 0, Var x₁ = a², Var x₂ = 1 + 2 b² a⁴, Cov = 0. Defaults a = 1, b = 1.
    """

    def __init__(
        self, a: float = 1.0, b: float = 1.0, dtype: torch.dtype | None = None, device: torch.device | str | None = None
    ) -> None:
        a = check_real("a", a, high_open=True)
        b = check_real("b", b, -math.inf, math.inf, high_open=True)
        self.a, self.b, self.dim = float(a), float(b), 2
        dt = dtype or torch.get_default_dtype()
        self.mean = torch.zeros(2, dtype=dt, device=device)
        self.cov = torch.diag(torch.tensor([a**2, 1 + 2 * b**2 * a**4], dtype=dt, device=device))

    def _residual(self, x: Tensor) -> Tensor:
        return x[:, 1] - self.b * (x[:, 0] ** 2 - self.a**2)

    def potential(self, x: Tensor) -> Tensor:
        return 0.5 * x[:, 0] ** 2 / self.a**2 + 0.5 * self._residual(x) ** 2

    def logdensity(self, x: Tensor) -> Tensor:
        return -self.potential(x) - math.log(2 * math.pi * self.a)

    def grad_potential(self, x: Tensor) -> Tensor:
        r = self._residual(x)
        return torch.stack([x[:, 0] / self.a**2 - 2 * self.b * x[:, 0] * r, r], dim=-1)

    def sample(self, n: int, generator: torch.Generator | int | None = None) -> Tensor:
        _check_n(n)
        generator = as_generator(generator)
        xi = torch.randn(n, 2, generator=generator, dtype=self.mean.dtype, device=self.mean.device)
        x1 = self.a * xi[:, 0]
        return torch.stack([x1, self.b * (x1**2 - self.a**2) + xi[:, 1]], dim=-1)


class Dirichlet(Target):
    """Dirichlet(α) on the probability simplex Δ_K = {x ∈ R^K : x ≥ 0, Σx = 1}; positions have shape (n, K).

    f(x) = −Σ_i (α_i − 1) log x_i (density w.r.t. Lebesgue measure on the first K − 1 coordinates);
    mean α/α₀, Cov = (diag(m) − m mᵀ)/(α₀ + 1) with α₀ = Σα. `dual_potential` is the potential of the
    mirror image under the entropic mirror map (see `saddle.sampling.mirrored`).
    """

    def __init__(self, alpha: Tensor) -> None:
        a = as_real_tensor("alpha", alpha, ("K",)).detach()
        if a.shape[0] < 2 or not (a > 0).all():
            raise ValueError(f"alpha must be a vector of K >= 2 finite numbers > 0, got {a.tolist()}")
        self.alpha = a
        self.dim = a.shape[0]
        a0 = a.sum()
        self.mean = a / a0
        self.cov = (torch.diag(self.mean) - torch.outer(self.mean, self.mean)) / (a0 + 1)
        self._log_norm = (torch.lgamma(a).sum() - torch.lgamma(a0)).item()

    def potential(self, x: Tensor) -> Tensor:
        return -((self.alpha.to(x) - 1) * torch.log(x)).sum(-1)

    def logdensity(self, x: Tensor) -> Tensor:
        return -self.potential(x) - self._log_norm

    def grad_potential(self, x: Tensor) -> Tensor:
        return -(self.alpha.to(x) - 1) / x

    def dual_potential(self, y: Tensor) -> Tensor:
        """W(y) = −Σ_{i<K} α_i y_i + α₀ log(1 + Σ_{i<K} e^{y_i}) for y = log(x_{1:K−1}/x_K), shape (n, K−1).

        The push-forward of Dirichlet(α) by ∇h (Hsieh et al. 2018, §4): strictly convex, so e^{−W} is log-concave.
        """
        a = self.alpha.to(y)
        zero = torch.zeros_like(y[:, :1])
        return -(a[:-1] * y).sum(-1) + a.sum() * torch.logsumexp(torch.cat([y, zero], -1), -1)

    def grad_dual_potential(self, y: Tensor) -> Tensor:
        """∇W(y) = −α_{1:K−1} + α₀ x_{1:K−1}(y) with x = softmax([y, 0])."""
        a = self.alpha.to(y)
        x = torch.softmax(torch.cat([y, torch.zeros_like(y[:, :1])], -1), -1)
        return -a[:-1] + a.sum() * x[:, :-1]

    def sample(self, n: int, generator: torch.Generator | int | None = None) -> Tensor:
        """Exact samples (numpy's Gamma-ratio sampler, seeded from `generator`)."""
        _check_n(n)
        generator = as_generator(generator)
        seed = int(torch.randint(0, 2**62, (1,), generator=generator).item())
        x = np.random.default_rng(seed).dirichlet(self.alpha.double().cpu().numpy(), size=n)
        return torch.as_tensor(x, dtype=self.alpha.dtype, device=self.alpha.device)
