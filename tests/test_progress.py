"""Progress: items pass through unchanged; periodic lines on the `saddle.progress` logger; the environment switches."""

import logging

import pytest

from saddle import progress as P


@pytest.fixture
def every_step(monkeypatch):
    monkeypatch.setenv("SADDLE_PROGRESS", "auto")
    monkeypatch.setenv("SADDLE_PROGRESS_EVERY", "1e-9")


def test_lines_count_done_over_total(every_step, caplog):
    with caplog.at_level(logging.INFO, logger="saddle.progress"):
        assert list(P.progress_range(4, desc="loop")) == [0, 1, 2, 3]
    lines = [r.getMessage() for r in caplog.records]
    assert [line.split(",")[0] for line in lines] == [
        "loop: 1/4 (25%)",
        "loop: 2/4 (50%)",
        "loop: 3/4 (75%)",
        "loop: 4/4 (100%)",
    ]
    assert not any("finished" in line for line in lines)  # the last periodic line already said 4/4


def test_iterables_without_length_report_counts(every_step, caplog):
    with caplog.at_level(logging.INFO, logger="saddle.progress"):
        assert list(P.progress((i * i for i in range(3)), desc="gen")) == [0, 1, 4]
    assert caplog.records[-1].getMessage().startswith("gen: 3 done")


def test_off_means_no_lines(monkeypatch, caplog):
    monkeypatch.setenv("SADDLE_PROGRESS", "0")
    monkeypatch.setenv("SADDLE_PROGRESS_EVERY", "1e-9")
    with caplog.at_level(logging.INFO, logger="saddle.progress"):
        assert list(P.progress_range(3)) == [0, 1, 2]
    assert caplog.records == [] and not P.lines_enabled() and not P.enabled()


def test_bars_only_on_a_terminal_unless_forced(monkeypatch):
    monkeypatch.setenv("SADDLE_PROGRESS", "auto")
    assert P.lines_enabled() and not P.enabled()  # pytest's stderr is not a terminal: lines, no bars
    monkeypatch.delenv("SADDLE_PROGRESS")
    assert P.lines_enabled() and not P.enabled()
    monkeypatch.setenv("SADDLE_PROGRESS", "1")
    assert P.enabled() and P.lines_enabled()
    P.set_enabled(False)
    try:
        assert not P.enabled() and not P.lines_enabled()
    finally:
        P.set_enabled(None)


@pytest.mark.parametrize("text", ["0", "-2", "nan", "inf", "soon", ""])
def test_bad_interval_is_refused(monkeypatch, text):
    monkeypatch.setenv("SADDLE_PROGRESS_EVERY", text)
    with pytest.raises(ValueError, match="SADDLE_PROGRESS_EVERY must be a number of seconds > 0"):
        P.report_every()


def test_default_interval(monkeypatch):
    monkeypatch.delenv("SADDLE_PROGRESS_EVERY", raising=False)
    assert P.report_every() == P.DEFAULT_EVERY_SECONDS == 10.0


def test_hidden_bars_keep_the_lines(every_step, monkeypatch, caplog):
    monkeypatch.setenv("SADDLE_PROGRESS", "1")  # bars forced on ...
    P.hide_bars()  # ... and hidden, as in the worker processes of `saddle run --jobs N`
    try:
        assert not P.enabled() and P.lines_enabled()
        with caplog.at_level(logging.INFO, logger="saddle.progress"):
            assert list(P.progress_range(2, desc="loop")) == [0, 1]
        assert [r.getMessage().split(",")[0] for r in caplog.records] == ["loop: 1/2 (50%)", "loop: 2/2 (100%)"]
    finally:
        P.hide_bars(False)
    assert P.enabled()
