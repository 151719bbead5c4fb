"""The claims table of a results folder as Markdown (`saddle report DIR --markdown FILE`, the docs' Results page)."""

import json
import re

import pytest

from saddle import cli
from saddle.report import markdown_report, read_results
from saddle.report.results import format_seconds

MACHINE = {"cpu": "Test CPU", "cpus": 2, "system": "Linux-6.1", "python": "3.11.7", "torch": "2.13.0", "device": "cpu"}


def _verdict(name, status, measured=1.0, detail="", statement=None):
    return {
        "name": name,
        "statement": statement or f"statement {name}",
        "source": "seed 000, §1",
        "expected": f"{name} > 0",
        "measured": measured,
        "status": status,
        "detail": detail,
    }


def _run(root, name, claims, size="full", started=1_800_000_000.0, seconds=90.0, machine=MACHINE):
    d = root / name
    d.mkdir(parents=True)
    (d / "metrics.json").write_text("{}")
    meta = {
        "name": name,
        "summary": f"{name} summary",
        "seconds": seconds,
        "cpu_seconds": seconds * 0.9,
        "size": size,
        "seed": 0,
        "started": started,
        "finished": started + seconds,
        "claims": claims,
    }
    if machine is not None:
        meta["machine"] = machine
    (d / "run.json").write_text(json.dumps(meta))
    return d


def _cells(row):
    """The cells of a Markdown table row, split on the pipes that are not escaped."""
    return [c.strip() for c in re.split(r"(?<!\\)\|", row.strip())[1:-1]]


@pytest.fixture
def folder(tmp_path):
    root = tmp_path / "results-full"
    _run(root, "bilinear", [_verdict("gda", "reproduced"), _verdict("eg", "not reproduced", 0.5)])
    _run(
        root,
        "rates",
        [
            _verdict("slope", "not significant", {"mean": 0.9, "se": 0.2, "n": 5}, "mean − 2·SE = 0.5 vs 1"),
            _verdict("pipes", "reproduced", [1.5, 2.0], statement="|x| < 1 with *stars*, [brackets] and $5"),
            _verdict("later", "not checked at this size", None, "full size only: 200 epochs"),
        ],
        started=1_800_000_100.0,
        seconds=4000.0,
    )
    (root / "tour.json").write_text(json.dumps({"failed": {"robust_rl": "RuntimeError: diverged"}}))
    return root


def test_the_page_says_when_where_how_long_and_every_verdict(folder):
    page = markdown_report(folder, command="saddle report results-full --markdown docs/results.md")
    lines = page.splitlines()
    assert lines[0] == "# Results"
    assert (
        f"Generated from the run folders of `{folder}` by `saddle report results-full --markdown docs/results.md`."
        in page
    )
    assert "- **Claims of the notes:** 2/4 reproduced (1 not significant; 1 not checked at this size)" in lines
    assert "- **Runs:** 2 experiment(s), 2 at full size; seed(s) 0" in lines
    assert "- **When:** 2027-01-15 08:00 UTC to 2027-01-15 09:08 UTC" in lines  # first start to last finish
    assert "- **Machine:** Test CPU, 2 CPUs, Linux-6.1, Python 3.11.7, torch 2.13.0, cpu" in lines
    assert "- **Latest runs that failed:** robust\\_rl: RuntimeError: diverged" in lines
    table = lines[lines.index("| experiment | size | wall time | CPU time | claims |") + 2 :][:2]
    assert [_cells(r) for r in table] == [
        ["[`bilinear`](#bilinear)", "full", "1 min 30 s", "1 min 21 s", "1/2 reproduced"],
        [
            "[`rates`](#rates)",
            "full",
            "1 h 06 min",
            "1 h 00 min",
            "1/2 reproduced (1 not significant; 1 not checked at this size)",
        ],
    ]
    rows = [_cells(x) for x in lines if x.startswith("| ") and len(_cells(x)) == 6][1:]  # claim rows, header off
    rows = [r for r in rows if r[0] != "claim"]
    assert [r[0] for r in rows] == ["gda", "eg", "slope", "pipes", "later"]
    assert rows[1] == ["eg", "statement eg", "seed 000, §1", "`eg > 0`", "0.5", "**not reproduced**"]
    assert rows[2][4:] == ["mean = 0.9, se = 0.2, n = 5", "**not significant** — mean − 2·SE = 0.5 vs 1"]
    assert rows[3][1] == r"\|x\| &lt; 1 with \*stars\*, \[brackets\] and \$5"  # escaped: one cell, no markup
    assert rows[4][5] == "**not checked at this size** — full size only: 200 epochs"
    assert "### `bilinear`" in lines and "### `rates`" in lines


def test_the_markdown_renders_as_tables_with_the_links_resolved(folder):
    markdown = pytest.importorskip("markdown")
    html = markdown.markdown(markdown_report(folder), extensions=["tables", "toc"])
    assert html.count("<table>") == 3 and html.count("<tr>") == 3 + 3 + 4
    assert 'id="bilinear"' in html and 'href="#bilinear"' in html
    assert "<td>|x| &lt; 1 with *stars*, [brackets] and " in html  # the escapes give the literal text
    assert html.count("<em>") == 3  # the three statuses the note names, nothing from the cells


def test_runs_without_time_or_machine_say_not_recorded(tmp_path):
    d = _run(tmp_path, "old", [_verdict("c", "reproduced")], machine=None)
    meta = json.loads((d / "run.json").read_text())
    for key in ("started", "finished", "seconds", "cpu_seconds", "size"):
        del meta[key]
    (d / "run.json").write_text(json.dumps(meta))
    page = markdown_report(tmp_path)
    assert "- **When:** not recorded" in page and "- **Machine:** not recorded" in page
    assert "| [`old`](#old) | – | – | – | 1/1 reproduced |" in page
    assert "Generated from" not in page  # no command given


def test_results_read_the_folder_once_for_both_renderers(folder):
    results = read_results(folder)
    assert [e.name for e in results.experiments] == ["bilinear", "rates"]
    assert results.failed == {"robust_rl": "RuntimeError: diverged"} and results.sizes == {"full": 2}
    assert [e.verdict_class for e in results.experiments] == ["fail", "weak"]
    assert results.seconds == 4090.0 and results.cpu_seconds == pytest.approx(3681.0)
    assert [format_seconds(s) for s in (5.04, 65.0, 7322.0)] == ["5.0 s", "1 min 05 s", "2 h 02 min"]


def test_saddle_report_markdown_writes_the_file_or_standard_output(folder, tmp_path, capsys):
    target = tmp_path / "results.md"
    assert cli.main(["report", str(folder), "--markdown", str(target)]) == 0
    assert capsys.readouterr().out.strip() == str(target)
    text = target.read_text()
    assert text.startswith("# Results\n") and f"`saddle report {folder} --markdown {target}`" in text
    assert not (folder / "index.html").exists()  # the Markdown only
    assert cli.main(["report", str(folder), "--markdown", "-"]) == 0
    assert capsys.readouterr().out.startswith("# Results\n")
    assert cli.main(["report", str(folder), "--markdown", str(tmp_path / "no" / "x.md")]) == 2
    assert "must name a file in an existing folder" in capsys.readouterr().err
    assert cli.main(["report", str(tmp_path / "nope"), "--markdown", str(target)]) == 2
    assert "does not exist" in capsys.readouterr().err


def test_format_value_writes_metrics_for_people():
    from saddle.report import format_value

    assert format_value(0.123456) == "0.1235" and format_value([1.0, 2]) == "[1, 2]"
    assert format_value({"mean": 0.5, "se": 0.01, "n": 5}) == "mean = 0.5, se = 0.01, n = 5"
    assert format_value(True) == "True" and format_value("limit cycle") == "limit cycle"


def test_an_experiment_result_reads_its_run_json(folder):
    from saddle.report.results import ExperimentResult

    (bilinear, rates) = read_results(folder).experiments
    assert isinstance(bilinear, ExperimentResult) and bilinear.name == "bilinear" and bilinear.size == "full"
    assert bilinear.headline == "1/2 reproduced" and bilinear.figure is None
    assert bilinear.time == "1 min 30 s (CPU 1 min 21 s)" and rates.counts["not significant"] == 1
