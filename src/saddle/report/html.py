"""Build `index.html` from a folder of experiment runs (one sub-folder per experiment)."""

from __future__ import annotations

import html
import os
import tempfile
from pathlib import Path
from typing import Any

from saddle.claims import (
    DECLARATION_ERROR,
    NOT_CHECKED,
    NOT_MEASURED,
    NOT_REPRODUCED,
    NOT_SIGNIFICANT,
    REPRODUCED,
    SIZES,
    claims_counts,
    claims_summary,
)
from saddle.report.files import read_config, read_figures, read_metrics, read_run_meta, read_tour, run_size

WIDE_PX = 800  # figures wider than this (multi-panel) get the full page width

_CSS = """
body{font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;max-width:1180px;margin:2em auto;padding:0 1em;color:#222}
h1{border-bottom:2px solid #444}h2{margin-top:2.2em;border-bottom:1px solid #bbb}
table{border-collapse:collapse;font-size:0.9em;margin:0.6em 0}td,th{border:1px solid #ccc;padding:3px 8px;text-align:left;vertical-align:top}
th{background:#f2f2f2}table.claims{table-layout:fixed;width:100%}table.claims td{overflow-wrap:anywhere}figure{display:inline-block;margin:0.6em;max-width:540px;vertical-align:top}
figure.wide{display:block;max-width:100%;margin:0.6em 0}
figure img{max-width:100%;border:1px solid #ddd;cursor:zoom-in}figcaption{font-size:0.88em;color:#333}
.fail{color:#a00;font-weight:bold}.ok{color:#070}.skip{color:#777}.weak{color:#b35900;font-weight:bold}.meta{color:#555;font-size:0.9em}
details{margin:0.4em 0}
code{background:#f5f5f5;padding:0 3px}
"""


def _flatten(obj: Any, prefix: str = "") -> list[tuple[str, str]]:
    rows: list[tuple[str, str]] = []
    if isinstance(obj, dict):
        for k, v in obj.items():
            rows.extend(_flatten(v, f"{prefix}.{k}" if prefix else str(k)))
    elif isinstance(obj, list) and len(obj) > 8 and all(not isinstance(v, (dict, list)) for v in obj):
        shown = ", ".join(format_value(v) for v in obj[:4])
        rows.append((prefix, f"[{shown}, … ({len(obj)} values)]"))
    elif isinstance(obj, list) and any(isinstance(v, (dict, list)) for v in obj):
        for i, v in enumerate(obj):
            rows.extend(_flatten(v, f"{prefix}[{i}]"))
    else:
        rows.append((prefix, format_value(obj)))
    return rows


def format_value(v: Any) -> str:
    """A metric for people: floats to 4 significant digits, lists and {name: value} pairs item by item."""
    if isinstance(v, float):
        return f"{v:.4g}"
    if isinstance(v, list):
        return "[" + ", ".join(format_value(x) for x in v) + "]"
    if isinstance(v, dict):
        return ", ".join(f"{k} = {format_value(x)}" for k, x in v.items())
    return str(v)


def _png_width(path: Path) -> int:
    """Pixel width from a PNG header (0 when the file is missing or not a PNG)."""
    try:
        with open(path, "rb") as fh:
            head = fh.read(24)
    except OSError:
        return 0
    return int.from_bytes(head[16:24][:4], "big") if head[:8] == b"\x89PNG\r\n\x1a\n" else 0


def _figure(run: Path, fig: dict[str, str]) -> str:
    """A figure that opens full size on click; multi-panel (wide) figures take the whole page width."""
    src = html.escape(f"{run.name}/{fig['file']}")
    wide = ' class="wide"' if _png_width(run / fig["file"]) > WIDE_PX else ""
    caption = html.escape(fig["caption"])
    return (
        f'<figure{wide}><a href="{src}" target="_blank" title="open full size"><img src="{src}" alt="{caption}">'
        f"</a><figcaption>{caption}</figcaption></figure>"
    )


def _table(rows: list[tuple[str, str]], key: str = "metric") -> str:
    body = "".join(f"<tr><td><code>{html.escape(k)}</code></td><td>{html.escape(v)}</td></tr>" for k, v in rows)
    return f"<table><tr><th>{key}</th><th>value</th></tr>{body}</table>"


def _section(run: Path, meta: dict[str, Any]) -> str:
    metrics = read_metrics(run)
    config = read_config(run)
    figures = read_figures(run)
    name = html.escape(meta.get("name", run.name))
    parts = [f'<h2 id="{html.escape(run.name)}">{name}</h2>']
    if meta.get("summary"):
        parts.append(f"<p>{html.escape(meta['summary'])}</p>")
    info = []
    if meta.get("reproduces"):
        info.append(f"Reproduces: {html.escape(meta['reproduces'])}")
    if "seconds" in meta:
        cpu = f" (CPU {meta['cpu_seconds']:.1f} s)" if "cpu_seconds" in meta else ""
        info.append(f"time {meta['seconds']:.1f} s{cpu}")
    size = run_size(meta)
    if size is not None:
        info.append(f"{size} size")
    if "claims" in meta:
        n, m = claims_summary(meta["claims"])
        info.append(f'<a href="#claims-{html.escape(run.name)}">claims {n}/{m} reproduced</a>')
    if info:
        parts.append(f'<p class="meta">{" · ".join(info)}</p>')
    parts.extend(_figure(run, fig) for fig in figures)
    flat = _flatten(metrics)
    # long tables fold away so that the figures of the next experiment stay close
    parts.append(
        _table(flat)
        if len(flat) <= 16
        else f"<details><summary>metrics ({len(flat)} values)</summary>{_table(flat)}</details>"
    )
    parts.append(f"<details><summary>config</summary>{_table(_flatten(config), key='key')}</details>")
    return "\n".join(parts)


_STATUS_CLASS = {
    REPRODUCED: "ok",
    NOT_REPRODUCED: "fail",
    NOT_SIGNIFICANT: "weak",
    NOT_CHECKED: "skip",
    NOT_MEASURED: "skip",
    DECLARATION_ERROR: "fail",
}


def _claims_table(metas: list[tuple[Path, dict[str, Any]]]) -> str:
    """Every claim of every run: experiment, statement, source, expected, measured, verdict."""
    rows, verdicts = [], []
    for run, meta in metas:
        for i, v in enumerate(meta.get("claims", [])):
            verdicts.append(v)
            measured = html.escape(format_value(v.get("measured")))
            detail = f'<br><span class="meta">{html.escape(v["detail"])}</span>' if v.get("detail") else ""
            anchor = f' id="claims-{html.escape(run.name)}"' if i == 0 else ""  # ids are unique: first row only
            size = f" ({run_size(meta)})" if run_size(meta) else ""  # no label: size not recorded
            rows.append(
                f'<tr{anchor}><td><a href="#{html.escape(run.name)}">'
                f"{html.escape(run.name)}</a>{size}</td><td>{html.escape(v['statement'])}</td>"
                f"<td>{html.escape(v['source'])}</td><td><code>{html.escape(v['expected'])}</code></td>"
                f'<td>{measured}</td><td class="{_STATUS_CLASS.get(v["status"], "")}">'
                f"{html.escape(v['status'])}{detail}</td></tr>"
            )
    without = [run.name for run, meta in metas if not meta.get("claims")]
    n, m = claims_summary(verdicts)
    counts = claims_counts(verdicts)
    others = [f"{counts[s]} {s}" for s in counts if s != REPRODUCED and counts[s]]
    head = (
        f'<h2>Claims of the notes: {n}/{m} reproduced</h2><p class="meta">'
        + (f"Besides: {', '.join(others)} (the verdict column gives each reason)." if others else "")
        + (
            f" A claim {NOT_SIGNIFICANT} was checked and counts as not reproduced: its point value passes, its"
            " statistical test (mean ∓ k·SE, the number of samples, or the p-value) does not."
            if counts[NOT_SIGNIFICANT]
            else ""
        )
        + (f" No claims recorded for: {html.escape(', '.join(without))}." if without else "")
        + "</p>"
    )
    table = (
        '<table class="claims"><colgroup><col style="width:13%"><col style="width:27%"><col style="width:14%">'
        '<col style="width:18%"><col style="width:16%"><col style="width:12%"></colgroup>'
        "<tr><th>experiment</th><th>claim</th><th>source</th><th>expected</th><th>measured</th>"
        f"<th>verdict</th></tr>{''.join(rows)}</table>"
    )
    return head + table


def _header(metas: list[tuple[Path, dict[str, Any]]], tour: dict[str, Any]) -> str:
    """Rebuilt from the run folders present (never from a stale summary), plus failures of latest runs."""
    per_size = {size: sum(run_size(meta) == size for _, meta in metas) for size in SIZES}
    seconds = sum(meta.get("seconds", 0) for _, meta in metas)
    seeds = sorted({meta["seed"] for _, meta in metas if "seed" in meta})
    sizes = ", ".join(f"{count} at {size} size" for size, count in per_size.items() if count)
    parts = [
        f'<p class="meta">{len(metas)} experiment result(s)'
        + (f" ({sizes})" if sizes else "")
        + f"; run time {seconds:.1f} s in total"
        + (f"; seed{'s' if len(seeds) > 1 else ''} {', '.join(map(str, seeds))}" if seeds else "")
        + ".</p>"
    ]
    present = {run.name for run, _ in metas}
    failed = tour.get("failed", {})
    if failed:
        items = "".join(
            f'<li class="fail">{html.escape(k)}: the latest run failed: {html.escape(v)}'
            + (" (the result shown below is from an earlier run)" if k in present else "")
            + "</li>"
            for k, v in failed.items()
        )
        parts.append(f"<ul>{items}</ul>")
    return "".join(parts)


def write_report(folder: str | os.PathLike[str], title: str = "saddle report") -> Path:
    """Write FOLDER/index.html: the claims table, then every run sub-folder (those with a metrics.json).

    The header is rebuilt from the run folders present; failures come from tour.json's latest outcomes.
    A damaged result file raises `ReportFileError` (a ValueError) naming the file. Written atomically.
    """
    root = Path(folder)
    if not root.is_dir():
        raise ValueError(f"report folder {str(root)!r} does not exist")
    runs = sorted(
        p for p in root.iterdir() if p.is_dir() and not p.name.startswith(".") and (p / "metrics.json").is_file()
    )
    tour = read_tour(root)
    metas = [(r, read_run_meta(r)) for r in runs]
    if not runs and not tour.get("failed"):
        raise ValueError(f"no experiment results (sub-folders with metrics.json) in {str(root)!r}")
    body = [f"<h1>{html.escape(title)}</h1>", _header(metas, tour)]
    toc = "".join(f'<li><a href="#{html.escape(r.name)}">{html.escape(r.name)}</a></li>' for r in runs)
    body.append(_claims_table(metas))
    body.append(f"<h2>Experiments</h2><ul>{toc}</ul>")
    body.extend(_section(r, meta) for r, meta in metas)
    page = (
        f'<!doctype html><html><head><meta charset="utf-8"><title>{html.escape(title)}</title>'
        f"<style>{_CSS}</style></head><body>{''.join(body)}</body></html>"
    )
    target = root / "index.html"
    fd, tmp = tempfile.mkstemp(dir=root, prefix=".index-", suffix=".html")
    try:
        with os.fdopen(fd, "w") as fh:
            fh.write(page)
        mask = os.umask(0)
        os.umask(mask)
        os.chmod(tmp, 0o666 & ~mask)  # mkstemp creates 0600; a report is meant to be shared
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return target
