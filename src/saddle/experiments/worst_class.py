"""Robustness of the worst-performing class: per-class robust accuracy of ERM, PGD-AT and CFOL.

Reproduces (or not) seed 003, "Robustness of the worst-performing class" (Pethick, Chrysos, Cevher 2023,
figure: robust test accuracy per class of ERM-style adversarial training vs class-focused online learning):
CFOL raises the robust accuracy of the worst class at a small cost in average robust accuracy. Each
method trains the same seeded classifier through `saddle.train.fit` (CFOL: `ClassFocusedOnlineLearning`
around the same PGD attack as PGD-AT); the per-class robust accuracy is PGD-20 on the test digits at the
last epoch.

Measured (DigitsMLP, ε = 0.1, PGD-20 on the 360 test digits, seed 0; classes have ~36 test points, so one
class's accuracy has a standard error of ~0.07): full size (30 epochs, K = 10) average / worst class:
ERM 0.356 / 0.056, PGD-AT 0.853 / 0.629 (class 8), CFOL 0.850 / 0.750 — CFOL lifts the worst class by 12
points at 0.3 points of average robust accuracy (the claim reproduces). Quick (6 epochs, K = 3, 200 test
points): ERM 0.435 / 0.00, PGD-AT 0.750 / 0.25, CFOL 0.755 / 0.45.
"""

from __future__ import annotations

from dataclasses import dataclass

from saddle.experiments.base import Claim, Experiment, ExperimentConfig, RunOutput, check_positive
from saddle.train.recipes import RobustTrainingSettings, load_classification_data, train_robust_classifier

LABELS = {"erm": "ERM", "pgd": "PGD-AT", "cfol": "CFOL"}


@dataclass
class Config(ExperimentConfig, RobustTrainingSettings):
    cfol_eta: float = 0.1

    def validate(self) -> None:
        self.check_training()
        check_positive(self, "cfol_eta")


def run(config: Config, out: RunOutput) -> dict:
    import matplotlib.pyplot as plt

    train, test = load_classification_data("digits")
    test = type(test)(test.x[: config.n_test], test.y[: config.n_test])
    metrics: dict = {"eps": config.eps}
    for name in LABELS:
        _, res = train_robust_classifier(
            name,
            train,
            test,
            seed=config.seed,
            device=config.device,
            **config.training_kwargs(),
            objective_options={"cfol_eta": config.cfol_eta} if name == "cfol" else {},
        )
        last = res.last
        assert last is not None  # epochs >= 1: the loop recorded at least once
        per_class = [last[f"class_robust_acc_{k}"] for k in range(10)]
        metrics[name] = {
            "per_class": per_class,
            "average": last["robust_acc"],
            "worst_class": last["worst_class_robust_acc"],
            "clean": last["clean_acc"],
        }
        out.log.info("%s: per class %s", LABELS[name], [round(v, 3) for v in per_class])
    metrics["cfol_minus_pgd_worst_class"] = metrics["cfol"]["worst_class"] - metrics["pgd"]["worst_class"]
    metrics["pgd_minus_erm_worst_class"] = metrics["pgd"]["worst_class"] - metrics["erm"]["worst_class"]
    metrics["cfol_minus_pgd_average"] = metrics["cfol"]["average"] - metrics["pgd"]["average"]

    fig, ax = plt.subplots(figsize=(7, 4))
    width = 0.27
    for i, (name, label) in enumerate(LABELS.items()):
        ax.bar(
            [k + (i - 1) * width for k in range(10)],
            metrics[name]["per_class"],
            width,
            label=f"{label} (worst {metrics[name]['worst_class']:.2f})",
        )
    ax.set_xticks(range(10))
    ax.set_xlabel("digit class")
    ax.set_ylabel("PGD-20 robust test accuracy")
    ax.legend()
    out.savefig(
        fig,
        "worst_class",
        f"Per-class robust test accuracy (l∞ ε = {config.eps:g}) of ERM, PGD-AT and CFOL at the last epoch; "
        "CFOL reweights classes by the adversary's Hedge distribution to lift the worst class.",
    )
    return metrics


CLAIMS = (
    Claim(
        "cfol_lifts_worst_class",
        "CFOL's worst-class robust accuracy is higher than PGD-AT's",
        "seed 003, 'Robustness of the worst-performing class' (Pethick et al. 2023)",
        "cfol_minus_pgd_worst_class",
        ">",
        0.0,
        at_quick=False,
    ),
    Claim(
        "cfol_small_average_cost",
        "CFOL's average robust accuracy stays within 5 points of PGD-AT's",
        "Pethick et al. 2023",
        "cfol_minus_pgd_average",
        ">=",
        -0.05,
        at_quick=False,
    ),
    Claim(
        "pgd_at_beats_erm_worst_class",
        "PGD-AT's worst class is more robust than ERM's",
        "seed 003",
        "pgd_minus_erm_worst_class",
        ">",
        0.0,
    ),
)

EXPERIMENT = Experiment(
    name="worst_class",
    summary="per-class robust accuracy of ERM, PGD-AT and class-focused online learning (CFOL)",
    config=Config,
    run=run,
    quick={"epochs": 6, "steps": 3, "n_test": 200},
    reproduces="seed 003, figure 'Robust test accuracy of ERM and class focused online learning'",
    claims=CLAIMS,
)
