"""The lazy-training ratio κ(t) = Σ_l ‖X_l(t) − X_l(0)‖_F / Σ_l ‖X_l(0)‖_F and per-layer relative moves.

Seeds 000/003, "lazy training ratio κ" (non-lazy training experiment); the lazy regime of
Chizat, Oyallon, Bach 2019 ("On lazy training in differentiable programming") is
sup_t ‖X_l(t) − X_l(0)‖/‖X_l(0)‖ → 0 for every layer as m → ∞ (spectral norm in seed 000's
definition, Frobenius in seed 002's figure; `layer_ratios` offers both). κ(0) = 0 by definition.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, Literal, Protocol

import torch
from torch import Tensor, nn

from saddle.train import NonFiniteError, ShuffledBatches, optimizer_step, train_loop
from saddle.validation import check_int, check_real


def _check_pairs(weights_t: Sequence[Tensor], weights_0: Sequence[Tensor]) -> None:
    if len(weights_t) != len(weights_0) or len(weights_0) == 0:
        raise ValueError(f"need the same non-zero number of weight matrices, got {len(weights_t)} and {len(weights_0)}")
    for wt, w0 in zip(weights_t, weights_0):
        if wt.shape != w0.shape:
            raise ValueError(f"weight shapes differ: {tuple(wt.shape)} vs {tuple(w0.shape)}")


def lazy_training_ratio(weights_t: Sequence[Tensor], weights_0: Sequence[Tensor]) -> float:
    """κ = Σ_l ‖X_l(t) − X_l(0)‖_F / Σ_l ‖X_l(0)‖_F (seeds 000/003); weights are lists of (out, in) tensors."""
    _check_pairs(weights_t, weights_0)
    with torch.no_grad():
        den = sum(torch.linalg.matrix_norm(w0.reshape(w0.shape[0], -1)).item() for w0 in weights_0)
        if den <= 0:
            raise ValueError("initial weights are all zero: κ is undefined")
        num = sum(
            torch.linalg.matrix_norm((wt - w0).reshape(w0.shape[0], -1)).item() for wt, w0 in zip(weights_t, weights_0)
        )
    return num / den


def layer_ratios(
    weights_t: Sequence[Tensor], weights_0: Sequence[Tensor], ord: Literal["fro", 2] = "fro"
) -> list[float]:
    """‖X_l(t) − X_l(0)‖ / ‖X_l(0)‖ per layer (Frobenius or spectral norm, the notes' lazy-regime criterion)."""
    if ord not in ("fro", 2):
        raise ValueError(f"ord must be 'fro' or 2, got {ord!r}")
    _check_pairs(weights_t, weights_0)
    out = []
    with torch.no_grad():
        for wt, w0 in zip(weights_t, weights_0):
            w0m, dm = w0.reshape(w0.shape[0], -1), (wt - w0).reshape(w0.shape[0], -1)
            den = torch.linalg.matrix_norm(w0m, ord=ord).item()
            out.append(torch.linalg.matrix_norm(dm, ord=ord).item() / den if den > 0 else float("inf"))
    return out


class WeightedModel(Protocol):
    """A model exposing its weight matrices in layer order as `weights` (e.g. `FullyConnectedReLU`)."""

    @property
    def weights(self) -> Sequence[Tensor]: ...


class LazyTracker:
    """Records κ(t) of a model with a `weights` list (e.g. `FullyConnectedReLU`) against its weights at creation.

    tracker = LazyTracker(model); ...train...; tracker.record(step) -> κ; tracker.history = [(step, κ), ...].
    """

    def __init__(self, model: WeightedModel) -> None:
        if not hasattr(model, "weights"):
            raise ValueError(f"model must expose a `weights` list of weight matrices, got {type(model).__name__}")
        self.model = model
        self.initial = [w.detach().clone() for w in model.weights]
        self.history: list[tuple[int, float]] = []

    def ratio(self) -> float:
        """κ of the current weights (0 before any update)."""
        return lazy_training_ratio([w.detach() for w in self.model.weights], self.initial)

    def layer_ratios(self, ord: Literal["fro", 2] = "fro") -> list[float]:
        """Per-layer ‖X_l(t) − X_l(0)‖/‖X_l(0)‖ of the current weights."""
        return layer_ratios([w.detach() for w in self.model.weights], self.initial, ord)

    def record(self, step: int) -> float:
        """Append (step, κ) to `history` and return κ."""
        k = self.ratio()
        self.history.append((int(step), k))
        return k

    @property
    def sup(self) -> float:
        """max_t κ(t) over the recorded history (0 if nothing recorded)."""
        return max((k for _, k in self.history), default=0.0)


def train_sgd(
    model: nn.Module,
    x: Tensor,
    y: Tensor,
    loss_fn: Callable[[Tensor, Tensor], Tensor],
    steps: int,
    lr: float | list[dict[str, Any]],
    batch_size: int | None = None,
    momentum: float = 0.0,
    generator: torch.Generator | int | None = None,
    tracker: LazyTracker | None = None,
    record_every: int = 1,
) -> list[float]:
    """Plain (minibatch) SGD on loss_fn(model(x_batch), y_batch) for `steps` steps; returns the loss per step.

    `lr` is one rate or torch.optim param groups (e.g. `abc_param_groups`); batch_size None = full batch,
    minibatches drawn by `generator` (shuffled epochs). With a `tracker`, κ is recorded at step 0 and every
    `record_every` steps. Stops early, appending nan, when the loss becomes non-finite (divergence).
    """
    check_int("steps", steps, low=0)
    if batch_size is not None:
        check_int("batch_size", batch_size)
    if len(x) != len(y):
        raise ValueError(f"x and y have different lengths: {len(x)} vs {len(y)}")
    check_real("momentum", momentum, 0.0, 1.0, low_open=False, high_open=True)
    groups: list[dict[str, Any]] = lr if isinstance(lr, list) else [{"params": list(model.parameters()), "lr": lr}]
    for i, g in enumerate(groups):
        check_real(f"learning rates (group {i} lr)", g["lr"], high_open=True)
    opt = torch.optim.SGD(groups, lr=groups[0]["lr"], momentum=momentum)
    batches = (
        None
        if batch_size is None or batch_size >= len(x)  # full batch
        else ShuffledBatches(
            x,
            y,
            batch_size=batch_size,
            drop_last=True,
            generator=generator if generator is not None else torch.Generator(),
        )
    )
    losses: list[float] = []
    if tracker is not None:
        tracker.record(0)

    def sgd_step(batch: Any, step: int) -> dict[str, float]:
        xb, yb = (x, y) if batch is None else batch
        loss = loss_fn(model(xb), yb)
        optimizer_step(opt, loss)
        losses.append(loss.item())
        if tracker is not None and (step + 1) % record_every == 0:
            tracker.record(step + 1)
        return {"loss": losses[-1]}

    try:
        train_loop(sgd_step, steps=steps, batches=batches, record_every=max(steps, 1), check_inputs=False, desc="SGD")
    except NonFiniteError:
        losses.append(float("nan"))
    return losses
