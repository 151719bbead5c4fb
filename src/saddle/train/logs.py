"""Training logs: one JSON object per line (always) and TensorBoard scalars (when `tensorboard` is installed)."""

from __future__ import annotations

import json
import os
import warnings
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from saddle.atomic import atomic_write
from saddle.runs import to_jsonable

__all__ = ["JsonLinesLog"]


class JsonLinesLog:
    """Append records to `path` as JSON lines; mirror numeric fields to TensorBoard under `tensorboard_dir`.

    `keep(n)` truncates the file to its first n records (used when a run resumes from a checkpoint
    written before the last records).
    """

    def __init__(self, path: str | os.PathLike | None, tensorboard_dir: str | os.PathLike | None = None) -> None:
        self.path = Path(path) if path is not None else None
        self.lines = 0
        self._tb = None
        if self.path is not None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        if tensorboard_dir is not None:
            try:
                from torch.utils.tensorboard import SummaryWriter
            except ImportError:
                warnings.warn(
                    "tensorboard is not installed; TensorBoard scalars are not written "
                    "(install the `tensorboard` extra)",
                    RuntimeWarning,
                    stacklevel=2,
                )
            else:
                self._tb = SummaryWriter(str(tensorboard_dir))

    def keep(self, n: int) -> None:
        """Truncate the log to its first `n` records (all earlier runs' lines beyond that are dropped)."""
        if self.path is not None:
            old = self.path.read_text().splitlines(keepends=True) if self.path.exists() else []
            atomic_write(self.path, lambda tmp: tmp.write_text("".join(old[:n])))
        self.lines = n

    def write(self, record: Mapping[str, Any], step: int | None = None) -> None:
        """Append one record; numbers go to TensorBoard at `step` under "kind/name"."""
        if self.path is not None:
            with self.path.open("a") as f:
                f.write(json.dumps(to_jsonable(record)) + "\n")
        self.lines += 1
        if self._tb is not None and step is not None:
            kind = record.get("kind", "train")
            for k, v in record.items():
                if isinstance(v, (int, float)) and not isinstance(v, bool) and k not in ("step", "epoch"):
                    self._tb.add_scalar(f"{kind}/{k}", v, step)

    def close(self) -> None:
        if self._tb is not None:
            self._tb.close()
            self._tb = None
