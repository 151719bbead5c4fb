"""Supervised training on the one loop: `fit(model, optimizer, objective, data, settings)`.

An objective has one signature, `objective(model, x, y) -> loss` or `(loss, {name: scalar})`; `fit`
computes it, refuses a non-finite loss before touching the weights, back-propagates and steps the
optimiser. Objectives that must control the update themselves (SAM's two passes, ε-stability) define
`train_step(model, optimizer, x, y) -> (loss, extras)` and `fit` calls that instead. Mixed precision
(`precision="bf16"` or `"fp16"`) runs the objective — attack included — under `torch.autocast`; fp16 adds a
`torch.amp.GradScaler` (checkpointed with the rest).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any, Protocol

import torch
from torch import Tensor, nn

from saddle.train.distributed import unwrap_model
from saddle.train.loop import Batches, LoopSettings, NonFiniteError, TrainResult, train_loop
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


class _SchedulerStep:
    """Steps an LR scheduler after every update ("step") or after the last batch of each epoch ("epoch")."""

    def __init__(self, scheduler: Any, interval: str, batches_per_epoch: int | None) -> None:
        self.scheduler, self.per_step, self.batches_per_epoch = scheduler, interval == "step", batches_per_epoch
        self.in_epoch = 0

    def __call__(self) -> None:
        if self.per_step:
            self.scheduler.step()
            return
        self.in_epoch += 1
        if self.batches_per_epoch is not None and self.in_epoch == self.batches_per_epoch:
            self.in_epoch = 0
            self.scheduler.step()


class _SupervisedStep:
    """`train_loop`'s step_fn for `fit`: one batch through the objective and the optimiser, its scalars returned."""

    def __init__(
        self,
        model: nn.Module,
        optimizer: torch.optim.Optimizer,
        objective: Objective | Callable[..., Any],
        precision: str,
        max_grad_norm: float | None,
        scheduler_step: _SchedulerStep | None,
        on_step: Callable[[int], None] | None,
    ) -> None:
        self.model, self.optimizer, self.objective = model, optimizer, objective
        self.device = next(model.parameters()).device
        self.custom = getattr(objective, "train_step", None)
        self.amp_dtype = PRECISIONS[precision]
        if self.amp_dtype is not None and self.custom is not None:
            raise ValueError(
                f"precision={precision!r} is not supported for {objective!r}, which owns its update (train_step)"
            )
        self.scaler = torch.amp.GradScaler(self.device.type) if self.amp_dtype == torch.float16 else None
        self.max_grad_norm, self.scheduler_step, self.on_step = max_grad_norm, scheduler_step, on_step

    def __call__(self, batch: Any, step: int) -> dict[str, float]:
        x, y = batch[0].to(self.device, non_blocking=True), batch[1].to(self.device, non_blocking=True)
        self.model.train()
        if self.custom is not None:
            loss, extras = split_loss(self.custom(self.model, self.optimizer, x, y))
            check_finite("loss", float(loss.detach()), NonFiniteError)
        else:
            amp = self.amp_dtype
            with torch.autocast(self.device.type, dtype=amp or torch.float32, enabled=amp is not None):
                loss, extras = split_loss(self.objective(self.model, x, y))
            optimizer_step(self.optimizer, loss, self.max_grad_norm, scaler=self.scaler)
        out = {"loss": _as_float(loss), "lr": float(self.optimizer.param_groups[0]["lr"])}
        out.update({k: _as_float(v) for k, v in extras.items()})
        if self.scheduler_step is not None:
            self.scheduler_step()
        if self.on_step is not None:
            self.on_step(step)
        return out


def _stop_rule(
    stop_when: Callable[[Mapping[str, Any]], bool] | None, until_loss: float | None
) -> Callable[[Mapping[str, Any]], bool] | None:
    """`stop_when`, or-ed with "the record's mean loss is ≤ until_loss" (None when neither is given)."""
    rules = [stop_when] if stop_when is not None else []
    if until_loss is not None:
        rules.append(lambda rec: rec.get("loss", float("inf")) <= until_loss)
    return (lambda rec: any(r(rec) for r in rules)) if rules else None


def fit(
    model: nn.Module,
    optimizer: torch.optim.Optimizer,
    objective: Objective | Callable[..., Any],
    data: Batches,
    settings: LoopSettings | None = None,
    *,
    scheduler: Any | None = None,
    scheduler_interval: str = "epoch",
    max_grad_norm: float | None = None,
    precision: str = "fp32",
    evaluate: Callable[[nn.Module], Mapping[str, float]] | None = None,
    until_loss: float | None = None,
    stop_when: Callable[[Mapping[str, Any]], bool] | None = None,
    extra_state: Mapping[str, Any] | None = None,
    generators: Sequence[torch.Generator] = (),
    on_step: Callable[[int], None] | None = None,
    **options: Any,
) -> TrainResult:
    """Minimise `objective` over minibatches `data(epoch)` of (x, y) with `optimizer`; returns the TrainResult.

    `settings` (a `LoopSettings`, default desc "fit"; `options` replace its fields by name, e.g.
    `fit(model, opt, ERM(), data, epochs=3)`) say how long the loop runs, when it evaluates, records and
    checkpoints, and which record is the best (its weights in `result.best_state["model"]`). The model is
    in train mode for every step and is left in eval mode. `scheduler` (any LR scheduler) steps once per
    epoch (`scheduler_interval="epoch"`, epoch mode) or per step ("step"). Records hold "loss" (mean over
    the epoch), the objective's extras, "lr", and `evaluate(model)`'s metrics; `until_loss` stops once the
    epoch's mean loss is ≤ it, `stop_when(record)` on any rule. `generators` are the explicit generators
    the objective draws from (attack random starts...), checkpointed with `model`, `optimizer`,
    `scheduler`, the data source and `extra_state`; `on_step(step)` runs after each update (EMA,
    trackers). See `train_loop` for checkpoints, logs, resume and NaN handling.
    Under torchrun pass a `wrap_ddp` model and a sharded data source (`ShuffledBatches(rank=, world_size=)`):
    `evaluate` and the checkpoints see the unwrapped module. `precision` "fp32" (default), "bf16" or "fp16":
    the objective runs under `torch.autocast(device, dtype)` (fp16 with a GradScaler; not for `train_step`
    objectives). Meant for CUDA; on the CPU autocast works too, but is slower than float32 for small networks.
    """
    settings = (settings or LoopSettings(desc="fit")).with_options(**options)
    check_choice("scheduler_interval", scheduler_interval, ("epoch", "step"))
    check_choice("precision", precision, PRECISIONS)
    by_epoch = settings.epochs is not None
    if scheduler_interval == "epoch" and scheduler is not None and not by_epoch:
        raise ValueError("scheduler_interval='epoch' needs epochs; use 'step' with steps")
    n_batches = len(data) if by_epoch and hasattr(data, "__len__") else None
    if scheduler is not None and scheduler_interval == "epoch" and n_batches is None:
        raise ValueError("scheduler_interval='epoch' needs a data source with len() (e.g. ShuffledBatches)")
    sched_step = _SchedulerStep(scheduler, scheduler_interval, n_batches) if scheduler is not None else None
    step_fn = _SupervisedStep(model, optimizer, objective, precision, max_grad_norm, sched_step, on_step)
    state: dict[str, Any] = {"model": unwrap_model(model), "optimizer": optimizer}
    if scheduler is not None:
        state["scheduler"] = scheduler
    if step_fn.scaler is not None:
        state["grad_scaler"] = step_fn.scaler
    state.update(extra_state or {})
    try:
        return train_loop(
            step_fn,
            settings,
            batches=data,
            evaluate=(lambda: evaluate(unwrap_model(model))) if evaluate is not None else None,
            stop_when=_stop_rule(stop_when, until_loss),
            state=state,
            generators=generators,
        )
    finally:
        model.eval()
