"""Build `index.html` from a folder of experiment runs (one sub-folder per experiment).

The page reads at a glance: a summary first (the claims' headline, then one card per experiment with its verdict
N/M and the statuses, its representative figure as a thumbnail, its size and time), then every claim in one
collapsible table per experiment (a check box keeps only the claims that did not reproduce), then each
experiment's figures, metrics and config. Plain HTML and CSS, no script and no external file: the page works
offline, next to the run folders whose figures it shows.
"""

from __future__ import annotations

import html
import os
from pathlib import Path
from typing import Any

from saddle import runs
from saddle.atomic import atomic_write
from saddle.claims import DECLARATION_ERROR, NOT_REPRODUCED, NOT_SIGNIFICANT, REPRODUCED, STATUSES
from saddle.report.results import STATUS_CLASS, ExperimentResult, Results, format_value, read_results

WIDE_PX = 800  # figures wider than this (multi-panel) get the full page width

_CSS = """
body{font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;max-width:1360px;margin:1.2em auto;padding:0 1em;color:#222}
h1{border-bottom:2px solid #444;margin-bottom:0.3em}h2{margin-top:2em;border-bottom:1px solid #bbb}
table{border-collapse:collapse;font-size:0.9em;margin:0.6em 0}td,th{border:1px solid #ccc;padding:3px 8px;text-align:left;vertical-align:top}
th{background:#f2f2f2}table.claims{table-layout:fixed;width:100%}table.claims td{overflow-wrap:anywhere}
figure{display:inline-block;margin:0.6em;max-width:540px;vertical-align:top}figure.wide{display:block;max-width:100%;margin:0.6em 0}
figure img{max-width:100%;height:auto;border:1px solid #ddd;cursor:zoom-in}figcaption{font-size:0.88em;color:#333}
.fail{color:#a00;font-weight:bold}.ok{color:#070}.skip{color:#777}.weak{color:#b35900;font-weight:bold}.meta{color:#555;font-size:0.9em}
details{margin:0.4em 0}summary{cursor:pointer}code{background:#f5f5f5;padding:0 3px}
.headline{font-size:1.25em;margin:0.4em 0}
.chip{display:inline-block;padding:0 7px;border-radius:9px;font-size:0.8em;margin:1px 3px 1px 0;font-weight:normal;white-space:nowrap}
.chip.ok{background:#e2f3e2;color:#0a5a0a}.chip.fail{background:#fbe0e0;color:#9a0000}.chip.weak{background:#fdecd2;color:#8a4600}.chip.skip{background:#ececec;color:#555}
.cards{display:grid;grid-template-columns:repeat(auto-fill,minmax(255px,1fr));gap:10px;margin:0.8em 0}
a.card{display:flex;flex-direction:column;border:1px solid #ccc;border-left:6px solid #a0a0a0;border-radius:5px;padding:6px 8px;color:inherit;text-decoration:none;background:#fff}
a.card:hover{box-shadow:0 1px 5px rgba(0,0,0,0.25)}
a.card.ok{border-left-color:#2e8b2e}a.card.fail{border-left-color:#c00}a.card.weak{border-left-color:#d98200}a.card.skip{border-left-color:#aaa}
.card .top{display:flex;justify-content:space-between;align-items:baseline;gap:6px}
.card .name{font-weight:600}.card .score{font-weight:600;white-space:nowrap}.card .meta{font-size:0.82em}
.card img,.card .noimg{width:100%;height:150px;object-fit:contain;margin:4px 0;background:#fafafa}
.card .noimg{display:flex;align-items:center;justify-content:center;color:#888;font-size:0.85em}
.card .what{font-size:0.8em;color:#444;display:-webkit-box;-webkit-line-clamp:2;-webkit-box-orient:vertical;overflow:hidden}
.filter{margin:0.6em 0;font-size:0.95em}.problems{margin:0.3em 0}.problems a{margin-right:0.8em}
details.exp>summary{font-size:1.02em;padding:2px 0}
body:has(#only-failures:checked) tr.st-ok,body:has(#only-failures:checked) tr.st-skip,body:has(#only-failures:checked) details.exp.clean{display:none}
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
        f'<figure{wide}><a href="{src}" target="_blank" title="open full size"><img src="{src}" alt="{caption}" '
        f'loading="lazy"></a><figcaption>{caption}</figcaption></figure>'
    )


def _table(rows: list[tuple[str, str]], key: str = "metric") -> str:
    body = "".join(f"<tr><td><code>{html.escape(k)}</code></td><td>{html.escape(v)}</td></tr>" for k, v in rows)
    return f"<table><tr><th>{key}</th><th>value</th></tr>{body}</table>"


def _chips(counts: dict[str, int]) -> str:
    """One coloured count per status present: "3 reproduced", "1 not significant", ..."""
    return "".join(
        f'<span class="chip {STATUS_CLASS[s]}">{counts[s]} {html.escape(s)}</span>' for s in STATUSES if counts[s]
    )


def _section(e: ExperimentResult) -> str:
    metrics = runs.read_metrics(e.folder)
    config = runs.read_config(e.folder)
    name = html.escape(e.folder.name)
    parts = [f'<h2 id="{name}">{html.escape(e.name)}</h2>']
    if e.summary:
        parts.append(f"<p>{html.escape(e.summary)}</p>")
    info = []
    if e.meta.get("reproduces"):
        info.append(f"Reproduces: {html.escape(e.meta['reproduces'])}")
    if e.time:
        info.append(f"time {e.time}")
    if e.size is not None:
        info.append(f"{e.size} size")
    if e.claims:
        info.append(f'<a href="#claims-{name}">claims {html.escape(e.headline)}</a>')
    if info:
        parts.append(f'<p class="meta">{" · ".join(info)}</p>')
    parts.extend(_figure(e.folder, fig) for fig in e.figures)
    flat = _flatten(metrics)
    # long tables fold away so that the figures of the next experiment stay close
    parts.append(
        _table(flat)
        if len(flat) <= 16
        else f"<details><summary>metrics ({len(flat)} values)</summary>{_table(flat)}</details>"
    )
    parts.append(f"<details><summary>config</summary>{_table(_flatten(config), key='key')}</details>")
    return "\n".join(parts)


def _card(e: ExperimentResult) -> str:
    """The experiment at a glance: name and verdict, its first figure as a thumbnail, statuses, size and time."""
    name = html.escape(e.folder.name)
    n_m = e.headline.split(" ", 1)[0] if e.claims and "/" in e.headline.split(" ", 1)[0] else "–"
    if e.figure is not None:
        src = html.escape(f"{e.folder.name}/{e.figure['file']}")
        thumb = f'<img src="{src}" alt="{html.escape(e.figure["caption"])}">'
    else:
        thumb = '<div class="noimg">no figure</div>'
    chips = _chips(e.counts) or '<span class="chip skip">no claims</span>'
    size = f"{e.size} size" if e.size else "size not recorded"
    when = " · ".join(x for x in (size, e.time) if x)
    breakable = html.escape(e.name).replace("_", "_<wbr>")  # long names wrap at their underscores
    return (
        f'<a class="card {e.verdict_class}" href="#{name}" title="{html.escape(e.summary)}">'
        f'<div class="top"><span class="name">{breakable}</span>'
        f'<span class="score {e.verdict_class}" title="claims reproduced / checked">{n_m}</span></div>'
        f"{thumb}<div>{chips}</div>"
        f'<div class="meta">{html.escape(when)}</div><div class="what">{html.escape(e.summary)}</div></a>'
    )


def _header(results: Results) -> str:
    """Rebuilt from the run folders present (never from a stale summary), plus failures of latest runs."""
    sizes = ", ".join(f"{count} at {size} size" for size, count in results.sizes.items())
    seeds = results.seeds
    parts = [
        f'<p class="meta">{len(results.experiments)} experiment result(s)'
        + (f" ({sizes})" if sizes else "")
        + f"; run time {results.seconds:.1f} s in total"
        + (f"; seed{'s' if len(seeds) > 1 else ''} {', '.join(map(str, seeds))}" if seeds else "")
        + "."
        + (f" Machine: {html.escape('; '.join(results.machines()))}." if results.machines() else "")
        + "</p>"
    ]
    present = {e.folder.name for e in results.experiments}
    if results.failed:
        items = "".join(
            f'<li class="fail">{html.escape(k)}: the latest run failed: {html.escape(v)}'
            + (" (the result shown below is from an earlier run)" if k in present else "")
            + "</li>"
            for k, v in results.failed.items()
        )
        parts.append(f"<ul>{items}</ul>")
    return "".join(parts)


def _problems(results: Results) -> str:
    """Links to the experiments with a claim that did not reproduce, each with how many, failures first."""
    bad = [e for e in results.experiments if e.verdict_class in ("fail", "weak")]
    bad.sort(key=lambda e: e.verdict_class != "fail")
    if not bad:
        return ""
    links = "".join(
        f'<a class="{e.verdict_class}" href="#claims-{html.escape(e.folder.name)}">{html.escape(e.name)} '
        f"({e.counts[NOT_REPRODUCED] + e.counts[DECLARATION_ERROR] + e.counts[NOT_SIGNIFICANT]})</a>"
        for e in bad
    )
    return f'<p class="problems">Did not reproduce: {links}</p>'


def _summary(results: Results) -> str:
    counts = {s: sum(e.counts[s] for e in results.experiments) for s in STATUSES}
    return (
        f'<p class="headline">Claims of the notes: <b>{html.escape(results.headline)}</b> '
        f'<a href="#claims">(every claim)</a></p><div>{_chips(counts)}</div>'
        + _problems(results)
        + _header(results)
        + f'<div class="cards">{"".join(_card(e) for e in results.experiments)}</div>'
    )


def _claim_row(v: dict[str, Any]) -> str:
    status_class = STATUS_CLASS.get(v["status"], "")
    measured = "–" if v.get("measured") is None else html.escape(format_value(v["measured"]))
    detail = f'<br><span class="meta">{html.escape(v["detail"])}</span>' if v.get("detail") else ""
    return (
        f'<tr class="st-{status_class}"><td><code>{html.escape(v["name"])}</code></td>'
        f"<td>{html.escape(v['statement'])}</td><td>{html.escape(v['source'])}</td>"
        f"<td><code>{html.escape(v['expected'])}</code></td><td>{measured}</td>"
        f'<td class="{status_class}">{html.escape(v["status"])}{detail}</td></tr>'
    )


_COLUMNS = (
    '<colgroup><col style="width:13%"><col style="width:27%"><col style="width:14%"><col style="width:18%">'
    '<col style="width:16%"><col style="width:12%"></colgroup><tr><th>claim</th><th>statement</th><th>source</th>'
    "<th>expected</th><th>measured</th><th>verdict</th></tr>"
)


def _claims_table(results: Results) -> str:
    """Every claim of every run, one collapsible table per experiment (open when a claim did not reproduce)."""
    counts = {s: sum(e.counts[s] for e in results.experiments) for s in STATUSES}
    others = [f"{counts[s]} {s}" for s in STATUSES if s != REPRODUCED and counts[s]]
    without = [e.folder.name for e in results.experiments if not e.claims]
    n_m = results.headline.split(" (", 1)[0]
    head = (
        f'<h2 id="claims">Claims of the notes: {html.escape(n_m)}</h2><p class="meta">'
        + (f"Besides: {', '.join(others)} (the verdict column gives each reason)." if others else "")
        + (
            f" A claim {NOT_SIGNIFICANT} was checked and counts as not reproduced: its point value passes, its"
            " statistical test (mean ∓ k·SE, the number of samples, or the p-value) does not."
            if counts[NOT_SIGNIFICANT]
            else ""
        )
        + (f" No claims recorded for: {html.escape(', '.join(without))}." if without else "")
        + "</p>"
        + '<p class="filter"><label><input type="checkbox" id="only-failures"> show only the claims that did not'
        " reproduce (not reproduced, not significant, declaration error)</label></p>"
    )
    blocks = []
    for e in results.experiments:
        if not e.claims:
            continue
        name = html.escape(e.folder.name)
        opened = " open" if e.verdict_class in ("fail", "weak") else ""
        clean = " clean" if e.verdict_class in ("ok", "skip") else ""
        rows = "".join(_claim_row(v) for v in e.claims)
        size = f" ({e.size} size)" if e.size else ""  # no label: size not recorded
        blocks.append(
            f'<details class="exp{clean}" id="claims-{name}"{opened}><summary><b>{name}</b>{size} — '
            f"{html.escape(e.headline)} {_chips(e.counts)} "
            f'<a href="#{name}" title="figures, metrics and config">figures</a></summary>'
            f'<table class="claims">{_COLUMNS}{rows}</table></details>'
        )
    return head + "".join(blocks)


def write_report(folder: str | os.PathLike[str], title: str = "saddle report") -> Path:
    """Write FOLDER/index.html: the summary and the claims table, then every run sub-folder (those with a
    metrics.json).

    The header is rebuilt from the run folders present; failures come from tour.json's latest outcomes.
    A damaged result file raises `saddle.runs.RunFileError` (a ValueError) naming the file. Written atomically.
    """
    results = read_results(folder)
    toc = "".join(
        f'<li><a href="#{html.escape(e.folder.name)}">{html.escape(e.folder.name)}</a></li>'
        for e in results.experiments
    )
    body = [f"<h1>{html.escape(title)}</h1>", _summary(results), _claims_table(results)]
    body.append(f"<h2>Experiments</h2><ul>{toc}</ul>")
    body.extend(_section(e) for e in results.experiments)
    page = (
        f'<!doctype html><html lang="en"><head><meta charset="utf-8">'
        f'<meta name="viewport" content="width=device-width, initial-scale=1"><title>{html.escape(title)}</title>'
        f"<style>{_CSS}</style></head><body>{''.join(body)}</body></html>"
    )
    return atomic_write(results.root / "index.html", lambda tmp: tmp.write_text(page, encoding="utf-8"))
