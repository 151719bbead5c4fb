"""Targets: log-densities against torch.distributions, gradients against autograd, exact moments against samples."""

import math

import pytest
import torch
from torch import distributions as D

from saddle.sampling import Banana, Dirichlet, Gaussian, GaussianMixture
from saddle.sampling.mirrored import to_dual, to_primal
from saddle.sampling.targets import Target

Z = 5.0
DT = torch.float64
COV = torch.tensor([[2.0, 0.9, 0.3], [0.9, 1.0, 0.2], [0.3, 0.2, 0.5]], dtype=DT)


def autograd_grad(target, x):
    return Target.grad_potential(target, x)


def test_gaussian_against_torch_distributions():
    mean = torch.tensor([1.0, -1.0, 0.5], dtype=DT)
    t = Gaussian(mean, COV)
    x = torch.randn(20, 3, generator=torch.Generator().manual_seed(0), dtype=DT)
    torch.testing.assert_close(t.logdensity(x), D.MultivariateNormal(mean, COV).log_prob(x))
    torch.testing.assert_close(t.grad_potential(x), autograd_grad(t, x))


def _check_sample_moments(x, mean, cov):
    n = len(x)
    assert ((x.mean(0) - mean).abs() < Z * (cov.diagonal() / n).sqrt()).all()
    c = x - mean
    sq = c[:, :, None] * c[:, None, :]
    se = sq.reshape(n, -1).std(0).reshape(cov.shape) / math.sqrt(n)  # SE of each second moment
    assert ((sq.mean(0) - cov).abs() < Z * se).all()


@pytest.mark.parametrize("seed", [0, 1])
def test_exact_moments_match_exact_samples(seed):
    g = torch.Generator().manual_seed(seed)
    targets = [
        Gaussian(torch.tensor([1.0, -1.0, 0.5], dtype=DT), COV),
        GaussianMixture(
            torch.tensor([[0.0, 0.0], [3.0, 1.0], [-2.0, 2.0]], dtype=DT),
            torch.tensor([0.5, 1.0, 0.3], dtype=DT),
            torch.tensor([0.2, 0.5, 0.3], dtype=DT),
        ),
        Banana(a=1.0, b=0.5, dtype=DT),
        Dirichlet(torch.tensor([0.5, 2.0, 3.0], dtype=DT)),
    ]
    for t in targets:
        _check_sample_moments(t.sample(40_000, g), t.mean, t.cov)


def test_mixture_logdensity_against_torch_mixture():
    means = torch.tensor([[0.0, 0.0], [3.0, 1.0]], dtype=DT)
    stds = torch.tensor([0.5, 1.5], dtype=DT)
    w = torch.tensor([0.3, 0.7], dtype=DT)
    t = GaussianMixture(means, stds, w)
    ref = D.MixtureSameFamily(D.Categorical(w), D.Independent(D.Normal(means, stds[:, None].expand(2, 2)), 1))
    x = torch.randn(30, 2, generator=torch.Generator().manual_seed(0), dtype=DT) * 3
    torch.testing.assert_close(t.logdensity(x), ref.log_prob(x))


def test_banana_logdensity_and_gradient():
    t = Banana(a=1.5, b=0.7, dtype=DT)
    x = torch.randn(30, 2, generator=torch.Generator().manual_seed(0), dtype=DT) * 2
    ref = D.Normal(0.0, 1.5).log_prob(x[:, 0]) + D.Normal(0.0, 1.0).log_prob(x[:, 1] - 0.7 * (x[:, 0] ** 2 - 1.5**2))
    torch.testing.assert_close(t.logdensity(x), ref)
    torch.testing.assert_close(t.grad_potential(x), autograd_grad(t, x))


def test_dirichlet_logdensity_gradient_and_mirror_image():
    alpha = torch.tensor([0.5, 2.0, 3.0, 1.0], dtype=DT)
    t = Dirichlet(alpha)
    x = t.sample(25, torch.Generator().manual_seed(0))
    torch.testing.assert_close(x.sum(-1), torch.ones(25, dtype=DT))
    torch.testing.assert_close(t.logdensity(x), D.Dirichlet(alpha).log_prob(x))
    torch.testing.assert_close(t.grad_potential(x), autograd_grad(t, x))
    y = to_dual(x)
    torch.testing.assert_close(to_primal(y), x)
    # W(y) = f(x(y)) − Σ log x_i(y) up to a constant, and ∇W in closed form equals autograd
    w_generic = t.potential(x) - torch.log(x).sum(-1)
    diff = t.dual_potential(y) - w_generic
    torch.testing.assert_close(diff, diff[0].expand(25))
    yy = y.clone().requires_grad_(True)
    (g,) = torch.autograd.grad(t.dual_potential(yy).sum(), yy)
    torch.testing.assert_close(t.grad_dual_potential(y), g)


def test_dirichlet_dual_is_convex_even_for_alpha_below_one():
    # Hessian of W is α₀ (diag(x) − x xᵀ) on the first K−1 coordinates: positive definite for any α
    t = Dirichlet(torch.tensor([0.3, 0.2, 0.5], dtype=DT))
    y = torch.randn(1, 2, generator=torch.Generator().manual_seed(0), dtype=DT)
    hess = torch.autograd.functional.hessian(lambda z: t.dual_potential(z[None])[0], y[0])
    assert (torch.linalg.eigvalsh(hess) > 0).all()


def test_same_seed_same_samples():
    for t in (Gaussian(torch.zeros(2), 1.0), Banana(), Dirichlet(torch.ones(3)), GaussianMixture(torch.zeros(2, 2))):
        a = t.sample(5, torch.Generator().manual_seed(3))
        b = t.sample(5, torch.Generator().manual_seed(3))
        assert torch.equal(a, b)


@pytest.mark.parametrize(
    "build, message",
    [
        (lambda: Gaussian(torch.zeros(2), torch.tensor([[1.0, 2.0], [2.0, 1.0]])), "positive definite"),
        (lambda: Gaussian(torch.zeros(2), torch.tensor([[1.0, 0.5], [0.0, 1.0]])), "symmetric"),
        (lambda: Gaussian(torch.zeros(2, 2)), "mean must have shape (d,)"),
        (lambda: Gaussian(torch.zeros(2), torch.ones(3)), "cov must be"),
        (
            lambda: GaussianMixture(torch.zeros(2, 2), -1.0),
            "stds must be finite and >= 0 (0: a point mass), got [-1.0, -1.0]",
        ),
        (lambda: GaussianMixture(torch.zeros(2, 2), torch.ones(3)), "stds must be a scalar or have shape (K,) = (2,)"),
        (lambda: GaussianMixture(torch.zeros(2, 2), 0.0).logdensity(torch.zeros(1, 2)), "zero-variance component"),
        (lambda: GaussianMixture(torch.zeros(2, 2), 1.0, torch.tensor([0.5, 0.6])), "weights must be 2 non-negative"),
        (lambda: Banana(a=0.0), "a must be a finite number > 0, got 0.0"),
        (lambda: Dirichlet(torch.tensor([1.0, -1.0])), "alpha must be a vector of K >= 2 finite numbers > 0"),
        (lambda: Gaussian(torch.zeros(2)).sample(0), "number of samples n must be an integer >= 1, got 0"),
    ],
)
def test_bad_arguments_raise(build, message):
    with pytest.raises(ValueError) as err:
        build()
    assert message in str(err.value)


def test_noised_mixture_is_the_law_of_alpha_x0_plus_sigma_z():
    # Σ w_k N(μ_k, τ_k²I) under x_t = α x_0 + σ z is Σ w_k N(α μ_k, (α²τ_k² + σ²) I): compare with torch's mixture,
    # per point (α, σ given as (n,) vectors), and the score with autograd of the log-density
    means = torch.tensor([[0.0, 0.0], [3.0, 1.0], [-2.0, 2.0]], dtype=DT)
    stds, w = torch.tensor([0.5, 1.0, 0.0], dtype=DT), torch.tensor([0.2, 0.5, 0.3], dtype=DT)
    mix = GaussianMixture(means, stds, w)
    x = 2 * torch.randn(7, 2, generator=torch.Generator().manual_seed(0), dtype=DT)
    alpha, sigma = torch.linspace(0.3, 1.0, 7, dtype=DT), torch.linspace(0.9, 0.2, 7, dtype=DT)
    for i in range(7):
        sd = (alpha[i] ** 2 * stds**2 + sigma[i] ** 2).sqrt()
        ref = D.MixtureSameFamily(
            D.Categorical(w), D.Independent(D.Normal(alpha[i] * means, sd[:, None].expand(3, 2)), 1)
        )
        torch.testing.assert_close(mix.logdensity(x, alpha, sigma)[i], ref.log_prob(x[i]))
    z = x.clone().requires_grad_(True)
    (grad,) = torch.autograd.grad(mix.logdensity(z, alpha, sigma).sum(), z)
    torch.testing.assert_close(mix.score(x, alpha, sigma), grad)
    # the un-noised mixture (stds > 0): closed-form ∇f = −score equals autograd of the potential
    smooth = GaussianMixture(means, stds + 0.3, w)
    z = x.clone().requires_grad_(True)
    (grad,) = torch.autograd.grad(smooth.potential(z).sum(), z)
    torch.testing.assert_close(smooth.grad_potential(x), grad)
    # the moments of α x_0 + σ z from exact draws match the noised mixture's (means α μ, law of the sum)
    g = torch.Generator().manual_seed(1)
    n, a, s = 40_000, 0.6, 0.8
    xt = a * mix.sample(n, g) + s * torch.randn(n, 2, generator=g, dtype=DT)
    noised = GaussianMixture(a * means, (a**2 * stds**2 + s**2).sqrt(), w)
    _check_sample_moments(xt, noised.mean, noised.cov)


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
def test_gaussian_accepts_covariance_symmetric_to_rounding_and_refuses_real_asymmetry(dtype):
    # a @ a.T / d + I, the benchmark's construction, perturbed at the level of one rounding error
    d = 10
    a = torch.randn(d, d, generator=torch.Generator().manual_seed(0), dtype=dtype)
    cov = a @ a.T / d + torch.eye(d, dtype=dtype)
    eps = torch.finfo(dtype).eps
    rounded = cov.clone()
    rounded[0, 1] = cov[0, 1] * (1 + 4 * eps)
    assert not torch.equal(rounded, rounded.T)
    g = Gaussian(torch.zeros(d, dtype=dtype), rounded)
    assert torch.equal(g.cov, g.cov.T)
    torch.testing.assert_close(g.cov, cov)
    skew = cov.clone()
    skew[0, 1] += 0.01 * cov.abs().max()
    with pytest.raises(ValueError, match=r"cov must be symmetric: max\|C − Cᵀ\|/max\|C\| = 0.01"):
        Gaussian(torch.zeros(d, dtype=dtype), skew)
