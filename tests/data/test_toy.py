"""The built-in toy distributions: shapes, determinism, and each one's geometry against its definition."""

import math

import pytest
import torch

from saddle.data import DIGITS_SHAPE, TOY_DISTRIBUTIONS, load_digits, sample_toy
from saddle.data.toy import grid_centers, ring_centers

N = 4000


@pytest.mark.parametrize("name", sorted(TOY_DISTRIBUTIONS))
def test_every_toy_distribution_gives_float32_points_reproducibly(name):
    x = sample_toy(name, N, torch.Generator().manual_seed(0))
    assert x.shape == (N, 2) and x.dtype == torch.float32 and bool(torch.isfinite(x).all())
    assert torch.equal(x, sample_toy(name, N, torch.Generator().manual_seed(0)))
    assert not torch.equal(x, sample_toy(name, N, torch.Generator().manual_seed(1)))


@pytest.mark.parametrize(
    "name, centers, std",
    [("8gaussians", ring_centers(8, 2.0), 0.02 * 2**0.5 * 2), ("25gaussians", grid_centers(5, 2.0), 0.05)],
)
def test_gaussian_mixtures_use_every_mode_equally_with_the_stated_spread(name, centers, std):
    x = sample_toy(name, N, torch.Generator().manual_seed(2))
    d = torch.cdist(x, centers)
    nearest = d.argmin(1)
    counts = torch.bincount(nearest, minlength=len(centers)).double()
    k = len(centers)
    # multinomial counts: each within 5 standard errors of N/k
    assert bool(((counts - N / k).abs() <= 5 * math.sqrt(N * (1 / k) * (1 - 1 / k))).all())
    # the offset from its centre is N(0, std² I): E‖offset‖² = 2 std², within a few % at N = 4000
    assert float((d.min(1).values ** 2).mean()) == pytest.approx(2 * std**2, rel=0.1)


def test_swiss_roll_radius_follows_its_parameter_range():
    # before the noise, 5‖x‖ = t ∈ [1.5π, 4.5π]; the noise (σ = 0.25 per coordinate) moves 5‖x‖ by a few σ at most
    r = 5 * sample_toy("swissroll", N, torch.Generator().manual_seed(3)).norm(dim=1)
    assert float(r.min()) > 1.5 * math.pi - 1.5 and float(r.max()) < 4.5 * math.pi + 1.5
    assert float(r.mean()) == pytest.approx(3 * math.pi, rel=0.03)  # t uniform: mean 3π


def test_two_moons_are_centred():
    # upper moon mean (0, 2/π), lower (1, ½ − 2/π): the fair-coin mixture has mean (½, ¼), removed by the centring
    x = sample_toy("moons", N, torch.Generator().manual_seed(4)).double()
    se = x.std(0) / math.sqrt(N)
    assert bool((x.mean(0).abs() <= 4 * se).all())


def test_sample_toy_refuses_unknown_names_and_empty_samples():
    with pytest.raises(ValueError, match=r"unknown toy distribution 'spiral'; choose from \['25gaussians'"):
        sample_toy("spiral", 10)
    with pytest.raises(ValueError, match="number of samples must be > 0, got 0"):
        sample_toy("moons", 0)


def test_digits_have_the_declared_shape():
    train, test = load_digits()
    assert tuple(train.x.shape[1:]) == DIGITS_SHAPE == tuple(test.x.shape[1:]) == (1, 8, 8)


def test_the_toy_mixtures_and_gaussian_mixture_draw_with_the_one_mixture_sampler():
    # one sampler for every Gaussian mixture: the toys are GaussianMixture(centres, std) draw for draw
    from saddle.data.toy import sample_mixture
    from saddle.sampling import GaussianMixture

    g = torch.Generator
    x = sample_toy("8gaussians", N, g().manual_seed(4))
    assert torch.equal(x, GaussianMixture(ring_centers(8, 2.0), 0.02 * 2**0.5 * 2).sample(N, g().manual_seed(4)))
    means, w = (
        torch.tensor([[0.0, 0.0], [4.0, 0.0]], dtype=torch.float64),
        torch.tensor([0.8, 0.2], dtype=torch.float64),
    )
    y = sample_mixture(means, torch.tensor([1.0, 0.5], dtype=torch.float64), 40_000, g().manual_seed(5), w)
    assert torch.equal(y, GaussianMixture(means, torch.tensor([1.0, 0.5]), w).sample(40_000, g().manual_seed(5)))
    # first coordinate: mean Σ w_k μ_k = 0.8, variance Σ w_k (τ_k² + μ_k²) − 0.8² = 0.8 + 0.2 (0.25 + 16) − 0.64
    assert abs(float(y[:, 0].mean()) - 0.8) < 5 * math.sqrt((0.8 + 0.2 * 16.25 - 0.64) / len(y))
