"""Strict readers of the files a run folder holds; a damaged file raises one clear `ReportFileError`.

OUT/tour.json            {"failed": {name: message}, "last_run": {...}}
OUT/times.json           {name: {size: {"seconds", "cpu_seconds", "finished"}}}: the last run at each size
OUT/NAME/metrics.json    {key: value, ...}
OUT/NAME/config.json     {key: value, ...}
OUT/NAME/run.json        {"name", "summary", "reproduces", "seconds", "cpu_seconds", "size", "seed", "finished",
                          "claims": [...]}  (runs written before sizes had three values hold "quick": bool)
OUT/NAME/figures.json    [{"file": "figures/x.png", "caption": "..."}, ...]
"""

from __future__ import annotations

import json
import numbers
from pathlib import Path
from typing import Any

from saddle.claims import SIZES

__all__ = [
    "ReportFileError",
    "read_config",
    "read_figures",
    "read_metrics",
    "read_run_meta",
    "read_times",
    "read_tour",
    "run_size",
]


class ReportFileError(ValueError):
    """A result file that cannot be read or has the wrong shape; the message names the file."""


def _load(path: Path) -> Any:
    try:
        text = path.read_text()
    except OSError as e:
        raise ReportFileError(f"{path}: cannot be read ({e.strerror or e})") from None
    except UnicodeDecodeError:
        raise ReportFileError(f"{path}: is not UTF-8 text") from None
    try:
        return json.loads(text)
    except json.JSONDecodeError as e:
        what = (
            "is empty" if not text.strip() else f"is not valid JSON (truncated or damaged?): {e.msg} at line {e.lineno}"
        )
        raise ReportFileError(f"{path}: {what}") from None


def _kind(value: Any) -> str:
    """What a JSON value is, in words."""
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int):
        return "an integer"
    if isinstance(value, numbers.Real):
        return "a number"
    return {dict: "an object", list: "a list", str: "a string", type(None): "null"}.get(
        type(value), type(value).__name__
    )


_WANTED = {dict: "an object", list: "a list", str: "a string", bool: "a boolean", int: "an integer"}


def _expect(path: Path, value: Any, types: type | tuple[type, ...], what: str) -> Any:
    """`value` if it has one of `types` (a bool is not a number), else ReportFileError naming the file and field."""
    allowed = types if isinstance(types, tuple) else (types,)
    if not isinstance(value, allowed) or (isinstance(value, bool) and bool not in allowed):
        wanted = "a number" if float in allowed else _WANTED[allowed[0]]
        raise ReportFileError(f"{path}: {what} must be {wanted}, got {_kind(value)}")
    return value


def read_metrics(run: Path) -> dict[str, Any]:
    """OUT/NAME/metrics.json: a JSON object."""
    path = run / "metrics.json"
    return _expect(path, _load(path), dict, "the file")


def read_config(run: Path) -> dict[str, Any]:
    """OUT/NAME/config.json: a JSON object ({} when absent)."""
    path = run / "config.json"
    return _expect(path, _load(path), dict, "the file") if path.exists() else {}


_RUN_FIELDS: dict[str, type | tuple[type, ...]] = {
    "name": str,
    "summary": str,
    "reproduces": str,
    "seconds": (int, float),
    "cpu_seconds": (int, float),
    "size": str,
    "quick": bool,
    "seed": int,
    "finished": (int, float),
    "claims": list,
}
_CLAIM_FIELDS = ("name", "statement", "source", "expected", "status")


def read_run_meta(run: Path) -> dict[str, Any]:
    """OUT/NAME/run.json ({} when absent); every field present has its type, every claim its text fields."""
    path = run / "run.json"
    if not path.exists():
        return {}
    meta = _expect(path, _load(path), dict, "the file")
    for key, types in _RUN_FIELDS.items():
        if key in meta:
            _expect(path, meta[key], types, f'"{key}"')
    if "size" in meta and meta["size"] not in SIZES:
        raise ReportFileError(f'{path}: "size" must be one of {", ".join(SIZES)}, got {meta["size"]!r}')
    for i, claim in enumerate(meta.get("claims", [])):
        _expect(path, claim, dict, f"claims[{i}]")
        for key in _CLAIM_FIELDS:
            _expect(path, claim.get(key), str, f"claims[{i}].{key}")
    return meta


def run_size(meta: dict[str, Any]) -> str | None:
    """The size of a run from its run.json: "size", else the older "quick" flag (True: "quick"; False: the
    config defaults, which are the "default" size); None when neither is recorded."""
    if "size" in meta:
        return str(meta["size"])
    if "quick" in meta:
        return "quick" if meta["quick"] else "default"
    return None


def read_times(root: Path) -> dict[str, dict[str, dict[str, float]]]:
    """OUT/times.json ({} when absent): for each experiment, the last run at each size:
    {name: {size: {"seconds": wall, "cpu_seconds": process CPU time, "finished": epoch seconds}}}."""
    path = Path(root) / "times.json"
    if not path.exists():
        return {}
    times = _expect(path, _load(path), dict, "the file")
    for name, per_size in times.items():
        _expect(path, per_size, dict, f"{name}")
        for size, entry in per_size.items():
            if size not in SIZES:
                raise ReportFileError(f"{path}: {name}.{size} is not a size (one of {', '.join(SIZES)})")
            _expect(path, entry, dict, f"{name}.{size}")
            for key, value in entry.items():
                _expect(path, value, (int, float), f"{name}.{size}.{key}")
    return times


def read_figures(run: Path) -> list[dict[str, str]]:
    """OUT/NAME/figures.json ([] when absent): a list of {"file", "caption"} inside the run folder."""
    path = run / "figures.json"
    if not path.exists():
        return []
    figures = _expect(path, _load(path), list, "the file")
    for i, fig in enumerate(figures):
        _expect(path, fig, dict, f"entry {i}")
        for key in ("file", "caption"):
            _expect(path, fig.get(key), str, f"entry {i}.{key}")
        if fig["file"].startswith("/") or ".." in Path(fig["file"]).parts:
            raise ReportFileError(f"{path}: entry {i}.file must be a path inside the run folder, got {fig['file']!r}")
        if not (run / fig["file"]).is_file():
            raise ReportFileError(f"{path}: entry {i}.file {fig['file']!r} does not exist in {run}")
    return figures


def read_tour(root: Path) -> dict[str, Any]:
    """OUT/tour.json ({} when absent): "failed" maps experiment names to the message of their latest failure."""
    path = root / "tour.json"
    if not path.exists():
        return {}
    tour = _expect(path, _load(path), dict, "the file")
    failed = _expect(path, tour.get("failed", {}), dict, '"failed"')
    for name, message in failed.items():
        _expect(path, message, str, f'"failed".{name}')
    return tour
