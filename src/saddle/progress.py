"""Progress bars for long loops (tqdm), silenced with SADDLE_PROGRESS=0 or `set_enabled(False)`."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterable, Iterator
from typing import TypeVar

from tqdm.auto import tqdm

T = TypeVar("T")

_enabled: bool | None = None


def set_enabled(flag: bool | None) -> None:
    """Force progress bars on (True), off (False), or back to automatic (None: on when stderr is a TTY)."""
    global _enabled
    _enabled = flag


def enabled() -> bool:
    """Whether progress bars are currently shown."""
    if _enabled is not None:
        return _enabled
    env = os.environ.get("SADDLE_PROGRESS")
    if env is not None:
        return env not in ("0", "false", "no", "")
    return sys.stderr.isatty()


def progress(iterable: Iterable[T], desc: str = "", total: int | None = None, leave: bool = False) -> Iterator[T]:
    """Wrap `iterable` in a tqdm bar when progress bars are enabled, else return it unchanged."""
    if not enabled():
        yield from iterable
        return
    yield from tqdm(iterable, desc=desc, total=total, leave=leave, dynamic_ncols=True, file=sys.stderr)


def progress_range(n: int, desc: str = "", leave: bool = False) -> Iterator[int]:
    """`progress(range(n))`."""
    return progress(range(n), desc=desc, total=n, leave=leave)
