"""Named training objectives and the clean / robust evaluation used by the adversarial-training experiments.

`make_objective(name, eps, ...)` builds any objective of `OBJECTIVE_NAMES` with the attacks of
`saddle.attacks` (seed 003's table: FGSM, PGD-K, TRADES-K, MART-K, BETA-K, plus ERM, RS-FGSM, DDi, SAM,
ε-stability, CFOL); `robust_evaluator(x, y, attacks)` returns the `evaluate(model)` of `fit`: clean
accuracy, robust accuracy per attack and the per-sample worst case over all of them (and per class); with
`cascade=True` the attacks run as AutoAttack's cascade (the fast version of `AutoAttackSuite` every epoch).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import torch
from torch import Tensor, nn

from saddle.attacks import Attack, AutoProjectedGradientAttack, MarginAttack, ProjectedGradientAttack
from saddle.metrics import robust_accuracy
from saddle.models import make_classifier
from saddle.train.batches import ShuffledBatches
from saddle.train.beta_at import BETAAdversarialTraining
from saddle.train.cfol import ClassFocusedOnlineLearning
from saddle.train.ddi import DDiAdversarialTraining
from saddle.train.distributed import rank_and_world, wrap_ddp
from saddle.train.erm import ERM
from saddle.train.fgsm_at import FGSMAdversarialTraining
from saddle.train.fit import fit
from saddle.train.loop import TrainResult
from saddle.train.mart import MART
from saddle.train.pgd_at import PGDAdversarialTraining
from saddle.train.rs_fgsm import RSFGSMAdversarialTraining
from saddle.train.sam import SharpnessAwareMinimisation
from saddle.train.trades import TRADES
from saddle.train.weight_stability import EpsilonStabilityTraining
from saddle.validation import as_generator, check_choice, check_int, check_real

__all__ = [
    "OBJECTIVE_NAMES",
    "RobustTrainingSettings",
    "evaluation_attacks",
    "load_classification_data",
    "make_objective",
    "robust_evaluator",
    "train_robust_classifier",
]

OBJECTIVE_NAMES = ("erm", "fgsm", "rs_fgsm", "pgd", "trades", "mart", "beta", "ddi", "sam", "stability", "cfol")


def make_objective(
    name: str,
    eps: float,
    *,
    steps: int = 10,
    generator: torch.Generator | int | None = None,
    n_classes: int = 10,
    class_prior: Tensor | None = None,
    trades_beta: float = 6.0,
    mart_lam: float = 6.0,
    beta_targets: int | None = None,
    ddi_perturbations: int = 4,
    sam_rho: float = 0.05,
    stability_eps: float = 0.5,
    stability_steps: int = 3,
    cfol_eta: float = 0.1,
) -> Any:
    """The objective called `name` at l∞ radius `eps` with K = `steps` inner steps (defaults as in the papers).

    fgsm: zero-init FGSM; rs_fgsm: α = 1.25 ε; pgd/mart/cfol/ddi: K-step PGD (step 2.5 ε/K, random start);
    trades: β = 6; beta: margin ascent on `beta_targets` classes (None = all); sam: ρ = 0.05;
    stability: l2 weight ball of radius `stability_eps`, `stability_steps` ascent steps.
    """
    g = as_generator(generator, default_seed=0)
    pgd = lambda: ProjectedGradientAttack(eps, steps=steps, generator=g)  # noqa: E731
    makers: dict[str, Callable[[], Any]] = {
        "erm": ERM,
        "fgsm": lambda: FGSMAdversarialTraining(eps),
        "rs_fgsm": lambda: RSFGSMAdversarialTraining(eps, generator=g),
        "pgd": lambda: PGDAdversarialTraining(eps, steps=steps, generator=g),
        "trades": lambda: TRADES(eps, beta=trades_beta, steps=steps, generator=g),
        "mart": lambda: MART(eps, lam=mart_lam, steps=steps, generator=g),
        "beta": lambda: BETAAdversarialTraining(eps, steps=steps, n_targets=beta_targets, generator=g),
        "ddi": lambda: DDiAdversarialTraining(pgd(), n_perturbations=ddi_perturbations),
        "sam": lambda: SharpnessAwareMinimisation(sam_rho),
        "stability": lambda: EpsilonStabilityTraining(stability_eps, steps=stability_steps),
        "cfol": lambda: ClassFocusedOnlineLearning(pgd(), n_classes, class_prior=class_prior, eta=cfol_eta),
    }
    check_choice("objective", name, makers)
    return makers[name]()


def robust_evaluator(
    x: Tensor,
    y: Tensor,
    attacks: Mapping[str, Attack],
    n_classes: int | None = None,
    batch_size: int = 512,
    cascade: bool = False,
) -> Callable[[nn.Module], dict[str, float]]:
    """`evaluate(model) -> {"clean_acc", "robust_acc_<name>" per attack, "robust_acc" (worst case), ...}`.

    The worst case is per sample over all attacks (a point counts as robust only if every attack fails,
    `saddle.metrics.robust_accuracy` per attack). With `cascade=True` the attacks run in order, each only on the
    points the earlier ones left robust (AutoAttack's cascade): the worst case is the same in law at a fraction
    of the cost, and "robust_acc_after_<name>" (the accuracy after each attack) replaces "robust_acc_<name>".
    AutoAttack's fast version every epoch: `robust_evaluator(x, y, AutoAttackSuite("linf", "fast")(eps),
    cascade=True)` (`saddle.attacks.AutoAttackSuite`). With `n_classes`: "class_robust_acc_<k>" for each class
    and "worst_class_robust_acc", the minimum over classes.
    """
    if len(x) != len(y):
        raise ValueError(f"x and y have different lengths: {len(x)} vs {len(y)}")

    def evaluate(model: nn.Module) -> dict[str, float]:
        with torch.no_grad():
            was = model.training
            model.eval()
            out: dict[str, float] = {"clean_acc": float((model(x).argmax(-1) == y).float().mean())}
            model.train(was)
        if cascade:
            ev = robust_accuracy(model, x, y, dict(attacks), batch_size=batch_size, show_progress=False)
            out.update({f"robust_acc_after_{k}": v for k, v in ev.accuracy_after.items() if k != "clean"})
            robust = ev.robust
        else:
            robust = torch.ones(len(y), dtype=torch.bool, device=y.device)
            for name, attack in attacks.items():
                ev = robust_accuracy(model, x, y, {name: attack}, batch_size=batch_size, show_progress=False)
                out[f"robust_acc_{name}"] = ev.robust_accuracy
                robust &= ev.robust
        out["robust_acc"] = float(robust.float().mean())
        if n_classes is not None:
            per = {k: float(robust[y == k].float().mean()) for k in range(n_classes) if bool((y == k).any())}
            out.update({f"class_robust_acc_{k}": v for k, v in per.items()})
            out["worst_class_robust_acc"] = min(per.values())
        return out

    return evaluate


def load_classification_data(name: str = "digits", root: str | None = None) -> tuple[Any, Any]:
    """(train, test) splits with .x (N, 1, H, W) in [0, 1] and .y: built-in "digits", or "mnist" /
    "fashion_mnist" read from `root` (torchvision layout, `saddle.data.loaders`)."""
    from saddle.data import load_digits, load_fashion_mnist, load_mnist

    if name == "digits":
        return load_digits()
    loaders = {"mnist": load_mnist, "fashion_mnist": load_fashion_mnist}
    check_choice("data", name, ("digits", *loaders))
    if not root:
        raise ValueError(f"data={name!r} needs data_root=DIR (the folder holding {name.upper()}/raw)")
    return loaders[name](root)


def evaluation_attacks(
    eps: float,
    generator: torch.Generator,
    pgd_steps: int = 20,
    apgd_steps: int = 50,
    margin_steps: int = 10,
    margin_targets: int | None = 3,
    worst_case: bool = True,
) -> dict[str, Attack]:
    """{"pgd<K>": PGD-K (CE, random start)} plus, with `worst_case`, APGD-CE and the BETA margin attack
    (the per-sample worst case over the three is saddle's stand-in for AutoAttack; see benchmarks/training.py)."""
    attacks: dict[str, Attack] = {f"pgd{pgd_steps}": ProjectedGradientAttack(eps, steps=pgd_steps, generator=generator)}
    if worst_case:
        attacks["apgd_ce"] = AutoProjectedGradientAttack(eps, steps=apgd_steps, generator=generator)
        attacks["margin"] = MarginAttack(eps, steps=margin_steps, n_targets=margin_targets, generator=generator)
    return attacks


def train_robust_classifier(
    objective: str,
    train: Any,
    test: Any,
    *,
    eps: float,
    epochs: int,
    seed: int = 0,
    model: str = "mlp",
    lr: float = 1e-3,
    batch_size: int = 64,
    steps: int = 10,
    eval_attacks: Mapping[str, Attack] | None = None,
    best_metric: str = "robust_acc",
    n_classes: int = 10,
    device: str = "cpu",
    objective_options: Mapping[str, Any] | None = None,
    desc: str | None = None,
) -> tuple[nn.Module, TrainResult]:
    """Train a seeded `make_classifier(model)` with `make_objective(objective, eps)` and Adam(lr) for `epochs`,
    evaluating `robust_evaluator(test, eval_attacks)` every epoch; returns (model at the last epoch, result).

    The best record (by `best_metric`, max) and its weights are in result.best / result.best_state["model"].
    Everything random draws from generators seeded by `seed` (init, shuffling, attack starts). Under torchrun
    (`setup_distributed()` called) the model is wrapped in DDP and each process reads its shard of every
    global batch of `batch_size` (attack random starts then differ from a one-process run: equal in law).
    """
    dev = torch.device(device)
    rank, world = rank_and_world()
    net = make_classifier(model, train.x.shape[-1], torch.Generator().manual_seed(seed), n_classes).to(dev)
    g_attack = torch.Generator().manual_seed(seed + 1)
    prior = torch.bincount(train.y, minlength=n_classes).double()
    obj = make_objective(
        objective,
        eps,
        steps=steps,
        generator=g_attack,
        n_classes=n_classes,
        class_prior=prior,
        **dict(objective_options or {}),
    )
    data = ShuffledBatches(
        train.x.to(dev),
        train.y.to(dev),
        batch_size=batch_size,
        generator=torch.Generator().manual_seed(seed + 2),
        rank=rank,
        world_size=world,
    )
    attacks = (
        eval_attacks
        if eval_attacks is not None
        else evaluation_attacks(eps, torch.Generator().manual_seed(seed + 3), worst_case=False)
    )
    evaluate = robust_evaluator(test.x.to(dev), test.y.to(dev), attacks, n_classes=n_classes)
    extra = {"objective": obj} if hasattr(obj, "state_dict") else {}
    result = fit(
        wrap_ddp(net),
        torch.optim.Adam(net.parameters(), lr=lr),
        obj,
        data,
        epochs=epochs,
        evaluate=evaluate,
        best_metric=best_metric,
        extra_state=extra,
        generators=[g_attack],
        desc=desc or objective,
    )
    return net, result


@dataclass
class RobustTrainingSettings:
    """The knobs every adversarial-training experiment shares (a dataclass mixin for experiment configs).

    eps: l∞ radius; epochs; steps: K of the inner attack; lr: Adam; batch_size; model: "mlp" or "cnn";
    n_test: test digits used for evaluation.
    """

    eps: float = 0.1
    epochs: int = 30
    steps: int = 10
    lr: float = 3e-3
    batch_size: int = 64
    model: str = "mlp"
    n_test: int = 360

    def check_training(self) -> None:
        """ValueError naming the field when a setting is out of range."""
        check_real("eps", self.eps, high_open=True)
        for name in ("epochs", "steps", "batch_size", "n_test"):
            check_int(name, getattr(self, name))
        check_real("lr", self.lr, high_open=True)
        check_choice("model", self.model, ("mlp", "cnn"))

    def training_kwargs(self) -> dict[str, Any]:
        """The keyword arguments of `train_robust_classifier` these settings fix."""
        return {
            "eps": self.eps,
            "epochs": self.epochs,
            "steps": self.steps,
            "lr": self.lr,
            "batch_size": self.batch_size,
            "model": self.model,
        }
