"""Build `index.html` from a folder of experiment runs (one sub-folder per experiment)."""

from __future__ import annotations

import html
import json
import os
import tempfile
from pathlib import Path
from typing import Any

_CSS = """
body{font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;max-width:1180px;margin:2em auto;padding:0 1em;color:#222}
h1{border-bottom:2px solid #444}h2{margin-top:2.2em;border-bottom:1px solid #bbb}
table{border-collapse:collapse;font-size:0.9em;margin:0.6em 0}td,th{border:1px solid #ccc;padding:3px 8px;text-align:left;vertical-align:top}
th{background:#f2f2f2}figure{display:inline-block;margin:0.6em;max-width:540px;vertical-align:top}
figure img{max-width:100%;border:1px solid #ddd}figcaption{font-size:0.88em;color:#333}
.fail{color:#a00;font-weight:bold}.meta{color:#555;font-size:0.9em}details{margin:0.4em 0}
code{background:#f5f5f5;padding:0 3px}
"""


def _flatten(obj: Any, prefix: str = "") -> list[tuple[str, str]]:
    rows: list[tuple[str, str]] = []
    if isinstance(obj, dict):
        for k, v in obj.items():
            rows.extend(_flatten(v, f"{prefix}.{k}" if prefix else str(k)))
    elif isinstance(obj, list) and len(obj) > 8 and all(not isinstance(v, (dict, list)) for v in obj):
        shown = ", ".join(_fmt(v) for v in obj[:4])
        rows.append((prefix, f"[{shown}, … ({len(obj)} values)]"))
    elif isinstance(obj, list) and any(isinstance(v, (dict, list)) for v in obj):
        for i, v in enumerate(obj):
            rows.extend(_flatten(v, f"{prefix}[{i}]"))
    else:
        rows.append((prefix, _fmt(obj)))
    return rows


def _fmt(v: Any) -> str:
    if isinstance(v, float):
        return f"{v:.4g}"
    if isinstance(v, list):
        return "[" + ", ".join(_fmt(x) for x in v) + "]"
    return str(v)


def _read_json(path: Path) -> Any:
    try:
        return json.loads(path.read_text())
    except (OSError, ValueError):
        return None


def _section(run: Path) -> str:
    meta = _read_json(run / "run.json") or {}
    metrics = _read_json(run / "metrics.json") or {}
    config = _read_json(run / "config.json") or {}
    figures = _read_json(run / "figures.json") or []
    name = html.escape(meta.get("name", run.name))
    parts = [f'<h2 id="{name}">{name}</h2>']
    if meta.get("summary"):
        parts.append(f"<p>{html.escape(meta['summary'])}</p>")
    info = []
    if meta.get("reproduces"):
        info.append(f"Reproduces: {html.escape(meta['reproduces'])}")
    if "seconds" in meta:
        info.append(f"time {meta['seconds']:.1f} s")
    if "quick" in meta:
        info.append("quick size" if meta["quick"] else "full size")
    if info:
        parts.append(f'<p class="meta">{" · ".join(info)}</p>')
    for fig in figures:
        src = html.escape(f"{run.name}/{fig['file']}")
        parts.append(f'<figure><img src="{src}" alt="{html.escape(fig["caption"])}">'
                     f"<figcaption>{html.escape(fig['caption'])}</figcaption></figure>")
    flat = _flatten(metrics)
    rows = "".join(f"<tr><td><code>{html.escape(k)}</code></td><td>{html.escape(v)}</td></tr>" for k, v in flat)
    table = f"<table><tr><th>metric</th><th>value</th></tr>{rows}</table>"
    # long tables fold away so that the figures of the next experiment stay close
    parts.append(table if len(flat) <= 16 else
                 f"<details><summary>metrics ({len(flat)} values)</summary>{table}</details>")
    crow = "".join(f"<tr><td><code>{html.escape(k)}</code></td><td>{html.escape(v)}</td></tr>" for k, v in _flatten(config))
    parts.append(f"<details><summary>config</summary><table>{crow}</table></details>")
    return "\n".join(parts)


def write_report(folder: str | os.PathLike[str], title: str = "saddle report") -> Path:
    """Write FOLDER/index.html covering every run sub-folder (those with a metrics.json) and the tour summary.

    Returns the path of the written page. The page is written atomically.
    """
    root = Path(folder)
    if not root.is_dir():
        raise ValueError(f"report folder {str(root)!r} does not exist")
    runs = sorted(p for p in root.iterdir() if p.is_dir() and (p / "metrics.json").is_file())
    tour = _read_json(root / "tour.json") or {}
    failed = tour.get("failed", {})
    if not runs and not failed:
        raise ValueError(f"no experiment results (sub-folders with metrics.json) in {str(root)!r}")
    body = [f"<h1>{html.escape(title)}</h1>"]
    if tour:
        body.append(f'<p class="meta">{len(tour.get("succeeded", []))} experiments succeeded, {len(failed)} failed; '
                    f'total time {tour.get("seconds", 0):.1f} s; seed {tour.get("seed", "?")}; '
                    f'{"quick" if tour.get("quick") else "full"} sizes.</p>')
    if failed:
        items = "".join(f'<li class="fail">{html.escape(k)}: {html.escape(v)}</li>' for k, v in failed.items())
        body.append(f"<ul>{items}</ul>")
    toc = "".join(f'<li><a href="#{html.escape(r.name)}">{html.escape(r.name)}</a></li>' for r in runs)
    body.append(f"<ul>{toc}</ul>")
    body.extend(_section(r) for r in runs)
    page = f'<!doctype html><html><head><meta charset="utf-8"><title>{html.escape(title)}</title><style>{_CSS}</style></head><body>{"".join(body)}</body></html>'
    target = root / "index.html"
    fd, tmp = tempfile.mkstemp(dir=root, prefix=".index-", suffix=".html")
    with os.fdopen(fd, "w") as fh:
        fh.write(page)
    os.replace(tmp, target)
    return target
