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
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import torch
from torch import Tensor

from saddle.progress import progress
from saddle.train.checkpoint import load_checkpoint, save_checkpoint
from saddle.train.distributed import all_reduce_mean, rank_and_world
from saddle.train.logs import JsonLinesLog
from saddle.validation import check_choice, check_finite, check_int

__all__ = ["LoopSettings", "NonFiniteError", "TrainResult", "train_loop"]

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


@dataclass(frozen=True)
class LoopSettings:
    """The loop's settings, built once: how long it runs, when it records / evaluates / checkpoints, where it logs.

    Exactly one of `epochs` (needs `batches`) and `steps` runs the loop; the unit of `eval_every`,
    `record_every` (default: eval_every) and `checkpoint_every` is the epoch in epoch mode and the step in
    step mode. `best_metric` (a record key; `best_mode` "max" or "min") picks the best record, whose
    `keep_best` objects are kept. `checkpoint_dir`/`checkpoint_every`/`resume`: `last.pt` and `best.pt`;
    `log_path`/`tensorboard_dir`: the records as JSON lines and TensorBoard scalars; `check_inputs`: refuse a
    non-finite input batch; `desc`: the progress bar's and the log's label. Any field can be overridden by
    name in `train_loop(..., name=value)` and `fit(..., name=value)`.
    """

    epochs: int | None = None
    steps: int | None = None
    eval_every: int = 1
    record_every: int | None = None
    best_metric: str | None = None
    best_mode: str = "max"
    keep_best: Sequence[str] = ("model",)
    checkpoint_dir: str | os.PathLike[str] | None = None
    checkpoint_every: int = 1
    resume: bool = False
    log_path: str | os.PathLike[str] | None = None
    tensorboard_dir: str | os.PathLike[str] | None = None
    check_inputs: bool = True
    desc: str = "train"

    def __post_init__(self) -> None:
        for name in ("epochs", "steps"):
            if getattr(self, name) is not None:
                check_int(name, getattr(self, name), low=0)
        check_int("eval_every", self.eval_every)
        if self.record_every is not None:
            check_int("record_every", self.record_every)
        check_int("checkpoint_every", self.checkpoint_every)
        check_choice("best_mode", self.best_mode, ("max", "min"))

    def length(self) -> tuple[bool, int]:
        """(by_epoch, number of units): exactly one of epochs and steps is set."""
        if (self.epochs is None) == (self.steps is None):
            raise ValueError(f"give exactly one of epochs and steps, got epochs={self.epochs!r}, steps={self.steps!r}")
        return (True, self.epochs) if self.epochs is not None else (False, int(self.steps or 0))

    def with_options(self, **options: Any) -> LoopSettings:
        """These settings with the named fields replaced (an unknown name raises TypeError)."""
        return replace(self, **options) if options else self


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


class _Loop:
    """One run of `train_loop`: the counters, the step, the record, the checkpoint, and the loop over units."""

    def __init__(
        self,
        step_fn: StepFn,
        settings: LoopSettings,
        batches: Batches | None,
        evaluate: Callable[[], Mapping[str, float]] | None,
        stop_when: Callable[[Mapping[str, Any]], bool] | None,
        state: Mapping[str, Any] | None,
        generators: Sequence[torch.Generator],
    ) -> None:
        self.by_epoch, self.total = settings.length()
        if self.by_epoch and batches is None:
            raise ValueError("epoch mode needs `batches` (a callable epoch -> iterable of batches)")
        self.step_fn, self.s, self.batches, self.evaluate, self.stop_when = (
            step_fn,
            settings,
            batches,
            evaluate,
            stop_when,
        )
        self.record_every = settings.record_every if settings.record_every is not None else settings.eval_every
        self.state = dict(state or {})
        if batches is not None and hasattr(batches, "state_dict") and "batches" not in self.state:
            self.state["batches"] = batches
        self.generators = generators
        rank, self.world = rank_and_world()
        self.writer = rank == 0
        self.ckpt_dir = Path(settings.checkpoint_dir) if settings.checkpoint_dir is not None else None
        self.last_path = self.ckpt_dir / "last.pt" if self.ckpt_dir is not None else None
        self.logger = JsonLinesLog(
            settings.log_path if self.writer else None, settings.tensorboard_dir if self.writer else None
        )
        self.c = _Counters()
        self.result = TrainResult()

    def resume(self) -> None:
        """Load `last.pt` (and the best record's objects from `best.pt`) when resuming and they exist."""
        c, desc = self.c, self.s.desc
        if self.last_path is not None and self.last_path.exists():
            c.restore(load_checkpoint(self.last_path, self.state, self.generators))
            self.logger.keep(c.log_lines)
            if self.writer and self.ckpt_dir is not None and (self.ckpt_dir / "best.pt").exists():
                best_payload = torch.load(self.ckpt_dir / "best.pt", map_location="cpu", weights_only=True)
                self.result.best_state = best_payload["objects"]
            log.info("%s: resumed from %s at epoch %d, step %d", desc, self.last_path, c.epoch, c.step)
        elif self.writer:
            log.info("%s: no checkpoint at %s, starting fresh", desc, self.last_path)

    def where(self) -> str:
        """Where the loop stopped, for an error message."""
        last = self.last_path
        saved = f"last good checkpoint kept: {last}" if last is not None and last.exists() else "no checkpoint saved"
        return f"at epoch {self.c.epoch + 1}, step {self.c.step + 1} ({self.s.desc}); {saved}"

    def checkpoint(self, path: Path | None) -> None:
        if path is not None and self.writer:
            self.c.log_lines = self.logger.lines
            save_checkpoint(path, self.state, self.generators, self.c.payload())

    def step(self, batch: Any) -> None:
        """One call of step_fn, its scalars summed into the current record."""
        c = self.c
        if self.s.check_inputs and batch is not None:
            _check_batch(batch)
        out = self.step_fn(batch, c.step) or {}
        for k, v in out.items():
            c.sums[k] = c.sums.get(k, 0.0) + check_finite(
                k, float(v.detach() if isinstance(v, Tensor) else v), NonFiniteError
            )
        c.count += 1
        c.step += 1

    def record(self) -> bool:
        """Close the current record (means, evaluation, logs, best); returns True when stop_when fires."""
        c, s = self.c, self.s
        means = _all_mean({k: v / max(c.count, 1) for k, v in c.sums.items()}, self.world)
        rec: dict[str, Any] = {"epoch": c.epoch, "step": c.step, **means}
        if self.evaluate is not None and (c.unit % s.eval_every == 0 or c.unit == self.total):
            rec.update(_all_mean({k: float(v) for k, v in self.evaluate().items()}, self.world))
        c.sums, c.count = {}, 0
        c.history.append(rec)
        self.logger.write({"kind": "record", **rec}, step=c.step)
        if self.writer:  # one line per record in the run's log (progress bars/lines come from saddle.progress)
            log.info(
                "%s %s",
                s.desc,
                " ".join(f"{k}={v:.4g}" if isinstance(v, float) else f"{k}={v}" for k, v in rec.items()),
            )
        if s.best_metric is not None and s.best_metric in rec and _improves(rec, c.best, s.best_metric, s.best_mode):
            c.best = rec
            keep = {k: self.state[k] for k in s.keep_best if k in self.state}
            self.result.best_state = {k: copy.deepcopy(v.state_dict()) for k, v in keep.items()}
            if self.ckpt_dir is not None and self.writer:
                save_checkpoint(self.ckpt_dir / "best.pt", keep, (), {"record": rec})
        return self.stop_when is not None and bool(self.stop_when(rec))

    def end_of_unit(self) -> bool:
        """After each epoch (or step): record and checkpoint when due; returns True when stop_when fired."""
        c, s, total = self.c, self.s, self.total
        due = (
            c.unit % self.record_every == 0
            or c.unit == total
            or (self.evaluate is not None and c.unit % s.eval_every == 0)
        )
        fired = self.record() if due else False
        if c.unit % s.checkpoint_every == 0 or c.unit == total or fired:
            self.checkpoint(self.last_path)
        return fired

    def run(self) -> TrainResult:
        c = self.c
        units = range(c.unit, self.total)
        stopped = False
        t0 = time.perf_counter()
        try:
            stream = None if self.by_epoch else _cycling_batches(self.batches, c)
            for _ in progress(units, desc=self.s.desc, total=len(units)) if self.writer else units:
                if stream is None:
                    assert self.batches is not None  # checked in __init__: epoch mode needs batches
                    for batch in _epoch_batches(self.batches, c):
                        self.step(batch)
                else:
                    self.step(next(stream))
                    c.unit += 1
                stopped = self.end_of_unit()
                if stopped:
                    break
        except NonFiniteError as err:
            raise NonFiniteError(f"{err} {self.where()}") from None
        finally:
            self.logger.close()
        result = self.result
        result.history, result.best, result.steps = c.history, c.best, c.step
        result.last = c.history[-1] if c.history else None
        result.stopped = "stop_when" if stopped else "completed"
        if self.writer:
            log.debug("%s: %d steps in %.2fs", self.s.desc, c.step, time.perf_counter() - t0)
        return result


def train_loop(
    step_fn: StepFn,
    settings: LoopSettings | None = None,
    *,
    batches: Batches | None = None,
    evaluate: Callable[[], Mapping[str, float]] | None = None,
    stop_when: Callable[[Mapping[str, Any]], bool] | None = None,
    state: Mapping[str, Any] | None = None,
    generators: Sequence[torch.Generator] = (),
    **options: Any,
) -> TrainResult:
    """Run `step_fn(batch, step)` for `settings.epochs` passes over `batches(epoch)` or for `settings.steps` steps.

    `settings` (a LoopSettings; `options` replace its fields by name, e.g. `train_loop(step_fn, steps=10)`)
    say how long and when to record, evaluate and checkpoint. In step mode the batch is None, or the next
    batch of `batches` cycling over epochs. A record holds the mean of each scalar `step_fn` returned since
    the last record and the metrics of `evaluate()`; `stop_when(record)` ends the run. `state` {name: object
    with state_dict()} — model, optimiser, scheduler, GameOptimizer, replay buffer, the batch source — and
    `generators` are saved to `checkpoint_dir/last.pt` (best record: `best.pt`) with every RNG state;
    `resume=True` loads `last.pt` when it exists and continues bit for bit. A NaN/inf in a batch or a
    returned scalar raises NonFiniteError naming the epoch and step; the last good checkpoint stays on disk.
    """
    settings = (settings or LoopSettings()).with_options(**options)
    loop = _Loop(step_fn, settings, batches, evaluate, stop_when, state, generators)
    if settings.resume:
        loop.resume()
    return loop.run()
