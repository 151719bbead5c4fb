"""The run folder: writing and reading what the runs of experiments leave in an output folder (bottom floor).

    OUT/NAME/config.json    the resolved config {key: value}
    OUT/NAME/metrics.json   the metrics {key: value} the experiment returned
    OUT/NAME/run.json       {"name", "summary", "reproduces", "seconds", "cpu_seconds", "size", "seed", "started",
                             "finished", "machine": {...}, "claims": [verdict, ...]}  (runs written before sizes
                             had three values hold "quick": bool; older runs have no "started" nor "machine")
    OUT/NAME/figures.json   [{"file": "figures/x.png", "caption": "..."}, ...]
    OUT/NAME/figures/*.png  the figures; OUT/NAME/*.json extra artefacts (`RunOutput.save_json`); OUT/NAME/log.txt
    OUT/times.json          {name: {size: {"seconds", "cpu_seconds", "finished"}}}: the last run at each size
    OUT/tour.json           {"failed": {name: message}, "last_run": {...}}: the latest outcome of each experiment
    OUT/.NAME-PID-xxxx/     the temporary folder of a run in progress, moved to OUT/NAME when the run succeeds

Every file is written atomically (`saddle.atomic.atomic_write`: a temporary file in the same folder, then a
rename) with the usual permissions (0644 under umask 022); a run is written into a temporary folder and moved into place
(`move_into_place`), so that a failed or interrupted run never leaves a half-written result. The readers are
strict: a damaged file raises one `RunFileError` (a ValueError) naming the file and what is wrong.
Used by `saddle.experiments` (`RunOutput`), `saddle.train` (`to_jsonable` of its logs), `saddle.cli` and
`saddle.report`.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import math
import numbers
import os
import platform
import re
import shutil
import signal
import tempfile
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from saddle.atomic import atomic_write
from saddle.claims import SIZES

__all__ = [
    "Figure",
    "RunFileError",
    "RunOutput",
    "discard",
    "machine",
    "make_temporary_folder",
    "move_into_place",
    "read_config",
    "read_figures",
    "read_metrics",
    "read_run_meta",
    "read_times",
    "read_tour",
    "record_time",
    "remove_leftovers",
    "result_folders",
    "run_size",
    "to_jsonable",
    "update_tour",
    "write_json",
    "write_run",
]

CONFIG, METRICS, RUN, FIGURES, TIMES, TOUR = (
    "config.json",
    "metrics.json",
    "run.json",
    "figures.json",
    "times.json",
    "tour.json",
)


class RunFileError(ValueError):
    """A result file that cannot be read or has the wrong shape; the message names the file."""


# ---- writing -------------------------------------------------------------------------------------------------------


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def to_jsonable(obj: Any) -> Any:
    """Convert tensors, numpy values, dataclasses and paths to plain JSON types; non-finite floats to strings."""
    if hasattr(obj, "detach") and hasattr(obj, "cpu") and hasattr(obj, "tolist"):  # a torch.Tensor (any device)
        return to_jsonable(obj.detach().cpu().tolist())
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        return to_jsonable(dataclasses.asdict(obj))
    if isinstance(obj, Mapping):
        return {str(k): to_jsonable(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [to_jsonable(v) for v in obj]
    if isinstance(obj, Path):
        return str(obj)
    if hasattr(obj, "item") and callable(obj.item) and getattr(obj, "ndim", 1) == 0:
        obj = obj.item()
    if hasattr(obj, "tolist"):
        return to_jsonable(obj.tolist())
    if isinstance(obj, float) and not math.isfinite(obj):
        return str(obj)
    return obj


def write_json(path: str | os.PathLike[str], obj: Any) -> Path:
    """`obj` as indented JSON (through `to_jsonable`), written atomically."""
    text = json.dumps(to_jsonable(obj), indent=2, allow_nan=False)
    return atomic_write(path, lambda tmp: tmp.write_text(text, encoding="utf-8"))


@dataclass
class Figure:
    """One figure of a run: its file inside the run folder and its caption for the report."""

    file: str
    caption: str


class RunOutput:
    """The folder one experiment writes into: figures (PNG) with captions, extra JSON artefacts, a log.

    `saddle.cli` creates it in a temporary folder and moves it into place only when the run succeeds, so a
    failed or interrupted run never leaves a half-written result behind.
    """

    def __init__(self, path: str | os.PathLike[str], logger: logging.Logger | None = None) -> None:
        self.path = Path(path)
        (self.path / "figures").mkdir(parents=True, exist_ok=True)
        self.figures: list[Figure] = []
        self.log: logging.Logger = logger or logging.getLogger("saddle.experiment")

    def savefig(self, fig: Any, name: str, caption: str) -> Path:
        """Save a matplotlib figure as figures/NAME.png with a caption for the report, and close it.
        The first figure saved is the run's representative one (the report's thumbnail)."""
        import matplotlib.pyplot as plt

        if not name.replace("_", "").replace("-", "").isalnum():
            raise ValueError(f"figure name must be alphanumeric with _ or -, got {name!r}")
        file = self.path / "figures" / f"{name}.png"
        fig.savefig(file, dpi=110, bbox_inches="tight")
        plt.close(fig)
        self.figures = [f for f in self.figures if f.file != f"figures/{name}.png"]
        self.figures.append(Figure(f"figures/{name}.png", caption))
        return file

    def save_json(self, name: str, obj: Any) -> Path:
        """Write an extra JSON artefact NAME.json (e.g. a table) next to the metrics, atomically."""
        if not name.replace("_", "").replace("-", "").isalnum():
            raise ValueError(f"artefact name must be alphanumeric with _ or -, got {name!r}")
        if f"{name}.json" in (CONFIG, METRICS, RUN, FIGURES):
            raise ValueError(f"artefact name {name!r} would overwrite the run's own {name}.json")
        return write_json(self.path / f"{name}.json", obj)


def machine(device: str = "cpu") -> dict[str, Any]:
    """What ran the experiment, for the record: processor, CPU count, system, Python, torch, device (and the
    accelerator's name on CUDA)."""
    import torch

    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    info: dict[str, Any] = {
        "cpu": cpu,
        "cpus": os.cpu_count() or 1,
        "system": platform.platform(terse=True),
        "python": platform.python_version(),
        "torch": torch.__version__,
        "device": device,
    }
    if device.startswith("cuda") and torch.cuda.is_available():
        info["accelerator"] = torch.cuda.get_device_name(torch.device(device))
    return info


def write_run(
    folder: str | os.PathLike[str],
    *,
    metrics: Mapping[str, Any],
    config: Mapping[str, Any],
    figures: list[Figure],
    meta: Mapping[str, Any],
) -> None:
    """The four files of a finished run: metrics.json, config.json, figures.json and run.json (`meta`)."""
    folder = Path(folder)
    write_json(folder / METRICS, metrics)
    write_json(folder / CONFIG, config)
    write_json(folder / FIGURES, [dataclasses.asdict(f) for f in figures])
    write_json(folder / RUN, meta)


def record_time(root: str | os.PathLike[str], name: str, size: str, seconds: float, cpu_seconds: float) -> None:
    """OUT/times.json: the wall and CPU time of the last successful run of each experiment at each size."""
    import time

    try:
        times = read_times(root)
    except RunFileError:  # a damaged file is rebuilt from the runs that follow
        times = {}
    times.setdefault(name, {})[size] = {"seconds": seconds, "cpu_seconds": cpu_seconds, "finished": time.time()}
    write_json(Path(root) / TIMES, times)


def update_tour(
    root: str | os.PathLike[str], succeeded: Mapping[str, float], failed: Mapping[str, str], **last_run: Any
) -> None:
    """OUT/tour.json keeps the latest outcome per experiment (a later success clears an earlier failure) and the
    last invocation: {"succeeded": {name: seconds}, "failed": {name: message}, **last_run}."""
    try:
        previous = read_tour(Path(root))
    except RunFileError:
        previous = {}
    old_failed = {k: v for k, v in previous.get("failed", {}).items() if k not in succeeded}
    write_json(
        Path(root) / TOUR,
        {
            "failed": {**old_failed, **failed},
            "last_run": {"succeeded": dict(succeeded), "failed": dict(failed), **last_run},
        },
    )


# ---- temporary folders ---------------------------------------------------------------------------------------------

_TMP_RE = re.compile(r"^\.(?P<name>[A-Za-z0-9_]+(?:-old)?)-(?P<pid>\d+)-")


def make_temporary_folder(root: str | os.PathLike[str], name: str) -> Path:
    """A hidden temporary folder OUT/.NAME-PID-xxxx with the usual permissions (mkdtemp alone gives 0700)."""
    tmp = Path(tempfile.mkdtemp(dir=root, prefix=f".{name}-{os.getpid()}-"))
    os.chmod(tmp, 0o777 & ~_umask())
    return tmp


def discard(folder: str | os.PathLike[str]) -> None:
    """Remove a temporary run folder and everything in it (nothing if it is gone)."""
    shutil.rmtree(folder, ignore_errors=True)


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def remove_leftovers(root: str | os.PathLike[str]) -> list[str]:
    """Remove the temporary folders `.NAME-PID-*` of killed runs (whose PID no longer exists); their names."""
    removed = []
    for p in Path(root).iterdir():
        m = _TMP_RE.match(p.name)
        if m and p.is_dir() and int(m["pid"]) != os.getpid() and not _pid_alive(int(m["pid"])):
            discard(p)
            removed.append(p.name)
    return removed


@contextmanager
def _signals_held() -> Iterator[None]:
    """Hold SIGINT and SIGTERM back until the block is done, then deliver the first that arrived.

    (A signal mask would not do: a signal sent to the process may be delivered to another thread.)
    """
    pending: list[int] = []
    held = (signal.SIGINT, signal.SIGTERM)
    previous = {s: signal.signal(s, lambda signum, frame: pending.append(signum)) for s in held}
    try:
        yield
    finally:
        for s, handler in previous.items():
            signal.signal(s, handler)
        if pending:
            signal.raise_signal(pending[0])  # now handled as usual: KeyboardInterrupt, Terminated, ...


def move_into_place(tmp: str | os.PathLike[str], final: str | os.PathLike[str]) -> None:
    """Replace the folder `final` by `tmp` with Ctrl-C and SIGTERM held back, so that one of the two always
    exists (the old result goes to a temporary folder first, removed once the new one is in place)."""
    tmp, final = Path(tmp), Path(final)
    old = None
    try:
        with _signals_held():
            if final.exists():
                old = make_temporary_folder(final.parent, f"{final.name}-old")
                os.replace(final, old / "x")
            os.replace(tmp, final)
    finally:
        if old is not None:
            discard(old)


# ---- reading -------------------------------------------------------------------------------------------------------


def _load(path: Path) -> Any:
    try:
        text = path.read_text()
    except OSError as e:
        raise RunFileError(f"{path}: cannot be read ({e.strerror or e})") from None
    except UnicodeDecodeError:
        raise RunFileError(f"{path}: is not UTF-8 text") from None
    try:
        return json.loads(text)
    except json.JSONDecodeError as e:
        what = (
            "is empty" if not text.strip() else f"is not valid JSON (truncated or damaged?): {e.msg} at line {e.lineno}"
        )
        raise RunFileError(f"{path}: {what}") from None


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
    """`value` if it has one of `types` (a bool is not a number), else RunFileError naming the file and field."""
    allowed = types if isinstance(types, tuple) else (types,)
    if not isinstance(value, allowed) or (isinstance(value, bool) and bool not in allowed):
        wanted = "a number" if float in allowed else _WANTED[allowed[0]]
        raise RunFileError(f"{path}: {what} must be {wanted}, got {_kind(value)}")
    return value


def result_folders(root: str | os.PathLike[str]) -> list[Path]:
    """The run folders of OUT, sorted by name: visible sub-folders holding a metrics.json."""
    return sorted(
        p for p in Path(root).iterdir() if p.is_dir() and not p.name.startswith(".") and (p / METRICS).is_file()
    )


def read_metrics(run: str | os.PathLike[str]) -> dict[str, Any]:
    """OUT/NAME/metrics.json: a JSON object."""
    path = Path(run) / METRICS
    return _expect(path, _load(path), dict, "the file")


def read_config(run: str | os.PathLike[str]) -> dict[str, Any]:
    """OUT/NAME/config.json: a JSON object ({} when absent)."""
    path = Path(run) / CONFIG
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
    "started": (int, float),
    "finished": (int, float),
    "machine": dict,
    "claims": list,
}
_CLAIM_FIELDS = ("name", "statement", "source", "expected", "status")


def read_run_meta(run: str | os.PathLike[str]) -> dict[str, Any]:
    """OUT/NAME/run.json ({} when absent); every field present has its type, every claim its text fields."""
    path = Path(run) / RUN
    if not path.exists():
        return {}
    meta = _expect(path, _load(path), dict, "the file")
    for key, types in _RUN_FIELDS.items():
        if key in meta:
            _expect(path, meta[key], types, f'"{key}"')
    if "size" in meta and meta["size"] not in SIZES:
        raise RunFileError(f'{path}: "size" must be one of {", ".join(SIZES)}, got {meta["size"]!r}')
    for i, claim in enumerate(meta.get("claims", [])):
        _expect(path, claim, dict, f"claims[{i}]")
        for key in _CLAIM_FIELDS:
            _expect(path, claim.get(key), str, f"claims[{i}].{key}")
    return meta


def run_size(meta: Mapping[str, Any]) -> str | None:
    """The size of a run from its run.json: "size", else the older "quick" flag (True: "quick"; False: the
    config defaults, which are the "default" size); None when neither is recorded."""
    if "size" in meta:
        return str(meta["size"])
    if "quick" in meta:
        return "quick" if meta["quick"] else "default"
    return None


def read_times(root: str | os.PathLike[str]) -> dict[str, dict[str, dict[str, float]]]:
    """OUT/times.json ({} when absent): for each experiment, the last run at each size:
    {name: {size: {"seconds": wall, "cpu_seconds": process CPU time, "finished": epoch seconds}}}."""
    path = Path(root) / TIMES
    if not path.exists():
        return {}
    times = _expect(path, _load(path), dict, "the file")
    for name, per_size in times.items():
        _expect(path, per_size, dict, f"{name}")
        for size, entry in per_size.items():
            if size not in SIZES:
                raise RunFileError(f"{path}: {name}.{size} is not a size (one of {', '.join(SIZES)})")
            _expect(path, entry, dict, f"{name}.{size}")
            for key, value in entry.items():
                _expect(path, value, (int, float), f"{name}.{size}.{key}")
    return times


def read_figures(run: str | os.PathLike[str]) -> list[dict[str, str]]:
    """OUT/NAME/figures.json ([] when absent): a list of {"file", "caption"} inside the run folder."""
    run = Path(run)
    path = run / FIGURES
    if not path.exists():
        return []
    figures = _expect(path, _load(path), list, "the file")
    for i, fig in enumerate(figures):
        _expect(path, fig, dict, f"entry {i}")
        for key in ("file", "caption"):
            _expect(path, fig.get(key), str, f"entry {i}.{key}")
        if fig["file"].startswith("/") or ".." in Path(fig["file"]).parts:
            raise RunFileError(f"{path}: entry {i}.file must be a path inside the run folder, got {fig['file']!r}")
        if not (run / fig["file"]).is_file():
            raise RunFileError(f"{path}: entry {i}.file {fig['file']!r} does not exist in {run}")
    return figures


def read_tour(root: str | os.PathLike[str]) -> dict[str, Any]:
    """OUT/tour.json ({} when absent): "failed" maps experiment names to the message of their latest failure."""
    path = Path(root) / TOUR
    if not path.exists():
        return {}
    tour = _expect(path, _load(path), dict, "the file")
    failed = _expect(path, tour.get("failed", {}), dict, '"failed"')
    for name, message in failed.items():
        _expect(path, message, str, f'"failed".{name}')
    return tour
