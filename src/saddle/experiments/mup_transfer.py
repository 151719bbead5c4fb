"""µTransfer: the best SGD learning rate is stable across widths under µP and drifts under SP.

Reproduces seed 002, "µ-transfer: Zero-shot hyperparameter transfer with µP" and "transferability and
empirical results" (Yang, Hu et al. 2021, Tensor Programs V, Figure 1: training loss against learning
rate for several widths): under µP (abc-parametrisation a = (−1/2, …, 1/2), b = 1/2, c = 0, seed 002)
the loss-vs-learning-rate curves of different widths line up and share their minimiser; under the
standard parametrisation (SP: a = 0, b_1 = 0, b_{l≥2} = 1/2, c = 0, He/LeCun-like fan-in variances with
one global learning rate) the optimum moves to smaller rates as the width grows (∝ 1/m for SGD).

Setup: bias-free ReLU MLPs (`saddle.theory.abc_network`, `depth` weight matrices, linear read-out)
regress the one-hot labels of the 1,437 digits training images (inputs normalised to ‖a‖₂ = 1 so that
input coordinates are O(1) in the paper's sense) with the square loss Σ_k (h_k − e_{y,k})², minibatch
SGD for `steps` steps on a log₂ grid of base learning rates η; the final full-training-set loss is
recorded (a diverged run counts as +∞). Deviation/observation: with the cross-entropy loss, which
saturates, SP's optimum did not move within such short runs (both SP and µP sat at the stability
edge); the square loss exposes the SP instability ∝ m that µP removes.

Expected outcome (metrics `sp_drift_octaves`, `mup_drift_octaves`: change of log₂ of the best η from the
smallest to the largest width): µP drift ≈ 0, SP drift ≈ −log₂(m_max/m_min) (several octaves).

The best rate is the argmin over the grid, so each seed (initial weights and minibatch order) gives one drift;
the claims are decided on the drifts' mean ± SE over `seeds` seeds (µP |drift| ≤ 1 and SP drift ≤ −2 octaves,
by 2 SE). Sizes: default widths 32 and 512 (SP's optimum should move by log₂ 16 = 4 octaves), 14 rates, 150 steps,
3 seeds (26 CPU-s at a load of 18; measured SP drift −3.7 ± 0.3, µP |drift| 0.3 ± 0.3); full = the earlier
default (one seed, widths to 2048, 17 rates, 300 steps); quick widths 16 and 256 with 100 steps, too noisy for
the claims (SP −4.7 ± 1.7), which are checked from default size on.
Measured at full size (widths 32, 128, 512, 2048; depth 2; 300 steps, seed 0): best log₂ η under SP = −3, −5,
−7, −10 (drift −7 octaves, about −log₂(2048/32) = −6, i.e. η* ∝ 1/m), under µP = 1 at every width;
using the m = 32 optimum at m = 2048 gives loss 0.079 (= the best) under µP, 0.83 (best 0.36) under SP.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import torch

from saddle.data import load_digits
from saddle.experiments.base import Claim, Experiment, ExperimentConfig, RunOutput, check_positive
from saddle.metrics.stats import mean_se
from saddle.theory.lazy import train_sgd
from saddle.theory.parametrization import abc_network, abc_param_groups, parametrization

PARAMS = ("sp", "mup")


@dataclass
class Config(ExperimentConfig):
    widths: tuple[int, ...] = (32, 512)
    depth: int = 2
    log2_lrs: tuple[int, ...] = tuple(range(-9, 5))
    steps: int = 150
    batch_size: int = 128
    seeds: int = 3

    def validate(self) -> None:
        check_positive(self, "widths", "steps", "batch_size", "seeds")
        if len(self.widths) < 2:
            raise ValueError(f"need at least two widths, got {self.widths!r}")
        if self.depth < 2:
            raise ValueError(f"depth must be >= 2 weight matrices, got {self.depth}")
        if len(self.log2_lrs) < 3:
            raise ValueError(f"need at least three learning rates, got {self.log2_lrs!r}")


def run(config: Config, out: RunOutput) -> dict:
    import matplotlib.pyplot as plt

    dev = torch.device(config.device)
    train, _ = load_digits()
    x = train.x.flatten(1)
    x = (x / x.norm(dim=1, keepdim=True)).to(dev)
    y = torch.nn.functional.one_hot(train.y, 10).float().to(dev)

    def loss(h: torch.Tensor, t: torch.Tensor) -> torch.Tensor:
        return ((h - t) ** 2).sum(1).mean()

    lrs = sorted(config.log2_lrs)
    final: dict[str, dict[int, list[float]]] = {s: {} for s in PARAMS}  # seed 0, for the figure
    best: dict[str, dict[int, list[int]]] = {s: {m: [] for m in config.widths} for s in PARAMS}  # per seed
    for seed in range(config.seeds):
        init, order = config.seed + 100 * seed, config.seed + 100 * seed + 1
        for name in PARAMS:
            param = parametrization(name, config.depth)
            for m in config.widths:
                widths = [x.shape[1]] + [m] * (config.depth - 1) + [10]
                row = []
                for k in lrs:
                    net = abc_network(widths, param, torch.Generator().manual_seed(init)).to(dev)
                    ls = train_sgd(
                        net,
                        x,
                        y,
                        loss,
                        config.steps,
                        abc_param_groups(net, param, 2.0**k),
                        batch_size=config.batch_size,
                        generator=torch.Generator().manual_seed(order),
                    )
                    with torch.no_grad():
                        v = loss(net(x), y).item() if math.isfinite(ls[-1]) else math.inf
                    row.append(v if math.isfinite(v) else math.inf)
                if seed == 0:
                    final[name][m] = row
                best[name][m].append(lrs[int(np.argmin(row))])
                out.log.info(f"{name} m={m} seed {seed}: best log2 lr {best[name][m][-1]}, loss {min(row):.4f}")

    small, large = config.widths[0], config.widths[-1]
    metrics: dict = {
        "final_loss": {
            s: {m: [v if math.isfinite(v) else "inf" for v in final[s][m]] for m in config.widths} for s in PARAMS
        },
        "log2_lrs": lrs,
        "best_log2_lr": best,
    }
    for s in PARAMS:
        drifts = [b - a for a, b in zip(best[s][small], best[s][large])]  # per seed, octaves
        metrics[f"{s}_drift_octaves"] = mean_se(drifts)
        metrics[f"{s}_abs_drift_octaves"] = mean_se([abs(d) for d in drifts])
        transferred = final[s][large][lrs.index(best[s][small][0])]
        metrics[f"{s}_loss_at_transferred_lr"] = transferred if math.isfinite(transferred) else "inf"
        metrics[f"{s}_best_loss_largest_width"] = min(final[s][large])

    fig, axes = plt.subplots(1, 2, figsize=(10, 3.8), sharey=True)
    colors = plt.cm.viridis(np.linspace(0, 0.9, len(config.widths)))
    for ax, s in zip(axes, PARAMS):
        for c, m in zip(colors, config.widths):
            vals = np.asarray(final[s][m])
            shown = np.where(np.isfinite(vals), vals, np.nan)
            ax.plot(lrs, shown, "o-", color=c, ms=3, label=f"m={m}")
            ax.plot([best[s][m][0]], [min(final[s][m])], "*", color=c, ms=12)
        ax.set_yscale("log")
        ax.set_xlabel("log₂ base learning rate η")
        ax.set_title({"sp": "standard parametrisation", "mup": "µP"}[s])
    axes[0].set_ylabel(f"training loss after {config.steps} SGD steps")
    axes[1].legend(fontsize=7)
    out.savefig(
        fig,
        "mup_transfer",
        "Square-loss training loss on digits against the base learning rate for several widths "
        "(star: best rate; gaps: divergence). Under µP the curves line up and the best rate "
        "transfers across widths; under the standard parametrisation it shifts left as m grows.",
    )
    return metrics


_MUP = "seed 002, 'µ-transfer: Zero-shot hyperparameter transfer with µP' (Tensor Programs V, Fig. 1)"
CLAIMS = (
    Claim(
        "mup_stable",
        "under µP the best learning rate is stable across widths: |drift| ≤ 1 octave from the narrowest to the widest "
        "(mean ± SE over seeds)",
        _MUP,
        "mup_abs_drift_octaves",
        "<=",
        1.0,
        sigmas=2.0,
        min_n=3,
        at_quick=False,
    ),
    Claim(
        "sp_drifts",
        "under SP the best learning rate drifts down with width: ≥ 2 octaves (mean ± SE over seeds)",
        _MUP,
        "sp_drift_octaves",
        "<=",
        -2.0,
        sigmas=2.0,
        min_n=3,
        at_quick=False,
    ),
)


EXPERIMENT = Experiment(
    claims=CLAIMS,
    name="mup_transfer",
    summary="best SGD learning rate across widths: stable under muP, drifting under standard parametrisation",
    config=Config,
    run=run,
    quick={"widths": (16, 256), "log2_lrs": tuple(range(-9, 4)), "steps": 100},
    full={"widths": (32, 128, 512, 2048), "log2_lrs": tuple(range(-12, 5)), "steps": 300},
    reproduces="seed 002, 'mu-transfer' slides (Tensor Programs V, Figure 1: loss vs learning rate across widths)",
)
