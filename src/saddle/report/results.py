"""A results folder as the reports show it: per experiment its verdict, size, time and representative figure.

`read_results(DIR)` reads every run folder of DIR (through the strict readers of `saddle.runs`) and the latest
failures of `DIR/tour.json`; the HTML page (`write_report`) and the Markdown table (`markdown_report`) render it.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from saddle import runs
from saddle.claims import (
    DECLARATION_ERROR,
    NOT_CHECKED,
    NOT_MEASURED,
    NOT_REPRODUCED,
    NOT_SIGNIFICANT,
    REPRODUCED,
    SIZES,
    claims_counts,
    claims_headline,
)

__all__ = ["ExperimentResult", "Results", "format_seconds", "format_value", "read_results"]

#: the class of a verdict, for colours: reproduced, failed, not significant, left unchecked
STATUS_CLASS = {
    REPRODUCED: "ok",
    NOT_REPRODUCED: "fail",
    NOT_SIGNIFICANT: "weak",
    DECLARATION_ERROR: "fail",
    NOT_MEASURED: "skip",
    NOT_CHECKED: "skip",
}


def format_value(v: Any) -> str:
    """A metric for people: floats to 4 significant digits, lists and {name: value} pairs item by item."""
    if isinstance(v, float):
        return f"{v:.4g}"
    if isinstance(v, list):
        return "[" + ", ".join(format_value(x) for x in v) + "]"
    if isinstance(v, dict):
        return ", ".join(f"{k} = {format_value(x)}" for k, x in v.items())
    return str(v)


def format_seconds(seconds: float) -> str:
    """12.3 s, 4 min 05 s, 2 h 03 min."""
    if seconds < 60:
        return f"{seconds:.1f} s"
    if seconds < 3600:
        return f"{int(seconds // 60)} min {int(seconds % 60):02d} s"
    return f"{int(seconds // 3600)} h {int(seconds % 3600 // 60):02d} min"


@dataclass(frozen=True)
class ExperimentResult:
    """One run folder: its run.json (`meta`), claim verdicts and figures."""

    folder: Path
    meta: dict[str, Any]
    figures: list[dict[str, str]]

    @property
    def name(self) -> str:
        return str(self.meta.get("name", self.folder.name))

    @property
    def summary(self) -> str:
        return str(self.meta.get("summary", ""))

    @property
    def size(self) -> str | None:
        return runs.run_size(self.meta)

    @property
    def claims(self) -> list[dict[str, Any]]:
        return list(self.meta.get("claims", []))

    @property
    def counts(self) -> dict[str, int]:
        return claims_counts(self.claims)

    @property
    def headline(self) -> str:
        """ "3/4 reproduced (1 not significant)", "none checked (...)", or "no claims recorded"."""
        return claims_headline(self.claims) if self.claims else "no claims recorded"

    @property
    def verdict_class(self) -> str:
        """ "fail" when a checked claim failed (not reproduced, declaration error), else "weak" when one is not
        significant, else "ok" when some claim reproduced, else "skip" (nothing checked)."""
        counts = self.counts
        if counts[NOT_REPRODUCED] or counts[DECLARATION_ERROR]:
            return "fail"
        if counts[NOT_SIGNIFICANT]:
            return "weak"
        return "ok" if counts[REPRODUCED] else "skip"

    @property
    def figure(self) -> dict[str, str] | None:
        """The representative figure: the first one the run saved."""
        return self.figures[0] if self.figures else None

    @property
    def time(self) -> str:
        """ "12.3 s (CPU 11.9 s)", or "" when not recorded."""
        if "seconds" not in self.meta:
            return ""
        cpu = f" (CPU {format_seconds(self.meta['cpu_seconds'])})" if "cpu_seconds" in self.meta else ""
        return format_seconds(self.meta["seconds"]) + cpu


@dataclass(frozen=True)
class Results:
    """Every run folder of a results folder, sorted by name, and the experiments whose latest run failed."""

    root: Path
    experiments: list[ExperimentResult]
    failed: dict[str, str]

    @property
    def claims(self) -> list[dict[str, Any]]:
        return [v for e in self.experiments for v in e.claims]

    @property
    def headline(self) -> str:
        return claims_headline(self.claims)

    @property
    def sizes(self) -> dict[str, int]:
        """How many results are at each size ({size: count} for the sizes present)."""
        per = {size: sum(e.size == size for e in self.experiments) for size in SIZES}
        return {size: n for size, n in per.items() if n}

    @property
    def seeds(self) -> list[int]:
        return sorted({e.meta["seed"] for e in self.experiments if "seed" in e.meta})

    @property
    def seconds(self) -> float:
        return float(sum(e.meta.get("seconds", 0.0) for e in self.experiments))

    @property
    def cpu_seconds(self) -> float:
        return float(sum(e.meta.get("cpu_seconds", 0.0) for e in self.experiments))

    def period(self) -> tuple[datetime, datetime] | None:
        """(first start, last finish) of the runs in UTC; None when no run recorded when it finished."""
        ends = [
            (e.meta["finished"], e.meta.get("started", e.meta["finished"] - e.meta.get("seconds", 0.0)))
            for e in self.experiments
            if "finished" in e.meta
        ]
        if not ends:
            return None
        return (
            datetime.fromtimestamp(min(s for _, s in ends), UTC),
            datetime.fromtimestamp(max(f for f, _ in ends), UTC),
        )

    def machines(self) -> list[str]:
        """The distinct machines that ran the experiments, in words ("AMD EPYC 7B13, 2 CPUs, Linux-6.1, Python
        3.11.9, torch 2.13.0, cpu")."""
        seen: list[str] = []
        for e in self.experiments:
            m = e.meta.get("machine")
            if not m:
                continue
            words = [str(m.get("cpu", "?")), f"{m.get('cpus', '?')} CPUs", str(m.get("system", "?"))]
            words += [f"Python {m.get('python', '?')}", f"torch {m.get('torch', '?')}", str(m.get("device", "cpu"))]
            if m.get("accelerator"):
                words.append(str(m["accelerator"]))
            text = ", ".join(words)
            if text not in seen:
                seen.append(text)
        return seen


def read_results(folder: str | os.PathLike[str]) -> Results:
    """The results of FOLDER; ValueError when it does not exist or holds neither a result nor a failure, and
    `saddle.runs.RunFileError` (a ValueError) naming the file when one is damaged."""
    root = Path(folder)
    if not root.is_dir():
        raise ValueError(f"report folder {str(root)!r} does not exist")
    tour = runs.read_tour(root)
    experiments = [ExperimentResult(d, runs.read_run_meta(d), runs.read_figures(d)) for d in runs.result_folders(root)]
    failed = dict(tour.get("failed", {}))
    if not experiments and not failed:
        raise ValueError(f"no experiment results (sub-folders with metrics.json) in {str(root)!r}")
    return Results(root, experiments, failed)
