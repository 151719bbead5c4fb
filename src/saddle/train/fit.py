"""Supervised training on the one loop: `fit(model, optimizer, objective, data, ...)`.

An objective has one signature, `objective(model, x, y) -> loss` or `(loss, {name: scalar})`; `fit`
computes it, refuses a non-finite loss before touching the weights, back-propagates and steps the
optimiser. Objectives that must control the update themselves (SAM's two passes, ε-stability) define
`train_step(model, optimizer, x, y) -> (loss, extras)` and `fit` calls that instead. Mixed precision
(`precision="bf16"` or `"fp16"`) runs the objective — attack included — under `torch.autocast`; fp16 adds a
`torch.amp.GradScaler` (checkpointed with the rest).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping, Sequence
from typing import Any, Protocol

import torch
from torch import Tensor, nn

from saddle.train.distributed import unwrap_model
from saddle.train.loop import Batches, NonFiniteError, TrainResult, train_loop
from saddle.validation import check_choice, check_finite

__all__ = ["PRECISIONS", "Objective", "fit", "optimizer_step", "split_loss"]

Extras = Mapping[str, float | Tensor]

#: `fit`'s precision choices: name -> the autocast dtype (None: full float32, no autocast)
PRECISIONS: dict[str, torch.dtype | None] = {"fp32": None, "bf16": torch.bfloat16, "fp16": torch.float16}


class Objective(Protocol):
    """`objective(model, x, y) -> loss | (loss, extras)`: the per-batch training loss (a scalar tensor)."""

    def __call__(self, model: nn.Module, x: Tensor, y: Tensor) -> Tensor | tuple[Tensor, Extras]: ...


def split_loss(out: Tensor | tuple[Tensor, Extras]) -> tuple[Tensor, dict[str, float | Tensor]]:
    """(loss, extras) from an objective's return value (a bare loss has no extras)."""
    if isinstance(out, tuple):
        loss, extras = out
        return loss, dict(extras)
    return out, {}


def optimizer_step(
    optimizer: torch.optim.Optimizer,
    loss: Tensor,
    max_grad_norm: float | None = None,
    params: Sequence[Tensor] | None = None,
    scaler: torch.amp.GradScaler | None = None,
) -> None:
    """zero_grad, check `loss` is finite (NonFiniteError otherwise, weights untouched), backward, clip, step.

    With a `scaler` (fp16): backward of the scaled loss, unscale before clipping, `scaler.step` (which skips
    the step when the gradients overflowed) and `scaler.update()`.
    """
    check_finite("loss", float(loss.detach()), NonFiniteError)
    optimizer.zero_grad(set_to_none=True)
    (loss if scaler is None else scaler.scale(loss)).backward()
    if max_grad_norm is not None:
        if scaler is not None:
            scaler.unscale_(optimizer)
        ps = params if params is not None else [p for g in optimizer.param_groups for p in g["params"]]
        torch.nn.utils.clip_grad_norm_(ps, max_grad_norm)
    if scaler is None:
        optimizer.step()
    else:
        scaler.step(optimizer)
        scaler.update()


def _as_float(v: float | Tensor) -> float:
    return float(v.detach()) if isinstance(v, Tensor) else float(v)


def fit(
    model: nn.Module,
    optimizer: torch.optim.Optimizer,
    objective: Objective | Callable[..., Any],
    data: Batches,
    *,
    epochs: int | None = None,
    steps: int | None = None,
    scheduler: Any | None = None,
    scheduler_interval: str = "epoch",
    max_grad_norm: float | None = None,
    evaluate: Callable[[nn.Module], Mapping[str, float]] | None = None,
    eval_every: int = 1,
    best_metric: str | None = None,
    best_mode: str = "max",
    until_loss: float | None = None,
    stop_when: Callable[[Mapping[str, Any]], bool] | None = None,
    extra_state: Mapping[str, Any] | None = None,
    generators: Sequence[torch.Generator] = (),
    on_step: Callable[[int], None] | None = None,
    checkpoint_dir: str | os.PathLike | None = None,
    checkpoint_every: int = 1,
    resume: bool = False,
    log_path: str | os.PathLike | None = None,
    tensorboard_dir: str | os.PathLike | None = None,
    precision: str = "fp32",
    desc: str = "fit",
) -> TrainResult:
    """Minimise `objective` over minibatches `data(epoch)` of (x, y) with `optimizer`; returns the TrainResult.

    The model is in train mode for every step and is left in eval mode. `scheduler` (any LR scheduler)
    steps once per epoch (`scheduler_interval="epoch"`, epoch mode) or per step ("step"). Records hold
    "loss" (mean over the epoch), the objective's extras, "lr", and `evaluate(model)`'s metrics every
    `eval_every` epochs; `best_metric`/`best_mode` pick the best record (its weights in
    `result.best_state["model"]`); `until_loss` stops once the epoch's mean loss is ≤ it. `generators`
    are the explicit generators the objective draws from (attack random starts...), checkpointed with
    `model`, `optimizer`, `scheduler`, the data source and `extra_state`; `on_step(step)` runs after
    each update (EMA, trackers). See `train_loop` for checkpoints, logs, resume and NaN handling.
    Under torchrun pass a `wrap_ddp` model and a sharded data source (`ShuffledBatches(rank=, world_size=)`):
    `evaluate` and the checkpoints see the unwrapped module. `precision` "fp32" (default), "bf16" or "fp16":
    the objective runs under `torch.autocast(device, dtype)` (fp16 with a GradScaler; not for `train_step`
    objectives). Meant for CUDA; on the CPU autocast works too, but is slower than float32 for small networks.
    """
    check_choice("scheduler_interval", scheduler_interval, ("epoch", "step"))
    check_choice("precision", precision, PRECISIONS)
    if scheduler_interval == "epoch" and scheduler is not None and epochs is None:
        raise ValueError("scheduler_interval='epoch' needs epochs; use 'step' with steps")
    device = next(model.parameters()).device
    custom = getattr(objective, "train_step", None)
    amp_dtype = PRECISIONS[precision]
    if amp_dtype is not None and custom is not None:
        raise ValueError(
            f"precision={precision!r} is not supported for {objective!r}, which owns its update (train_step)"
        )
    scaler = torch.amp.GradScaler(device.type) if amp_dtype == torch.float16 else None
    n_batches = len(data) if epochs is not None and hasattr(data, "__len__") else None
    seen = {"in_epoch": 0}

    def step_fn(batch: Any, step: int) -> dict[str, float]:
        x, y = batch[0].to(device, non_blocking=True), batch[1].to(device, non_blocking=True)
        model.train()
        if custom is not None:
            loss, extras = split_loss(custom(model, optimizer, x, y))
            check_finite("loss", float(loss.detach()), NonFiniteError)
        else:
            with torch.autocast(device.type, dtype=amp_dtype or torch.float32, enabled=amp_dtype is not None):
                loss, extras = split_loss(objective(model, x, y))
            optimizer_step(optimizer, loss, max_grad_norm, scaler=scaler)
        out = {"loss": _as_float(loss), "lr": float(optimizer.param_groups[0]["lr"])}
        out.update({k: _as_float(v) for k, v in extras.items()})
        if scheduler is not None:
            if scheduler_interval == "step":
                scheduler.step()
            else:
                seen["in_epoch"] += 1
                if n_batches is not None and seen["in_epoch"] == n_batches:
                    seen["in_epoch"] = 0
                    scheduler.step()
        if on_step is not None:
            on_step(step)
        return out

    if scheduler is not None and scheduler_interval == "epoch" and n_batches is None:
        raise ValueError("scheduler_interval='epoch' needs a data source with len() (e.g. ShuffledBatches)")
    state: dict[str, Any] = {"model": unwrap_model(model), "optimizer": optimizer}
    if scheduler is not None:
        state["scheduler"] = scheduler
    if scaler is not None:
        state["grad_scaler"] = scaler
    state.update(extra_state or {})
    rules = [
        r
        for r in (stop_when, None if until_loss is None else (lambda rec: rec.get("loss", float("inf")) <= until_loss))
        if r is not None
    ]
    try:
        return train_loop(
            step_fn,
            epochs=epochs,
            steps=steps,
            batches=data,
            evaluate=(lambda: evaluate(unwrap_model(model))) if evaluate is not None else None,
            eval_every=eval_every,
            best_metric=best_metric,
            best_mode=best_mode,
            stop_when=(lambda rec: any(r(rec) for r in rules)) if rules else None,
            state=state,
            generators=generators,
            checkpoint_dir=checkpoint_dir,
            checkpoint_every=checkpoint_every,
            resume=resume,
            log_path=log_path,
            tensorboard_dir=tensorboard_dir,
            desc=desc,
        )
    finally:
        model.eval()
