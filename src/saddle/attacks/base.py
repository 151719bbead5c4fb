"""The `Attack` protocol and what every attack shares: argument checks and leaving the model as found.

An attack maps (model, x, y) to x_adv in the threat set {x' : ‖x' − x‖_p ≤ ε} ∩ box (seed 001,
"adversarial examples": η ∈ argmax_{‖η‖ ≤ ε} L(h(a + η), b)).
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Protocol, runtime_checkable

import torch
from torch import Tensor, nn

from saddle.schedules import Constant, Schedule, as_schedule
from saddle.sets import Ball, Box, parse_norm


@runtime_checkable
class Attack(Protocol):
    """`attack(model, x, y) -> x_adv`: x (B, ...) in the box, y (B,) labels (targets when targeted)."""

    def __call__(self, model: nn.Module, x: Tensor, y: Tensor) -> Tensor: ...


def check_eps(eps: float) -> float:
    """Return ε as a float; ValueError unless finite and ≥ 0."""
    if not isinstance(eps, (int, float)) or not math.isfinite(eps) or eps < 0:
        raise ValueError(f"eps must be a finite number >= 0, got {eps!r}")
    return float(eps)


def check_positive_int(name: str, value: int) -> int:
    """ValueError unless `value` is an integer ≥ 1."""
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ValueError(f"{name} must be an integer >= 1, got {value!r}")
    return value


def default_schedule(step_size: float | Schedule | None, eps: float, steps: int) -> Schedule:
    """`step_size` as a schedule; None = 2.5 ε / steps (Madry et al. 2018; any step when ε = 0, the ball being {x})."""
    if step_size is not None:
        return as_schedule(step_size)
    return Constant(2.5 * eps / steps if eps > 0 else 1.0)


def make_box(box: tuple[float, float] | Box | None) -> Box:
    """The input box as a `Box` (None = unbounded inputs)."""
    if box is None:
        return Box(-math.inf, math.inf)
    if isinstance(box, Box):
        return box
    try:
        lower, upper = box
    except (TypeError, ValueError):
        raise ValueError(f"box must be a pair (lower, upper) or None, got {box!r}") from None
    return Box(float(lower), float(upper))


def make_ball(eps: float, norm: float | str) -> Ball:
    """The ε-ball of the threat model; ValueError on ε < 0 or a norm other than l1, l2, linf."""
    return Ball(check_eps(eps), parse_norm(norm), batch_dims=1)


def check_inputs(x: Tensor, y: Tensor, box: Box) -> None:
    """ValueError on non-finite x, x outside the box, non-integer or mis-shaped labels."""
    if x.ndim < 1 or x.shape[0] != y.shape[0] or y.ndim != 1:
        raise ValueError(f"need x of shape (B, ...) and y of shape (B,), got {tuple(x.shape)} and {tuple(y.shape)}")
    if not torch.isfinite(x).all():
        raise ValueError("x contains NaN or inf; inputs must be finite")
    if x.numel() and (x.min() < box.lower - 1e-6 or x.max() > box.upper + 1e-6):
        raise ValueError(f"x must lie in the box [{box.lower}, {box.upper}], got values in "
                         f"[{float(x.min()):.4g}, {float(x.max()):.4g}]")
    if y.dtype in (torch.float16, torch.bfloat16, torch.float32, torch.float64, torch.bool):
        raise ValueError(f"labels must be an integer tensor, got dtype {y.dtype}")


def check_labels(y: Tensor, n_classes: int) -> None:
    """ValueError unless every label lies in [0, n_classes)."""
    if y.numel() and (int(y.min()) < 0 or int(y.max()) >= n_classes):
        raise ValueError(f"labels must lie in [0, {n_classes - 1}] for a model with {n_classes} outputs, "
                         f"got values in [{int(y.min())}, {int(y.max())}]")


@contextmanager
def attacking(model: nn.Module) -> Iterator[nn.Module]:
    """Run `model` in eval mode with parameters frozen; restore every module's mode and `requires_grad` after.

    Gradients are taken with `torch.autograd.grad` with respect to the input only, so parameters'
    `.grad` are never touched.
    """
    modes = [(m, m.training) for m in model.modules()]
    flags = [(p, p.requires_grad) for p in model.parameters()]
    try:
        model.eval()
        for p, _ in flags:
            p.requires_grad_(False)
        with torch.enable_grad():
            yield model
    finally:
        for m, mode in modes:
            m.training = mode
        for p, flag in flags:
            p.requires_grad_(flag)


def input_gradient(model: nn.Module, x_adv: Tensor, y: Tensor, objective, check: bool = False) -> tuple[Tensor, Tensor]:
    """(logits, ∇_x Σ_i objective(model(x)_i, y_i)) at x_adv; one forward, one input-gradient backward.

    With `check`, labels are validated against the number of logits before the objective uses them.
    """
    x_adv = x_adv.detach().requires_grad_(True)
    logits = model(x_adv)
    if check:
        check_labels(y, logits.shape[-1])
    (grad,) = torch.autograd.grad(objective.value(logits, y).sum(), x_adv)
    return logits.detach(), grad


def project(x: Tensor, x_adv: Tensor, ball: Ball, box: Box) -> Tensor:
    """box(x + Π_ball(x_adv − x)): lies in both sets because x is in the box (clipping only shrinks |δ_i|)."""
    return box.project(x + ball.project(x_adv - x))
