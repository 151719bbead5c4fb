"""Perturbation stability P(h, ε)/ε of trained ReLU networks against width and depth (LeCun / He / NTK init).

Reproduces seeds 000/002/003, table "Robustness in deep learning: main results (Lazy-training regime) —
Theorem: perturbation stability ≲ Func(m, L, β)" and its appendix figures "lazy training experiment for
FCN" (P/ε against depth, He and LeCun) and "... for CNN" (P/ε against width, He, one panel per depth),
from Zhu, Liu, Chrysos, Cevher, "Robustness in deep learning: the good (width), the bad (depth), and the
ugly (initialization)", NeurIPS 2022 (the notes' [77]). The table's bound for inputs with ‖x‖₂ = 1 is,
for He init, P/ε ≲ √(L³m/p)·e^{−m/L³} + √(1/p) (LeCun: times (√2/2)^{L−2}; NTK: + 1 instead of √(1/p)).
Its width trend is "↗↘": the first term rises up to m = L³/2 and decays once m ≫ L³ ("width helps in the
over-parameterised regime"); its depth trend is "↘" under LeCun and "↗" under He/NTK.

Setup (what is measured): the notes' bias-free `FullyConnectedReLU` with L weight matrices of width m
and a linear scalar read-out (deviation: a ReLU output h ≥ 0 cannot separate ±1 labels by sign), on the
digits task "≥ 5 vs < 5" (labels b = ±1) with every image flattened (p = 64) and normalised to ‖x‖₂ = 1
as the theorem assumes. Training: minibatch SGD (momentum, batch 64) on the logistic loss
log(1 + e^{−b h(a)}) with the step η = lr0 / Θ̄, Θ̄ = mean ‖∇_θ h(x)‖² the empirical NTK trace at
initialisation on 32 training points. This makes one step move the function by the same amount at every
width, depth and init (the NTK-parametrisation step; a fixed η in the standard parametrisation moves a
width-m net m times faster and leaves the lazy regime or diverges as m grows). Every net is trained until
its full training loss is ≤ `target_loss` (checked after each epoch, ≤ `max_epochs`: a stopping rule of
`saddle.train.fit`, the one training loop), so widths and depths are compared at equal fit. P/ε is the Monte-Carlo estimate of
`saddle.robustness.perturbation_stability` (l2 ball, 360 normalised test images) at initialisation and at
the trained network; κ = Σ‖X_l(T) − X_l(0)‖_F / Σ‖X_l(0)‖_F is the notes' lazy-training ratio (lazy:
κ ≪ 1). Means and standard errors (SE) run over `seeds` independent initialisations (the notes' E_x).
P/ε does not depend on ε (the Jacobian acts linearly on the perturbation), so `eps` is nominal.

Part A (width, the table's width column for LeCun, He and NTK): widths `widths` at depth `width_depth` under
each init. The bound √(L³m/p)·e^{−m/L³} rises up to m = L³/2 and falls for m ≫ L³, so the two branches are
tested on pre-declared windows (no peak picked from the data): "↗" is the log-log slope of trained P/ε over
the widths with L³/8 ≤ m ≤ L³/2, "↘" over m ≥ 2L³, each fitted per seed, mean ± SE, > 0 resp. < 0 by 2 SE.
A window where fewer than two widths reached the target loss (for every seed) is "not measured in this run".
Part B (depth, all inits, the FCN figure): depths `depths` at width `depth_width`; slope of log P/ε
in L fitted per seed, mean ± SE; "depth helps/hurts" when the slope is below/above 0 by more than 2 SE.
Sizes: the default runs L = 4 (windows 8 ≤ m ≤ 32 and m ≥ 128) at widths 16, 32, 128, 256, 512 and depths
2, 3, 4, 6 at m = 256 with 3 seeds; full is the earlier default (widths 4 … 1024, depths 2 … 8 at m = 512,
4 seeds); quick 2 seeds at widths 16 and 256 (40 epochs), where only the claim at initialisation is expected.

Measured at full size by the earlier version (He only, the peak taken from the data; 4 seeds; widths 4…1024
at L = 2, 3, 4; depths 2…8 at m = 512; 1990 s wall on the
shared 2 cores under a load average of ≈ 14; test accuracy 0.95-0.96 for every net that reached the target
loss; 37 of 42 cells reached it: the m = 4 nets (all depths), L = 4 at m = 8 and LeCun at L = 8 (diverges)
did not and are left out). Numbers re-measured after training moved onto `saddle.train.fit`: one SGD
optimiser per net, so the momentum buffer now persists across epochs (it used to restart every epoch).
- Width, trained, He (the "↘" branch REPRODUCES at L = 2, 3, 4): P/ε falls from the narrowest trainable
  width to m = 1024 — L = 2: 4.35 (peak m* = 8, L³/2 = 4) → 3.21 ± 0.03, log-log slope after the peak
  −0.067 ± 0.009 (SE over seeds); L = 3: 4.28 (m* = 8, L³/2 = 13.5) → 3.25 ± 0.06, slope −0.047 ± 0.017;
  L = 4: 4.27 (m* = 16, L³/2 = 32) → 3.24 ± 0.09, drop 1.03 ± 0.33, slope −0.059 ± 0.007. The decrease is
  slow (≈ m^{−0.06}); P/ε levels off near 3.2, the m → ∞ kernel (NTK) predictor's value, not at the
  bound's √(1/p) = 0.125.
- The "↗" branch is NOT resolved: at every depth the peak is the narrowest width that trains; nets
  narrower than ≈ L³/2 either do not fit (m = 4: accuracy ≈ 0.45) or die (all-zero ReLU layers). The
  peaks lie at 2.0, 0.59 and 0.5 × L³/2.
- κ falls as ≈ m^{−1/2} (L = 2: 3.9 at m = 8 → 0.27 at m = 1024; L = 4: 0.88 at m = 16 → 0.04): the wide
  nets are lazy, the narrow ones (κ > 1) are not, so the decrease is the lazy-regime trend of the theorem.
- At initialisation P/ε is flat in width (He ≈ 0.13-0.15) and depth; LeCun = He · 2^{−L/2} and NTK = He ·
  √(p/2) exactly (same draws): depth slope at init −0.330 ± 0.015 for LeCun (−ln 2/2 = −0.347 relative to
  He's +0.017 ± 0.015), so "depth helps under LeCun" holds at initialisation.
- Depth, trained to equal loss at m = 512 (κ 0.42 → 0.02 for He, ≤ 0.10 for NTK, ≤ 0.68 for LeCun): NOT
  reproduced. He: slope −0.032 ± 0.011 per layer (3.25 at L = 2 → 2.77 at L = 8: depth helps, the
  opposite of the claim); NTK: −0.003 ± 0.004 (flat, 2.85 → 2.76); LeCun: +0.194 ± 0.019 over L = 2…6
  (3.32 → 7.19: depth hurts, the opposite of the claim) and L = 8 diverges. Training to the same loss
  washes out the initial scale 2^{−L/2}.
- Why the previous version saw width hurt: with a fixed step (η = 0.01, momentum 0.9, 10 epochs, standard
  parametrisation; rerun on normalised inputs, 2 seeds) a width-m net trains m times faster, so wider nets
  end at lower training loss with a larger P/ε (L = 2, m = 16 → 1024: loss 0.61 → 0.40, P/ε 0.26 → 0.98), even though m ≫ L³ = 8 there:
  that rise is a fit confound, not the bound's "↗" branch.
At --quick size (2 seeds; L = 2, widths 4…1024; depths 2, 4 at m = 128; 127 s wall on the loaded machine):
P/ε 4.64 ± 0.36 at m = 16 → 3.17 ± 0.03 at m = 1024 (slope after the peak −0.087 ± 0.022), κ 2.9 → 0.27;
trained depth slopes 2 → 4: He −0.011 ± 0.025, LeCun +0.084 ± 0.038, NTK +0.025 ± 0.001 (so "depth hurts
under NTK" holds at quick size but not at full size); m = 4 does not reach the target loss in 100 epochs.
The run's `claims` dict lists each of these trends with the test that decided it.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import torch
import torch.nn.functional as F
from torch import Tensor

from saddle.claims import NOT_MEASURED_KEY
from saddle.data import load_digits
from saddle.experiments.base import Claim, Experiment, ExperimentConfig, RunOutput, check_positive
from saddle.metrics.stats import MeanSE, mean_se, mean_se_by_key, slopes
from saddle.progress import progress
from saddle.robustness import perturbation_stability
from saddle.theory import FullyConnectedReLU, ntk_trace
from saddle.theory.lazy import LazyTracker
from saddle.train import NonFiniteError, ShuffledBatches, fit
from saddle.validation import check_choice

INITS = ("lecun", "he", "ntk")


@dataclass
class Config(ExperimentConfig):
    """Part A: `widths` at depth `width_depth` under each of `inits`; part B: `depths` × `inits` at `depth_width`.

    Each net: SGD (`batch_size`, `momentum`, step `lr0`/Θ̄) until the training loss ≤ `target_loss` or
    `max_epochs`; `seeds` ≥ 2 initialisations per cell; P/ε from `n_samples` l2-ball draws per test point
    (`eps` is nominal: P/ε does not depend on it).
    """

    widths: tuple[int, ...] = (16, 32, 128, 256, 512)
    width_depth: int = 4
    depths: tuple[int, ...] = (2, 3, 4, 6)
    depth_width: int = 256
    inits: tuple[str, ...] = INITS
    seeds: int = 3
    target_loss: float = 0.1
    max_epochs: int = 200
    batch_size: int = 64
    lr0: float = 0.5
    momentum: float = 0.9
    eps: float = 0.1
    n_samples: int = 16

    def validate(self) -> None:
        check_positive(
            self,
            "widths",
            "width_depth",
            "depths",
            "depth_width",
            "seeds",
            "target_loss",
            "max_epochs",
            "batch_size",
            "lr0",
            "eps",
            "n_samples",
        )
        for value in self.inits:
            check_choice("inits", value, INITS)
        if any(d < 2 for d in (*self.depths, self.width_depth)):
            raise ValueError(
                f"depths and width_depth must be >= 2 (weight matrices), got {self.depths!r}, {self.width_depth!r}"
            )
        if not 0.0 <= self.momentum < 1.0:
            raise ValueError(f"momentum must be in [0, 1), got {self.momentum!r}")
        if len(self.widths) < 2 or len(self.depths) < 2:
            raise ValueError(
                f"need at least two widths and two depths to measure trends, got "
                f"widths={self.widths!r}, depths={self.depths!r}"
            )
        if self.seeds < 2:
            raise ValueError(f"seeds must be >= 2 (standard errors over initialisations), got {self.seeds!r}")


def _logistic(h: Tensor, b: Tensor) -> Tensor:
    return F.softplus(-b * h.squeeze(1)).mean()


def _train_and_measure(config: Config, data: dict, depth: int, m: int, init: str, seed: int) -> dict:
    """One net: P/ε at init, trained to the target loss, P/ε, κ, epochs, test accuracy (memoised in `data`)."""
    key = (depth, m, init, seed)
    if key not in data["memo"]:  # the two sweeps share the nets at (width_depth, depth_width, init)
        data["memo"][key] = _train_and_measure_once(config, data, depth, m, init, seed)
    return data["memo"][key]


def _train_and_measure_once(config: Config, data: dict, depth: int, m: int, init: str, seed: int) -> dict:
    xtr, btr, xte, bte = data["xtr"], data["btr"], data["xte"], data["bte"]
    p = xtr.shape[1]
    net = FullyConnectedReLU(
        [p] + [m] * (depth - 1) + [1], init=init, output_activation=False, generator=torch.Generator().manual_seed(seed)
    ).to(xtr.device)

    def ev() -> float:
        gen = torch.Generator(device=xte.device).manual_seed(seed + 1)
        return perturbation_stability(net, xte, config.eps, config.n_samples, gen).ratio

    p_init = ev()
    theta = ntk_trace(net, xtr[:32])
    tracker = LazyTracker(net)
    opt = torch.optim.SGD(
        net.parameters(), lr=config.lr0 / theta if theta > 0 else config.lr0, momentum=config.momentum
    )
    batches = ShuffledBatches(xtr, btr, batch_size=config.batch_size, generator=torch.Generator().manual_seed(seed + 2))
    losses: list[float] = []  # full training loss after each epoch

    def full_loss(model: torch.nn.Module) -> dict[str, float]:
        with torch.no_grad():
            losses.append(_logistic(model(xtr), btr).item())
        return {"train_loss": losses[-1]}

    try:  # train until the full training loss is <= target_loss (or max_epochs; a non-finite loss stops it)
        fit(
            net,
            opt,
            lambda model, x, b: _logistic(model(x), b),
            batches,
            epochs=config.max_epochs,
            evaluate=full_loss,
            stop_when=lambda rec: not rec["train_loss"] > config.target_loss,
            desc=f"L={depth} m={m} {init}",
        )
        epochs, loss = len(losses), losses[-1]
    except NonFiniteError:
        epochs, loss = len(losses) + 1, float("nan")
    with torch.no_grad():
        acc = ((net(xte).squeeze(1) * bte) > 0).float().mean().item()
    return {
        "init": p_init,
        # a diverged net has non-finite weights: its P/ε is NaN (perturbation_stability refuses a non-finite output)
        "trained": ev() if math.isfinite(loss) else float("nan"),
        "kappa": tracker.ratio(),
        "epochs": epochs,
        "train_loss": loss,
        "reached": bool(math.isfinite(loss) and loss <= config.target_loss),
        "test_accuracy": acc,
    }


_FIELDS = ("init", "trained", "kappa", "epochs", "train_loss", "test_accuracy")


def _cell(runs: list[dict]) -> dict:
    """Mean and SE over seeds of every numeric field of the per-seed results."""
    out: dict = {"reached_all": all(r["reached"] for r in runs)}
    for key, est in mean_se_by_key(runs, _FIELDS).items():  # a diverged seed (inf/nan) gives nan: see reached_all
        out[key], out[f"{key}_se"] = est.mean, est.se
    out["trained_per_seed"] = [r["trained"] for r in runs]
    out["init_per_seed"] = [r["init"] for r in runs]
    return out


#: the notes' bound √(L³m/p)·e^{−m/L³} rises up to m = L³/2 and falls for m ≫ L³: the pre-declared windows of the
#: two branches, in units of L³ (widths m with L³/8 ≤ m ≤ L³/2 for "↗", m ≥ 2L³ for "↘")
RISE_WINDOW = (1 / 8, 1 / 2)
FALL_FROM = 2.0


def _branch_slope(cells: dict, widths: list[int]) -> MeanSE:
    """Log-log slope of trained P/ε against m over `widths`, fitted per seed; mean ± SE over seeds (NaN, n = 0 when
    fewer than two widths of the window reached the target loss)."""
    ok = [m for m in widths if cells[m]["reached_all"]]
    if len(ok) < 2:
        return MeanSE(math.nan, math.nan, 0)
    return mean_se(slopes(ok, np.transpose([cells[m]["trained_per_seed"] for m in ok]), log_x=True, log_y=True))


def _sweep(config: Config, data: dict, out: RunOutput, name: str, values: tuple[int, ...], shape: Callable) -> dict:
    """cells[init][v] (`_cell` over the seeds) for every init and v in `values`; `shape(v)` = (depth, width)."""
    cells: dict = {}
    jobs = [(i, v) for i in config.inits for v in values]
    for init, v in progress(jobs, desc=f"{name} sweep", total=len(jobs)):
        d, m = shape(v)
        runs = [_train_and_measure(config, data, d, m, init, config.seed * 1000 + s) for s in range(config.seeds)]
        c = cells.setdefault(init, {})[v] = _cell(runs)
        out.log.info(
            f"{name} sweep {init} L={d} m={m}: P/eps init {c['init']:.4f} trained "
            f"{c['trained']:.3f} ± {c['trained_se']:.3f} kappa {c['kappa']:.3f} epochs {c['epochs']:.1f} "
            f"acc {c['test_accuracy']:.3f} reached {c['reached_all']}"
        )
    return cells


def _width_summary(config: Config, cells: dict, out: RunOutput) -> dict:
    """Per init, the log-log slopes of trained P/ε over the two pre-declared windows of widths at depth L."""
    d = config.width_depth
    rise = [m for m in config.widths if RISE_WINDOW[0] * d**3 <= m <= RISE_WINDOW[1] * d**3]
    fall = [m for m in config.widths if m >= FALL_FROM * d**3]
    summary: dict = {"L3": d**3, "rise_widths": rise, "fall_widths": fall}
    for init in config.inits:
        summary[init] = {"rise_slope": _branch_slope(cells[init], rise)}
        summary[init]["fall_slope"] = _branch_slope(cells[init], fall)
        out.log.info(f"width sweep {init}: {summary[init]}")
    return summary


def _depth_slopes(config: Config, cells: dict) -> dict:
    """Per phase (init, trained) and init: slope of log P/ε per layer fitted per seed, mean ± SE over seeds."""
    out: dict = {}
    for init in config.inits:
        reached = [d for d in config.depths if cells[init][d]["reached_all"]]
        for phase in ("init", "trained"):
            ok = reached if phase == "trained" else list(config.depths)  # equal fit matters only after training
            per_seed = [float("nan")] * config.seeds  # fewer than two depths: no slope
            if len(ok) >= 2:
                per_seed = slopes(ok, np.transpose([cells[init][d][f"{phase}_per_seed"] for d in ok]), log_y=True)
            out[f"{phase}_{init}"] = {"slope": mean_se(per_seed), "per_seed": per_seed, "depths_used": ok}
    return out


def _normalised_digits(device: str) -> dict:
    """Digits flattened to p = 64 and scaled to ‖x‖₂ = 1, labels b = ±1 for "≥ 5 vs < 5"; `memo` for the nets."""
    dev = torch.device(device)
    train, test = load_digits()
    xtr, xte = train.x.flatten(1).to(dev), test.x.flatten(1).to(dev)
    return {
        "xtr": xtr / torch.linalg.vector_norm(xtr, dim=1, keepdim=True),
        "xte": xte / torch.linalg.vector_norm(xte, dim=1, keepdim=True),
        "btr": ((train.y >= 5).float() * 2 - 1).to(dev),
        "bte": ((test.y >= 5).float() * 2 - 1).to(dev),
        "memo": {},
    }


def run(config: Config, out: RunOutput) -> dict:
    threads = torch.get_num_threads()
    torch.set_num_threads(1)  # small matrices: intra-op threads cost more than they save on a shared machine
    try:
        data = _normalised_digits(config.device)
        wcells = _sweep(config, data, out, "width", config.widths, lambda m: (config.width_depth, m))
        wsummary = _width_summary(config, wcells, out)
        dcells = _sweep(config, data, out, "depth", config.depths, lambda d: (d, config.depth_width))
        dslopes = _depth_slopes(config, dcells)
    finally:
        torch.set_num_threads(threads)

    not_measured: dict[str, str] = {}
    width_slopes: dict = {"rise": {}, "fall": {}}
    for init in config.inits:
        for branch in ("rise", "fall"):
            slope = width_slopes[branch][init] = wsummary[init][f"{branch}_slope"]
            if slope.n == 0:
                not_measured[f"width_slope.{branch}.{init}"] = (
                    f"fewer than two widths of the window {wsummary[f'{branch}_widths']} reached the training-loss "
                    f"target under {init}"
                )
    depth_slopes = {
        phase: {init: dslopes[f"{phase}_{init}"]["slope"] for init in config.inits} for phase in ("init", "trained")
    }
    all_cells = [c for i in wcells.values() for c in i.values()] + [c for i in dcells.values() for c in i.values()]
    metrics: dict = {
        "width_sweep": wcells,
        "width_summary": wsummary,
        "width_slope": width_slopes,
        "depth_sweep": dcells,
        "depth_slopes": dslopes,
        "depth_slope": depth_slopes,
        "cells_reaching_target": f"{sum(c['reached_all'] for c in all_cells)}/{len(all_cells)}",
        "mean_test_accuracy_reached": float(
            np.mean([c["test_accuracy"] for c in all_cells if c["reached_all"]] or [float("nan")])
        ),
    }
    if not_measured:
        metrics[NOT_MEASURED_KEY] = not_measured
    _plot_width(config, wcells, out)
    _plot_depth(config, dcells, dslopes, out)
    return metrics


def _plot_width(config: Config, wcells: dict, out: RunOutput) -> None:
    import matplotlib.pyplot as plt

    d = config.width_depth
    fig, axes = plt.subplots(1, 3, figsize=(14, 3.8))
    for c, init in enumerate(config.inits):
        ms = [m for m in config.widths if wcells[init][m]["reached_all"]]
        for ax, key, fmt in ((axes[0], "trained", "o-"), (axes[1], "init", "s--")):
            means, ses = [wcells[init][m][key] for m in ms], [2 * wcells[init][m][f"{key}_se"] for m in ms]
            ax.errorbar(ms, means, ses, fmt=fmt, color=f"C{c}", capsize=2, label=init)
        axes[2].plot(ms, [wcells[init][m]["kappa"] for m in ms], "o-", color=f"C{c}", label=init)
    for ax in axes[:2]:
        ax.axvline(d**3 / 2, color="k", ls=":", lw=1)
        ax.axvspan(RISE_WINDOW[0] * d**3, RISE_WINDOW[1] * d**3, color="C2", alpha=0.08)
        ax.axvspan(FALL_FROM * d**3, max(config.widths) * 1.2, color="C3", alpha=0.08)
    titles = ("trained to equal loss", "at initialisation", "lazy-training ratio κ (trained)")
    for ax, lab, title in zip(axes, ("P(h, ε)/ε", "P(h, ε)/ε", "κ"), titles):
        ax.set_xscale("log")
        ax.set_xlabel("width m")
        ax.set_ylabel(lab)
        ax.set_title(title, fontsize=9)
        ax.legend(fontsize=7)
    axes[0].set_yscale("log")
    axes[1].set_yscale("log")
    axes[2].set_yscale("log")
    fig.tight_layout()
    out.savefig(
        fig,
        "stability_vs_width",
        f"Perturbation stability P/ε (lower = more robust on average) of bias-free ReLU nets with L = {d} weight "
        f"matrices on normalised digits (‖x‖₂ = 1) against width m, one colour per initialisation (mean ± 2 SE "
        f"over {config.seeds} seeds). Left: trained until the training loss is ≤ {config.target_loss}; middle: at "
        f"initialisation; dotted vertical: m = L³/2, the peak of the notes' bound (↗ then ↘); shaded: the "
        f"pre-declared windows of the two branches (green: L³/8 ≤ m ≤ L³/2, red: m ≥ 2L³). Widths where some seed "
        f"did not reach the target loss are left out. Right: lazy-training ratio κ of the trained nets.",
    )


def _plot_depth(config: Config, dcells: dict, dslopes: dict, out: RunOutput) -> None:
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, len(config.inits), figsize=(4.2 * len(config.inits), 3.6), squeeze=False, sharey=True)
    for ax, init in zip(axes[0], config.inits):
        ok = dslopes["trained_" + init]["depths_used"]
        tr = [dcells[init][d]["trained"] for d in ok]
        ax.errorbar(ok, tr, [2 * dcells[init][d]["trained_se"] for d in ok], fmt="o-", capsize=2, label="trained")
        ax.plot(config.depths, [dcells[init][d]["init"] for d in config.depths], "s--", label="initialisation")
        for d, y in zip(ok, tr):
            ax.annotate(
                f"κ={dcells[init][d]['kappa']:.2f}",
                (d, y),
                fontsize=6,
                textcoords="offset points",
                xytext=(0, 6),
                ha="center",
            )
        ax.set_yscale("log")
        ax.set_xlabel("depth L")
        ax.set_title(
            f"{init} init (trained slope {dslopes['trained_' + init]['slope'].mean:+.3f}"
            f"±{dslopes['trained_' + init]['slope'].se:.3f})",
            fontsize=9,
        )
    axes[0][0].set_ylabel("P(h, ε)/ε")
    axes[0][0].legend(fontsize=7)
    out.savefig(
        fig,
        "stability_vs_depth",
        f"P/ε against depth L at width m = {config.depth_width} on normalised digits, one panel per "
        f"initialisation; solid: trained to training loss {config.target_loss} (mean ± 2 SE over "
        f"{config.seeds} seeds, κ = lazy-training ratio annotated; depths where some seed did not reach the "
        f"target loss are left out), dashed: at initialisation. Title: "
        f"slope of log P/ε per layer (mean ± SE over seeds). Notes' claim: depth helps under LeCun, "
        f"hurts under He/NTK.",
    )


_PS = "seeds 000/002/003, table 'perturbation stability ≲ Func(m, L, β)' (Zhu et al. 2022)"
_WIDTH = "'Trend of width m: ↗↘' (LeCun, He and NTK rows; 'width helps robustness in the over-parameterized regime')"
_DEPTH = "'depth helps robustness in Lecun initialization but hurts robustness in He/NTK initialization'"


def _width_claims(init: str) -> tuple[Claim, Claim]:
    return (
        Claim(
            f"width_rises_{init}",
            f"{_WIDTH}, {init}: P/ε rises with width below the bound's peak (log-log slope over L³/8 ≤ m ≤ L³/2 > 0)",
            _PS,
            f"width_slope.rise.{init}",
            ">",
            0.0,
            sigmas=2.0,
            min_n=3,
            at_quick=False,
        ),
        Claim(
            f"width_falls_{init}",
            f"{_WIDTH}, {init}: P/ε falls with width once m ≫ L³ (log-log slope over m ≥ 2L³ < 0)",
            _PS,
            f"width_slope.fall.{init}",
            "<",
            0.0,
            sigmas=2.0,
            min_n=3,
            at_quick=False,
        ),
    )


CLAIMS = (
    *_width_claims("lecun"),
    *_width_claims("he"),
    *_width_claims("ntk"),
    Claim(
        "depth_helps_lecun_trained",
        f"{_DEPTH}: under LeCun P/ε falls with depth (trained nets, slope of log P/ε per layer < 0)",
        _PS,
        "depth_slope.trained.lecun",
        "<",
        0.0,
        sigmas=2.0,
        min_n=3,
        at_quick=False,
    ),
    Claim(
        "depth_hurts_he_trained",
        f"{_DEPTH}: under He P/ε rises with depth (trained nets, slope > 0)",
        _PS,
        "depth_slope.trained.he",
        ">",
        0.0,
        sigmas=2.0,
        min_n=3,
        at_quick=False,
    ),
    Claim(
        "depth_hurts_ntk_trained",
        f"{_DEPTH}: under NTK P/ε rises with depth (trained nets, slope > 0)",
        _PS,
        "depth_slope.trained.ntk",
        ">",
        0.0,
        sigmas=2.0,
        min_n=3,
        at_quick=False,
    ),
    Claim(
        "depth_helps_lecun_init",
        f"{_DEPTH}: under LeCun P/ε falls with depth at initialisation (slope < 0)",
        _PS,
        "depth_slope.init.lecun",
        "<",
        0.0,
        sigmas=2.0,
        min_n=2,
    ),
)


EXPERIMENT = Experiment(
    claims=CLAIMS,
    name="perturbation_stability",
    summary="P(h,eps)/eps of trained ReLU nets vs width (up to m >> L^3) and depth, LeCun/He/NTK (good/bad/ugly)",
    config=Config,
    run=run,
    quick={
        "widths": (16, 256),
        "depths": (2, 3),
        "depth_width": 64,
        "seeds": 2,
        "max_epochs": 40,
    },
    full={
        "widths": (4, 8, 16, 32, 64, 128, 256, 512, 1024),
        "depths": (2, 3, 4, 6, 8),
        "depth_width": 512,
        "seeds": 4,
    },
    reproduces="seeds 000/002/003, table 'perturbation stability <~ Func(m, L, beta)' (lazy regime) and the "
    "FCN depth / CNN width figures of Zhu et al. 2022",
)
