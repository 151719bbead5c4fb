"""Mode coverage / high quality / reverse KL on constructed sample sets; exact W1 against brute force; scores."""

import itertools
import math

import pytest
import torch

from saddle.data.toy import grid_centers, ring_centers, twenty_five_gaussians
from saddle.metrics import classifier_score, critic_w1_estimate, mode_coverage, wasserstein


def test_mode_metrics_on_a_constructed_set():
    """Ring of 8 modes (radius 2), σ = 0.1 (3σ = 0.3). Samples: 3 on mode 0 (one at 0.25, inside), 1 on mode 2
    at distance 0.35 (outside 3σ but nearest to mode 2), 2 on mode 4, 2 at 0.8·c_1 (distance 0.4 from mode 1:
    nearest to it, outside 3σ). Hand values below."""
    c = ring_centers(8, 2.0).double()
    s = torch.stack(
        [
            c[0],
            c[0] + torch.tensor([0.25, 0.0]).double(),
            c[0] - torch.tensor([0.1, 0.1]).double(),
            c[2] + torch.tensor([0.35, 0.0]).double(),
            c[4],
            c[4],
            0.8 * c[1],
            0.8 * c[1],
        ]
    )
    m = mode_coverage(s, c, std=0.1)
    assert m.modes_captured == 2 and m.captured == [True, False, False, False, True, False, False, False]
    assert m.high_quality == pytest.approx(5 / 8)
    assert m.counts == [3, 2, 1, 0, 2, 0, 0, 0]
    q = torch.tensor([3, 2, 1, 2], dtype=torch.float64) / 8
    assert m.reverse_kl == pytest.approx(float((q * (q * 8).log()).sum()), rel=1e-12)


def test_true_samples_cover_every_mode_with_about_99_7_percent_high_quality():
    """Samples of the 25-Gaussian grid itself: all 25 modes, HQ = P(‖N(0, σ²I₂)‖ ≤ 3σ) = 1 − e^{−9/2} ≈ 0.98889,
    reverse KL ≈ 0 (within the multinomial fluctuation ≈ (K − 1)/(2n))."""
    n = 20_000
    x = twenty_five_gaussians(n, torch.Generator().manual_seed(0))
    m = mode_coverage(x, grid_centers(), 0.05)
    p_hq = 1 - math.exp(-4.5)
    se = math.sqrt(p_hq * (1 - p_hq) / n)
    assert m.modes_captured == 25
    assert abs(m.high_quality - p_hq) < 4 * se
    assert 0 <= m.reverse_kl < 10 * 24 / (2 * n)


def test_collapsed_samples_have_reverse_kl_log_k():
    """All samples on one of K equally weighted modes: KL(q ‖ p) = log K, one mode captured."""
    c = grid_centers()
    m = mode_coverage(c[7].expand(100, 2), c, 0.05)
    assert m.modes_captured == 1 and m.high_quality == 1.0
    assert m.reverse_kl == pytest.approx(math.log(25), rel=1e-12)


def test_exact_w1_matches_brute_force_assignment():
    """Equal-size uniform empirical measures: W1 = min over permutations of the mean matched distance."""
    g = torch.Generator().manual_seed(0)
    a, b = torch.randn(6, 2, generator=g, dtype=torch.float64), torch.randn(6, 2, generator=g, dtype=torch.float64)
    d = torch.cdist(a, b)
    brute = min(sum(float(d[i, j]) for i, j in enumerate(perm)) / 6 for perm in itertools.permutations(range(6)))
    assert wasserstein(a, b, p=1) == pytest.approx(brute, rel=1e-9)
    brute2 = min(sum(float(d[i, j]) ** 2 for i, j in enumerate(perm)) / 6 for perm in itertools.permutations(range(6)))
    assert wasserstein(a, b, p=2) == pytest.approx(math.sqrt(brute2), rel=1e-9)


def test_critic_w1_estimate_equals_exact_w1_for_the_optimal_1d_critic():
    """In 1-D, two point masses at 0 and t: W1 = t and d(x) = x is an optimal 1-Lipschitz critic."""
    real, fake = torch.full((10, 1), 3.0, dtype=torch.float64), torch.zeros(10, 1, dtype=torch.float64)
    critic = lambda x: x[:, 0]  # noqa: E731
    assert critic_w1_estimate(critic, real, fake) == pytest.approx(wasserstein(real, fake, p=1))


def test_classifier_score_of_perfect_and_collapsed_classifiers():
    class Fixed(torch.nn.Module):
        def __init__(self, logits):
            super().__init__()
            self.logits = logits

        def forward(self, x):
            return self.logits

    onehot = 50.0 * torch.eye(10)  # confident, every class once
    s = classifier_score(Fixed(onehot), torch.zeros(10, 1, 8, 8))
    assert s["mean_confidence"] == pytest.approx(1.0) and s["confident_fraction"] == 1.0
    assert s["label_entropy"] == pytest.approx(math.log(10), rel=1e-9)
    assert s["inception_score"] == pytest.approx(10.0, rel=1e-6)
    collapsed = classifier_score(Fixed(onehot[[3] * 10]), torch.zeros(10, 1, 8, 8))
    assert collapsed["label_entropy"] == pytest.approx(0.0, abs=1e-9)
    assert collapsed["inception_score"] == pytest.approx(1.0, rel=1e-6)
    assert collapsed["class_histogram"][3] == 1.0


def test_bad_input_raises():
    c = grid_centers()
    with pytest.raises(ValueError, match="std"):
        mode_coverage(torch.zeros(3, 2), c, std=0.0)
    with pytest.raises(ValueError, match=r"shape|need"):
        mode_coverage(torch.zeros(3, 3), c, std=0.1)
    with pytest.raises(ValueError, match="NaN"):
        mode_coverage(torch.full((3, 2), float("nan")), c, std=0.1)
    with pytest.raises(ValueError, match="weights"):
        mode_coverage(torch.zeros(3, 2), c, std=0.1, weights=torch.ones(25))


def test_one_dimensional_wasserstein_is_the_sorted_matching_and_agrees_with_pot(gen):
    """In 1-D with equal sizes the sorted matching is optimal; the fast path equals POT's exact linear programme."""
    import numpy as np
    import ot

    a = torch.randn(300, 1, generator=gen, dtype=torch.float64)
    b = torch.rand(300, 1, generator=gen, dtype=torch.float64) * 3
    for p in (1, 2):
        cost = ot.dist(a.numpy(), b.numpy(), metric="euclidean") ** p
        exact = ot.emd2(np.full(300, 1 / 300), np.full(300, 1 / 300), cost, numItermax=10**7) ** (1 / p)
        assert wasserstein(a, b, p=p) == pytest.approx(exact, rel=1e-10)
    shift = torch.tensor([[0.7]], dtype=torch.float64)
    assert wasserstein(a, a + shift, p=1) == pytest.approx(0.7, rel=1e-12)  # a translation costs its length


def test_wasserstein_of_a_translated_cloud_is_the_translation_length_in_any_dimension(gen):
    a = torch.rand(40, 3, generator=gen, dtype=torch.float64)
    t = torch.tensor([[0.3, -0.4, 1.2]], dtype=torch.float64)
    assert wasserstein(a, a + t, p=1) == pytest.approx(t.norm().item(), rel=1e-9)
    assert wasserstein(a, a + t, p=2) == pytest.approx(t.norm().item(), rel=1e-9)


@pytest.mark.parametrize("d", [1, 2, 3])
def test_uniform_quantization_bound_closed_forms_and_a_grid(d):
    """d = 1: 1/(4n) (n points at the centres of n cells achieve exactly 1/(4n)); the bound never exceeds what the
    centred grid achieves against a fine sample of the uniform measure."""
    from saddle.metrics import uniform_quantization_bound

    assert uniform_quantization_bound(10, 1) == pytest.approx(1 / 40, rel=1e-12)
    assert uniform_quantization_bound(5, 2) == pytest.approx(2 / 3 / math.sqrt(5 * math.pi), rel=1e-12)
    k = 3
    centres = (torch.stack(torch.meshgrid(*[torch.arange(k)] * d, indexing="ij"), -1).reshape(-1, d) + 0.5) / k
    fine = (torch.stack(torch.meshgrid(*[torch.arange(24)] * d, indexing="ij"), -1).reshape(-1, d) + 0.5) / 24
    if d == 3:
        fine = fine[torch.randperm(len(fine), generator=torch.Generator().manual_seed(0))[:2000]]
    weights = torch.full((len(fine),), 1 / len(fine), dtype=torch.float64)
    grid_cost = wasserstein(fine.double(), centres.double(), p=1, weights_a=weights)
    assert uniform_quantization_bound(k**d, d) <= grid_cost + 1e-12  # tight in d = 1, within 3% in d = 2, 3
    with pytest.raises(ValueError, match="n"):
        uniform_quantization_bound(0, 2)
