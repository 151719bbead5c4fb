"""FGSM is one PGD step; iterating makes the attack stronger: robust accuracy of an ERM digits CNN against ε.

Reproduces seed 001, "FGSM as one step of PGA" (η¹ = clip(α∇f(0), [−ε, ε]) = ε sign(∇f(0)) once α|∂_i f| ≥ ε)
and "PGA results in more powerful adversarial attacks than FGSM", with seed 003's evaluation attacks (APGD,
the BETA margin attack).

Setup: DigitsCNN trained by ERM on the 8×8 digits; on the test digits: (1) FGSM against one projected
gradient step from δ = 0 with step α = 2ε / min_i |∂_i f| (bitwise comparison); (2) robust accuracy at each l∞ ε for FGSM,
PGD-k (sign steps, random start), APGD-CE and the BETA margin attack, each evaluated with the survivor-only
`saddle.metrics.robust_accuracy`; (3) the gradient-masking checks of `saddle.metrics.gradient_masking_checks`
on PGD (ε = 0 equals clean accuracy, 100% success at ε = 1, random search finds nothing PGD missed);
(4) a figure of clean and perturbed digits. Expected outcome: FGSM equals
the PGD step exactly; PGD stronger than FGSM — per test point, (robust under FGSM) − (robust under PGD)
averaged over the ε > 0 of the run, mean > 0 by 2 SE over the points (paired; no ε is picked after the fact);
APGD and the margin attack not weaker than PGD — the same paired difference > −0.01 by 2 SE (a non-inferiority
margin of one accuracy point: the notes use them as evaluation attacks, they claim nothing about PGD vs APGD);
all equal to the clean accuracy at ε = 0 and falling towards 0 as ε grows; no masking check fails (an ERM CNN
does not mask gradients).
Sizes: default 10 epochs, ε = 0, 0.1, 0.2, APGD-25 and 50 random-search queries; full = the earlier default
(15 epochs, six ε, APGD-50, 100 queries); quick 120 points.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import torch

from saddle.attacks import (
    AutoProjectedGradientAttack,
    FastGradientSignAttack,
    GradientAscent,
    MarginAttack,
    ProjectedGradientAttack,
    RandomSearchAttack,
)
from saddle.attacks.base import attacking, input_gradient
from saddle.attacks.objectives import get_objective
from saddle.data import load_digits
from saddle.experiments.base import Claim, Experiment, ExperimentConfig, RunOutput, check_positive
from saddle.metrics import gradient_masking_checks, robust_accuracy_curves
from saddle.metrics.stats import MeanSE, mean_se
from saddle.models import DigitsCNN, build_seeded
from saddle.train.erm import train_classifier


@dataclass
class Config(ExperimentConfig):
    epochs: int = 10
    n_test: int = 360
    eps: tuple[float, ...] = (0.0, 0.1, 0.2)
    pgd_steps: int = 20
    apgd_steps: int = 25
    margin_steps: int = 10
    margin_targets: int = 9
    random_queries: int = 50

    def validate(self) -> None:
        check_positive(self, "n_test", "pgd_steps", "apgd_steps", "margin_steps", "margin_targets", "random_queries")
        check_positive(self, "epochs", "eps", allow_zero=True)
        if self.n_test > 360:
            raise ValueError(f"n_test must be <= 360 (digits test set), got {self.n_test}")


def _train_digits_cnn(epochs: int, seed: int, device: str = "cpu") -> torch.nn.Module:
    """The ERM DigitsCNN of these experiments (seeded init and shuffling)."""
    train, _ = load_digits()
    model = build_seeded(DigitsCNN, torch.Generator().manual_seed(seed), device)
    return train_classifier(model, train.x, train.y, epochs=epochs, seed=seed)


def run(config: Config, out: RunOutput) -> dict:
    dev = torch.device(config.device)
    model = _train_digits_cnn(config.epochs, config.seed, config.device)
    _, test = load_digits()
    x, y = test.x[: config.n_test].to(dev), test.y[: config.n_test].to(dev)
    g = torch.Generator().manual_seed(config.seed)

    # (1) FGSM = one PGD step from 0 with a step α such that α|∂_i f| ≥ ε for every nonzero partial derivative
    e_ref = max(config.eps)
    fgsm = FastGradientSignAttack(e_ref)(model, x, y)
    with attacking(model):
        _, grad = input_gradient(model, x, y, get_objective("ce"))
    alpha = 2 * e_ref / float(grad.abs()[grad != 0].min())
    one_step = ProjectedGradientAttack(e_ref, steps=1, step_size=alpha, random_start=False, ascent=GradientAscent())(
        model, x, y
    )
    max_diff = float((fgsm - one_step).abs().max())
    out.log.info("FGSM vs one PGD step from 0 with step %.3g: max |difference| = %g", alpha, max_diff)

    # (2) robust accuracy vs ε for each attack (survivors only)
    makers = {
        "FGSM": lambda e: FastGradientSignAttack(e),
        f"PGD-{config.pgd_steps}": lambda e: ProjectedGradientAttack(e, steps=config.pgd_steps, generator=g),
        f"APGD-CE-{config.apgd_steps}": lambda e: AutoProjectedGradientAttack(e, steps=config.apgd_steps, generator=g),
        f"margin (BETA)-{config.margin_steps}": lambda e: MarginAttack(
            e, steps=config.margin_steps, n_targets=config.margin_targets, generator=g
        ),
    }
    evals = robust_accuracy_curves(model, x, y, makers, config.eps)
    curves = {name: [ev.robust_accuracy for ev in evs] for name, evs in evals.items()}
    masks = {name: [ev.robust for ev in evs] for name, evs in evals.items()}
    clean = evals[list(makers)[-1]][-1].clean_accuracy
    for i, e in enumerate(config.eps):
        out.log.info("eps=%.3f: %s", e, {k: round(v[i], 4) for k, v in curves.items()})
    names = list(makers)

    attacked = [i for i, e in enumerate(config.eps) if e > 0]

    def gain(weaker: str, stronger: str) -> MeanSE:
        """Per test point, (robust under `weaker`) − (robust under `stronger`) averaged over the ε > 0 of the run:
        mean ± SE over the points (a paired comparison; > 0 means `stronger` breaks more points)."""
        d = sum(masks[weaker][i].double() - masks[stronger][i].double() for i in attacked) / max(len(attacked), 1)
        return mean_se(torch.as_tensor(d).cpu())

    metrics: dict[str, Any] = {
        "eps": list(config.eps),
        "clean_accuracy": clean,
        "robust_accuracy": curves,
        "fgsm_equals_one_pgd_step": max_diff == 0.0,
        "fgsm_vs_pgd_step_max_abs_diff": max_diff,
        "pgd_gain_over_fgsm": gain(names[0], names[1]),
        "apgd_gain_over_pgd": gain(names[1], names[2]),
        "margin_gain_over_pgd": gain(names[1], names[3]),
        "equal_to_clean_at_eps0": all(curves[n][config.eps.index(0.0)] == clean for n in names)
        if 0.0 in config.eps
        else None,
    }

    # gradient-masking checks on the PGD attack: ε = 0 gives clean accuracy, success reaches 100% at ε = 1
    # (the whole box), and gradient-free random search breaks nothing PGD left standing
    report = gradient_masking_checks(
        model,
        x,
        y,
        lambda e: ProjectedGradientAttack(e, steps=config.pgd_steps, early_stop=True, generator=g),
        sorted({0.0, *config.eps, 1.0}),
        lambda e: RandomSearchAttack(e, queries=config.random_queries, generator=g),
    )
    metrics["masking_checks_failed"] = report.failed
    out.log.info("gradient-masking checks: %s", report.failed or "all passed")

    _figures(config, out, model, x, y, curves, g, e_ref)
    return metrics


def _figures(
    config: Config,
    out: RunOutput,
    model: torch.nn.Module,
    x: torch.Tensor,
    y: torch.Tensor,
    curves: dict[str, list[float]],
    g: torch.Generator,
    e_ref: float,
) -> None:
    """Robust accuracy against ε per attack, and clean / FGSM / PGD digits with the model's predictions."""
    import matplotlib.pyplot as plt

    names = list(curves)
    fig, ax = plt.subplots(figsize=(5.5, 4))
    for name in names:
        ax.plot(config.eps, curves[name], "o-", label=name)
    ax.set_xlabel("ε (l∞, pixels in [0, 1])")
    ax.set_ylabel("robust test accuracy")
    ax.set_title("ERM DigitsCNN on 8×8 digits")
    ax.legend()
    out.savefig(
        fig,
        "robust_accuracy_vs_eps",
        f"Robust accuracy of an ERM DigitsCNN on {len(y)} test digits against l∞ perturbations of size ε. "
        "FGSM (one signed step) is the weakest; PGD iterates the step and APGD / the BETA margin attack "
        "are stronger still. All curves start at the clean accuracy.",
    )

    e_fig = (
        sorted(e for e in config.eps if e > 0)[len([e for e in config.eps if e > 0]) // 2]
        if any(e > 0 for e in config.eps)
        else e_ref
    )
    adv = {
        "clean": x[:8],
        f"FGSM ε={e_fig:g}": FastGradientSignAttack(e_fig)(model, x[:8], y[:8]),
        f"PGD ε={e_fig:g}": ProjectedGradientAttack(e_fig, steps=config.pgd_steps, generator=g)(model, x[:8], y[:8]),
    }
    fig, axes = plt.subplots(len(adv), 8, figsize=(8, 1.2 * len(adv) + 0.4))
    for r, (name, imgs) in enumerate(adv.items()):
        with torch.no_grad():
            pred = model(imgs).argmax(-1)
        for c in range(8):
            ax = axes[r, c]
            ax.imshow(imgs[c, 0].cpu().numpy(), cmap="gray", vmin=0, vmax=1)
            ax.set_title(f"{int(pred[c])}", color="black" if pred[c] == y[c] else "red", fontsize=9)
            ax.set_xticks([])
            ax.set_yticks([])
        axes[r, 0].set_ylabel(name, fontsize=8)
    out.savefig(
        fig,
        "perturbed_digits",
        f"Rows: clean test digits, FGSM and PGD perturbations at ε = {e_fig:g}; titles are the model's "
        "predictions (red = wrong).",
    )


_FGSM = "seed 001, 'FGSM as one step of PGA'"
_PGA = "seed 001, 'PGA results in more powerful adversarial attacks than FGSM'"
CLAIMS = (
    Claim(
        "fgsm_is_one_pgd_step",
        "FGSM equals one projected gradient step from 0 with a large step",
        _FGSM,
        "fgsm_equals_one_pgd_step",
        "is_true",
    ),
    Claim(
        "pgd_stronger_than_fgsm",
        "'PGA results in more powerful adversarial attacks than FGSM': robust accuracy under FGSM minus under PGD "
        "> 0 (paired over test points, averaged over the run's ε > 0)",
        _PGA,
        "pgd_gain_over_fgsm",
        ">",
        0.0,
        sigmas=2.0,
        min_n=100,
    ),
    Claim(
        "apgd_not_weaker",
        "APGD, seed 003's evaluation attack, is not weaker than PGD: its robust accuracy is at most 1 point above "
        "PGD's (non-inferiority margin 0.01, paired)",
        "seed 003, robustness table (APGD column)",
        "apgd_gain_over_pgd",
        ">",
        -0.01,
        sigmas=2.0,
        min_n=100,
    ),
    Claim(
        "margin_not_weaker",
        "the margin (BETA) attack is not weaker than PGD: robust accuracy at most 1 point above PGD's (paired)",
        "seed 003, 'Adversary's problem can be solved without using surrogates' (BETA)",
        "margin_gain_over_pgd",
        ">",
        -0.01,
        sigmas=2.0,
        min_n=100,
    ),
    Claim(
        "clean_at_zero",
        "every attack's robust accuracy equals the clean accuracy at ε = 0",
        _PGA,
        "equal_to_clean_at_eps0",
        "is_true",
    ),
)


EXPERIMENT = Experiment(
    claims=CLAIMS,
    name="fgsm_vs_pgd",
    summary="FGSM = one PGD step from 0; robust accuracy vs ε of an ERM CNN for FGSM, PGD, APGD, margin attack",
    config=Config,
    run=run,
    quick={
        "epochs": 6,
        "n_test": 120,
        "eps": (0.0, 0.1, 0.2),
        "pgd_steps": 10,
        "apgd_steps": 10,
        "margin_steps": 5,
        "margin_targets": 3,
        "random_queries": 20,
    },
    full={"epochs": 15, "eps": (0.0, 0.05, 0.1, 0.15, 0.2, 0.3), "apgd_steps": 50, "random_queries": 100},
    reproduces="seed 001, 'FGSM as one step of PGA' and 'PGA results in more powerful attacks than FGSM'",
)
