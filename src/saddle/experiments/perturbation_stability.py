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

Part A (width, He init, the CNN figure): widths `widths` at depths `width_depths`; per depth, the peak
width m* of trained P/ε (among cells whose every seed reached the target loss) against L³/2; whether
P/ε "eventually decreases" (P(m*) − P(m_max) > 2 SE of the difference, and the log-log slope over
m ≥ m*, fitted per seed, below 0 by more than 2 SE); whether it "rises" first (P(m*) − P(m_min) > 2 SE).
Part B (depth, all inits, the FCN figure): depths `depths` at width `depth_width`; slope of log P/ε
in L fitted per seed, mean ± SE; "depth helps/hurts" when the slope is below/above 0 by more than 2 SE.

Measured at full size (4 seeds; widths 4…1024 at L = 2, 3, 4; depths 2…8 at m = 512; 1990 s wall on the
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
from dataclasses import dataclass

import numpy as np
import torch
import torch.nn.functional as F
from torch import Tensor

from saddle.data import load_digits
from saddle.experiments.base import Claim, Experiment, ExperimentConfig, RunOutput, check_choice, check_positive
from saddle.metrics.stats import MeanSE, linear_fit, loglog_fit, mean_se
from saddle.progress import progress
from saddle.robustness import FullyConnectedReLU, ntk_trace, perturbation_stability
from saddle.robustness.lazy import LazyTracker
from saddle.train import NonFiniteError, ShuffledBatches, fit

INITS = ("lecun", "he", "ntk")


@dataclass
class Config(ExperimentConfig):
    """Part A: `widths` × `width_depths` under `width_init`; part B: `depths` × `inits` at `depth_width`.

    Each net: SGD (`batch_size`, `momentum`, step `lr0`/Θ̄) until the training loss ≤ `target_loss` or
    `max_epochs`; `seeds` ≥ 2 initialisations per cell; P/ε from `n_samples` l2-ball draws per test point
    (`eps` is nominal: P/ε does not depend on it).
    """

    widths: tuple[int, ...] = (4, 8, 16, 32, 64, 128, 256, 512, 1024)
    width_depths: tuple[int, ...] = (2, 3, 4)
    width_init: str = "he"
    depths: tuple[int, ...] = (2, 3, 4, 6, 8)
    depth_width: int = 512
    inits: tuple[str, ...] = INITS
    seeds: int = 4
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
            "width_depths",
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
        check_choice(self, "inits", INITS)
        check_choice(self, "width_init", INITS)
        if any(d < 2 for d in tuple(self.depths) + tuple(self.width_depths)):
            raise ValueError(
                f"depths and width_depths must be >= 2 (weight matrices), got {self.depths!r}, {self.width_depths!r}"
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
    if key not in data["memo"]:  # the two sweeps share the nets at (width_depths × depth_width, width_init)
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
        "trained": ev(),
        "kappa": tracker.ratio(),
        "epochs": epochs,
        "train_loss": loss,
        "reached": bool(math.isfinite(loss) and loss <= config.target_loss),
        "test_accuracy": acc,
    }


def _cell(runs: list[dict]) -> dict:
    """Mean and SE over seeds of every numeric field of the per-seed results."""
    out: dict = {"reached_all": all(r["reached"] for r in runs)}
    for key in ("init", "trained", "kappa", "epochs", "train_loss", "test_accuracy"):
        est = mean_se([r[key] for r in runs])  # a diverged seed (inf/nan) gives nan, flagged by reached_all
        out[key], out[f"{key}_se"] = est.mean, est.se
    out["trained_per_seed"] = [r["trained"] for r in runs]
    out["init_per_seed"] = [r["init"] for r in runs]
    return out


def _width_part(config: Config, data: dict, out: RunOutput) -> tuple[dict, dict]:
    cells: dict = {}
    summary: dict = {}
    jobs = [(d, m) for d in config.width_depths for m in config.widths]
    for d, m in progress(jobs, desc="width sweep", total=len(jobs)):
        runs = [
            _train_and_measure(config, data, d, m, config.width_init, config.seed * 1000 + s)
            for s in range(config.seeds)
        ]
        c = cells.setdefault(d, {})[m] = _cell(runs)
        out.log.info(
            f"width sweep {config.width_init} L={d} m={m}: P/eps init {c['init']:.4f} trained "
            f"{c['trained']:.3f} ± {c['trained_se']:.3f} kappa {c['kappa']:.3f} epochs {c['epochs']:.1f} "
            f"acc {c['test_accuracy']:.3f} reached {c['reached_all']}"
        )
    for d in config.width_depths:
        ok = [m for m in config.widths if cells[d][m]["reached_all"]]
        s: dict = {"L3_half": d**3 / 2, "widths_used": ok}
        if len(ok) >= 2:
            peak = max(ok, key=lambda m: cells[d][m]["trained"])
            last = ok[-1]
            trained = {m: MeanSE(cells[d][m]["trained"], cells[d][m]["trained_se"], config.seeds) for m in ok}
            drop = trained[peak].minus(trained[last])
            over = [m for m in ok if m >= d**3]
            branch = [m for m in ok if m >= peak]
            if len(branch) >= 2:  # the "↘" branch: log-log slope from the peak on, fitted per seed
                per_seed = [
                    loglog_fit(branch, [cells[d][m]["trained_per_seed"][k] for m in branch]).slope
                    for k in range(config.seeds)
                ]
                slope = mean_se(per_seed)
                s.update(slope_after_peak=slope.mean, slope_after_peak_se=slope.se, slope_after_peak_per_seed=per_seed)
            first = ok[0]
            rise = trained[peak].minus(trained[first])
            s.update(
                peak_width=peak,
                peak_over_L3_half=peak / (d**3 / 2),
                p_at_peak=cells[d][peak]["trained"],
                p_at_widest=cells[d][last]["trained"],
                drop_peak_to_widest=drop.mean,
                drop_se=drop.se,
                eventually_decreases=drop.significantly_above(0.0),
                rise_to_peak=rise.mean,
                rise_se=rise.se,
                rises_before_peak=rise.significantly_above(0.0),
                kappa_at_widest=cells[d][last]["kappa"],
            )
            if len(over) >= 2:
                s["loglog_slope_m_ge_L3"] = loglog_fit(over, [cells[d][m]["trained"] for m in over]).slope
        summary[d] = s
        out.log.info(f"width sweep L={d}: {s}")
    return cells, summary


def _depth_part(config: Config, data: dict, out: RunOutput) -> tuple[dict, dict]:
    cells: dict = {}
    slopes: dict = {}
    jobs = [(i, d) for i in config.inits for d in config.depths]
    for init, d in progress(jobs, desc="depth sweep", total=len(jobs)):
        runs = [
            _train_and_measure(config, data, d, config.depth_width, init, config.seed * 1000 + s)
            for s in range(config.seeds)
        ]
        c = cells.setdefault(init, {})[d] = _cell(runs)
        out.log.info(
            f"depth sweep {init} L={d} m={config.depth_width}: P/eps init {c['init']:.4f} trained "
            f"{c['trained']:.3f} ± {c['trained_se']:.3f} kappa {c['kappa']:.3f} epochs {c['epochs']:.1f} "
            f"acc {c['test_accuracy']:.3f} reached {c['reached_all']}"
        )
    for init in config.inits:
        reached = [d for d in config.depths if cells[init][d]["reached_all"]]
        for phase in ("init", "trained"):
            ok = reached if phase == "trained" else list(config.depths)  # equal fit matters only after training
            per_seed = []
            for s in range(config.seeds):  # slope of log P/ε per layer (NaN when fewer than two depths)
                ys = [cells[init][d][f"{phase}_per_seed"][s] for d in ok]
                per_seed.append(linear_fit(ok, np.log(ys)).slope if len(ok) >= 2 and min(ys) > 0 else float("nan"))
            v = mean_se(per_seed)
            slopes[f"{phase}_{init}"] = {"slope": v.mean, "se": v.se, "per_seed": per_seed, "depths_used": ok}
    return cells, slopes


def run(config: Config, out: RunOutput) -> dict:
    import matplotlib.pyplot as plt

    threads = torch.get_num_threads()
    torch.set_num_threads(1)  # small matrices: intra-op threads cost more than they save on a shared machine
    try:
        dev = torch.device(config.device)
        train, test = load_digits()
        xtr, xte = train.x.flatten(1).to(dev), test.x.flatten(1).to(dev)
        data = {
            "xtr": xtr / torch.linalg.vector_norm(xtr, dim=1, keepdim=True),
            "xte": xte / torch.linalg.vector_norm(xte, dim=1, keepdim=True),
            "btr": ((train.y >= 5).float() * 2 - 1).to(dev),
            "bte": ((test.y >= 5).float() * 2 - 1).to(dev),
            "memo": {},
        }
        wcells, wsummary = _width_part(config, data, out)
        dcells, dslopes = _depth_part(config, data, out)
    finally:
        torch.set_num_threads(threads)

    claims: dict = {}
    for d, s in wsummary.items():
        if "eventually_decreases" in s:
            tag = f"width (trained, {config.width_init}, L={d})"
            claims[f"{tag}: P/eps(peak) - P/eps(widest) > 2 SE"] = s["eventually_decreases"]
            if "slope_after_peak" in s:
                claims[f"{tag}: log-log slope after the peak < -2 SE"] = MeanSE(
                    s["slope_after_peak"], s["slope_after_peak_se"], config.seeds
                ).significantly_below(0.0)
            claims[f"{tag}: rise from the narrowest trained width to the peak > 2 SE"] = s["rises_before_peak"]
            claims[f"{tag}: peak within a factor 4 of L^3/2"] = bool(0.25 <= s["peak_over_L3_half"] <= 4)
    for key, v in dslopes.items():
        phase, init = key.split("_", 1)
        slope = MeanSE(v["slope"], v["se"], config.seeds)
        if init == "lecun":
            claims[f"depth ({phase}): helps under lecun (slope < -2 SE)"] = slope.significantly_below(0.0)
        else:
            claims[f"depth ({phase}): hurts under {init} (slope > 2 SE)"] = slope.significantly_above(0.0)
    all_cells = [c for d in wcells.values() for c in d.values()] + [c for i in dcells.values() for c in i.values()]
    metrics: dict = {
        "width_sweep": wcells,
        "width_summary": wsummary,
        "depth_sweep": dcells,
        "depth_slopes": dslopes,
        "claims": claims,
        "claims_holding": f"{sum(claims.values())}/{len(claims)}",
        "cells_reaching_target": f"{sum(c['reached_all'] for c in all_cells)}/{len(all_cells)}",
        "mean_test_accuracy_reached": float(
            np.mean([c["test_accuracy"] for c in all_cells if c["reached_all"]] or [float("nan")])
        ),
    }

    colors = plt.cm.plasma(np.linspace(0, 0.85, len(config.width_depths)))
    fig, axes = plt.subplots(1, 3, figsize=(14, 3.8))
    for c, d in zip(colors, config.width_depths):
        ms = [m for m in config.widths if wcells[d][m]["reached_all"]]
        axes[0].errorbar(
            ms,
            [wcells[d][m]["trained"] for m in ms],
            [2 * wcells[d][m]["trained_se"] for m in ms],
            fmt="o-",
            color=c,
            capsize=2,
            label=f"L={d}",
        )
        axes[1].errorbar(
            ms,
            [wcells[d][m]["init"] for m in ms],
            [2 * wcells[d][m]["init_se"] for m in ms],
            fmt="s--",
            color=c,
            capsize=2,
            label=f"L={d}",
        )
        axes[2].plot(ms, [wcells[d][m]["kappa"] for m in ms], "o-", color=c, label=f"L={d}")
        for ax in axes[:2]:
            ax.axvline(d**3 / 2, color=c, ls=":", lw=1)
    titles = ("trained to equal loss", "at initialisation", "lazy-training ratio κ (trained)")
    for ax, lab, title in zip(axes, ("P(h, ε)/ε", "P(h, ε)/ε", "κ"), titles):
        ax.set_xscale("log")
        ax.set_xlabel("width m")
        ax.set_ylabel(lab)
        ax.set_title(title, fontsize=9)
        ax.legend(fontsize=7)
    axes[2].set_yscale("log")
    fig.tight_layout()
    out.savefig(
        fig,
        "stability_vs_width",
        f"Perturbation stability P/ε (lower = more robust on average) of bias-free ReLU nets "
        f"({config.width_init} init) on normalised digits (‖x‖₂ = 1) against width m, one colour per "
        f"depth L (mean ± 2 SE over {config.seeds} seeds). Left: trained until the training loss is "
        f"≤ {config.target_loss}; middle: at initialisation; dotted verticals: m = L³/2, the peak of "
        f"the notes' bound, which predicts ↗↘ (rise, then decrease for m ≫ L³). Widths where some seed "
        f"did not reach the target loss are left out. Right: lazy-training ratio κ of the trained nets "
        f"(κ ≪ 1: lazy regime).",
    )

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
            f"{init} init (trained slope {dslopes['trained_' + init]['slope']:+.3f}"
            f"±{dslopes['trained_' + init]['se']:.3f})",
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
    return metrics


_PS = "seeds 000/002/003, table 'perturbation stability ≲ Func(m, L, β)' (Zhu et al. 2022)"
_W = "claims.width (trained, he, L=2): "
CLAIMS = (
    Claim(
        "width_eventually_helps",
        "width helps once m ≫ L³: P/ε falls from its peak to the widest net (> 2 SE)",
        _PS,
        _W + "P/eps(peak) - P/eps(widest) > 2 SE",
        "is_true",
    ),
    Claim(
        "width_slope_after_peak",
        "P/ε decreases in m after the peak: log-log slope < −2 SE",
        _PS,
        _W + "log-log slope after the peak < -2 SE",
        "is_true",
    ),
    Claim(
        "width_rises_first",
        "P/ε first rises with width up to m ≈ L³/2 (the '↗' branch, > 2 SE)",
        _PS,
        _W + "rise from the narrowest trained width to the peak > 2 SE",
        "is_true",
    ),
    Claim(
        "depth_helps_lecun_trained",
        "depth helps under LeCun init (trained nets, slope < −2 SE)",
        _PS,
        "claims.depth (trained): helps under lecun (slope < -2 SE)",
        "is_true",
    ),
    Claim(
        "depth_hurts_he_trained",
        "depth hurts under He init (trained nets, slope > 2 SE)",
        _PS,
        "claims.depth (trained): hurts under he (slope > 2 SE)",
        "is_true",
    ),
    Claim(
        "depth_hurts_ntk_trained",
        "depth hurts under NTK init (trained nets, slope > 2 SE)",
        _PS,
        "claims.depth (trained): hurts under ntk (slope > 2 SE)",
        "is_true",
    ),
    Claim(
        "depth_helps_lecun_init",
        "depth helps under LeCun init at initialisation (slope < −2 SE)",
        _PS,
        "claims.depth (init): helps under lecun (slope < -2 SE)",
        "is_true",
    ),
)


EXPERIMENT = Experiment(
    claims=CLAIMS,
    name="perturbation_stability",
    summary="P(h,eps)/eps of trained ReLU nets vs width (up to m >> L^3) and depth, LeCun/He/NTK (good/bad/ugly)",
    config=Config,
    run=run,
    quick={
        "widths": (4, 16, 64, 256, 1024),
        "width_depths": (2,),
        "depths": (2, 4),
        "depth_width": 128,
        "seeds": 2,
        "max_epochs": 100,
    },
    reproduces="seeds 000/002/003, table 'perturbation stability <~ Func(m, L, beta)' (lazy regime) and the "
    "FCN depth / CNN width figures of Zhu et al. 2022",
)
