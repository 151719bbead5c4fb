"""The HTML report from hand-made run folders: claims table, header from the folders, figures, permissions."""

import json
import os
import stat

import matplotlib.pyplot as plt
import pytest

from saddle.report import write_report
from saddle.runs import RunFileError, read_figures, read_run_meta, read_times, read_tour, run_size


def _verdict(name, status, measured=1.0, detail=""):
    return {
        "name": name,
        "statement": f"statement {name}",
        "source": "seed 000, §1",
        "expected": f"{name} > 0",
        "measured": measured,
        "status": status,
        "detail": detail,
    }


def _run(root, name, size="quick", claims=(), seconds=1.5, seed=0, figures=()):
    d = root / name
    (d / "figures").mkdir(parents=True)
    (d / "metrics.json").write_text(json.dumps({"x": 1.0}))
    (d / "config.json").write_text(json.dumps({"seed": seed}))
    (d / "run.json").write_text(
        json.dumps(
            {
                "name": name,
                "summary": f"{name} summary",
                "seconds": seconds,
                "cpu_seconds": seconds / 2,
                "size": size,
                "seed": seed,
                "claims": list(claims),
            }
        )
    )
    entries = []
    for fname, size in figures:
        fig = plt.figure(figsize=size)
        fig.savefig(d / "figures" / f"{fname}.png", dpi=110)
        plt.close(fig)
        entries.append({"file": f"figures/{fname}.png", "caption": f"caption {fname}"})
    (d / "figures.json").write_text(json.dumps(entries))
    return d


def test_claims_table_counts_and_lists_every_claim_first(tmp_path):
    _run(tmp_path, "a", claims=[_verdict("c1", "reproduced"), _verdict("c2", "not reproduced", 0.3)])
    _run(
        tmp_path,
        "b",
        size="default",
        claims=[
            _verdict("c3", "not checked at this size", detail="full size only: the paper's 200 epochs"),
            _verdict("c4", "declaration error", None, "metric 'q' is missing"),
            _verdict("c5", "not significant", {"mean": 0.1, "se": 0.2, "n": 5}, "mean − 2·SE = -0.3 vs 0"),
        ],
    )
    _run(tmp_path, "c", size="full")
    page = write_report(tmp_path).read_text()
    assert "Claims of the notes: 1/4 reproduced" in page  # not-checked claims count in neither
    assert (
        "Besides: 1 not reproduced, 1 not significant, 1 declaration error, 1 not checked at this size" in page
    ) and "No claims recorded for: c." in page
    assert "A claim not significant was checked and counts as not reproduced" in page
    assert page.index("Claims of the notes") < page.index('<h2 id="a">')
    for text in (
        "statement c1",
        "statement c4",
        "metric &#x27;q&#x27; is missing",
        "full size only: the paper&#x27;s 200 epochs",
        "<b>a</b> (quick size)",
        "<b>b</b> (default size)",
        '<td class="fail">not reproduced',
        '<td class="weak">not significant',
        "mean = 0.1, se = 0.2, n = 5",
        '<td class="ok">reproduced',
        "time 1.5 s (CPU 0.8 s) · quick size",
        "full size",
    ):
        assert text in page, text
    assert page.count('id="claims-a"') == 1  # anchors stay unique


def test_header_comes_from_the_folders_present_not_a_stale_tour(tmp_path):
    _run(tmp_path, "a", seconds=2.0, seed=3)
    _run(tmp_path, "b", size="full", seconds=3.0, seed=4)
    (tmp_path / "tour.json").write_text(
        json.dumps({"failed": {"gone": "RuntimeError: old"}, "succeeded": {"x": 1}, "seconds": 999.0, "quick": True})
    )
    page = write_report(tmp_path).read_text()
    assert "2 experiment result(s) (1 at quick size, 1 at full size); run time 5.0 s in total; seeds 3, 4." in page
    assert "gone: the latest run failed: RuntimeError: old" in page and "999" not in page
    (tmp_path / ".a-123-xyz").mkdir()  # a run in progress is not a result
    (tmp_path / ".a-123-xyz" / "metrics.json").write_text("{}")
    assert '<h2 id=".a-123-xyz">' not in write_report(tmp_path).read_text()


def test_figures_link_to_the_full_size_image_and_wide_ones_span_the_page(tmp_path):
    _run(tmp_path, "a", figures=[("wide", (12, 3)), ("small", (4, 3))])
    page = write_report(tmp_path).read_text()
    assert '<figure class="wide"><a href="a/figures/wide.png" target="_blank"' in page
    assert '<figure><a href="a/figures/small.png" target="_blank"' in page


def test_the_page_gets_the_usual_permissions(tmp_path):
    _run(tmp_path, "a")
    old = os.umask(0o022)
    try:
        page = write_report(tmp_path)
    finally:
        os.umask(old)
    assert stat.S_IMODE(page.stat().st_mode) == 0o644
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".index-")] == []


def test_readers_accept_absent_optional_files(tmp_path):
    d = tmp_path / "a"
    d.mkdir()
    assert read_run_meta(d) == {} and read_figures(d) == [] and read_tour(tmp_path) == {}


@pytest.mark.parametrize(
    "content, message",
    [
        ('{"quick": "yes"}', '"quick" must be a boolean, got a string'),
        ('{"size": 1}', '"size" must be a string, got an integer'),
        ('{"size": "huge"}', "\"size\" must be one of quick, default, full, got 'huge'"),
        ('{"cpu_seconds": "1"}', '"cpu_seconds" must be a number, got a string'),
        ('{"seed": 1.5}', '"seed" must be an integer, got a number'),
        ('{"seed": true}', '"seed" must be an integer, got a boolean'),
        ('{"seconds": true}', '"seconds" must be a number, got a boolean'),
        ('{"claims": {}}', '"claims" must be a list, got an object'),
        (
            '{"claims": [{"name": "c", "statement": "s", "source": "x", "expected": "e"}]}',
            "claims[0].status must be a string, got null",
        ),
    ],
)
def test_run_meta_types_are_checked(tmp_path, content, message):
    (tmp_path / "run.json").write_text(content)
    with pytest.raises(RunFileError, match="run.json: " + message.replace("[", r"\[").replace("]", r"\]")):
        read_run_meta(tmp_path)


def test_missing_folder_and_empty_folder_are_value_errors(tmp_path):
    with pytest.raises(ValueError, match="does not exist"):
        write_report(tmp_path / "nope")
    with pytest.raises(ValueError, match="no experiment results"):
        write_report(tmp_path)


def test_runs_written_before_three_sizes_still_say_their_size(tmp_path):
    assert run_size({"size": "full", "quick": True}) == "full"
    assert run_size({"quick": True}) == "quick"
    assert run_size({"quick": False}) == "default"  # the config defaults, which are the default size
    assert run_size({}) is None
    d = _run(tmp_path, "old", claims=[_verdict("c1", "reproduced")])
    meta = json.loads((d / "run.json").read_text())
    del meta["size"]
    (d / "run.json").write_text(json.dumps({**meta, "quick": False}))
    page = write_report(tmp_path).read_text()
    assert "<b>old</b> (default size)" in page and "1 experiment result(s) (1 at default size)" in page


@pytest.mark.parametrize(
    "content, message",
    [
        ("[]", "the file must be an object, got a list"),
        ('{"a": {"huge": {"seconds": 1}}}', "a.huge is not a size"),
        ('{"a": {"quick": {"seconds": "1"}}}', "a.quick.seconds must be a number, got a string"),
        ('{"a": []}', "a must be an object"),
    ],
)
def test_times_are_read_strictly(tmp_path, content, message):
    assert read_times(tmp_path) == {}
    (tmp_path / "times.json").write_text(content)
    with pytest.raises(RunFileError, match="times.json: " + message):
        read_times(tmp_path)
    (tmp_path / "times.json").write_text('{"a": {"quick": {"seconds": 1.5, "cpu_seconds": 1}}}')
    assert read_times(tmp_path) == {"a": {"quick": {"seconds": 1.5, "cpu_seconds": 1}}}


def test_the_page_opens_with_a_summary_card_per_experiment_then_the_claims_by_experiment(tmp_path):
    _run(
        tmp_path,
        "a",
        claims=[_verdict("c1", "reproduced"), _verdict("c2", "not reproduced", 0.3)],
        figures=[("first", (4, 3)), ("second", (4, 3))],
    )
    _run(tmp_path, "b", size="default", seconds=125.0, claims=[_verdict("c3", "reproduced")])
    _run(tmp_path, "c", claims=[_verdict("c4", "not significant", {"mean": 0.1, "se": 0.2, "n": 5})])
    page = write_report(tmp_path).read_text()
    cards = page.index('<div class="cards">')
    assert page.index('<p class="headline">Claims of the notes: <b>2/4 reproduced (1 not significant)</b>') < cards
    assert cards < page.index('<h2 id="claims">') < page.index('<h2 id="a">')  # summary, claims, experiments
    card_a = page[page.index('<a class="card fail" href="#a"') :]
    card_a = card_a[: card_a.index("</a>")]
    # verdict N/M, the first figure as thumbnail, the statuses, size and time
    assert '<span class="score fail" title="claims reproduced / checked">1/2</span>' in card_a
    assert '<img src="a/figures/first.png"' in card_a and "second.png" not in card_a
    assert '<span class="chip ok">1 reproduced</span><span class="chip fail">1 not reproduced</span>' in card_a
    assert "quick size · 1.5 s (CPU 0.8 s)" in card_a
    assert '<a class="card ok" href="#b"' in page and "default size · 2 min 05 s (CPU 1 min 02 s)" in page
    assert '<a class="card weak" href="#c"' in page and '<div class="noimg">no figure</div>' in page
    # claims: one collapsible table per experiment, open where a claim did not reproduce; a CSS-only filter
    assert '<details class="exp" id="claims-a" open>' in page and '<details class="exp clean" id="claims-b">' in page
    assert '<details class="exp" id="claims-c" open>' in page
    assert '<input type="checkbox" id="only-failures">' in page and "#only-failures:checked" in page
    assert '<tr class="st-ok">' in page and '<tr class="st-fail">' in page and '<tr class="st-weak">' in page
    assert "<script" not in page and "http" not in page  # offline: no script, no external asset


def test_the_header_names_the_machine_from_run_json(tmp_path):
    d = _run(tmp_path, "a")
    meta = json.loads((d / "run.json").read_text())
    machine = {"cpu": "Test CPU", "cpus": 2, "system": "Linux", "python": "3.11.7", "torch": "2.13.0", "device": "cpu"}
    (d / "run.json").write_text(json.dumps({**meta, "machine": machine}))
    assert "Machine: Test CPU, 2 CPUs, Linux, Python 3.11.7, torch 2.13.0, cpu." in write_report(tmp_path).read_text()
