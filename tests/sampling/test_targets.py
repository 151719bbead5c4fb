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
    targets = [Gaussian(torch.tensor([1.0, -1.0, 0.5], dtype=DT), COV),
               GaussianMixture(torch.tensor([[0.0, 0.0], [3.0, 1.0], [-2.0, 2.0]], dtype=DT),
                               torch.tensor([0.5, 1.0, 0.3], dtype=DT), torch.tensor([0.2, 0.5, 0.3], dtype=DT)),
               Banana(a=1.0, b=0.5, dtype=DT),
               Dirichlet(torch.tensor([0.5, 2.0, 3.0], dtype=DT))]
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
    ref = D.Normal(0.0, 1.5).log_prob(x[:, 0]) + D.Normal(0.0, 1.0).log_prob(x[:, 1] - 0.7 * (x[:, 0] ** 2 - 1.5 ** 2))
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
    for t in (Gaussian(torch.zeros(2), 1.0), Banana(), Dirichlet(torch.ones(3)),
              GaussianMixture(torch.zeros(2, 2))):
        a = t.sample(5, torch.Generator().manual_seed(3))
        b = t.sample(5, torch.Generator().manual_seed(3))
        assert torch.equal(a, b)


@pytest.mark.parametrize("build, message", [
    (lambda: Gaussian(torch.zeros(2), torch.tensor([[1.0, 2.0], [2.0, 1.0]])), "positive definite"),
    (lambda: Gaussian(torch.zeros(2), torch.tensor([[1.0, 0.5], [0.0, 1.0]])), "symmetric"),
    (lambda: Gaussian(torch.zeros(2, 2)), "mean must have shape (d,)"),
    (lambda: Gaussian(torch.zeros(2), torch.ones(3)), "cov must be"),
    (lambda: GaussianMixture(torch.zeros(2, 2), -1.0), "stds must be > 0"),
    (lambda: GaussianMixture(torch.zeros(2, 2), 1.0, torch.tensor([0.5, 0.6])), "weights must be 2 non-negative"),
    (lambda: Banana(a=0.0), "a must be finite and > 0, got 0.0"),
    (lambda: Dirichlet(torch.tensor([1.0, -1.0])), "alpha must be a vector of K >= 2 finite numbers > 0"),
    (lambda: Gaussian(torch.zeros(2)).sample(0), "number of samples must be an integer >= 1, got 0"),
])
def test_bad_arguments_raise(build, message):
    with pytest.raises(ValueError) as err:
        build()
    assert message in str(err.value)
