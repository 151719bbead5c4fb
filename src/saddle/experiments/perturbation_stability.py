"""Perturbation stability P(h, ε)/ε of ReLU networks against width and depth for LeCun, He and NTK init.

Reproduces seed 000/002/003, table "Theorem: perturbation stability ≲ Func(m, L, β)" (Zhu et al. 2022,
"the good (width), the bad (depth), the ugly (initialization)") and the appendix figures "lazy training
experiment for FCN": width helps in the over-parameterised regime m ≫ L³ (the table's ↗↘), depth helps under LeCun (factor (√2/2)^{L−2})
and hurts under He/NTK initialisation; NTK init is worse than He by the missing 1/√p.

Setup: the notes' bias-free network `FullyConnectedReLU` with L ∈ `depths` weight matrices, width m,
scalar output, trained on the digits "≥ 5 vs < 5" task (labels b = ±1 as in the notes' ERM) with the
logistic loss log(1 + e^{−b h(a)}) by minibatch SGD; P/ε is measured on the 360 test images with the
l2 ball (`saddle.robustness.perturbation_stability`), at initialisation and after training, averaged
over `seeds` initialisations (the notes' E_x). Deviation: the read-out is linear (no σ on the last
layer), because a ReLU output h ≥ 0 cannot separate ±1 labels by sign.

Expected outcome vs measured (metrics `*_depth_slope`, `*_width_slope`: slopes of log P/ε against L and
log m, averaged over the other axis; `claims` lists which of the notes' trends hold in the run). At a
medium size (widths 16/64/256, depths 2/4/6/8, 2 seeds, 10 epochs, test accuracy 0.94 on average):
- at initialisation LeCun's P/ε falls with depth by exactly 1/√2 per layer relative to He (depth slope
  −0.36 ≈ −ln 2/2; depth helps, as claimed); He and NTK are flat in depth (slope −0.015: the claimed
  increase does not show at initialisation); NTK sits above He by exactly √(p/2) = 5.66; width is flat
  (slope −0.007), while the bound's √(L³m/p)·e^{−m/L³} term rises then falls in m (peak at m = L³/2,
  the table's ↗↘): the measured P/ε stays far below that upper bound and shows neither phase;
- after SGD training P/ε grows 4-10× and grows with depth under He (slope +0.11) and NTK (+0.07): depth
  hurts, as claimed; under LeCun the trained depth trend is flat (−0.02) and seed-dependent; width does
  *not* help after training (slopes +0.05 to +0.19), although wider nets move less (κ falls with m).
So the notes' lazy-regime table is matched at its lazy end (initialisation) for the LeCun-vs-He/NTK
depth contrast, and after (non-lazy, κ ≈ 0.05-0.8) training for "depth hurts under He/NTK"; the
"width helps" trend is not reproduced at these sizes.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import torch
import torch.nn.functional as F

from saddle.data import load_digits
from saddle.experiments.base import Experiment, ExperimentConfig, RunOutput, check_choice, check_positive
from saddle.robustness import FullyConnectedReLU, perturbation_stability
from saddle.robustness.lazy import LazyTracker, train_sgd

INITS = ("lecun", "he", "ntk")


@dataclass
class Config(ExperimentConfig):
    widths: tuple[int, ...] = (16, 64, 256, 1024)
    depths: tuple[int, ...] = (2, 4, 6, 8, 10)
    inits: tuple[str, ...] = INITS
    seeds: int = 2
    epochs: int = 10
    batch_size: int = 64
    lr: float = 0.01
    momentum: float = 0.9
    eps: float = 0.5
    n_samples: int = 32

    def validate(self) -> None:
        check_positive(self, "widths", "depths", "seeds", "batch_size", "lr", "eps", "n_samples")
        check_positive(self, "epochs", allow_zero=True)
        check_choice(self, "inits", INITS)
        if any(d < 2 for d in self.depths):
            raise ValueError(f"depths must be >= 2 (weight matrices), got {self.depths!r}")
        if not 0.0 <= self.momentum < 1.0:
            raise ValueError(f"momentum must be in [0, 1), got {self.momentum!r}")
        if len(self.widths) < 2 or len(self.depths) < 2:
            raise ValueError("need at least two widths and two depths to measure trends")


def _slope(xs: list[float], ys: list[float]) -> float:
    return float(np.polyfit(np.asarray(xs, float), np.log(np.asarray(ys, float)), 1)[0])


def run(config: Config, out: RunOutput) -> dict:
    import matplotlib.pyplot as plt

    dev = torch.device(config.device)
    train, test = load_digits()
    xtr, xte = train.x.flatten(1).to(dev), test.x.flatten(1).to(dev)
    btr, bte = ((train.y >= 5).float() * 2 - 1).to(dev), ((test.y >= 5).float() * 2 - 1).to(dev)
    p = xtr.shape[1]
    steps = config.epochs * math.ceil(len(xtr) / config.batch_size)

    def logistic(h: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
        return F.softplus(-b * h.squeeze(1)).mean()

    res: dict[str, dict] = {ph: {} for ph in ("init", "trained")}
    se: dict[str, dict] = {ph: {} for ph in ("init", "trained")}
    acc, kappa = {}, {}
    for init in config.inits:
        for ph in res:
            res[ph][init], se[ph][init] = {}, {}
        acc[init], kappa[init] = {}, {}
        for depth in config.depths:
            for ph in res:
                res[ph][init][depth], se[ph][init][depth] = {}, {}
            acc[init][depth], kappa[init][depth] = {}, {}
            for m in config.widths:
                vals = {"init": [], "trained": []}
                accs, kaps = [], []
                for s in range(config.seeds):
                    seed = config.seed * 1000 + s
                    net = FullyConnectedReLU([p] + [m] * (depth - 1) + [1], init=init, output_activation=False,
                                             generator=torch.Generator().manual_seed(seed)).to(dev)
                    g_eval = torch.Generator(device=dev).manual_seed(seed + 1)
                    vals["init"].append(perturbation_stability(net, xte, config.eps, config.n_samples, g_eval).ratio)
                    tracker = LazyTracker(net)
                    train_sgd(net, xtr, btr, logistic, steps, config.lr, config.batch_size, config.momentum,
                              generator=torch.Generator().manual_seed(seed + 2))
                    g_eval = torch.Generator(device=dev).manual_seed(seed + 1)
                    vals["trained"].append(perturbation_stability(net, xte, config.eps, config.n_samples, g_eval).ratio)
                    with torch.no_grad():
                        accs.append(((net(xte).squeeze(1) * bte) > 0).float().mean().item())
                    kaps.append(tracker.ratio())
                for ph in res:
                    v = np.asarray(vals[ph])
                    res[ph][init][depth][m] = float(v.mean())
                    se[ph][init][depth][m] = float(v.std(ddof=1) / math.sqrt(len(v))) if len(v) > 1 else float("nan")
                acc[init][depth][m] = float(np.mean(accs))
                kappa[init][depth][m] = float(np.mean(kaps))
                out.log.info(f"{init} L={depth} m={m}: P/eps init {res['init'][init][depth][m]:.3f} "
                             f"trained {res['trained'][init][depth][m]:.3f} acc {acc[init][depth][m]:.3f} "
                             f"kappa {kappa[init][depth][m]:.2f}")

    metrics: dict = {"p_over_eps": res, "p_over_eps_se_over_seeds": se, "test_accuracy": acc, "kappa": kappa}
    claims = {}
    for ph in res:
        for init in config.inits:
            d_slope = float(np.mean([_slope(list(config.depths), [res[ph][init][d][m] for d in config.depths])
                                     for m in config.widths]))
            w_slope = float(np.mean([_slope([math.log(m) for m in config.widths],
                                            [res[ph][init][d][m] for m in config.widths]) for d in config.depths]))
            metrics[f"{ph}_{init}_depth_slope"] = d_slope
            metrics[f"{ph}_{init}_width_slope"] = w_slope
            claims[f"{ph}: width helps under {init}"] = w_slope < 0
            want = "helps" if init == "lecun" else "hurts"
            claims[f"{ph}: depth {want} under {init}"] = d_slope < 0 if init == "lecun" else d_slope > 0
    metrics["claims"] = claims
    metrics["claims_holding"] = f"{sum(claims.values())}/{len(claims)}"
    metrics["mean_test_accuracy"] = float(np.mean([acc[i][d][m] for i in acc for d in acc[i] for m in acc[i][d]]))

    colors = plt.cm.viridis(np.linspace(0, 0.9, len(config.widths)))
    fig, axes = plt.subplots(1, len(config.inits), figsize=(4.2 * len(config.inits), 3.6), squeeze=False)
    for ax, init in zip(axes[0], config.inits):
        for c, m in zip(colors, config.widths):
            ax.plot(config.depths, [res["trained"][init][d][m] for d in config.depths], "o-", color=c, label=f"m={m}")
            ax.plot(config.depths, [res["init"][init][d][m] for d in config.depths], "s--", color=c, alpha=0.6)
        ax.set_yscale("log")
        ax.set_xlabel("depth L")
        ax.set_title(f"{init} initialisation")
    axes[0][0].set_ylabel("P(h, ε)/ε")
    axes[0][-1].legend(fontsize=7)
    out.savefig(fig, "stability_vs_depth",
                "Perturbation stability P/ε (lower = more robust on average) against depth on digits, "
                "solid: after SGD training, dashed: at initialisation; one colour per width m. "
                "Notes' claim: depth helps under LeCun, hurts under He/NTK.")
    fig, axes = plt.subplots(1, len(config.inits), figsize=(4.2 * len(config.inits), 3.6), squeeze=False)
    colors = plt.cm.plasma(np.linspace(0, 0.85, len(config.depths)))
    for ax, init in zip(axes[0], config.inits):
        for c, d in zip(colors, config.depths):
            ax.plot(config.widths, [res["trained"][init][d][m] for m in config.widths], "o-", color=c, label=f"L={d}")
            ax.plot(config.widths, [res["init"][init][d][m] for m in config.widths], "s--", color=c, alpha=0.6)
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_xlabel("width m")
        ax.set_title(f"{init} initialisation")
    axes[0][0].set_ylabel("P(h, ε)/ε")
    axes[0][-1].legend(fontsize=7)
    out.savefig(fig, "stability_vs_width",
                "Perturbation stability P/ε against width m (solid: trained, dashed: at initialisation), "
                "one colour per depth L. Notes' claim: width helps (P/ε decreases with m).")
    return metrics


EXPERIMENT = Experiment(
    name="perturbation_stability",
    summary="P(h,eps)/eps vs width and depth under LeCun/He/NTK init on digits (the good, the bad, the ugly)",
    config=Config,
    run=run,
    quick={"widths": (16, 128), "depths": (2, 6), "seeds": 1, "epochs": 4, "n_samples": 16},
    reproduces="seeds 000/002/003, table 'perturbation stability <~ Func(m, L, beta)' and the FCN width/depth figures",
)
