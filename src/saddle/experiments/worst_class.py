"""Robustness of the worst-performing class: per-class robust accuracy of ERM, PGD-AT and CFOL over seeds.

Reproduces (or not) seed 003, "Robustness of the worst-performing class" (Pethick, Chrysos, Cevher 2023, figure:
robust test accuracy per class of adversarial training vs class-focused online learning): CFOL raises the robust
accuracy of the worst class at a small cost in average robust accuracy. Each method trains `seeds` seeded networks
through `saddle.train.recipes.robust_training_run` (CFOL: `ClassFocusedOnlineLearning` around the same PGD attack
as PGD-AT); at the last epoch the test images are attacked with PGD-20 and the per-class robust accuracies read
off. The claims are paired differences over seeds (mean ± standard error).

Sizes. The default stays on the built-in 8×8 digits at ε = 0.1 (DigitsMLP, 12 epochs, K = 5, the 360 test digits,
about 36 per class): the tour gives this experiment 40 CPU-s, and a class's robust accuracy is a mean over ~36
points (standard error ~0.07), so the statistics come from seeds and a cheap network. 5 seeds of 18 epochs gave
CFOL − PGD-AT on the worst class 0.090 ± 0.045 (mean − 2 SE = −0.001: not significant) — an SE too large for the
effect — so the default trades epochs for seeds: 8 seeds of 12 epochs. `data=mnist5k` (with `eps=0.3 model=wong`)
runs it on 28×28 MNIST; `--full` runs 10 seeds of 30 epochs with K = 10.

Measured at default size (2026-12-07, load ~21: 41.2 CPU-s), last epoch, mean ± SE over 8 seeds: average robust
accuracy ERM 0.420, PGD-AT 0.789, CFOL 0.767; worst class ERM 0.057 ± 0.018, PGD-AT 0.429 ± 0.040, CFOL 0.540 ±
0.034. Claims, paired by seed: CFOL lifts the worst class by 0.112 ± 0.037 (reproduced), at an average cost of
0.022 ± 0.006 (within 5 points: reproduced); PGD-AT's worst class beats ERM's by 0.372 ± 0.038 (reproduced).
"""

from __future__ import annotations

from dataclasses import dataclass

import torch

from saddle.attacks import ProjectedGradientAttack
from saddle.data import holdout_split
from saddle.experiments.base import Claim, Experiment, ExperimentConfig, RunOutput, check_positive
from saddle.metrics.stats import mean_se, paired_difference
from saddle.train.recipes import DATASETS, RobustTrainingSettings, load_classification_data, robust_training_seeds
from saddle.validation import check_choice

LABELS = {"erm": "ERM", "pgd": "PGD-AT", "cfol": "CFOL"}


@dataclass
class Config(ExperimentConfig, RobustTrainingSettings):
    seeds: int = 8
    data: str = "digits"
    data_root: str = ""
    holdout: int = 100
    eps: float = 0.1
    steps: int = 5
    epochs: int = 12
    batch_size: int = 64
    model: str = "mlp"
    lr: float = 3e-3
    schedule: str = "constant"
    n_test: int = 360

    def validate(self) -> None:
        self.check_training()
        check_choice("data", self.data, DATASETS)
        check_positive(self, "seeds", "holdout")


def _pgd20(eps: float, seed: int) -> dict[str, ProjectedGradientAttack]:
    """PGD-20 at `eps` with its own generator seeded by `seed` (the monitor's and the test's attack)."""
    return {"pgd": ProjectedGradientAttack(eps, steps=20, generator=torch.Generator().manual_seed(seed))}


def run(config: Config, out: RunOutput) -> dict:
    import matplotlib.pyplot as plt

    train, test = load_classification_data(config.data, config.data_root or None)
    train, monitor = holdout_split(train, config.holdout)
    test = type(test)(test.x[: config.n_test], test.y[: config.n_test])
    n_classes = 10
    metrics: dict = {"eps": config.eps, "seeds": config.seeds}
    worst: dict = {}
    average: dict = {}
    cpu = 0.0
    for name in LABELS:
        runs = robust_training_seeds(
            name,
            train,
            monitor,
            test,
            config,
            [config.seed + s for s in range(config.seeds)],
            device=config.device,
            monitor_attacks=lambda seed: _pgd20(config.eps, 1000 + seed),
            test_attacks=lambda seed: _pgd20(config.eps, 2000 + seed),
            n_classes=n_classes,
        )
        for r in runs:
            cpu += r["cpu_seconds"]
        per_class = [[r["last"][f"class_robust_acc_{k}"] for k in range(n_classes)] for r in runs]
        worst[name] = [r["last"]["worst_class_robust_acc"] for r in runs]
        average[name] = [r["last"]["robust_acc"] for r in runs]
        metrics[name] = {
            "per_class": [mean_se([pc[k] for pc in per_class]) for k in range(n_classes)],
            "average": mean_se(average[name]),
            "worst_class": mean_se(worst[name]),
            "clean": mean_se([r["last"]["clean_acc"] for r in runs]),
        }
        out.log.info(
            "%s: average %.3f, worst class %.3f ± %.3f",
            LABELS[name],
            metrics[name]["average"].mean,
            metrics[name]["worst_class"].mean,
            metrics[name]["worst_class"].se,
        )
    metrics["cfol_minus_pgd_worst_class"] = paired_difference(worst["cfol"], worst["pgd"])
    metrics["pgd_minus_erm_worst_class"] = paired_difference(worst["pgd"], worst["erm"])
    metrics["cfol_minus_pgd_average"] = paired_difference(average["cfol"], average["pgd"])
    metrics["cpu_seconds"] = cpu

    fig, ax = plt.subplots(figsize=(7, 4))
    width = 0.27
    for i, (name, lab) in enumerate(LABELS.items()):
        ax.bar(
            [k + (i - 1) * width for k in range(n_classes)],
            [m.mean for m in metrics[name]["per_class"]],
            width,
            yerr=[m.se for m in metrics[name]["per_class"]],
            label=f"{lab} (worst class {metrics[name]['worst_class'].mean:.2f})",
        )
    ax.set_xticks(range(n_classes))
    ax.set_xlabel("class")
    ax.set_ylabel("PGD-20 robust test accuracy")
    ax.legend()
    out.savefig(
        fig,
        "worst_class",
        f"Per-class robust test accuracy (l∞ ε = {config.eps:g}, {config.data}) of ERM, PGD-AT and CFOL at the last "
        f"epoch, mean ± SE over {config.seeds} seeds; CFOL reweights classes by the adversary's Hedge distribution "
        "to lift the worst class.",
    )
    return metrics


CLAIMS = (
    Claim(
        "cfol_lifts_worst_class",
        "CFOL's worst-class robust accuracy is higher than PGD-AT's (paired over seeds)",
        "seed 003, 'Robustness of the worst-performing class' (Pethick et al. 2023)",
        "cfol_minus_pgd_worst_class",
        ">",
        0.0,
        at_quick=False,
        sigmas=2.0,
        min_n=5,
    ),
    Claim(
        "cfol_small_average_cost",
        "CFOL's average robust accuracy stays within 5 points of PGD-AT's (paired over seeds)",
        "Pethick et al. 2023",
        "cfol_minus_pgd_average",
        ">",
        -0.05,
        at_quick=False,
        sigmas=2.0,
        min_n=5,
    ),
    Claim(
        "pgd_at_beats_erm_worst_class",
        "PGD-AT's worst class is more robust than ERM's (paired over seeds)",
        "seed 003",
        "pgd_minus_erm_worst_class",
        ">",
        0.0,
        at_quick=False,
        sigmas=2.0,
        min_n=5,
    ),
)

EXPERIMENT = Experiment(
    name="worst_class",
    summary="per-class robust accuracy of ERM, PGD-AT and class-focused online learning (CFOL) over seeds",
    config=Config,
    run=run,
    quick={"seeds": 2, "epochs": 2, "steps": 1, "n_test": 100},
    full={"seeds": 10, "epochs": 30, "steps": 10},
    reproduces="seed 003, figure 'Robust test accuracy of ERM and class focused online learning'",
    claims=CLAIMS,
)
