"""THE training loop of saddle: drives any per-step update over epochs or steps (DESIGN.md, `train/`).

`train_loop(step_fn, ...)` calls `step_fn(batch, step) -> {name: scalar}` (the function performs its own
update: an optimiser step, a `GameOptimizer` step, environment steps, ...), averages the scalars per
epoch (or per `record_every` steps), evaluates every `eval_every` epochs/steps, tracks the best and last
records, stops on a rule, writes JSON-lines logs, shows progress, and checkpoints every state-dict-able
object plus every RNG state so that `resume=True` continues bit for bit. Under torch.distributed the
scalars are averaged across processes and only rank 0 writes. `saddle.train.fit` is the supervised layer.
"""

from __future__ import annotations

import copy
import itertools
import logging
import os
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import torch
from torch import Tensor

from saddle.progress import progress
from saddle.train.checkpoint import load_checkpoint, save_checkpoint
from saddle.train.distributed import all_reduce_mean, rank_and_world
from saddle.train.logs import JsonLinesLog
from saddle.validation import check_choice, check_finite, check_int

__all__ = ["NonFiniteError", "TrainResult", "train_loop"]

log = logging.getLogger("saddle.train")

Batches = Callable[[int], Iterable[Any]]
StepFn = Callable[[Any, int], Mapping[str, float | Tensor] | None]


class NonFiniteError(ValueError):
    """Training met a NaN/inf (in a loss, a logged scalar or an input batch) and stopped."""


@dataclass
class TrainResult:
    """What `train_loop`/`fit` return.

    history: the records (one per epoch, or per `record_every` steps), each {"epoch", "step", train means,
    evaluation metrics}. best: the best record by `best_metric` (None without one); last: the final
    record; best_state: {name: state_dict} of the `keep_best` objects at the best record; stopped: why
    the loop ended ("completed" or "stop_when"); steps: optimisation steps taken in total.
    """

    history: list[dict[str, Any]] = field(default_factory=list)
    best: dict[str, Any] | None = None
    last: dict[str, Any] | None = None
    best_state: dict[str, dict[str, Any]] | None = None
    stopped: str = "completed"
    steps: int = 0


def _check_batch(batch: Any) -> None:
    tensors = batch.values() if isinstance(batch, Mapping) else batch if isinstance(batch, (tuple, list)) else [batch]
    for i, t in enumerate(tensors):
        if isinstance(t, Tensor) and t.is_floating_point() and not bool(torch.isfinite(t).all()):
            raise NonFiniteError(f"non-finite value (NaN or inf) in input tensor {i} of the batch")


def _all_mean(values: dict[str, float], world: int) -> dict[str, float]:
    if world == 1 or not values:
        return values
    keys = sorted(values)
    device = "cuda" if torch.distributed.get_backend() == "nccl" else "cpu"
    t = all_reduce_mean(torch.tensor([values[k] for k in keys], dtype=torch.float64, device=device))
    return {k: float(v) for k, v in zip(keys, t.cpu().tolist())}


@dataclass
class _Counters:
    """Where the loop stands (saved in every checkpoint, restored by `resume`): `unit` is the epoch or step index,
    `pos` the batches used in the current epoch, `sums`/`count` the scalars since the last record."""

    unit: int = 0
    pos: int = 0
    step: int = 0
    epoch: int = 0
    sums: dict[str, float] = field(default_factory=dict)
    count: int = 0
    history: list[dict[str, Any]] = field(default_factory=list)
    best: dict[str, Any] | None = None
    log_lines: int = 0

    def payload(self) -> dict[str, Any]:
        return {k: getattr(self, k) for k in self.__dataclass_fields__}

    def restore(self, payload: Mapping[str, Any]) -> None:
        for k, v in payload.items():
            setattr(self, k, v)


def _loop_length(epochs: int | None, steps: int | None, batches: Batches | None) -> tuple[bool, int]:
    """(by_epoch, number of units): exactly one of epochs (with batches) and steps."""
    if epochs is not None and steps is None:
        by_epoch, total = True, check_int("epochs", epochs, low=0)
    elif steps is not None and epochs is None:
        by_epoch, total = False, check_int("steps", steps, low=0)
    else:
        raise ValueError(f"give exactly one of epochs and steps, got epochs={epochs!r}, steps={steps!r}")
    if by_epoch and batches is None:
        raise ValueError("epoch mode needs `batches` (a callable epoch -> iterable of batches)")
    return by_epoch, total


def _skip(it: Iterator[Any], n: int) -> Iterator[Any]:
    """`it` after its first n items (a resumed epoch skips the batches already used)."""
    for _ in range(n):
        next(it)
    return it


def _epoch_batches(batches: Batches, c: _Counters) -> Iterator[Any]:
    """The batches of epoch c.unit (from position c.pos), counting c.pos; then the counters move to the next epoch."""
    e = c.epoch = c.unit
    for batch in _skip(iter(batches(e)), c.pos):
        yield batch
        c.pos += 1
    c.unit, c.pos, c.epoch = e + 1, 0, e + 1


def _cycling_batches(batches: Batches | None, c: _Counters) -> Iterator[Any]:
    """One batch per step, cycling over epochs of `batches` (None forever without batches), counting c.epoch/c.pos.

    The current epoch's iterator is made now (before the first step), the next ones when an epoch runs out.
    """
    if batches is None:
        return itertools.repeat(None)
    return _cycle(batches, c, _skip(iter(batches(c.epoch)), c.pos))


def _cycle(batches: Batches, c: _Counters, it: Iterator[Any]) -> Iterator[Any]:
    while True:
        batch = next(it, None)
        if batch is None:  # epoch of batches exhausted: start the next one
            c.epoch, c.pos = c.epoch + 1, 0
            it = iter(batches(c.epoch))
            batch = next(it)
        c.pos += 1
        yield batch


def _improves(record: Mapping[str, Any], best: Mapping[str, Any] | None, metric: str, mode: str) -> bool:
    """Whether `record` beats `best` on `metric` ("max" or "min"; any record beats none)."""
    if best is None:
        return True
    return bool(record[metric] > best[metric] if mode == "max" else record[metric] < best[metric])


def train_loop(
    step_fn: StepFn,
    *,
    epochs: int | None = None,
    steps: int | None = None,
    batches: Batches | None = None,
    evaluate: Callable[[], Mapping[str, float]] | None = None,
    eval_every: int = 1,
    record_every: int | None = None,
    best_metric: str | None = None,
    best_mode: str = "max",
    keep_best: Sequence[str] = ("model",),
    stop_when: Callable[[Mapping[str, Any]], bool] | None = None,
    state: Mapping[str, Any] | None = None,
    generators: Sequence[torch.Generator] = (),
    checkpoint_dir: str | os.PathLike | None = None,
    checkpoint_every: int = 1,
    resume: bool = False,
    log_path: str | os.PathLike | None = None,
    tensorboard_dir: str | os.PathLike | None = None,
    check_inputs: bool = True,
    desc: str = "train",
) -> TrainResult:
    """Run `step_fn(batch, step)` for `epochs` passes over `batches(epoch)` or for `steps` steps.

    Exactly one of `epochs` (needs `batches`) and `steps` (batch None, or the next batch of `batches`
    cycling over epochs) is given. The unit of `eval_every`, `record_every` and `checkpoint_every` is the
    epoch in epoch mode and the step in step mode (record_every defaults to eval_every). A record holds
    the mean of each scalar `step_fn` returned since the last record and the metrics of `evaluate()`.
    `best_metric` (a record key; `best_mode` "max" or "min") selects the best record; `stop_when(record)`
    ends the run. `state` {name: object with state_dict()} — model, optimiser, scheduler, GameOptimizer,
    replay buffer, the batch source — and `generators` are saved to `checkpoint_dir/last.pt` (best record:
    `best.pt`) with every RNG state; `resume=True` loads `last.pt` when it exists and continues bit for
    bit. A NaN/inf in a batch or a returned scalar raises NonFiniteError naming the epoch and step; the
    last good checkpoint stays on disk.
    """
    by_epoch, total = _loop_length(epochs, steps, batches)
    eval_every = check_int("eval_every", eval_every)
    record_every = check_int("record_every", record_every if record_every is not None else eval_every)
    checkpoint_every = check_int("checkpoint_every", checkpoint_every)
    check_choice("best_mode", best_mode, ("max", "min"))
    state = dict(state or {})
    if batches is not None and hasattr(batches, "state_dict") and "batches" not in state:
        state["batches"] = batches
    rank, world = rank_and_world()
    writer = rank == 0
    ckpt_dir = Path(checkpoint_dir) if checkpoint_dir is not None else None
    last_path = ckpt_dir / "last.pt" if ckpt_dir is not None else None
    logger = JsonLinesLog(log_path if writer else None, tensorboard_dir if writer else None)

    c = _Counters()
    result = TrainResult()
    if resume and last_path is not None and last_path.exists():
        c.restore(load_checkpoint(last_path, state, generators))
        logger.keep(c.log_lines)
        if writer and ckpt_dir is not None and (ckpt_dir / "best.pt").exists():
            best_payload = torch.load(ckpt_dir / "best.pt", map_location="cpu", weights_only=True)
            result.best_state = best_payload["objects"]
        log.info("%s: resumed from %s at epoch %d, step %d", desc, last_path, c.epoch, c.step)
    elif resume and writer:
        log.info("%s: no checkpoint at %s, starting fresh", desc, last_path)

    def where() -> str:
        saved = (
            f"last good checkpoint kept: {last_path}"
            if last_path is not None and last_path.exists()
            else "no checkpoint saved"
        )
        return f"at epoch {c.epoch + 1}, step {c.step + 1} ({desc}); {saved}"

    def checkpoint(path: Path | None) -> None:
        if path is not None and writer:
            c.log_lines = logger.lines
            save_checkpoint(path, state, generators, c.payload())

    def record() -> bool:
        """Close the current record; returns True when stop_when fires."""
        means = _all_mean({k: s / max(c.count, 1) for k, s in c.sums.items()}, world)
        rec: dict[str, Any] = {"epoch": c.epoch, "step": c.step, **means}
        if evaluate is not None and (c.unit % eval_every == 0 or c.unit == total):
            rec.update(_all_mean({k: float(v) for k, v in evaluate().items()}, world))
        c.sums, c.count = {}, 0
        c.history.append(rec)
        logger.write({"kind": "record", **rec}, step=c.step)
        if writer:  # one line per record in the run's log (progress bars/lines come from saddle.progress)
            log.info(
                "%s %s", desc, " ".join(f"{k}={v:.4g}" if isinstance(v, float) else f"{k}={v}" for k, v in rec.items())
            )
        if best_metric is not None and best_metric in rec and _improves(rec, c.best, best_metric, best_mode):
            c.best = rec
            keep = {k: state[k] for k in keep_best if k in state}
            result.best_state = {k: copy.deepcopy(v.state_dict()) for k, v in keep.items()}
            if ckpt_dir is not None and writer:
                save_checkpoint(ckpt_dir / "best.pt", keep, (), {"record": rec})
        return stop_when is not None and bool(stop_when(rec))

    def one_step(batch: Any) -> None:
        if check_inputs and batch is not None:
            _check_batch(batch)
        out = step_fn(batch, c.step) or {}
        for k, v in out.items():
            c.sums[k] = c.sums.get(k, 0.0) + check_finite(
                k, float(v.detach() if isinstance(v, Tensor) else v), NonFiniteError
            )
        c.count += 1
        c.step += 1

    def end_of_unit() -> bool:
        """After each epoch (or step): record and checkpoint when due; returns True when stop_when fired."""
        due = c.unit % record_every == 0 or c.unit == total or (evaluate is not None and c.unit % eval_every == 0)
        fired = record() if due else False
        if c.unit % checkpoint_every == 0 or c.unit == total or fired:
            checkpoint(last_path)
        return fired

    units = range(c.unit, total)
    stopped = False
    t0 = time.perf_counter()
    try:
        stream = None if by_epoch else _cycling_batches(batches, c)
        for _ in progress(units, desc=desc, total=len(units)) if writer else units:
            if stream is None:
                assert batches is not None  # checked by _loop_length: epoch mode needs batches
                for batch in _epoch_batches(batches, c):
                    one_step(batch)
            else:
                one_step(next(stream))
                c.unit += 1
            stopped = end_of_unit()
            if stopped:
                break
    except NonFiniteError as err:
        raise NonFiniteError(f"{err} {where()}") from None
    finally:
        logger.close()
    result.history, result.best, result.steps = c.history, c.best, c.step
    result.last = c.history[-1] if c.history else None
    result.stopped = "stop_when" if stopped else "completed"
    if writer:
        log.debug("%s: %d steps in %.2fs", desc, c.step, time.perf_counter() - t0)
    return result
