"""Robust accuracy: the per-sample worst case over attacks and restarts, and gradient-masking checks.

robust_acc = (1/n) Σ_i 1[h(x'_i) = y_i for every x'_i an attack found], evaluated batch by batch;
each attack and restart runs only on the points still classified correctly (survivors), as in
AutoAttack (Croce & Hein 2020). With an `objective` that has its own success criterion (a per-pixel
loss, a regression error) "correct" means that the objective reports no success. Masking checks (Athalye, Carlini & Wagner 2018; Carlini et al. 2019,
"On evaluating adversarial robustness"): robust accuracy at ε = 0 equals clean accuracy; success
rises to 100% as ε grows; gradient-free random search does not beat the gradient attacks.
"""

from __future__ import annotations

import math
import time
import warnings
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Protocol

import torch
from torch import Tensor, nn

from saddle.model_state import frozen_eval
from saddle.progress import progress
from saddle.sets import ThreatModel
from saddle.validation import (
    check_classification_batch,
    check_int,
    check_labels,
    check_model_input,
    check_module,
    check_real,
)

if TYPE_CHECKING:
    from saddle.attacks.base import Attack

__all__ = [
    "GradientMaskingWarning",
    "MaskingReport",
    "RobustEvaluation",
    "SuccessCriterion",
    "attack_success",
    "gradient_masking_checks",
    "robust_accuracy",
    "robust_accuracy_curves",
]


class GradientMaskingWarning(UserWarning):
    """An evaluation looks unreliable: the attack is probably fooled by masked gradients."""


class SuccessCriterion(Protocol):
    """What decides that an attack succeeded on a point: `success(output, y) -> (B,) bool` (the `Objective` of
    `saddle.attacks`; without one, success is misclassification, argmax(output) ≠ y)."""

    def success(self, logits: Tensor, y: Tensor) -> Tensor: ...


def attack_success(model: nn.Module, x: Tensor, y: Tensor, objective: SuccessCriterion | None) -> Tensor:
    """(B,) bool: the attack succeeded at x (misclassified, or `objective.success`); no gradients."""
    with torch.no_grad():
        out = model(x)
    return out.argmax(-1) != y if objective is None else objective.success(out, y)


@dataclass
class RobustEvaluation:
    """Result of `robust_accuracy`.

    clean_accuracy, robust_accuracy: fractions in [0, 1]. robust: (N,) bool, True where no attack
    succeeded. x_adv: (N, ...) the adversarial example found (x itself where none was found).
    broken_by: attack name -> number of points that attack broke first (clean errors under "clean"), in the
    order the attacks ran. fell_to: (N,) int64, the position in `broken_by` of what broke the point first
    (0 = clean error, i ≥ 1 = the i-th attack) or −1 where the point stayed robust. seconds: attack name ->
    process CPU time it took (all batches and restarts).
    """

    clean_accuracy: float
    robust_accuracy: float
    robust: Tensor
    x_adv: Tensor
    broken_by: dict[str, int] = field(default_factory=dict)
    fell_to: Tensor | None = None
    seconds: dict[str, float] = field(default_factory=dict)

    @property
    def accuracy_after(self) -> dict[str, float]:
        """Robust accuracy after each attack of the cascade, in order (AutoAttack's per-attack record)."""
        n = max(self.robust.numel(), 1)
        left, out = n, {}
        for name, k in self.broken_by.items():
            left -= k
            out[name] = left / n
        return out

    def __repr__(self) -> str:  # the tensors (N points, their adversarial images) stay out of the repr
        return (
            f"RobustEvaluation(n={self.robust.numel()}, clean_accuracy={self.clean_accuracy:.4f}, "
            f"robust_accuracy={self.robust_accuracy:.4f}, broken_by={self.broken_by})"
        )


def _named(attacks: object) -> list[tuple[str, Attack]]:
    """(name, attack) pairs; ValueError unless each is an untargeted attack carrying its threat model
    (the `saddle.attacks.Attack` protocol: `threat_model`, `targeted`, `__call__`)."""
    if isinstance(attacks, Mapping):
        pairs = [(str(k), v) for k, v in attacks.items()]
    else:
        seq = [attacks] if callable(attacks) else list(attacks)  # type: ignore[call-overload]
        pairs = [(f"{i}:{a!r}", a) for i, a in enumerate(seq)]
    if not pairs:
        raise ValueError("attacks must not be empty")
    for name, a in pairs:
        has_both = hasattr(a, "threat_model") and hasattr(a, "targeted")
        threat, targeted = (a.threat_model, a.targeted) if has_both else (None, None)
        if not callable(a) or not isinstance(threat, ThreatModel):
            raise ValueError(
                f"attack {name} must be a saddle.attacks.Attack carrying a threat_model (ThreatModel) "
                f"and a targeted flag, got {a!r}"
            )
        if targeted:
            raise ValueError(
                f"attack {name} is targeted: called with the true labels it would move toward them and "
                "report clean accuracy; wrap it in saddle.attacks.TopClassesTargeted"
            )
    return pairs


def _check_threat(attack: Attack, x: Tensor, x_adv: Tensor, name: str) -> None:
    """Refuse to count points an attack moved outside its own threat set (a bug, not a success)."""
    threat = attack.threat_model
    inside = threat.contains(x, x_adv)
    if not bool(inside.all()):
        dist = threat.distance(x, x_adv)
        raise RuntimeError(
            f"attack {name} left its eps={threat.eps:g} ball or its box "
            f"(max distance {float(dist.max()):.4g}, values in [{float(x_adv.min()):.4g}, "
            f"{float(x_adv.max()):.4g}])"
        )


def _check_data(model: nn.Module, x: Tensor, y: Tensor) -> Tensor:
    """The evaluation's boundary: a module; x (N, ...) finite with N ≥ 1 (an accuracy of no points is 0/0); class
    labels y (N,) in [0, K) for the model's K outputs, returned as int64. ValueError/TypeError otherwise."""
    check_module("model", model)
    y = check_classification_batch(x, y)
    logits = check_model_input(model, x, "model", "x", ("B", "K"))
    return check_labels("y", y, logits.shape[-1])


def robust_accuracy(
    model: nn.Module,
    x: Tensor,
    y: Tensor,
    attacks: Attack | Sequence[Attack] | Mapping[str, Attack],
    restarts: int = 1,
    batch_size: int = 512,
    show_progress: bool = True,
    objective: SuccessCriterion | None = None,
) -> RobustEvaluation:
    """Fraction of (x, y) classified correctly under the per-sample worst case of `attacks` × `restarts`.

    Each attack is called `restarts` times (its random state advancing), each time only on the
    survivors; a point counts as broken once the model misclassifies an x_adv inside the attack's
    threat set (`attack.threat_model`). Attacks must be untargeted (called with the true labels; a targeted one
    is refused with ValueError: wrap it in `saddle.attacks.TopClassesTargeted`); an attack with `early_stop=True`
    also stops spending passes on points within a run. `objective`: what counts as broken (default
    misclassification; an `Objective` with a `success_fn` for other tasks, y then any (N, ...) tensor).
    Shapes: x (N, ...), y (N,). Defaults: restarts 1, batch_size 512.
    """
    check_int("restarts", restarts)
    check_int("batch_size", batch_size)
    if objective is None:
        y = _check_data(model, x, y)
    else:  # the objective decides success on y of any shape (N, ...): only the model with its input is checked
        check_module("model", model)
        check_model_input(model, x, "model", "x")
    named = _named(attacks)
    robust = torch.zeros(x.shape[0], dtype=torch.bool, device=x.device)
    fell_to = torch.full((x.shape[0],), -1, dtype=torch.long, device=x.device)
    x_adv = x.detach().clone()
    broken_by = {"clean": 0} | {name: 0 for name, _ in named}
    seconds = {name: 0.0 for name, _ in named}
    n_clean = 0
    with frozen_eval(model):  # eval mode; every submodule's mode, requires_grad and .grad restored after
        starts = range(0, x.shape[0], batch_size)
        for s in progress(starts, desc="robust accuracy", total=len(starts)) if show_progress else starts:
            xb, yb = x[s : s + batch_size], y[s : s + batch_size]
            alive = ~attack_success(model, xb, yb, objective)
            n_clean += int(alive.sum())
            broken_by["clean"] += int((~alive).sum())
            fell_to[s : s + batch_size][~alive] = 0
            for position, (name, attack) in enumerate(named, start=1):
                start = time.process_time()
                for _ in range(restarts):
                    idx = alive.nonzero()[:, 0]
                    if idx.numel() == 0:
                        break
                    cand = attack(model, xb[idx], yb[idx])
                    _check_threat(attack, xb[idx], cand, name)
                    hit = attack_success(model, cand, yb[idx], objective)
                    x_adv[s + idx[hit]] = cand[hit]
                    alive[idx[hit]] = False
                    fell_to[s + idx[hit]] = position
                    broken_by[name] += int(hit.sum())
                seconds[name] += time.process_time() - start
            robust[s : s + batch_size] = alive
    n = max(x.shape[0], 1)
    return RobustEvaluation(n_clean / n, float(robust.sum()) / n, robust, x_adv, broken_by, fell_to, seconds)


def robust_accuracy_curves(
    model: nn.Module,
    x: Tensor,
    y: Tensor,
    make_attacks: Mapping[str, Callable[[float], Attack]],
    eps_grid: Sequence[float],
    restarts: int = 1,
    batch_size: int = 512,
) -> dict[str, list[RobustEvaluation]]:
    """Robust accuracy against ε: `{name: [robust_accuracy(model, x, y, {name: make_attacks[name](eps)}) ...]}`.

    One list per attack, one evaluation per eps of `eps_grid`: each attack on its own (no worst case across
    attacks), ε in the outer loop and the attacks in the order given (an attack built with a shared generator
    draws in that order). Read
    `.robust_accuracy` for the curve and `.robust` for the per-point masks of a paired comparison.
    """
    grid = [check_real("eps_grid entry", e, 0.0, math.inf, low_open=False, high_open=True) for e in eps_grid]
    if not grid or not make_attacks:
        raise ValueError(f"need at least one eps and one attack, got {len(grid)} eps and {len(make_attacks)} attacks")
    curves: dict[str, list[RobustEvaluation]] = {name: [] for name in make_attacks}
    for eps in grid:
        for name, make in make_attacks.items():
            curves[name].append(robust_accuracy(model, x, y, {name: make(eps)}, restarts, batch_size))
    return curves


@dataclass
class MaskingReport:
    """Output of `gradient_masking_checks`: the ε grid, robust accuracies and the checks that failed."""

    eps: list[float]
    clean_accuracy: float
    robust_accuracy: list[float]
    random_search_accuracy: list[float]
    failed: list[str]


def gradient_masking_checks(
    model: nn.Module,
    x: Tensor,
    y: Tensor,
    make_attack: Callable[[float], Attack],
    eps_grid: Sequence[float],
    make_random_search: Callable[[float], Attack] | None = None,
    final_accuracy_tol: float = 0.0,
    batch_size: int = 512,
    objective: SuccessCriterion | None = None,
    show_progress: bool = True,
) -> MaskingReport:
    """Run the gradient attack `make_attack(ε)` over `eps_grid` and warn (`GradientMaskingWarning`) when

    (1) robust accuracy at ε = 0 differs from clean accuracy (needs 0 in the grid; compared exactly);
    (2) robust accuracy increases with ε (attack at a larger ε found fewer points; compared exactly);
    (3) robust accuracy at the largest ε exceeds `final_accuracy_tol` (success must reach 100%);
    (4) `make_random_search(ε)` (gradient-free) breaks a point the gradient attack left robust.
    Each ε is evaluated with `robust_accuracy` (survivors only; `objective` as there). Returns a `MaskingReport`.
    """
    grid = sorted(check_real("eps_grid entry", e, 0.0, math.inf, low_open=False, high_open=True) for e in eps_grid)
    if not grid:
        raise ValueError("eps_grid must not be empty")
    failed: list[str] = []
    accs, rs_accs = [], []
    clean = None
    for eps in progress(grid, desc="masking checks", total=len(grid)) if show_progress else grid:
        ev = robust_accuracy(
            model, x, y, {"gradient": make_attack(eps)}, batch_size=batch_size, show_progress=False, objective=objective
        )
        clean = ev.clean_accuracy
        accs.append(ev.robust_accuracy)
        if make_random_search is not None and not bool(ev.robust.any()):
            rs_accs.append(0.0)  # no point left robust: nothing for the random search to beat
        elif make_random_search is not None:
            keep = ev.robust
            rs = robust_accuracy(
                model,
                x[keep],
                y[keep],
                {"random": make_random_search(eps)},
                batch_size=batch_size,
                show_progress=False,
                objective=objective,
            )
            rs_accs.append(rs.robust_accuracy * float(keep.float().mean()))
            if rs.robust_accuracy < 1.0:
                failed.append(
                    f"random search beat the gradient attack at eps={eps:g} "
                    f"({int((~rs.robust).sum())} more points broken)"
                )
    assert clean is not None
    if grid[0] == 0.0 and accs[0] != clean:
        failed.append(f"robust accuracy at eps=0 is {accs[0]:.4f}, clean accuracy is {clean:.4f}")
    for (e0, a0), (e1, a1) in zip(zip(grid, accs), zip(grid[1:], accs[1:])):
        if a1 > a0:
            failed.append(f"robust accuracy rose from {a0:.4f} at eps={e0:g} to {a1:.4f} at eps={e1:g}")
    if accs[-1] > final_accuracy_tol:
        failed.append(
            f"attack success did not reach 100% at the largest eps={grid[-1]:g}: "
            f"robust accuracy {accs[-1]:.4f} > {final_accuracy_tol}"
        )
    for msg in failed:
        warnings.warn(f"possible gradient masking: {msg}", GradientMaskingWarning, stacklevel=2)
    return MaskingReport(grid, clean, accs, rs_accs, failed)
