"""Score-matching objectives and Tweedie's formula against closed forms on Gaussians.

Monte-Carlo checks average K independent batches (seeded) and allow 5 standard errors of that mean.
"""

import math

import numpy as np
import pytest
import torch
from torch import nn

from saddle.diffusion import (
    GaussianMixture,
    ScoreTraining,
    denoising_score_matching_loss,
    hyvarinen_loss,
    sliced_score_matching_loss,
    train_score_model,
    tweedie_denoise,
)

D, S = 3, 1.5  # data N(0, S² I_D)


def _gaussian(n, seed):
    return S * torch.randn(n, D, generator=torch.Generator().manual_seed(seed), dtype=torch.float64)


def _true_score(x):
    return -x / S**2


def _mc(values):
    v = torch.tensor(values, dtype=torch.float64)
    return float(v.mean()), float(v.std() / math.sqrt(len(v)))


def test_hyvarinen_at_true_score_is_minus_d_over_2s2():
    # ½E‖x‖²/s⁴ + tr(−I/s²) = d/(2s²) − d/s² = −d/(2s²)
    mean, se = _mc([hyvarinen_loss(_true_score, _gaussian(2000, k)).item() for k in range(20)])
    assert abs(mean + D / (2 * S**2)) < 5 * se


@pytest.mark.parametrize("projection", ["rademacher", "gaussian"])
@pytest.mark.parametrize("variance_reduced", [False, True])
def test_sliced_at_true_score_is_minus_d_over_2s2(projection, variance_reduced):
    vals = [
        sliced_score_matching_loss(
            _true_score, _gaussian(2000, k), 2, projection, variance_reduced, torch.Generator().manual_seed(100 + k)
        ).item()
        for k in range(20)
    ]
    mean, se = _mc(vals)
    assert abs(mean + D / (2 * S**2)) < 5 * se


def test_dsm_at_true_noised_score_matches_closed_form():
    # x̃ = x + σz, target −z/σ, true score of π_σ = N(0, (s²+σ²)I) is −x̃/(s²+σ²). The residual
    # −x̃/(s²+σ²) + z/σ = (s² z − σ x)/(σ(s²+σ²)) has E‖·‖² = d(s⁴ + σ²s²)/(σ²(s²+σ²)²) = d s²/(σ²(s²+σ²)).
    sigma = 0.7
    score = lambda xt: -xt / (S**2 + sigma**2)  # noqa: E731
    vals = [
        float(denoising_score_matching_loss(score, _gaussian(2000, k), sigma, torch.Generator().manual_seed(50 + k)))
        for k in range(20)
    ]
    mean, se = _mc(vals)
    expected = D * S**2 / (sigma**2 * (S**2 + sigma**2))
    assert abs(mean - expected) < 5 * se


def test_dsm_true_noised_score_beats_the_clean_score():
    sigma, x = 0.7, _gaussian(20000, 3)
    g = lambda: torch.Generator().manual_seed(9)  # noqa: E731 — same noise for both
    noised = float(denoising_score_matching_loss(lambda z: -z / (S**2 + sigma**2), x, sigma, g()))
    clean = float(denoising_score_matching_loss(_true_score, x, sigma, g()))
    assert noised < clean


def test_hyvarinen_trace_is_exact_against_jacrev():
    torch.manual_seed(0)
    net = nn.Sequential(nn.Linear(D, 16), nn.Tanh(), nn.Linear(16, D)).double()
    x = _gaussian(7, 1)
    jac = torch.stack([torch.autograd.functional.jacobian(net, xi) for xi in x])  # (n, D, D)
    expected = (0.5 * (net(x) ** 2).sum(1) + jac.diagonal(dim1=1, dim2=2).sum(1)).mean()
    assert torch.allclose(hyvarinen_loss(net, x), expected, atol=1e-12)


def test_sliced_is_unbiased_for_hyvarinen_on_a_network():
    torch.manual_seed(1)
    net = nn.Sequential(nn.Linear(D, 16), nn.Tanh(), nn.Linear(16, D)).double()
    x = _gaussian(50, 2)
    exact = hyvarinen_loss(net, x).item()
    vals = [
        sliced_score_matching_loss(net, x, 1, "gaussian", False, torch.Generator().manual_seed(k)).item()
        for k in range(400)
    ]
    mean, se = _mc(vals)
    assert abs(mean - exact) < 5 * se


def test_losses_are_differentiable_in_parameters():
    net = nn.Sequential(nn.Linear(D, 8), nn.Tanh(), nn.Linear(8, D)).double()
    x = _gaussian(16, 0)
    for loss in (
        hyvarinen_loss(net, x),
        sliced_score_matching_loss(net, x, generator=torch.Generator()),
        denoising_score_matching_loss(net, x, 0.5, torch.Generator()),
    ):
        grads = torch.autograd.grad(loss, list(net.parameters()))
        assert all(torch.isfinite(g).all() for g in grads) and any(g.abs().sum() > 0 for g in grads)


def test_tweedie_on_gaussian_shrinks_by_s2_over_s2_plus_sigma2():
    sigma = 0.8
    xt = torch.randn(100, D, generator=torch.Generator().manual_seed(0), dtype=torch.float64)
    out = tweedie_denoise(xt, -xt / (S**2 + sigma**2), sigma)
    assert torch.allclose(out, xt * S**2 / (S**2 + sigma**2), atol=1e-14)


def test_tweedie_is_the_conditional_mean_orthogonality():
    # E[X | X_σ] is characterised by E[(X − Tweedie(X_σ)) h(X_σ)] = 0 for all h; check h = 1, x, x³ on a mixture.
    mix = GaussianMixture(
        torch.tensor([[-2.0, 0.0], [1.0, 1.0]], dtype=torch.float64), 0.4, torch.tensor([0.3, 0.7], dtype=torch.float64)
    )
    sigma, g = 1.3, torch.Generator().manual_seed(4)
    x = mix.sample(200_000, g)
    xs = x + sigma * torch.randn(x.shape, generator=g, dtype=x.dtype)
    resid = x - tweedie_denoise(xs, mix.score(xs, 1.0, sigma), sigma)
    for h in (torch.ones_like(xs), xs, xs**3):
        prod = resid * h
        assert bool(((prod.mean(0)).abs() < 5 * prod.std(0) / math.sqrt(len(prod))).all())


def test_mixture_score_is_gradient_of_log_prob():
    mix = GaussianMixture(torch.randn(5, 3, generator=torch.Generator().manual_seed(0), dtype=torch.float64), 0.3)
    x = torch.randn(11, 3, generator=torch.Generator().manual_seed(1), dtype=torch.float64).requires_grad_(True)
    (grad,) = torch.autograd.grad(mix.log_prob(x, 0.8, 0.5).sum(), x)
    assert torch.allclose(mix.score(x.detach(), 0.8, 0.5), grad, atol=1e-10)


def test_mixture_log_prob_against_direct_formula():
    means = torch.tensor([[0.0, 1.0], [2.0, -1.0]], dtype=torch.float64)
    w = torch.tensor([0.25, 0.75], dtype=torch.float64)
    mix, a, s = GaussianMixture(means, 0.5, w), 0.9, 0.6
    x = torch.randn(6, 2, generator=torch.Generator().manual_seed(2), dtype=torch.float64)
    var = a**2 * 0.25 + s**2
    xn, mn = x.numpy(), means.numpy()
    ref = sum(float(w[k]) * np.exp(-((xn - a * mn[k]) ** 2).sum(1) / (2 * var)) / (2 * np.pi * var) for k in range(2))
    assert torch.allclose(mix.log_prob(x, a, s), torch.from_numpy(np.log(ref)), atol=1e-10)


@pytest.mark.parametrize(
    "call, message",
    [
        (
            lambda: denoising_score_matching_loss(_true_score, torch.zeros(4, D), 0.0),
            "sigma must be a finite number > 0, got 0.0",
        ),
        (lambda: sliced_score_matching_loss(_true_score, torch.zeros(4, D), n_projections=0), "n_projections"),
        (lambda: sliced_score_matching_loss(_true_score, torch.zeros(4, D), projection="uniform"), "projection"),
        (lambda: hyvarinen_loss(_true_score, torch.zeros(4)), "shape"),
        (lambda: GaussianMixture(torch.zeros(2, 2), -1.0), "std"),
        (lambda: tweedie_denoise(torch.zeros(4, D), torch.zeros(4, D), 1.0, alpha=0.0), "alpha"),
        (lambda: tweedie_denoise(torch.zeros(4, D), torch.zeros(4, D), torch.tensor([1.0, -1.0, 1.0, 1.0])), "sigma"),
        (lambda: GaussianMixture(torch.zeros(2, 2), 1.0, torch.tensor([0.5, 0.6])), "weights"),
    ],
)
def test_bad_input_raises(call, message):
    with pytest.raises(ValueError, match=message):
        call()


def test_train_score_model_reaches_the_gaussian_score_and_repeats_with_its_seed():
    """A linear score net s(x) = Wx + b trained on N(µ, Σ) samples with the exact Hyvärinen loss: its minimiser is the
    true score −Σ̂⁻¹(x − x̄) of the sample (J = E[½‖Wx + b‖² + tr W] is quadratic in (W, b)); an int seed is the
    same run as torch.Generator().manual_seed(seed)."""
    g = torch.Generator().manual_seed(0)
    mu, sd = torch.tensor([1.0, -2.0]), torch.tensor([0.5, 1.0])
    data = mu + sd * torch.randn(4000, 2, generator=g)
    net = nn.Linear(2, 2)

    def objective(model, x, gen):
        return hyvarinen_loss(model, x)

    run = train_score_model(net, objective, data, steps=600, batch_size=1000, lr=0.05, generator=3)
    assert isinstance(run, ScoreTraining)
    assert len(run.losses) == len(run.cpu_seconds) == 600 and all(t >= 0 for t in run.cpu_seconds)
    prec = torch.linalg.inv(torch.cov(data.T, correction=0))
    # Adam's constant step 0.05 leaves an O(step) jitter around the minimiser (0.03-0.08 over seeds 0-2)
    assert torch.allclose(net.weight.detach(), -prec, atol=0.15)  # ≈ −diag(4, 1)
    assert torch.allclose(net.bias.detach(), prec @ data.mean(0), atol=0.15)
    assert run.losses[-1] < run.losses[0]
    twins = [nn.Linear(2, 2) for _ in range(2)]
    twins[1].load_state_dict(twins[0].state_dict())
    a = train_score_model(twins[0], objective, data, steps=5, batch_size=8, generator=7)
    b = train_score_model(twins[1], objective, data, steps=5, batch_size=8, generator=torch.Generator().manual_seed(7))
    assert a.losses == b.losses
