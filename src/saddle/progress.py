"""Progress of long loops: a tqdm bar on a terminal, and periodic one-line reports for logs (any output).

Every `progress(...)` loop logs "DESC: i/n (p%), t s elapsed, ~r s left" on the logger
`saddle.progress` at most once every `SADDLE_PROGRESS_EVERY` seconds (default 10), whether or not
a bar is shown; `saddle run` sends these lines to the console when stderr is not a terminal (CI,
`nohup`, `saddle run > log 2>&1`) and always to OUT/log.txt. Environment:

    SADDLE_PROGRESS=0        no bars and no progress lines
    SADDLE_PROGRESS=1        bars even when stderr is not a terminal
    SADDLE_PROGRESS_EVERY=S  seconds between progress lines (> 0; default 10)
"""

from __future__ import annotations

import logging
import math
import os
import sys
import time
from collections.abc import Iterable, Iterator
from typing import TypeVar

from tqdm.auto import tqdm

T = TypeVar("T")

LOGGER = logging.getLogger("saddle.progress")
DEFAULT_EVERY_SECONDS = 10.0
_OFF = ("0", "false", "no", "off", "")
_ON = ("1", "true", "yes", "on")

_enabled: bool | None = None
_bars_hidden = False


def set_enabled(flag: bool | None) -> None:
    """Force progress on (True: bars and lines), off (False: neither), or back to automatic (None)."""
    global _enabled
    _enabled = flag


def hide_bars(flag: bool = True) -> None:
    """No tqdm bars in this process (True), whatever `enabled()` decides; progress lines are unchanged.

    For processes that share a terminal (`saddle run --jobs N`): their bars would overwrite each other.
    """
    global _bars_hidden
    _bars_hidden = flag


def _env() -> str:
    return os.environ.get("SADDLE_PROGRESS", "auto").strip().lower()


def enabled() -> bool:
    """Whether tqdm bars are drawn: never after `hide_bars()`; forced by set_enabled/SADDLE_PROGRESS, else when
    stderr is a terminal."""
    if _bars_hidden:
        return False
    if _enabled is not None:
        return _enabled
    if _env() in _OFF:
        return False
    return _env() in _ON or sys.stderr.isatty()


def lines_enabled() -> bool:
    """Whether progress lines are logged: always, unless SADDLE_PROGRESS=0 or set_enabled(False)."""
    if _enabled is not None:
        return _enabled
    return _env() not in _OFF


def report_every() -> float:
    """Seconds between progress lines: SADDLE_PROGRESS_EVERY (a number > 0), default 10."""
    text = os.environ.get("SADDLE_PROGRESS_EVERY")
    if text is None:
        return DEFAULT_EVERY_SECONDS
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not (math.isfinite(value) and value > 0):
        raise ValueError(f"SADDLE_PROGRESS_EVERY must be a number of seconds > 0, got {text!r}")
    return value


def _line(desc: str, done: int, total: int | None, elapsed: float) -> str:
    name = desc or "progress"
    if total:
        left = elapsed / done * (total - done) if done else math.nan
        return f"{name}: {done}/{total} ({100 * done / total:.0f}%), {elapsed:.0f} s elapsed, ~{left:.0f} s left"
    return f"{name}: {done} done, {elapsed:.0f} s elapsed"


def progress(iterable: Iterable[T], desc: str = "", total: int | None = None, leave: bool = False) -> Iterator[T]:
    """Yield from `iterable`, with a tqdm bar (terminal) and a progress line every `report_every()` seconds."""
    if not lines_enabled():
        yield from iterable
        return
    if total is None and hasattr(iterable, "__len__"):
        total = len(iterable)  # type: ignore[arg-type]
    every = report_every()
    items = (
        tqdm(iterable, desc=desc, total=total, leave=leave, dynamic_ncols=True, file=sys.stderr)
        if enabled()
        else iterable
    )
    start = last = time.monotonic()
    done = reported = 0
    for item in items:
        yield item
        done += 1
        now = time.monotonic()
        if now - last >= every:
            last, reported = now, done
            LOGGER.info(_line(desc, done, total, now - start))
    elapsed = time.monotonic() - start
    if elapsed >= every and reported != done:  # a loop long enough to have reported says when it finished
        LOGGER.info(_line(desc, done, total, elapsed) + " (finished)")


def progress_range(n: int, desc: str = "", leave: bool = False) -> Iterator[int]:
    """`progress(range(n))`."""
    return progress(range(n), desc=desc, total=n, leave=leave)
