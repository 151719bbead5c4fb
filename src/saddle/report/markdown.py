"""A results folder's claims table as Markdown: the docs' Results page (`saddle report DIR --markdown FILE`).

The page says when and on what the runs ran, each experiment's size, time and verdict, and every claim's
verdict with what was expected and measured. It is generated whole, so that regenerating it from a later
run replaces it.
"""

from __future__ import annotations

import os
import re

from saddle.report.results import ExperimentResult, Results, format_seconds, format_value, read_results

__all__ = ["markdown_report"]

_SPECIAL = re.compile(r"([\\`*_\[\]|$])")  # inline markup, table cells and math ($, arithmatex)


def _text(value: str) -> str:
    """Plain text in a Markdown line or table cell: inline markup escaped, "<" as an entity, one line."""
    return _SPECIAL.sub(r"\\\1", " ".join(value.split())).replace("<", "&lt;")


def _code(value: str) -> str:
    """Text shown as code in a table cell (a pipe still ends the cell, so it is escaped)."""
    value = " ".join(value.split()).replace("|", "\\|")
    fence = "``" if "`" in value else "`"
    return f"{fence} {value} {fence}" if fence == "``" else f"`{value}`"


def _experiment_row(e: ExperimentResult) -> str:
    cpu = format_seconds(e.meta["cpu_seconds"]) if "cpu_seconds" in e.meta else "–"
    wall = format_seconds(e.meta["seconds"]) if "seconds" in e.meta else "–"
    return f"| [{_code(e.name)}](#{_anchor(e)}) | {e.size or '–'} | {wall} | {cpu} | {_text(e.headline)} |"


def _anchor(e: ExperimentResult) -> str:
    """The id MkDocs (Python-Markdown's toc) gives the experiment's heading: its name, lower case."""
    return re.sub(r"[^\w-]+", "-", e.name.lower()).strip("-")


def _measured(value: object) -> str:
    return "–" if value is None else _text(format_value(value))


def _claim_rows(e: ExperimentResult) -> list[str]:
    rows = []
    for v in e.claims:
        detail = f" — {_text(v['detail'])}" if v.get("detail") else ""
        rows.append(
            f"| {_text(v['name'])} | {_text(v['statement'])} | {_text(v['source'])} | {_code(v['expected'])} | "
            f"{_measured(v.get('measured'))} | **{_text(v['status'])}**{detail} |"
        )
    return rows


def _when(results: Results) -> str:
    period = results.period()
    if period is None:
        return "not recorded"
    start, end = (t.strftime("%Y-%m-%d %H:%M UTC") for t in period)
    return start if start == end else f"{start} to {end}"


def markdown_report(folder: str | os.PathLike[str], command: str | None = None, title: str = "Results") -> str:
    """The results of FOLDER as one Markdown page: when and where they ran, per experiment its size, wall and
    CPU time and verdict, then every claim (statement, source, expected, measured, verdict with its reason).
    `command` (the command that regenerates the page) is quoted at its top."""
    results = read_results(folder)
    sizes = ", ".join(f"{n} at {size} size" for size, n in results.sizes.items()) or "sizes not recorded"
    seeds = ", ".join(map(str, results.seeds)) or "not recorded"
    machines = results.machines()
    lines = [f"# {title}", ""]
    if command:
        lines += [f"Generated from the run folders of `{folder}` by `{command}`.", ""]
    lines += [
        f"- **Claims of the notes:** {_text(results.headline)}",
        f"- **Runs:** {len(results.experiments)} experiment(s), {sizes}; seed(s) {seeds}",
        f"- **When:** {_when(results)}",
        f"- **Machine:** {_text('; '.join(machines)) if machines else 'not recorded'}",
        f"- **Time:** {format_seconds(results.seconds)} of wall time, {format_seconds(results.cpu_seconds)} of CPU "
        "time in total (the experiments' own, summed)",
    ]
    if results.failed:
        failures = "; ".join(f"{_text(k)}: {_text(v)}" for k, v in results.failed.items())
        lines.append(f"- **Latest runs that failed:** {failures}")
    lines += [
        "",
        "## Experiments",
        "",
        "| experiment | size | wall time | CPU time | claims |",
        "|---|---|---|---|---|",
        *(_experiment_row(e) for e in results.experiments),
        "",
        "## Every claim",
        "",
        "A claim *not significant* was checked and counts as not reproduced: its point value passes, its statistical "
        "test (mean ∓ k·SE, the number of samples, or the p-value) does not. *Not checked at this size* and *not "
        "measured in this run* count in neither number.",
    ]
    for e in results.experiments:
        lines += ["", f"### {_code(e.name)}", ""]
        meta = " · ".join(x for x in (f"{e.size} size" if e.size else "", e.time, e.headline) if x)
        lines += [_text(meta), ""]
        if e.claims:
            lines += [
                "| claim | statement | source | expected | measured | verdict |",
                "|---|---|---|---|---|---|",
                *_claim_rows(e),
            ]
        else:
            lines.append("No claims recorded.")
    return "\n".join(lines) + "\n"
