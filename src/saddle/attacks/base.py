"""The `Attack` protocol, its threat model, and the base class that runs what every attack shares.

An attack maps (model, x, y) to x_adv in the threat set {x' : ‖x' − x‖_p ≤ ε} ∩ box (seed 001,
"adversarial examples": η ∈ argmax_{‖η‖ ≤ ε} L(h(a + η), b)). `AttackBase.__call__` checks the inputs
(finite, shapes, integer labels in range, inside the box), runs the model in eval mode with frozen
parameters and restores every module's mode, each parameter's `requires_grad` and `.grad` afterwards;
a subclass writes only its ascent, `perturb(model, x, y)`.
"""

from __future__ import annotations

import math
from typing import Protocol, runtime_checkable

import torch
from torch import Tensor, nn

from saddle.attacks.objectives import Objective
from saddle.broadcast import per_point_broadcast
from saddle.model_state import frozen_eval as attacking  # eval mode, frozen parameters, state restored after
from saddle.schedules import Constant, Schedule, as_schedule
from saddle.sets import Ball, Box, ThreatModel, lp_norm
from saddle.validation import check_finite, check_module, check_tensor, model_output

__all__ = [
    "Attack",
    "AttackBase",
    "ThreatModel",
    "attacking",
    "check_inputs",
    "check_labels",
    "default_schedule",
    "input_gradient",
    "sphere_point",
]


def check_inputs(threat: ThreatModel, x: Tensor, y: Tensor, labels: bool = True) -> None:
    """ValueError on non-finite x, x outside the box, non-integer or mis-shaped labels, integer/complex/meta x.

    With `labels=False` (an objective with its own success criterion) y may have any shape (B, ...) and
    dtype; it must then only be finite and have one entry per point.
    """
    if not isinstance(x, Tensor) or not isinstance(y, Tensor):
        raise ValueError(f"x and y must be tensors, got {type(x).__name__} and {type(y).__name__}")
    check_tensor("x", x, ("B", ...), nonempty=False, finite=False)  # a floating tensor with values (not meta)
    if not labels:
        if x.ndim < 1 or y.ndim < 1 or x.shape[0] != y.shape[0]:
            raise ValueError(
                f"need x of shape (B, ...) and y of shape (B, ...), got {tuple(x.shape)} and {tuple(y.shape)}"
            )
        if y.is_floating_point():
            check_finite("y", y)
    elif x.ndim < 1 or y.ndim != 1 or x.shape[0] != y.shape[0]:
        raise ValueError(f"need x of shape (B, ...) and y of shape (B,), got {tuple(x.shape)} and {tuple(y.shape)}")
    check_finite("x", x)
    box = threat.box
    if x.numel() and (x.min() < box.lower - 1e-6 or x.max() > box.upper + 1e-6):
        raise ValueError(
            f"x must lie in the box [{box.lower}, {box.upper}], got values in "
            f"[{float(x.min()):.4g}, {float(x.max()):.4g}]"
        )
    if labels and (y.is_floating_point() or y.is_complex() or y.dtype == torch.bool):
        raise ValueError(f"labels must be an integer tensor, got dtype {y.dtype}")


@runtime_checkable
class Attack(Protocol):
    """`attack(model, x, y) -> x_adv`: x (B, ...) in the box, y (B,) labels (targets when `targeted`).

    `threat_model` is the set x_adv lies in; `targeted` says whether y holds targets (the objective is
    then minimised toward them) rather than the true labels.
    """

    threat_model: ThreatModel
    targeted: bool

    def __call__(self, model: nn.Module, x: Tensor, y: Tensor) -> Tensor: ...


def check_labels(y: Tensor, n_classes: int) -> None:
    """ValueError unless every label lies in [0, n_classes)."""
    if y.numel() and (int(y.min()) < 0 or int(y.max()) >= n_classes):
        raise ValueError(
            f"labels must lie in [0, {n_classes - 1}] for a model with {n_classes} outputs, "
            f"got values in [{int(y.min())}, {int(y.max())}]"
        )


def input_gradient(model: nn.Module, x_adv: Tensor, y: Tensor, objective: Objective) -> tuple[Tensor, Tensor]:
    """(logits, ∇_x Σ_i objective(model(x)_i, y_i)) at x_adv; one forward, one input-gradient backward."""
    x_adv = x_adv.detach().requires_grad_(True)
    logits = model(x_adv)
    (grad,) = torch.autograd.grad(objective.value(logits, y).sum(), x_adv)
    return logits.detach(), grad


def default_schedule(step_size: float | Schedule | None, eps: float, steps: int) -> Schedule:
    """`step_size` as a schedule; None = 2.5 ε / steps (Madry et al. 2018; any step when ε = 0, the ball being {x})."""
    if step_size is not None:
        return as_schedule(step_size)
    return Constant(2.5 * eps / steps if eps > 0 else 1.0)


def sphere_point(
    x: Tensor,
    threat: ThreatModel,
    generator: torch.Generator,
    gaussian: bool | None = None,
    radius: float | Tensor | None = None,
) -> Tensor:
    """x + r t/‖t‖_p clipped to the box, t uniform in [−1, 1]^d (l∞) or Gaussian (l2, l1): a point on the sphere
    of radius r (default ε; a (B,) tensor gives one radius per point)."""
    shape = x.shape
    if gaussian is None:
        gaussian = threat.norm != math.inf
    t = (
        torch.randn(shape, generator=generator, device=generator.device, dtype=x.dtype)
        if gaussian
        else torch.rand(shape, generator=generator, device=generator.device, dtype=x.dtype) * 2 - 1
    ).to(x.device)
    norm = lp_norm(t, threat.norm, batch_dims=1).clamp_min(1e-12)
    r = threat.eps if radius is None else radius
    r = per_point_broadcast(r, t) if isinstance(r, Tensor) else r
    return threat.box.project(x + r * t / per_point_broadcast(norm, t))


class AttackBase:
    """Base of every attack: holds the threat model and `targeted`, and runs the shared checks once.

    Subclasses set `self.threat_model` (and `self.targeted`) in `__init__` and implement
    `perturb(model, x, y) -> x_adv`, called in `attacking(model)` on validated, detached inputs with ε > 0.
    """

    threat_model: ThreatModel
    targeted: bool = False

    @property
    def eps(self) -> float:
        return self.threat_model.eps

    @property
    def norm(self) -> float:
        return self.threat_model.norm

    @property
    def box(self) -> Box:
        return self.threat_model.box

    @property
    def ball(self) -> Ball:
        return self.threat_model.ball

    def perturb(self, model: nn.Module, x: Tensor, y: Tensor) -> Tensor:
        raise NotImplementedError

    @property
    def reads_labels(self) -> bool:
        """True unless the attack's objective has its own success criterion (then y is not a class label)."""
        objective = getattr(self, "objective", None)
        return objective is None or bool(objective.classification)

    def __call__(self, model: nn.Module, x: Tensor, y: Tensor) -> Tensor:
        check_module("model", model)
        labels = self.reads_labels
        check_inputs(self.threat_model, x, y, labels=labels)
        x = x.detach()
        if labels:
            y = y.long()  # int32/uint8 labels are labels (cross-entropy takes int64 only)
        with attacking(model):
            if x.shape[0]:
                with torch.no_grad():  # x the model cannot take, or logits that are not (B, K): ValueError here
                    out = model_output(model, x[:1], "model", "x", ("B", "K") if labels else None)
                if labels:
                    check_labels(y, out.shape[-1])
            if self.threat_model.eps == 0 or x.shape[0] == 0:  # the ball is {x}
                return x.clone()
            return self.perturb(model, x, y)
