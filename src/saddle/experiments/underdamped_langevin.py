"""Underdamped Langevin accelerates sampling: iterations to a fixed accuracy grow like κ for ULA and √κ for BAOAB.

Reproduces seed 000 (and 002), slide "Langevin Monte Carlo": "the underdamped Langevin diffusion yields analogues
of Nesterov acceleration for sampling" (Cheng et al. 2018; BAOAB splitting, Leimkuhler & Matthews 2013). Nesterov's
acceleration turns the κ iterations of gradient descent into √κ; the sampling analogue is measured here.
Target: N(μ, Σ) in d dimensions with precisions log-spaced from L = 1 down to m = 1/κ; every chain starts 3
standard deviations off in every direction. Both chains take the same step h (set by L) and one gradient per step;
BAOAB's friction γ = 2√m critically damps the slowest mode. On a Gaussian every mode with precision λ > γ²/4
decays at rate ≈ γ/2 = √m per unit time under BAOAB against ≈ λ ≥ m under ULA, so the iterations to a fixed W2
accuracy grow like κ (ULA) and √κ (BAOAB). W2 is the closed-form distance between Gaussians, from the chains'
empirical mean and covariance in the target's whitened coordinates (the law of every chain stays Gaussian under
these linear dynamics).
Measured: for each κ in `kappas`, the first iteration at which W2 < `tolerance` (W2 evaluated after every step),
and the least-squares log-log slopes of those counts against κ with their standard errors (`saddle.metrics.stats`,
n = number of κ values). Claims: ULA's slope is 1 and BAOAB's 1/2, each within ±0.1 (the exponent's accuracy we
hold a two-decade sweep to; the finite-κ constants — ULA's fast-mode bias, the start's log(3/tolerance) — do not
depend on κ), decided as |slope − theory| + 2·SE < 0.1. A second comparison: at κ = kappas[0], after
`final_steps` steps, the chains split into `groups` groups; W2 of each group for ULA minus BAOAB (paired by group)
is > 0 by more than 2 SE — ULA's stationary law is biased (variance 1/(λ(1 − hλ/2))), BAOAB's is exact on Gaussians.

Sizes: the default sweeps κ = 10 … 1000 (two decades, 5 points: the slope's SE needs ≥ 3 residual degrees of
freedom) with 1000 chains in d = 4 (the W2 estimator's floor ≈ 0.1, well below the tolerance 0.5); quick stops at
κ = 300.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import torch

from saddle.experiments.base import Claim, Experiment, ExperimentConfig, RunOutput, check_positive
from saddle.metrics.stats import MeanSE, loglog_fit, mean_se
from saddle.sampling import BAOAB, ULA, Gaussian, Kernel, gaussian_w2, sample

DT = torch.float64
#: the theory's exponents of iterations-to-accuracy in κ, and the accuracy the measured exponents are held to
THEORY = {"ULA": 1.0, "BAOAB": 0.5}
SLOPE_TOLERANCE = 0.1
CHUNK = 25  # steps per call of `sample`; the chains stop at the first chunk that reaches the tolerance


@dataclass
class Config(ExperimentConfig):
    dim: int = 4
    kappas: tuple[float, ...] = (10.0, 30.0, 100.0, 300.0, 1000.0)
    step_size: float = 0.5
    n_chains: int = 1000
    tolerance: float = 0.5
    max_steps_per_kappa: float = 6.0
    final_steps: int = 300
    groups: int = 5

    def validate(self) -> None:
        check_positive(self, "dim", "kappas", "step_size", "n_chains", "tolerance", "max_steps_per_kappa")
        check_positive(self, "final_steps", "groups")
        for name in ("dim", "n_chains", "final_steps", "groups"):
            if not isinstance(getattr(self, name), int):
                raise ValueError(f"{name} must be an integer, got {getattr(self, name)!r}")
        if len(self.kappas) < 3 or min(self.kappas) <= 1 or list(self.kappas) != sorted(set(self.kappas)):
            raise ValueError(f"kappas must be at least 3 increasing values > 1, got {self.kappas!r}")
        if self.step_size >= 2.0:
            raise ValueError(f"step_size must be < 2 (the largest precision is 1), got {self.step_size}")
        if self.n_chains < 10 * self.groups:
            raise ValueError(f"n_chains must be >= 10 * groups = {10 * self.groups}, got {self.n_chains}")


def _target(d: int, kappa: float, device: torch.device) -> Gaussian:
    """N(3·1, diag(variances)) with precisions log-spaced from 1 down to 1/κ."""
    variances = torch.logspace(0, math.log10(kappa), d, dtype=DT)
    return Gaussian(torch.full((d,), 3.0, dtype=DT, device=device), torch.diag(variances).to(device))


def _whitened_w2(target: Gaussian, x: torch.Tensor) -> float:
    """W2 between the Gaussian fit of the chains x (n, d) and the target, in the coordinates z = L⁻¹(x − μ)."""
    z = torch.linalg.solve_triangular(target.scale_tril, (x - target.mean).T, upper=False).T
    eye = torch.eye(z.shape[1], dtype=DT, device=z.device)
    return gaussian_w2(z.mean(0), torch.cov(z.T), torch.zeros_like(z[0]), eye)


def _kernels(target: Gaussian, h: float, kappa: float) -> dict[str, Kernel]:
    return {"ULA": ULA(h, potential=target), "BAOAB": BAOAB(h, 2 * math.sqrt(1 / kappa), potential=target)}


def _start(target: Gaussian, n: int) -> torch.Tensor:
    """Every chain 3 standard deviations below the mean in every direction."""
    return (target.mean - 3 * torch.diagonal(target.cov).sqrt()).expand(n, -1).clone()


def iterations_to_tolerance(config: Config, kappa: float, seed: int) -> tuple[dict[str, int | None], dict]:
    """First iteration with W2 < tolerance for ULA and BAOAB at condition number κ (None: not within the budget
    max_steps_per_kappa·κ/h), and the W2 curves."""
    device = torch.device(config.device)
    target = _target(config.dim, kappa, device)
    budget = math.ceil(config.max_steps_per_kappa * kappa / config.step_size)  # ULA's; BAOAB needs fewer
    reached: dict[str, int | None] = {}
    curves: dict[str, list[float]] = {}
    for j, (name, kernel) in enumerate(_kernels(target, config.step_size, kappa).items()):
        curve: list[float] = []

        def record(i: int, s: object, info: object, curve: list[float] = curve) -> None:
            curve.append(_whitened_w2(target, s.position))  # type: ignore[attr-defined]

        gen = torch.Generator(device=device).manual_seed(seed + j)
        state = kernel.init(_start(target, config.n_chains))
        while len(curve) < budget and min(curve, default=math.inf) >= config.tolerance:  # chunks until reached
            state = sample(kernel, state, CHUNK, gen, thin=CHUNK, callback=record).state
        curves[name] = curve
        reached[name] = next((i + 1 for i, v in enumerate(curve) if v < config.tolerance), None)
    return reached, curves


def stationary_bias(config: Config, seed: int) -> dict:
    """Per group of chains, W2(ULA) − W2(BAOAB) after `final_steps` steps at κ = kappas[0] (paired by group)."""
    device = torch.device(config.device)
    kappa = config.kappas[0]
    target = _target(config.dim, kappa, device)
    finals = {}
    for j, (name, kernel) in enumerate(_kernels(target, config.step_size, kappa).items()):
        gen = torch.Generator(device=device).manual_seed(seed + 10 + j)
        trace = sample(kernel, _start(target, config.n_chains), config.final_steps, gen, thin=config.final_steps)
        x = trace.positions[-1]
        finals[name] = [_whitened_w2(target, g) for g in x.chunk(config.groups)]
    diff = [u - b for u, b in zip(finals["ULA"], finals["BAOAB"])]
    return {"w2_per_group": finals, "ula_minus_baoab": mean_se(diff)}


def run(config: Config, out: RunOutput) -> dict:
    """Iterations to W2 < tolerance against κ for ULA and BAOAB; log-log slopes with SE; ULA's stationary bias."""
    import matplotlib.pyplot as plt

    seed = 1000 * config.seed + 500
    reached: dict[str, list[int | None]] = {"ULA": [], "BAOAB": []}
    curves: dict[str, dict[str, list[float]]] = {}
    for kappa in config.kappas:
        r, c = iterations_to_tolerance(config, kappa, seed + int(kappa))
        for k in reached:
            reached[k].append(r[k])
        curves[f"{kappa:g}"] = c
        out.log.info("κ = %g: iterations to W2 < %g: %s", kappa, config.tolerance, r)
    metrics: dict = {"kappas": list(config.kappas), "iterations_to_tolerance": reached}
    for name, counts in reached.items():
        if all(c is not None for c in counts):
            fit = loglog_fit(config.kappas, [float(c) for c in counts])  # type: ignore[arg-type]
            metrics[f"{name}_slope"] = MeanSE(fit.slope, fit.slope_se, fit.n)
            metrics[f"{name}_slope_off_theory"] = MeanSE(abs(fit.slope - THEORY[name]), fit.slope_se, fit.n)
        else:
            metrics[f"{name}_slope"] = metrics[f"{name}_slope_off_theory"] = MeanSE(math.nan, math.nan, 0)
    bias = stationary_bias(config, seed)
    metrics["final_w2_ula_minus_baoab"] = bias["ula_minus_baoab"]
    metrics["final_w2_per_group"] = bias["w2_per_group"]
    out.log.info("slopes: ULA %s, BAOAB %s", metrics["ULA_slope"], metrics["BAOAB_slope"])

    fig, axes = plt.subplots(1, 2, figsize=(11, 4))
    ks = np.array(config.kappas)
    for name, marker in (("ULA", "o"), ("BAOAB", "s")):
        pts = [(k, c) for k, c in zip(config.kappas, reached[name]) if c is not None]
        if pts:
            axes[0].loglog(*zip(*pts), marker=marker, label=f"{name} (slope {metrics[f'{name}_slope'].mean:.2f})")
    for name, style in (("ULA", "k:"), ("BAOAB", "k--")):
        first = reached[name][0]
        if first is not None:
            axes[0].loglog(ks, first * (ks / ks[0]) ** THEORY[name], style, lw=0.8, label=f"∝ κ^{THEORY[name]:g}")
    axes[0].set(xlabel="condition number κ", ylabel=f"iterations to W2 < {config.tolerance:g}")
    axes[0].legend(fontsize=8)
    widest = curves[f"{config.kappas[-1]:g}"]
    for name, curve in widest.items():
        axes[1].semilogy(np.arange(1, len(curve) + 1), curve, label=name)
    axes[1].axhline(config.tolerance, color="k", ls="--", lw=0.8, label=f"tolerance {config.tolerance:g}")
    axes[1].set(xlabel="iteration (one gradient each)", ylabel="W2 to target (whitened)", xscale="log")
    axes[1].set_title(f"κ = {config.kappas[-1]:g}", fontsize=9)
    axes[1].legend(fontsize=8)
    out.savefig(
        fig,
        "underdamped_vs_overdamped",
        f"Gaussian in d = {config.dim} with precisions from 1 to 1/κ, step {config.step_size:g}, {config.n_chains} "
        "chains started 3 standard deviations off: iterations until the W2 distance (whitened coordinates) "
        f"between the chains' Gaussian fit and the target falls below {config.tolerance:g}. Left: against κ, "
        "with ∝ κ (ULA) and ∝ √κ (BAOAB, friction 2/√κ) guides; right: the W2 curves at the largest κ.",
    )
    return metrics


_LMC = "seed 000 'Langevin Monte Carlo': 'the underdamped Langevin diffusion yields analogues of Nesterov acceleration'"
CLAIMS = (
    Claim(
        "overdamped_iterations_linear_in_kappa",
        "ULA's iterations to a fixed W2 accuracy grow like κ: the log-log slope is 1 ± 0.1",
        _LMC,
        "ULA_slope_off_theory",
        "<",
        SLOPE_TOLERANCE,
        sigmas=2.0,
        min_n=5,
    ),
    Claim(
        "underdamped_iterations_sqrt_kappa",
        "underdamped Langevin (BAOAB) needs iterations growing like √κ (Nesterov-like acceleration): the log-log "
        "slope is 1/2 ± 0.1",
        _LMC,
        "BAOAB_slope_off_theory",
        "<",
        SLOPE_TOLERANCE,
        sigmas=2.0,
        min_n=5,
    ),
    Claim(
        "underdamped_ends_closer",
        "BAOAB's stationary law is closer to the target than ULA's (ULA is biased, BAOAB exact on Gaussians): "
        "W2(ULA) − W2(BAOAB) > 0, paired over groups of chains",
        "Leimkuhler & Matthews 2013; seed 000 'Langevin Monte Carlo'",
        "final_w2_ula_minus_baoab",
        ">",
        0.0,
        sigmas=2.0,
        min_n=5,
    ),
)

EXPERIMENT = Experiment(
    name="underdamped_langevin",
    summary="ULA vs underdamped (BAOAB) Langevin: iterations to a W2 accuracy grow like κ vs √κ (log-log slopes)",
    config=Config,
    run=run,
    quick={"kappas": (10.0, 20.0, 50.0, 100.0, 200.0), "n_chains": 500},
    reproduces="seed 000 (and 002) 'Langevin Monte Carlo': underdamped Langevin as Nesterov-like acceleration",
    claims=CLAIMS,
)
