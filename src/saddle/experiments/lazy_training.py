"""Lazy training iff m·α(m) → ∞: the lazy-training ratio κ against width for several output scales α(m) = m^(−q).

Reproduces seed 003, "Lazy training: a consequence of overparametrization or scaling?" — "Two layer networks
h(a, {x, v}) : a ↦ α(m) Σ_{j=1}^m v_j ReLU(x_jᵀa) with Gaussian initialization v_i, x_i ~ N(0, β²) will fall within
the lazy regime as long as lim_{m→∞} mβ = ∞" (Chizat, Oyallon, Bach 2019, "modified version"; in their paper the
scale is the output factor: κ ≲ (m α(m))⁻¹ + m^(−1/2), lazy when m α(m) → ∞) — and the ratio of seeds 000/003,
"non-lazy training experiment": κ = Σ_l ‖X_l(t) − X_l(0)‖_F / Σ_l ‖X_l(0)‖_F.

Setup: the notes' two-layer network with a linear read-out, h(a) = α(m) X_2 σ(X_1 a), unit Gaussian weights
(β = 1, the notes' mean-field row) and output scale α(m) = m^(−q) for each q in `output_exponents`, so that
m·α(m) = m^(1−q): → ∞ for q < 1 (q = 1/2 is the NTK scaling), bounded for q = 1 (the mean-field scaling).
Data: 256 digits images normalised to ‖a‖₂ = 1, targets b = ±1 (digit ≥ 5), squared loss ½(h − b)², full-batch
gradient descent for `steps` steps with step η/(m α(m)²): the function-space dynamics then have a
width-independent time scale (the tangent kernel is O(m α²)), so every run fits the data about equally and κ
compares how far the weights travelled. Per q, κ(T) at each width and the least-squares log-log slope of κ(T)
against m with its standard error (n = number of widths).
Claims (declared here, decided on the slopes): for every q < 1 the slope is below 0 by more than 2 SE (κ → 0,
lazy); for q = 1 the slope is 0 within ±0.1 by more than 2 SE (κ stays of order one, not lazy). Chizat et al.'s
bound predicts slopes q − 1, i.e. −1/2, −1/4, 0 for the default q = 1/2, 3/4, 1.

Sizes: default widths 16 … 4096 (×4, 5 points for the slope's SE) and 300 steps; quick 3 widths × 100 steps.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from saddle.data import load_digits
from saddle.experiments.base import Claim, Experiment, ExperimentConfig, RunOutput, check_positive
from saddle.metrics.stats import MeanSE, loglog_fit
from saddle.theory import FullyConnectedReLU
from saddle.theory.lazy import LazyTracker, train_sgd

#: |slope| below which κ(T) counts as not changing with width (q = 1)
FLAT = 0.1


@dataclass
class Config(ExperimentConfig):
    widths: tuple[int, ...] = (16, 64, 256, 1024, 4096)
    output_exponents: tuple[float, ...] = (0.5, 0.75, 1.0)
    n_points: int = 256
    steps: int = 300
    step_size: float = 1.0
    record_every: int = 20

    def validate(self) -> None:
        check_positive(self, "widths", "output_exponents", "n_points", "steps", "step_size", "record_every")
        if len(self.widths) < 3:
            raise ValueError(f"need at least three widths for a slope with a standard error, got {self.widths!r}")
        if 1.0 not in self.output_exponents or min(self.output_exponents) >= 1.0:
            raise ValueError(
                f"output_exponents must contain 1 (m·α bounded) and one value < 1, got {self.output_exponents!r}"
            )
        if self.n_points > 1437:
            raise ValueError(f"n_points must be <= 1437 (digits training set), got {self.n_points}")


def _key(q: float) -> str:
    return f"q={q:g}"


def run(config: Config, out: RunOutput) -> dict:
    import matplotlib.pyplot as plt

    dev = torch.device(config.device)
    train, _ = load_digits()
    x = train.x.flatten(1)[: config.n_points]
    x = (x / x.norm(dim=1, keepdim=True)).to(dev)
    b = ((train.y[: config.n_points] >= 5).float() * 2 - 1).unsqueeze(1).to(dev)

    def loss(h: torch.Tensor, t: torch.Tensor) -> torch.Tensor:
        return 0.5 * ((h - t) ** 2).mean()

    kappa: dict[str, dict[int, float]] = {}
    histories: dict[str, dict[int, list[tuple[int, float]]]] = {}
    losses: dict[str, dict[int, list[float]]] = {}
    for q in config.output_exponents:
        k = _key(q)
        kappa[k], histories[k], losses[k] = {}, {}, {}
        for m in config.widths:
            scale = m ** (-q)  # α(m); the network divides by its `alpha`
            net = FullyConnectedReLU(
                [x.shape[1], m, 1],
                init=[1.0, 1.0],
                alpha=1 / scale,
                output_activation=False,
                generator=torch.Generator().manual_seed(config.seed),
            ).to(dev)
            tracker = LazyTracker(net)
            lr = config.step_size / (m * scale**2)
            ls = train_sgd(net, x, b, loss, config.steps, lr, tracker=tracker, record_every=config.record_every)
            kappa[k][m], histories[k][m], losses[k][m] = tracker.ratio(), tracker.history, [ls[0], ls[-1]]
            out.log.info(f"{k} m={m}: loss {ls[0]:.3f} -> {ls[-1]:.3f}, kappa {kappa[k][m]:.4g}")

    metrics: dict = {"kappa_final": kappa, "loss_first_last": losses, "slope": {}, "slope_abs": {}}
    for q in config.output_exponents:
        k = _key(q)
        fit = loglog_fit(config.widths, [kappa[k][m] for m in config.widths])
        metrics["slope"][k] = MeanSE(fit.slope, fit.slope_se, fit.n)
        metrics["slope_abs"][k] = MeanSE(abs(fit.slope), fit.slope_se, fit.n)
    metrics["predicted_slope"] = {_key(q): q - 1 for q in config.output_exponents}
    metrics["final_loss_max"] = max(v[1] for d in losses.values() for v in d.values())
    lazy = [q for q in config.output_exponents if q < 1]
    # the lazy claim is one statement about every q < 1: the least significant of them decides it
    metrics["slope_lazy_least_negative"] = max(
        (metrics["slope"][_key(q)] for q in lazy), key=lambda s: s.mean + 2 * s.se
    )
    metrics["slope_mean_field_abs"] = metrics["slope_abs"][_key(1.0)]

    fig, axes = plt.subplots(1, 2, figsize=(11, 3.8))
    ws = np.array(config.widths, dtype=float)
    for c, q in enumerate(config.output_exponents):
        k = _key(q)
        axes[0].loglog(
            ws,
            [kappa[k][m] for m in config.widths],
            "o-",
            color=f"C{c}",
            label=f"α = m^-{q:g} (m·α = m^{1 - q:g}), slope {metrics['slope'][k].mean:+.2f}",
        )
    axes[0].set(xlabel="width m", ylabel=f"κ after {config.steps} steps")
    axes[0].legend(fontsize=7)
    widest = config.widths[-1]
    for c, q in enumerate(config.output_exponents):
        steps, ks = zip(*histories[_key(q)][widest])
        axes[1].plot(steps, ks, color=f"C{c}", label=f"q = {q:g}")
    axes[1].set(xlabel="gradient step t", ylabel=f"κ(t) at m = {widest}", yscale="log")
    axes[1].legend(fontsize=8)
    out.savefig(
        fig,
        "lazy_ratio",
        "Lazy-training ratio κ = Σ‖X_l(t) − X_l(0)‖_F / Σ‖X_l(0)‖_F of the two-layer ReLU net h(a) = α(m) X₂σ(X₁a) "
        "(unit Gaussian weights) on digits, for output scales α(m) = m^(−q): κ falls with the width m when "
        "m·α(m) → ∞ (q < 1, lazy) and stays of order one when m·α(m) is bounded (q = 1, mean-field).",
    )
    return metrics


_LAZY = "seed 003, 'Lazy training: a consequence of overparametrization or scaling?' (Chizat et al. 2019)"
_THEOREM = "'will fall within the lazy regime as long as lim_{m→∞} mβ = ∞'"
CLAIMS = (
    Claim(
        "lazy_when_m_alpha_grows",
        f"{_THEOREM}: for every output scale with m·α(m) → ∞ (q < 1) κ decreases with width (log-log slope < 0)",
        _LAZY,
        "slope_lazy_least_negative",
        "<",
        0.0,
        sigmas=2.0,
        min_n=5,
    ),
    Claim(
        "not_lazy_when_m_alpha_bounded",
        "only then: with m·α(m) bounded (α = 1/m, q = 1) κ does not decrease with width (|log-log slope| < 0.1)",
        _LAZY,
        "slope_mean_field_abs",
        "<",
        FLAT,
        sigmas=2.0,
        min_n=5,
    ),
)


EXPERIMENT = Experiment(
    claims=CLAIMS,
    name="lazy_training",
    summary="lazy training iff m·α(m) → ∞: κ vs width for output scales α(m) = m^-q (q = 1/2, 3/4, 1)",
    config=Config,
    run=run,
    quick={"widths": (16, 32, 64, 128, 256), "steps": 100, "record_every": 10},
    reproduces="seed 003, 'Lazy training: a consequence of overparametrization or scaling?' (Chizat et al. 2019)",
)
