"""Atomic file writes (bottom floor): write to a temporary file in the target's folder, then rename over the target.

A reader never sees a half-written file: `os.replace` is atomic on POSIX and Windows within one filesystem,
and a failed writer leaves the target as it was (the temporary file is removed).
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

__all__ = ["atomic_write"]


def atomic_write(path: str | os.PathLike, write: Callable[[Path], object]) -> Path:
    """Call `write(tmp)` on a temporary path next to `path`, then rename it to `path`; returns `path`.

    The parent folder is created. When `write` raises, the temporary file is removed and `path` is untouched.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp{os.getpid()}")
    try:
        write(tmp)
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
    return path
