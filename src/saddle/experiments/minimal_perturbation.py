"""Minimal adversarial perturbations: seed 004's closed form, DeepFool on a network, the ε PGD needs; l∞ vs l1 attacks.

Reproduces seed 004, "p-norm robustness": for an affine classifier the smallest l2 perturbation that changes the class
solves a convex programme, η* = (f_1(x) − f_2(x)) / ‖w_2 − w_1‖² · (w_2 − w_1), and "in the general case, we can
linearize the model and iteratively solve the above convex program" (DeepFool, Moosavi-Dezfooli, Fawzi, Frossard,
CVPR 2016); and seed 001, "Example norms frequently used in adversarial attacks: ... The use of ℓ1-norm leads to sparse
attacks. Figure: (Left) An ℓ∞-attack: the alteration is hard to perceive. (Right) An ℓ1-attack: the alteration in this
case is obvious."

Setup (8×8 digits in [0, 1], `n_points` correctly classified test digits):
(1) Affine: multinomial logistic regression (`nn.Linear(64, 10)`, Adam on cross-entropy, then float64). For every
point the closed form (`affine_boundary_distance`, the nearest of the pairwise boundaries: the exit of the class's
polyhedron), one DeepFool step without overshoot (`saddle.attacks.deepfool`), and the smallest ε at which l2 PGD
succeeds, by per-point geometric bisection (`minimal_epsilon`, resolution (8000)^(2^−rounds) = 1.036 at 8 rounds).
The notes' programme has no box, so neither has PGD here; PGD is run towards each of the 9 other classes
(`TopClassesTargeted`): untargeted PGD follows the currently largest wrong logit, a local maximum of the margin on the
sphere, and needed up to 2.4× the minimum in development. 10 steps of 2.5ε/10 each: every target's gradient is constant on an affine model, so the iterate reaches
the ε-sphere in 4 steps and stays at that target's optimum (20 steps gave the same ratios to every digit, at 1.4× the run's CPU time).
(2) Network: `DigitsMLP` trained by ERM. DeepFool (l2, overshoot 0.02, 50 steps, box [0, 1] with its active bounds
held) against the smallest ε of the one-step fast gradient method (FGM: one step of size ε from x) and of 30-step
untargeted l2 PGD (margin loss), on the same points, all in the box.
(3) Seed 001's figure: l∞ PGD (ε = `eps_linf`) and l1 PGD (sparse steepest ascent, ε = `eps_l1`) on the network; per
image, the fraction of pixels changed by more than 0.05 and the largest pixel change.
Expected: DeepFool's step equals the closed form (relative error ~1e-12) and PGD needs at least the closed-form ε, at
most one bisection step more; on the network DeepFool breaks every point with a perturbation smaller than FGM needs
(the paper's Table 1: 5× smaller than the fast gradient sign method on MNIST) and comparable to what PGD needs; the l1
attack changes few pixels by a lot, the l∞ attack all pixels by ≤ ε.
Measured at default size: DeepFool's step = the closed form to 2.4e-15 (relative); PGD needs 1.0007–1.036 × ‖η*‖
(resolution 1.036); DeepFool breaks 50/50 digits of the MLP, log(‖δ_DF‖/ε_FGM) = −0.158 ± 0.015 and
log(‖δ_DF‖/ε_PGD) = −0.011 ± 0.012 (as small as what PGD needs); the ℓ1 attack changes 5.8% of pixels (ℓ∞: 73%)
with a largest change of 0.72 (ℓ∞: 0.10).
Sizes: `n_points` = 50 gives paired SEs of ≈ 0.015 on log-ratios and ≈ 0.01 on pixel fractions (the compared effects
are ≥ 10× larger); 8 bisection rounds on [1e-3, 8] set the ε resolution to 1.036; run CPU 6.4 s, 13.0 s for the
whole process with its start-up (one thread, load ≈ 28).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import torch
from torch import nn

from saddle.attacks import (
    DeepFool,
    ProjectedGradientAttack,
    TopClassesTargeted,
    affine_boundary_distance,
    deepfool,
    minimal_epsilon,
)
from saddle.attacks.base import attacking
from saddle.data import load_digits
from saddle.experiments.base import Claim, Experiment, ExperimentConfig, RunOutput, check_positive
from saddle.metrics.stats import mean_se, paired_difference
from saddle.models import DigitsMLP, build_seeded
from saddle.train.erm import train_classifier

EPS_LOW, EPS_HIGH = 1e-3, 8.0  # l2 bisection bracket: far below / above any digit's minimal perturbation


@dataclass
class Config(ExperimentConfig):
    n_points: int = 50
    epochs: int = 10
    pgd_steps: int = 30
    rounds: int = 8
    eps_linf: float = 0.1
    eps_l1: float = 2.0

    def validate(self) -> None:
        check_positive(self, "n_points", "epochs", "pgd_steps", "rounds", "eps_linf", "eps_l1")
        if self.n_points > 300:
            raise ValueError(
                f"n_points must be <= 300 (the test digits a model classifies correctly), got {self.n_points}"
            )


def _pgd(steps: int, box: tuple[float, float] | None) -> Callable[[float], ProjectedGradientAttack]:
    def make(eps: float) -> ProjectedGradientAttack:
        return ProjectedGradientAttack(
            eps, "l2", steps=steps, random_start=False, box=box, loss="margin", early_stop=True
        )

    return make


def _pgd_all_targets(steps: int) -> Callable[[float], TopClassesTargeted]:
    """Targeted l2 PGD towards each of the 9 other classes, no box: on an affine model each target's gradient is
    constant, so at radius ε some target is reached iff ε exceeds the distance to the nearest boundary."""

    def make(eps: float) -> TopClassesTargeted:
        pgd = ProjectedGradientAttack(
            eps, "l2", steps=steps, random_start=False, box=None, loss="margin", targeted=True
        )
        return TopClassesTargeted(pgd, n_targets=9)

    return make


def _fgm(eps: float) -> ProjectedGradientAttack:
    """The fast gradient method in l2: one step x + ε ∇/‖∇‖₂ from x (clipped to the box)."""
    return ProjectedGradientAttack(eps, "l2", steps=1, step_size=eps, random_start=False, loss="ce")


def _correct(model: nn.Module, x: torch.Tensor, y: torch.Tensor, n: int) -> tuple[torch.Tensor, torch.Tensor]:
    with torch.no_grad():
        keep = model(x).argmax(-1) == y
    return x[keep][:n], y[keep][:n]


def _affine(
    config: Config, xtr: torch.Tensor, ytr: torch.Tensor, xte: torch.Tensor, yte: torch.Tensor, dev: torch.device
) -> dict:
    """An affine classifier: DeepFool's one step and the smallest PGD ε against the closed-form distance."""
    affine = build_seeded(lambda: nn.Sequential(nn.Flatten(), nn.Linear(64, 10)), config.seed, dev)
    lin = next(m for m in affine.modules() if isinstance(m, nn.Linear))
    train_classifier(affine, xtr, ytr, epochs=config.epochs, seed=config.seed, desc="ERM affine")
    affine = affine.double()  # the closed form is compared to round-off
    xa, ya = _correct(affine, xte.double(), yte, config.n_points)
    with attacking(affine):
        step, iters = deepfool(affine, xa, ya, steps=1, overshoot=0.0)
    closed = affine_boundary_distance(lin.weight, lin.bias, xa.flatten(1)).double().cpu()  # ya: correct points
    df_affine = (step - xa).flatten(1).norm(dim=-1).double().cpu()
    pgd_affine = minimal_epsilon(_pgd_all_targets(10), affine, xa, ya, EPS_LOW, EPS_HIGH, config.rounds)
    return {
        "closed_form_mean_distance": closed.mean().item(),
        "deepfool_vs_closed_form_max_relative_error": ((df_affine - closed).abs() / closed).max().item(),
        "deepfool_iterations_max": int(iters.max()),
        "pgd_over_closed_form_min": (pgd_affine / closed).min().item(),
        "pgd_over_closed_form_max": (pgd_affine / closed).max().item(),
    }


def run(config: Config, out: RunOutput) -> dict:
    train, test = load_digits()
    dev = torch.device(config.device)
    xtr, ytr, xte, yte = train.x.to(dev), train.y.to(dev), test.x.to(dev), test.y.to(dev)
    resolution = (EPS_HIGH / EPS_LOW) ** (2.0**-config.rounds)
    metrics: dict = {"bisection_resolution": resolution}

    # (1) affine classifier: closed form = one DeepFool step; PGD needs at least that ε
    metrics["affine"] = _affine(config, xtr, ytr, xte, yte, dev)
    out.log.info("affine: %s", metrics["affine"])

    # (2) network: DeepFool vs the smallest ε of FGM and of PGD
    net = build_seeded(DigitsMLP, config.seed + 1, dev)
    train_classifier(net, xtr, ytr, epochs=config.epochs, seed=config.seed, desc="ERM network")
    xn, yn = _correct(net, xte, yte, config.n_points)
    x_df = DeepFool(EPS_HIGH)(net, xn, yn)
    with torch.no_grad():
        df_success = (net(x_df).argmax(-1) != yn).double().cpu()
    df_norm = (x_df - xn).flatten(1).norm(dim=-1).double().cpu()
    fgm_eps = minimal_epsilon(_fgm, net, xn, yn, EPS_LOW, EPS_HIGH, config.rounds)
    pgd_eps = minimal_epsilon(_pgd(config.pgd_steps, (0.0, 1.0)), net, xn, yn, EPS_LOW, EPS_HIGH, config.rounds)
    both = torch.isfinite(fgm_eps) & (df_success > 0)
    metrics["network"] = {
        "deepfool_success": mean_se(df_success),
        "deepfool_norm": mean_se(df_norm),
        "fgm_min_eps": mean_se(fgm_eps[torch.isfinite(fgm_eps)]),
        "pgd_min_eps": mean_se(pgd_eps[torch.isfinite(pgd_eps)]),
        "fgm_unbroken_at_eps_high": int((~torch.isfinite(fgm_eps)).sum()),
        "log_deepfool_over_fgm": mean_se((df_norm[both] / fgm_eps[both]).log()),
        "log_deepfool_over_pgd": mean_se((df_norm / pgd_eps)[torch.isfinite(pgd_eps)].log()),
    }
    out.log.info("network: %s", metrics["network"])

    # (3) seed 001's figure: an l∞ and an l1 attack on the same digits
    x_inf = ProjectedGradientAttack(config.eps_linf, "linf", steps=50, random_start=False)(net, xn, yn)
    x_one = ProjectedGradientAttack(config.eps_l1, "l1", steps=50, random_start=False)(net, xn, yn)
    changed = {
        k: ((v - xn).abs().flatten(1) > 0.05).double().mean(-1).cpu() for k, v in (("linf", x_inf), ("l1", x_one))
    }
    largest = {k: (v - xn).abs().flatten(1).amax(-1).double().cpu() for k, v in (("linf", x_inf), ("l1", x_one))}
    with torch.no_grad():
        fooled = {k: (net(v).argmax(-1) != yn).double().mean().item() for k, v in (("linf", x_inf), ("l1", x_one))}
    metrics["linf_vs_l1"] = {
        "changed_pixel_fraction": {k: mean_se(v) for k, v in changed.items()},
        "largest_pixel_change": {k: mean_se(v) for k, v in largest.items()},
        "fooled": fooled,
        "linf_minus_l1_changed_fraction": paired_difference(changed["linf"], changed["l1"]),
        "l1_minus_linf_largest_change": paired_difference(largest["l1"], largest["linf"]),
    }
    out.log.info("l-inf vs l1: %s", metrics["linf_vs_l1"])

    _figure(config, out, xn, x_inf, x_one, changed, fgm_eps, pgd_eps, df_norm, both)
    return metrics


def _figure(
    config: Config,
    out: RunOutput,
    xn: torch.Tensor,
    x_inf: torch.Tensor,
    x_one: torch.Tensor,
    changed: dict[str, torch.Tensor],
    fgm_eps: torch.Tensor,
    pgd_eps: torch.Tensor,
    df_norm: torch.Tensor,
    both: torch.Tensor,
) -> None:
    """A digit with its ℓ∞ and ℓ1 attacks; DeepFool's norm against the smallest FGM and PGD ε on the same digits."""
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 4, figsize=(14, 3.4), layout="constrained")
    i = 0
    for ax, (img, title) in zip(
        axes[:3],
        (
            (xn[i], "clean digit"),
            (x_inf[i], f"ℓ∞ attack, ε = {config.eps_linf:g}: {100 * changed['linf'][i]:.0f}% of pixels changed"),
            (x_one[i], f"ℓ1 attack, ε = {config.eps_l1:g}: {100 * changed['l1'][i]:.0f}% of pixels changed"),
        ),
    ):
        ax.imshow(img.reshape(8, 8).cpu(), cmap="gray_r", vmin=0, vmax=1)
        ax.set_title(title, fontsize=8)
        ax.set_xticks([]), ax.set_yticks([])
    axes[3].scatter(fgm_eps[both], df_norm[both], s=10, label="FGM (one step)")
    finite = torch.isfinite(pgd_eps)
    axes[3].scatter(pgd_eps[finite], df_norm[finite], s=10, label=f"PGD ({config.pgd_steps} steps)")
    top = float(max(df_norm.max(), fgm_eps[both].max() if both.any() else 0.0))
    axes[3].plot([0, top], [0, top], "k--", lw=0.8)
    axes[3].set(xlabel="smallest ε the attack needs (l2)", ylabel="DeepFool's ‖δ‖₂", title="same test digits")
    axes[3].legend(fontsize=7)
    out.savefig(
        fig,
        "minimal_perturbation",
        "Left: a test digit, its ℓ∞ attack (every pixel nudged, hard to perceive) and its ℓ1 attack (a few pixels "
        "changed a lot: obvious), seed 001. Right: DeepFool's l2 perturbation on an MLP against the smallest ε at which "
        "the one-step fast gradient method and 30-step PGD misclassify the same digit (below the diagonal: DeepFool "
        "is smaller).",
    )


_SEED4 = "seed 004, 'p-norm robustness' (DeepFool: Moosavi-Dezfooli et al. 2016)"
_SEED1 = "seed 001, 'Example norms frequently used in adversarial attacks'"
CLAIMS = (
    Claim(
        "deepfool_is_the_closed_form",
        "for an affine classifier the minimal l2 perturbation is the closed form η*; one linearisation step (DeepFool) "
        "finds it (relative error < 1e-9)",
        _SEED4,
        "affine.deepfool_vs_closed_form_max_relative_error",
        "<",
        1e-9,
    ),
    Claim(
        "closed_form_is_minimal",
        "no perturbation smaller than η* changes the class: PGD needs at least ‖η*‖ on every point (ratio ≥ 1 up to "
        "rounding)",
        _SEED4,
        "affine.pgd_over_closed_form_min",
        ">=",
        1.0 - 1e-9,
    ),
    Claim(
        "pgd_reaches_the_closed_form",
        "PGD breaks every point just above ‖η*‖: ratio within one bisection step",
        _SEED4,
        "affine.pgd_over_closed_form_max",
        "<=",
        1.0 + 1e-9,
        than="bisection_resolution",
    ),
    Claim(
        "deepfool_breaks_the_network",
        "iterating the linearisation on a network misclassifies every point: fraction above 0.99 by two standard errors",
        _SEED4,
        "network.deepfool_success",
        ">",
        0.99,
        sigmas=2.0,
        min_n=20,
    ),
    Claim(
        "deepfool_smaller_than_fgm",
        "DeepFool's perturbation is smaller than the smallest ε the one-step fast gradient method needs (Moosavi-"
        "Dezfooli et al., Table 1): mean log-ratio below 0 by two standard errors",
        _SEED4,
        "network.log_deepfool_over_fgm",
        "<",
        0.0,
        sigmas=2.0,
        min_n=20,
    ),
    Claim(
        "l1_attack_is_sparse",
        '"the use of ℓ1-norm leads to sparse attacks": the ℓ∞ attack changes a larger fraction of pixels than the ℓ1 '
        "attack (paired difference above 0 by two standard errors)",
        _SEED1,
        "linf_vs_l1.linf_minus_l1_changed_fraction",
        ">",
        0.0,
        sigmas=2.0,
        min_n=20,
    ),
    Claim(
        "l1_attack_is_obvious",
        '"an ℓ1-attack: the alteration in this case is obvious": its largest pixel change exceeds the ℓ∞ attack\'s '
        "(paired difference above 0 by two standard errors)",
        _SEED1,
        "linf_vs_l1.l1_minus_linf_largest_change",
        ">",
        0.0,
        sigmas=2.0,
        min_n=20,
    ),
)


EXPERIMENT = Experiment(
    claims=CLAIMS,
    name="minimal_perturbation",
    summary="seed 004's minimal l2 perturbation of an affine classifier = one DeepFool step; DeepFool vs FGM/PGD on a "
    "network; ℓ∞ vs ℓ1 attacks (seed 001)",
    config=Config,
    run=run,
    quick={"n_points": 20, "epochs": 4, "pgd_steps": 15, "rounds": 6},
    reproduces="seed 004, p-norm robustness (closed form, DeepFool); seed 001, ℓ∞ vs ℓ1 attack figure",
)
