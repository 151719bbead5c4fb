"""Perturbed gradient descent escapes a strict saddle where plain gradient descent on its stable manifold does not.

Reproduces seed 003, "Basic questions on solution concepts" — "Does SGD avoid non-minimum points with probability 1?"
— and its "Perturbed Stochastic Gradient Descent [30]: sample noise ξ uniformly from unit sphere; update
x^{k+1} ← x^k − α_k(g^k + ξ)" (Jin, Ge, Netrapalli, Kakade, Jordan, ICML 2017), with seed 001's "SGD avoids strict
saddles/traps (λ_min(∇²f(x*)) < 0) almost surely" and seed 003's reference "First-order methods almost always avoid
strict saddle points" (Lee et al. 2016/2019).

Function (`saddle.games.StrictSaddle`): f(x, y) = ½‖x‖² − ½y² + ¼y⁴ on R^{d−1} × R, a strict saddle at 0 (f = 0,
λ_min = −1) and minimisers (0, ±1) (f = −1/4). Plain GD (`SimultaneousGDA`, step α) from (x_0, 0) stays on the
stable manifold {y = 0} and converges to the saddle; from a Gaussian random start it escapes (the manifold has
measure zero); perturbed GD (`SimultaneousGDA` driven by `SphereNoiseField`, radius 1, seed 003's update) escapes
from the manifold start. A run "ends at a minimum" when f(z_K) < −0.1 (the saddle has f = 0; the minima −1/4, the
perturbation keeps the iterate within O(α) of one). Escape time: the first k with |y_k| ≥ ½. Near the saddle
y_{k+1} ≈ (1 + α)y_k − αξ_y with ξ_y of variance 1/d (one coordinate of a uniform unit vector), so
|y_k| ≈ |Z|·√(α/(2d))·(1 + α)^k and the escape time grows like log d / (2 log(1 + α)) + O(1): linearly in log d
(the poly-logarithmic dimension dependence of Jin et al.), with slope 1/(2 log(1 + α)).
Expected: GD on the manifold ends within 1e-6 of the saddle; every perturbed run and every random-start GD run ends
at a minimum; the escape time's slope against log d is 1/(2 log(1 + α)) within 10% (the linearisation ignores the
cubic term). Measured at default size (1000 runs, d = 4…256): GD distance to the saddle 1.4e-7; all 1000 perturbed
and all 1000 random-start runs end at a minimum; slope ratio 1.019 ± 0.023.
Sizes: with 200 runs per dimension the ratio's SE was 0.04–0.05 (development), too wide for the 10% window at two
SEs; `runs` = 1000 puts it at 0.023; `steps` = 150 lets every run escape (the slowest take ≈ 90 steps at d = 256);
run CPU 3.0 s (one thread, load ≈ 20).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import torch

from saddle.experiments.base import Claim, Experiment, ExperimentConfig, RunOutput, check_positive
from saddle.games import StrictSaddle
from saddle.metrics.stats import linear_fit, mean_se
from saddle.optim import SimultaneousGDA, SphereNoiseField


@dataclass
class Config(ExperimentConfig):
    step_size: float = 0.1
    steps: int = 150
    runs: int = 1000
    dims: tuple[int, ...] = (4, 16, 64, 256)

    def validate(self) -> None:
        check_positive(self, "step_size", "steps", "runs", "dims")
        if self.step_size >= 1:
            raise ValueError(f"step_size must be < 1 (the x-part then contracts monotonically), got {self.step_size}")
        if min(self.dims) < 2 or len(self.dims) < 2:
            raise ValueError(f"need at least two dims, each >= 2 (x and y), got {self.dims!r}")


def _descend(
    game: StrictSaddle, z0: torch.Tensor, config: Config, noise: torch.Generator | None
) -> tuple[torch.Tensor, torch.Tensor]:
    """GD (noise None) or perturbed GD from z0 (B, d): final points and each run's escape step (−1: never)."""
    method = SimultaneousGDA(config.step_size)
    field = game.field if noise is None else SphereNoiseField(game.field, 1.0, noise)
    z, state = [z0], method.init([z0])
    escape = torch.full((z0.shape[0],), -1, dtype=torch.long)
    for k in range(1, config.steps + 1):
        z, state = method.step(z, state, field)
        escape[(escape < 0) & (z[0][:, -1].abs() >= 0.5)] = k
    return z[0], escape


def run(config: Config, out: RunOutput) -> dict:
    import matplotlib.pyplot as plt

    gen = torch.Generator().manual_seed(config.seed)
    d0 = config.dims[0]
    game = StrictSaddle(d0)
    manifold = torch.zeros(config.runs, d0, dtype=torch.float64)
    manifold[:, :-1] = 1 / math.sqrt(d0 - 1)  # ‖x_0‖ = 1, y_0 = 0: on the stable manifold
    gd_end, _ = _descend(game, manifold[:1], config, None)
    perturbed_end, _ = _descend(game, manifold, config, gen)
    random_start = torch.randn(config.runs, d0, generator=gen, dtype=torch.float64)
    random_end, _ = _descend(game, random_start, config, None)

    def at_minimum(z: torch.Tensor) -> list[float]:
        return (game.value(z) < -0.1).double().tolist()

    metrics: dict = {
        "gd_manifold_distance_to_saddle": float(gd_end.norm()),
        "perturbed_at_minimum": mean_se(at_minimum(perturbed_end)),
        "gd_random_start_at_minimum": mean_se(at_minimum(random_end)),
        "escape_steps": {},
    }
    xs, ys = [], []
    for d in config.dims:
        z0 = torch.zeros(config.runs, d, dtype=torch.float64)
        z0[:, :-1] = 1 / math.sqrt(d - 1)
        _, escape = _descend(StrictSaddle(d), z0, config, gen)
        escaped = escape[escape > 0].double()
        metrics["escape_steps"][str(d)] = {"mean_se": mean_se(escaped), "escaped_fraction": len(escaped) / config.runs}
        xs += [math.log(d)] * len(escaped)
        ys += escaped.tolist()
        out.log.info("d=%d: %d/%d escaped, mean escape step %.1f", d, len(escaped), config.runs, escaped.mean())
    fit = linear_fit(xs, ys)
    theory = 1 / (2 * math.log(1 + config.step_size))
    metrics["escape_slope_vs_log_d"] = {"mean": fit.slope, "se": fit.slope_se, "n": fit.n}
    metrics["escape_slope_theory"] = theory
    metrics["escape_slope_ratio"] = {"mean": fit.slope / theory, "se": fit.slope_se / theory, "n": fit.n}

    fig, axes = plt.subplots(1, 2, figsize=(10, 3.8))
    ax = axes[0]
    for z, label, color in (
        (perturbed_end, "perturbed GD from (x₀, 0)", "C0"),
        (random_end, "GD from random starts", "C2"),
    ):
        ax.plot(z[:, 0], z[:, -1], ".", color=color, ms=3, alpha=0.6, label=label)
    ax.plot([float(gd_end[0, 0])], [float(gd_end[0, -1])], "C3x", ms=10, label="GD from (x₀, 0): the saddle")
    ax.plot([manifold[0, 0]], [0], "ko", ms=4)
    ax.set(xlabel="x₁", ylabel="y", title=f"end points after {config.steps} steps (d = {d0})")
    ax.legend(fontsize=7)
    ds = np.array(config.dims, dtype=float)
    means = [metrics["escape_steps"][str(d)]["mean_se"].mean for d in config.dims]
    ses = [metrics["escape_steps"][str(d)]["mean_se"].se for d in config.dims]
    axes[1].errorbar(ds, means, yerr=ses, fmt="o", label="perturbed GD: mean escape step ± SE")
    axes[1].plot(
        ds, fit.intercept + fit.slope * np.log(ds), "C0-", lw=0.8, label=f"fit: slope {fit.slope:.2f} per log d"
    )
    centre = float(np.mean(xs))  # the theory line through the fit's centre of mass
    theory_line = fit.intercept + fit.slope * centre + theory * (np.log(ds) - centre)
    axes[1].plot(ds, theory_line, "k--", lw=0.8, label=f"slope 1/(2 log(1+α)) = {theory:.2f}")
    axes[1].set_xscale("log")
    axes[1].set(xlabel="dimension d", ylabel="first k with |y_k| ≥ ½")
    axes[1].legend(fontsize=7)
    out.savefig(
        fig,
        "saddle_escape",
        "Left: on f = ½‖x‖² − ½y² + ¼y⁴, gradient descent started on the saddle's stable manifold y = 0 converges to "
        "the saddle (red ×), while seed 003's perturbed GD (unit-sphere noise) from the same start and plain GD from "
        "random starts end at the minima (0, ±1). Right: the escape time grows linearly in log d (Jin et al. 2017: "
        "poly-logarithmic in d) with the slope 1/(2 log(1+α)) of the linearised dynamics.",
    )
    return metrics


_SEED3 = "seed 003, 'Perturbed Stochastic Gradient Descent [30]' (Jin et al. 2017)"
_LEE = "seed 003, 'Does SGD avoid non-minimum points with probability 1?' (Lee et al. 2016, ref. [51])"
CLAIMS = (
    Claim(
        "gd_stalls_on_stable_manifold",
        "gradient descent started on the strict saddle's stable manifold converges to the saddle (distance < 1e-6)",
        _LEE,
        "gd_manifold_distance_to_saddle",
        "<",
        1e-6,
    ),
    Claim(
        "perturbed_gd_escapes",
        "perturbed GD (noise uniform on the unit sphere) from the same start ends at a minimum with probability 1: "
        "fraction of runs with f(z_K) < −0.1 above 0.99 by two standard errors",
        _SEED3,
        "perturbed_at_minimum",
        ">",
        0.99,
        sigmas=2.0,
        min_n=30,
    ),
    Claim(
        "gd_random_start_escapes",
        "plain GD from random starts avoids the strict saddle almost surely: fraction ending at a minimum above 0.99 by "
        "two standard errors",
        _LEE,
        "gd_random_start_at_minimum",
        ">",
        0.99,
        sigmas=2.0,
        min_n=30,
    ),
    Claim(
        "escape_time_log_d_low",
        "the escape time grows like log d (Jin et al.: poly-logarithmic in d) with the linearised slope "
        "1/(2 log(1+α)): ratio of the fitted slope to it above 0.9 by two standard errors",
        _SEED3,
        "escape_slope_ratio",
        ">",
        0.9,
        at_quick=False,
        sigmas=2.0,
        min_n=100,
    ),
    Claim(
        "escape_time_log_d_high",
        "the escape time's slope against log d is at most 1.1 × 1/(2 log(1+α)) by two standard errors",
        _SEED3,
        "escape_slope_ratio",
        "<",
        1.1,
        at_quick=False,
        sigmas=2.0,
        min_n=100,
    ),
)


EXPERIMENT = Experiment(
    claims=CLAIMS,
    name="saddle_escape",
    summary="strict saddle: GD on the stable manifold converges to it, perturbed GD (seed 003) escapes in O(log d) steps",
    config=Config,
    run=run,
    quick={"runs": 100, "dims": (4, 64)},
    reproduces="seed 003, perturbed SGD (Jin et al. 2017) and 'SGD avoids strict saddles almost surely' (seed 001)",
)
