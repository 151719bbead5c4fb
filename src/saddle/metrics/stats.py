"""Small statistics over seeds and runs: mean ± standard error, t confidence intervals, least-squares slopes.

One home for what experiments used to compute by hand (`std(ddof=1)/sqrt(n)`, `np.polyfit(log x, log y, 1)`,
`hypot(se_a, se_b)`). A `MeanSE` in a run's metrics is stored as the record {"mean", "se", "n"} that the
statistical claims of `saddle.claims` read (`Claim(..., sigmas=2.0)`): `mean_se(values)` for one quantity over
seeds, `paired_difference(a, b)` for a difference measured on the same seeds, `MeanSE.minus` for independent ones. Inputs are sequences, numpy arrays or tensors of real numbers; results are plain floats.
Non-finite inputs propagate to NaN results (no warnings): a diverged seed shows as NaN, never as a number.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import overload

import numpy as np
import torch

from saddle.validation import check_int, check_real, check_tensor

__all__ = [
    "LinearFit",
    "MeanSE",
    "batch_means",
    "confidence_interval",
    "geometric_mean",
    "linear_fit",
    "loglog_fit",
    "mean_se",
    "mean_se_by_key",
    "paired_difference",
    "seeds_needed",
    "slopes",
    "spearman_permutation_pvalue",
]

Values = Sequence[float] | np.ndarray | torch.Tensor


def _as_array(values: Values, name: str = "values") -> np.ndarray:
    """values as a float64 numpy array (a real tensor, array or sequence; NaN kept: the statistics propagate it)."""
    if isinstance(values, torch.Tensor):
        values = check_tensor(name, values, dtype="any", finite=False, nonempty=False)
        if values.is_complex() or values.dtype == torch.bool:
            raise ValueError(f"{name} must be real numbers, got dtype {values.dtype}")
        values = values.detach().cpu().double().numpy()
    if np.iscomplexobj(values):
        raise ValueError(f"{name} must be real numbers, got complex values")
    a = np.asarray(values, dtype=np.float64)
    if a.ndim != 1:
        raise ValueError(f"{name} must be one-dimensional, got shape {tuple(a.shape)}")
    return a


@dataclass(frozen=True)
class MeanSE:
    """Sample mean, its standard error sd/√n (sd with n − 1 in the denominator; NaN when n < 2) and n."""

    mean: float
    se: float
    n: int

    def interval(self, level: float = 0.95) -> tuple[float, float]:
        """Student-t confidence interval mean ± t_{n−1, (1+level)/2} · se (NaN bounds when n < 2)."""
        from scipy.stats import t

        check_real("level", level, 0.0, 1.0, high_open=True)
        if self.n < 2:
            return (math.nan, math.nan)
        half = float(t.ppf((1 + level) / 2, self.n - 1)) * self.se
        return (self.mean - half, self.mean + half)

    def minus(self, other: MeanSE) -> MeanSE:
        """Difference of two independent means: mean_a − mean_b ± sqrt(se_a² + se_b²) (n = min of the two)."""
        return MeanSE(self.mean - other.mean, math.hypot(self.se, other.se), min(self.n, other.n))

    def significantly_below(self, threshold: float = 0.0, k: float = 2.0) -> bool:
        """True when mean < threshold − k·se (the "more than k standard errors below" test; False on NaN)."""
        return bool(self.mean < threshold - k * self.se)

    def significantly_above(self, threshold: float = 0.0, k: float = 2.0) -> bool:
        """True when mean > threshold + k·se (False on NaN)."""
        return bool(self.mean > threshold + k * self.se)


def mean_se(values: Values) -> MeanSE:
    """Mean and standard error of the mean of a 1-D sample: (x̄, s/√n), s² = Σ(x − x̄)²/(n − 1)."""
    a = _as_array(values)
    n = len(a)
    if n == 0:
        raise ValueError("values must not be empty, got 0 values")
    with np.errstate(invalid="ignore", over="ignore"):
        mean = float(a.mean())
        se = float(a.std(ddof=1) / math.sqrt(n)) if n >= 2 else math.nan
    return MeanSE(mean, se, n)


def paired_difference(a: Values, b: Values) -> MeanSE:
    """Mean ± SE of the per-seed differences a_i − b_i (a paired comparison: both measured on the same seeds).

    Pairing removes the between-seed variance the two share: SE = sd(a − b)/√n, not hypot(se_a, se_b).
    """
    xa, xb = _as_array(a, "a"), _as_array(b, "b")
    if len(xa) != len(xb):
        raise ValueError(f"a paired difference needs one b per a (the same seeds), got {len(xa)} and {len(xb)} values")
    with np.errstate(invalid="ignore", over="ignore"):
        return mean_se(xa - xb)


def seeds_needed(diff: MeanSE, sigmas: float = 2.0) -> float | None:
    """The seeds at which an observed mean difference would sit `sigmas` standard errors above 0, the spread
    staying the same: ⌈(sigmas · sd / mean)²⌉ with sd = se·√n (mean/(sd/√n) ≥ sigmas ⟺ n ≥ (sigmas·sd/mean)²).

    None when the mean is ≤ 0 (no number of seeds makes it a gain) or when there is no spread to scale (n < 2 or
    a non-finite SE). A planning number for a claim's `min_n`, not a significance test.
    """
    check_real("sigmas", sigmas)
    if not diff.mean > 0 or diff.n < 2 or not math.isfinite(diff.se):
        return None
    return float(math.ceil((sigmas * diff.se * math.sqrt(diff.n) / diff.mean) ** 2))


def batch_means(values: Values, batches: int = 5) -> MeanSE:
    """Mean ± SE of an autocorrelated series (iterates, a chain's values): `mean_se` of the means of `batches`
    contiguous blocks (the batch-means estimator; blocks as `np.array_split`, sizes differing by at most one)."""
    a = _as_array(values)
    check_int("batches", batches, low=2)
    if len(a) < batches:
        raise ValueError(f"batch means need at least one value per batch: {len(a)} values for {batches} batches")
    return mean_se([float(np.mean(b)) for b in np.array_split(a, batches)])


def mean_se_by_key(runs: Sequence[Mapping[str, float]], keys: Iterable[str]) -> dict[str, MeanSE]:
    """{key: mean_se([run[key] for run in runs])}: one summary over seeds per measured quantity (runs: one per seed)."""
    if not runs:
        raise ValueError("runs must not be empty, got 0 runs")
    return {k: mean_se([float(r[k]) for r in runs]) for k in keys}


def confidence_interval(values: Values, level: float = 0.95) -> tuple[float, float]:
    """Student-t confidence interval for the mean of a 1-D sample: x̄ ± t_{n−1,(1+level)/2} s/√n."""
    return mean_se(values).interval(level)


@dataclass(frozen=True)
class LinearFit:
    """Ordinary least squares y ≈ intercept + slope·x with standard errors and n points.

    slope_se = sqrt(RSS/(n − 2) / Σ(x − x̄)²) (NaN when n < 3), as scipy.stats.linregress's `stderr`.
    """

    slope: float
    intercept: float
    slope_se: float
    intercept_se: float
    n: int

    def predict(self, x: Values) -> np.ndarray:
        """intercept + slope·x."""
        return self.intercept + self.slope * _as_array(x, "x")


def linear_fit(x: Values, y: Values) -> LinearFit:
    """Least-squares line through (x_i, y_i) with the standard errors of slope and intercept (needs ≥ 2 points)."""
    xa, ya = _as_array(x, "x"), _as_array(y, "y")
    if len(xa) != len(ya):
        raise ValueError(f"x and y must have the same length (shape), got {len(xa)} and {len(ya)}")
    n = len(xa)
    if n < 2:
        raise ValueError(f"a line needs at least 2 points, got {n}")
    with np.errstate(invalid="ignore", over="ignore", divide="ignore"):
        xm, ym = xa.mean(), ya.mean()
        sxx = float(((xa - xm) ** 2).sum())
        if sxx == 0 and np.isfinite(xa).all():
            raise ValueError(f"x must take at least two distinct values, got {xa.tolist()}")
        slope = float(((xa - xm) * (ya - ym)).sum() / sxx)
        intercept = float(ym - slope * xm)
        if n >= 3:
            s2 = float(((ya - intercept - slope * xa) ** 2).sum()) / (n - 2)
            slope_se = math.sqrt(s2 / sxx)
            intercept_se = math.sqrt(s2 * (1 / n + xm**2 / sxx))
        else:
            slope_se = intercept_se = math.nan
    return LinearFit(slope, intercept, slope_se, intercept_se, n)


def loglog_fit(x: Values, y: Values) -> LinearFit:
    """`linear_fit(log x, log y)`: the exponent of a power law y ∝ x^slope (x, y must be > 0; NaN otherwise)."""
    xa, ya = _as_array(x, "x"), _as_array(y, "y")
    with np.errstate(invalid="ignore", divide="ignore"):
        return linear_fit(np.log(xa), np.log(ya))


@overload
def geometric_mean(values: Values | Sequence[Sequence[float]], axis: None = None) -> float: ...
@overload
def geometric_mean(values: Values | Sequence[Sequence[float]], axis: int) -> float | np.ndarray: ...
def geometric_mean(values: Values | Sequence[Sequence[float]], axis: int | None = None) -> float | np.ndarray:
    """exp(mean(log values)) over `axis` (all entries by default); values must be > 0 (NaN otherwise)."""
    if isinstance(values, torch.Tensor):
        a = _as_array(values.reshape(-1), "values").reshape(values.shape)
    else:
        a = np.asarray(values, dtype=np.float64)
    with np.errstate(invalid="ignore", divide="ignore"):
        g = np.exp(np.mean(np.log(a), axis=axis))
    return float(g) if np.ndim(g) == 0 else g


def slopes(x: Values, rows: Sequence[Values] | np.ndarray, log_x: bool = False, log_y: bool = False) -> list[float]:
    """The least-squares slope of each row of `rows` against `x` (one row per seed): `linear_fit(x, row).slope`.

    `log_x`/`log_y` fit against log x / log y (both: the power-law exponent, as `loglog_fit`). A trend over seeds
    is `mean_se(slopes(x, rows))`: the slope fitted per seed, then mean ± SE over seeds. A row with a
    non-positive or NaN entry on a log axis gets a NaN slope.
    """
    xa = _as_array(x, "x")
    with np.errstate(invalid="ignore", divide="ignore"):
        xf = np.log(xa) if log_x else xa
        out = []
        for i, row in enumerate(rows):
            ya = _as_array(row, f"rows[{i}]")
            out.append(linear_fit(xf, np.log(ya) if log_y else ya).slope)
    return out


def spearman_permutation_pvalue(x: Values, y: Values, n_resamples: int = 9999, seed: int = 0) -> float:
    """One-sided (ρ > 0) permutation p-value of Spearman's ρ between x and y: pairings of the ranks shuffled.

    Spearman's ρ is Pearson's r of the (average) ranks; `scipy.stats.permutation_test` pairs the ranks of x
    with those of y at random `n_resamples` times (exactly, over all n! pairings, when there are fewer), drawn
    from `numpy.random.default_rng(seed)`. Exact for small n and free of the t approximation of `spearmanr`'s p.
    """
    from scipy import stats

    xa, ya = _as_array(x, "x"), _as_array(y, "y")
    if len(xa) != len(ya) or len(xa) < 3:
        raise ValueError(f"x and y must have the same length >= 3, got {len(xa)} and {len(ya)}")
    check_int("n_resamples", n_resamples)
    rank_y = stats.rankdata(ya) - (len(ya) + 1) / 2

    def rho(rank_x: np.ndarray, axis: int = -1) -> np.ndarray:
        centred = rank_x - rank_x.mean(axis=axis, keepdims=True)
        return (centred * rank_y).sum(axis=axis) / np.sqrt((centred**2).sum(axis=axis) * (rank_y**2).sum())

    test = stats.permutation_test(
        (stats.rankdata(xa),),
        rho,
        permutation_type="pairings",
        alternative="greater",
        n_resamples=n_resamples,
        vectorized=True,
        random_state=np.random.default_rng(seed),
    )
    return float(test.pvalue)
