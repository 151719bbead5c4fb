"""saddle.metrics.stats against scipy.stats (an independent implementation) and closed forms."""

import math

import numpy as np
import pytest
import scipy.stats
import torch

from saddle.metrics.stats import (
    MeanSE,
    batch_means,
    confidence_interval,
    geometric_mean,
    linear_fit,
    loglog_fit,
    mean_se,
    mean_se_by_key,
    seeds_needed,
    slopes,
    spearman_permutation_pvalue,
)


@pytest.mark.parametrize("n", [2, 3, 10, 57])
def test_mean_se_and_interval_agree_with_scipy(n):
    x = np.random.default_rng(n).normal(1.5, 2.0, n)
    m = mean_se(x)
    assert m.n == n
    assert m.mean == pytest.approx(x.mean(), rel=1e-14)
    assert m.se == pytest.approx(scipy.stats.sem(x), rel=1e-12)
    lo, hi = confidence_interval(torch.tensor(x), 0.9)
    ref = scipy.stats.t.interval(0.9, n - 1, loc=x.mean(), scale=scipy.stats.sem(x))
    assert (lo, hi) == pytest.approx(ref, rel=1e-12)


def test_interval_covers_the_true_mean_at_its_level():
    """Coverage of the 90% t interval for n = 5 normal draws: 0.9 within 4 binomial standard errors."""
    rng = np.random.default_rng(0)
    trials = 4000
    hits = sum(lo <= 0.0 <= hi for lo, hi in (confidence_interval(rng.normal(0, 1, 5), 0.9) for _ in range(trials)))
    assert abs(hits / trials - 0.9) < 4 * math.sqrt(0.9 * 0.1 / trials)


def test_difference_and_significance_tests():
    a, b = MeanSE(3.0, 0.3, 4), MeanSE(1.0, 0.4, 6)
    d = a.minus(b)
    assert (d.mean, d.se, d.n) == (2.0, pytest.approx(0.5), 4)
    assert d.significantly_above(0.0) and not d.significantly_above(1.1)
    assert MeanSE(-1.0, 0.4, 3).significantly_below(0.0) and not MeanSE(-1.0, 0.6, 3).significantly_below(0.0)
    nan = MeanSE(math.nan, math.nan, 3)
    assert not nan.significantly_above() and not nan.significantly_below()


def test_single_value_and_non_finite_propagate_to_nan_without_warnings():
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        one = mean_se([2.0])
        assert one.mean == 2.0 and math.isnan(one.se) and all(math.isnan(v) for v in one.interval())
        bad = mean_se([1.0, float("inf"), 2.0])
        assert math.isinf(bad.mean) and math.isnan(bad.se)
        assert math.isnan(loglog_fit([1.0, 2.0, 4.0], [1.0, -1.0, 3.0]).slope)


@pytest.mark.parametrize("n", [3, 8, 30])
def test_linear_fit_agrees_with_scipy_linregress(n):
    rng = np.random.default_rng(10 + n)
    x = rng.uniform(0, 5, n)
    y = 0.7 - 1.3 * x + rng.normal(0, 0.2, n)
    fit, ref = linear_fit(x, y), scipy.stats.linregress(x, y)
    assert fit.slope == pytest.approx(ref.slope, rel=1e-12)
    assert fit.intercept == pytest.approx(ref.intercept, rel=1e-12, abs=1e-14)
    assert fit.slope_se == pytest.approx(ref.stderr, rel=1e-10)
    assert fit.intercept_se == pytest.approx(ref.intercept_stderr, rel=1e-10)
    np.testing.assert_allclose(fit.predict(x), ref.intercept + ref.slope * x, rtol=1e-12)


def test_loglog_fit_recovers_a_power_law_exactly():
    x = np.array([2.0, 4.0, 8.0, 16.0, 32.0])
    fit = loglog_fit(x, 3.0 * x**-0.5)
    assert fit.slope == pytest.approx(-0.5, abs=1e-14) and fit.slope_se == pytest.approx(0.0, abs=1e-7)
    assert math.exp(fit.intercept) == pytest.approx(3.0, rel=1e-13)
    two = linear_fit([0.0, 1.0], [1.0, 3.0])
    assert two.slope == pytest.approx(2.0) and math.isnan(two.slope_se)


def test_slopes_per_seed_recover_each_rows_power_law_and_agree_with_linregress():
    """One row per seed: y = c_s x^{k_s} gives exactly k_s on log-log axes; linear axes agree with scipy."""
    x = np.array([16.0, 32.0, 128.0, 256.0])
    ks, cs = [-0.5, -0.25, 0.1], [3.0, 0.2, 7.0]
    rows = [c * x**k for c, k in zip(cs, ks)]
    assert slopes(x, rows, log_x=True, log_y=True) == pytest.approx(ks, abs=1e-13)
    # log y against x: y = e^{a x} has slope a on a semi-log plot
    assert slopes([2.0, 3.0, 4.0, 6.0], [np.exp(-0.33 * np.array([2.0, 3.0, 4.0, 6.0]))], log_y=True) == pytest.approx(
        [-0.33], abs=1e-13
    )
    noisy = np.random.default_rng(3).normal(size=(5, 4)) + x / 100
    expected = [scipy.stats.linregress(x, row).slope for row in noisy]
    assert slopes(x, noisy) == pytest.approx(expected, rel=1e-12)
    # a non-positive entry on a log axis: that seed's slope is NaN, the others are unchanged
    bad = slopes(x, [rows[0], np.array([1.0, 0.0, 2.0, 3.0])], log_x=True, log_y=True)
    assert bad[0] == pytest.approx(-0.5, abs=1e-13) and math.isnan(bad[1])
    with pytest.raises(ValueError, match=r"rows\[0\] must be one-dimensional"):
        slopes(x, [np.ones((2, 2))])


def test_batch_means_se_matches_the_spread_of_the_mean_of_an_autocorrelated_series():
    """AR(1) x_t = ρ x_{t−1} + ξ_t, ρ = 0.9: the mean of n steps has variance ≈ (1 + ρ)/(1 − ρ) · Var(x)/n, 19 times
    the iid formula. Over 4000 series, the batch-means SE² averages to the measured variance of the mean; the naive
    SE² is ≈ 19 times too small."""
    from scipy.signal import lfilter

    rho, n, reps = 0.9, 2000, 4000
    noise = np.random.default_rng(5).normal(size=(reps, n + 500))
    x = lfilter([1.0], [1.0, -rho], noise, axis=1)[:, 500:]  # stationary after the burn-in
    var_of_mean = x.mean(1).var()
    batch = np.mean([batch_means(row, 10).se ** 2 for row in x])
    naive = np.mean([mean_se(row).se ** 2 for row in x])
    assert batch == pytest.approx(var_of_mean, rel=0.1)  # 4000 series: MC error of var_of_mean ≈ 2.2%
    assert var_of_mean / naive == pytest.approx((1 + rho) / (1 - rho), rel=0.15)
    # blocks as np.array_split; the point estimate is the plain mean when the blocks are equal
    assert batch_means([1.0, 2.0, 3.0, 4.0, 5.0, 9.0], 3) == mean_se([1.5, 3.5, 7.0])
    assert batch_means(list(range(7)), 2) == mean_se([1.5, 5.0])
    with pytest.raises(ValueError, match="at least one value per batch: 3 values for 5 batches"):
        batch_means([1.0, 2.0, 3.0])
    with pytest.raises(ValueError, match="batches must be an integer >= 2, got 1"):
        batch_means([1.0, 2.0, 3.0], 1)


def test_spearman_permutation_pvalue_is_exact_over_all_pairings_for_small_n():
    """n = 6 < 7! resamples: the p-value is the fraction of the 720 pairings with ρ ≥ the observed ρ (brute force)."""
    import itertools

    x = [0.3, 1.2, 0.7, 2.0, 1.9, 0.1]
    y = [0.5, 0.9, 0.4, 1.7, 2.2, 0.6]
    rx, ry = scipy.stats.rankdata(x), scipy.stats.rankdata(y)
    observed = scipy.stats.spearmanr(x, y).statistic
    rhos = [scipy.stats.spearmanr(rx[list(perm)], ry).statistic for perm in itertools.permutations(range(6))]
    expected = sum(r >= observed - 1e-12 for r in rhos) / 720
    assert spearman_permutation_pvalue(x, y) == pytest.approx(expected, rel=1e-12)
    assert spearman_permutation_pvalue([1, 2, 3, 4, 5, 6], [2, 4, 6, 8, 10, 12]) == pytest.approx(1 / 720)
    with pytest.raises(ValueError, match="same length >= 3, got 2 and 2"):
        spearman_permutation_pvalue([1.0, 2.0], [1.0, 2.0])


def test_mean_se_by_key_is_mean_se_of_each_quantity_over_the_runs():
    runs = [{"a": 1.0, "b": 2.0, "c": 9.0}, {"a": 3.0, "b": 2.0, "c": 9.0}, {"a": 8.0, "b": -1.0, "c": 9.0}]
    out = mean_se_by_key(runs, ("a", "b"))
    assert set(out) == {"a", "b"} and out["a"] == mean_se([1.0, 3.0, 8.0]) and out["b"] == mean_se([2.0, 2.0, -1.0])
    assert out["a"].mean == pytest.approx(4.0) and out["a"].se == pytest.approx(math.sqrt(13 / 3), rel=1e-12)
    with pytest.raises(ValueError, match="runs must not be empty"):
        mean_se_by_key([], ("a",))


def test_geometric_mean_matches_scipy_over_axes():
    a = np.random.default_rng(1).uniform(0.1, 10, (4, 3))
    np.testing.assert_allclose(geometric_mean(a, axis=0), scipy.stats.gmean(a, axis=0), rtol=1e-13)
    assert geometric_mean(torch.tensor(a)) == pytest.approx(scipy.stats.gmean(a.ravel()), rel=1e-13)


@pytest.mark.parametrize(
    "call, match",
    [
        (lambda: mean_se([]), "must not be empty, got 0"),
        (lambda: mean_se(np.ones((2, 2))), r"one-dimensional, got shape \(2, 2\)"),
        (lambda: linear_fit([1.0, 2.0], [1.0]), r"same length \(shape\), got 2 and 1"),
        (lambda: linear_fit([1.0], [1.0]), "at least 2 points, got 1"),
        (lambda: linear_fit([1.0, 1.0, 1.0], [1.0, 2.0, 3.0]), "two distinct values"),
        (lambda: MeanSE(0.0, 1.0, 3).interval(1.5), r"level must be in \(0, 1\), got 1.5"),
    ],
)
def test_bad_input_raises_clear_errors(call, match):
    with pytest.raises(ValueError, match=match):
        call()


def test_paired_difference_is_the_mean_se_of_per_seed_differences_and_matches_scipy_ttest_rel():
    from saddle.metrics.stats import paired_difference

    rng = np.random.default_rng(3)
    base = rng.normal(0.0, 5.0, 10)  # a large between-seed variance that both arms share
    a, b = base + 1.0 + 0.1 * rng.normal(size=10), base + 0.1 * rng.normal(size=10)
    d = paired_difference(a, b)
    assert d == mean_se(a - b) and d.n == 10
    assert d.mean / d.se == pytest.approx(scipy.stats.ttest_rel(a, b).statistic, rel=1e-12)
    assert d.se < 0.1 * mean_se(a).minus(mean_se(b)).se  # pairing removes the shared variance
    assert paired_difference(torch.tensor(a), torch.tensor(b)) == d
    with pytest.raises(ValueError, match="got 3 and 2 values"):
        paired_difference([1.0, 2.0, 3.0], [1.0, 2.0])


def test_seeds_needed_scales_the_spread_to_two_standard_errors():
    d = MeanSE(mean=1.0, se=0.5, n=4)  # sd = 1: (2 · 1 / 1)² = 4 seeds put the mean 2 SE above 0
    assert seeds_needed(d) == 4.0 and seeds_needed(MeanSE(1.0, 0.25, 4)) == 1.0
    assert seeds_needed(MeanSE(-1.0, 0.5, 4)) is None  # no number of seeds makes a loss a gain
    assert seeds_needed(MeanSE(3.0, math.nan, 1)) is None  # one pair: no spread to scale
    assert seeds_needed(MeanSE(math.nan, math.nan, 0)) is None
    with pytest.raises(ValueError, match="sigmas"):
        seeds_needed(d, sigmas=0.0)


@pytest.mark.parametrize("sigmas", [1.0, 2.0, 3.0])
def test_seeds_needed_is_the_least_n_whose_standard_error_makes_the_mean_significant(sigmas):
    rng = np.random.default_rng(0)
    for _ in range(20):
        d = mean_se(rng.normal(0.3, 1.0, size=6))
        n = seeds_needed(d, sigmas)
        if d.mean <= 0:
            assert n is None
            continue
        sd = d.se * math.sqrt(d.n)
        assert d.mean >= sigmas * sd / math.sqrt(n) - 1e-12  # n seeds of this spread: mean ≥ sigmas·SE
        if n > 1:
            assert d.mean < sigmas * sd / math.sqrt(n - 1)  # one seed fewer is not enough
