"""The command line: listing, running, the report, and one-line errors with exit code 2 on bad input."""

import json
import re
from dataclasses import dataclass

import matplotlib.pyplot as plt
import pytest

import saddle.experiments as experiments
from saddle import cli
from saddle.experiments import Claim, Experiment, ExperimentConfig, check_positive


@dataclass
class _Config(ExperimentConfig):
    steps: int = 10
    step_size: float = 0.5
    fail: bool = False
    widths: tuple[int, ...] = (1, 2)

    def validate(self):
        check_positive(self, "steps", "step_size")


def _run(config, out):
    if config.fail:
        raise RuntimeError("boom")
    fig, ax = plt.subplots()
    ax.plot(range(config.steps))
    out.savefig(fig, "line", "a straight line")
    return {"steps": config.steps, "half": config.step_size / 2, "seed": config.seed}


_CLAIMS = (
    Claim("steps_positive", "the run takes steps", "seed 000, §1", "steps", ">", 0),
    Claim("half_large", "half the step size exceeds 10", "seed 000, §2", "half", ">", 10),
    Claim("full_only", "at least 10 steps", "seed 000, §3", "steps", ">=", 10, at_quick=False),
)


@pytest.fixture
def fake_registry(monkeypatch):
    reg = {
        "toy": Experiment(
            "toy", "a toy experiment", _Config, _run, quick={"steps": 3}, reproduces="nothing", claims=_CLAIMS
        ),
        "toy2": Experiment("toy2", "another", _Config, _run),
    }
    monkeypatch.setattr(experiments, "_REGISTRY", reg)
    return reg


def test_list(fake_registry, capsys):
    assert cli.main(["list"]) == 0
    assert "toy   a toy experiment" in capsys.readouterr().out


def test_run_writes_config_metrics_figures_and_report(fake_registry, tmp_path):
    out = tmp_path / "r"
    assert cli.main(["run", "toy", "--quick", "--set", "step_size=0.25", "--seed", "7", "--out", str(out)]) == 0
    metrics = json.loads((out / "toy" / "metrics.json").read_text())
    assert metrics == {"steps": 3, "half": 0.125, "seed": 7}
    config = json.loads((out / "toy" / "config.json").read_text())
    assert config["step_size"] == 0.25 and config["seed"] == 7
    assert (out / "toy" / "figures" / "line.png").stat().st_size > 0
    assert (out / "toy" / "log.txt").is_file()
    page = (out / "index.html").read_text()
    assert "toy/figures/line.png" in page and "a straight line" in page
    assert [p.name for p in out.iterdir() if p.name.startswith(".")] == []


def test_tour_runs_everything_at_the_default_size(fake_registry, tmp_path):
    assert cli.main(["run", "--out", str(tmp_path)]) == 0
    tour = json.loads((tmp_path / "tour.json").read_text())
    assert sorted(tour["last_run"]["succeeded"]) == ["toy", "toy2"] and tour["last_run"]["size"] == "default"
    assert json.loads((tmp_path / "toy" / "metrics.json").read_text())["steps"] == 10
    assert json.loads((tmp_path / "toy" / "run.json").read_text())["size"] == "default"
    assert cli.main(["run", "--quick", "--out", str(tmp_path)]) == 0
    assert json.loads((tmp_path / "toy" / "metrics.json").read_text())["steps"] == 3
    assert json.loads((tmp_path / "tour.json").read_text())["last_run"]["size"] == "quick"


@pytest.mark.parametrize(
    "argv, message",
    [
        (["run", "nope"], "unknown experiment 'nope'"),
        (["run", "toy", "--set", "bogus=1"], "unknown key 'bogus'"),
        (["run", "toy", "--set", "steps=abc"], "steps expects an integer"),
        (["run", "toy", "--set", "step_size=-1"], "step_size must be finite and > 0"),
        (["run", "toy", "--set", "steps"], "expects KEY=VALUE"),
        (["run", "toy", "--device", "tpu"], "--device"),
        (["run", "toy", "--seed", "x"], "invalid int value"),
        (["run", "toy", "--threads", "0"], "--threads must be >= 1"),
        (["frobnicate"], "invalid choice"),
    ],
)
def test_bad_input_is_one_line_exit_2_nothing_written(fake_registry, tmp_path, capsys, argv, message):
    out = tmp_path / "o"
    assert cli.main([*argv, "--out", str(out)] if argv[0] == "run" else argv) == 2
    err = capsys.readouterr().err.strip()
    assert message in err and len(err.splitlines()) == 1 and "Traceback" not in err
    assert not out.exists()


def test_unwritable_out_is_exit_2(fake_registry, tmp_path, capsys):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    assert cli.main(["run", "toy", "--out", str(blocker / "sub")]) == 2
    assert "not a writable folder" in capsys.readouterr().err


def test_failed_experiment_leaves_nothing_half_written(fake_registry, tmp_path, capsys):
    assert cli.main(["run", "toy", "--set", "fail=true", "--out", str(tmp_path)]) == 1
    assert "toy failed: RuntimeError: boom" in capsys.readouterr().err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["log.txt", "tour.json"]  # no result, nothing hidden
    assert json.loads((tmp_path / "tour.json").read_text())["failed"] == {"toy": "RuntimeError: boom"}


def test_report_command(fake_registry, tmp_path, capsys):
    assert cli.main(["report", str(tmp_path)]) == 2
    cli.main(["run", "toy", "--quick", "--out", str(tmp_path)])
    (tmp_path / "index.html").unlink()
    assert cli.main(["report", str(tmp_path)]) == 0
    assert (tmp_path / "index.html").is_file()


def test_every_registered_experiment_declares_claims():
    for name, exp in experiments.registry().items():
        assert exp.claims, f"{name} declares no claims of the notes"
        for claim in exp.claims:
            assert claim.source.strip() and claim.statement.strip(), (name, claim.name)


def test_every_registered_experiment_has_a_valid_config_at_each_size():
    for name, exp in experiments.registry().items():
        assert exp.summary and exp.reproduces, name
        for size in ("quick", "default", "full"):
            config = exp.make_config(size=size)
            assert config.seed == 0, (name, size)


# ---- claims -------------------------------------------------------------------------------------------------------


def test_run_checks_claims_prints_summary_and_stores_verdicts(fake_registry, tmp_path, capsys):
    assert cli.main(["run", "toy", "--quick", "--out", str(tmp_path)]) == 0
    err = capsys.readouterr().err
    assert "claims: 1/2 reproduced (1 not checked at this size)" in err
    assert "not reproduced: half_large — half the step size exceeds 10 (expected half > 10, measured 0.25)" in err
    assert "steps_positive —" not in err and "full_only —" not in err  # only the failures are listed
    meta = json.loads((tmp_path / "toy" / "run.json").read_text())
    assert [(v["name"], v["status"]) for v in meta["claims"]] == [
        ("steps_positive", "reproduced"),
        ("half_large", "not reproduced"),
        ("full_only", "not checked at this size"),
    ]
    assert meta["claims"][2]["measured"] == 3  # recorded even when not checked
    # at the default size the claim not expected at quick size is decided: steps = 10 >= 10
    assert cli.main(["run", "toy", "--out", str(tmp_path)]) == 0
    assert "claims: 2/3 reproduced" in capsys.readouterr().err


def test_tour_prints_total_claims_and_report_opens_with_the_claims_table(fake_registry, tmp_path, capsys):
    assert cli.main(["run", "--quick", "--out", str(tmp_path)]) == 0
    err = capsys.readouterr().err
    assert "claims: none declared" in err  # toy2
    assert "claims, all experiments (quick size): 1/2 reproduced (1 not checked at this size)" in err
    assert "toy: not reproduced: half_large" in err
    page = (tmp_path / "index.html").read_text()
    assert page.index("Claims of the notes: 1/2 reproduced") < page.index('<h2 id="toy">')
    assert "half the step size exceeds 10" in page and "seed 000, §2" in page and "<code>half &gt; 10</code>" in page
    assert "1 not checked at this size" in page and "No claims recorded for: toy2" in page
    assert "<b>toy</b> (quick size)" in page and "checked at default size" in page


# ---- runs: permissions, SIGTERM, leftovers, progress, tour.json ----------------------------------------------------


def test_results_get_the_usual_permissions(fake_registry, tmp_path):
    import os
    import stat

    old = os.umask(0o022)
    try:
        assert cli.main(["run", "toy", "--quick", "--out", str(tmp_path / "r")]) == 0
    finally:
        os.umask(old)
    for p in [tmp_path / "r", *(tmp_path / "r").rglob("*")]:
        mode = stat.S_IMODE(p.stat().st_mode)
        assert mode == (0o755 if p.is_dir() else 0o644), (p, oct(mode))


_SLOW_SCRIPT = """
import pathlib, sys, time
from dataclasses import dataclass
import saddle.experiments as experiments
from saddle import cli
from saddle.experiments import Experiment, ExperimentConfig

@dataclass
class Config(ExperimentConfig):
    sleep: float = 0.0

def run(config, out):
    pathlib.Path(sys.argv[2]).write_text("started")
    time.sleep(config.sleep)
    return {"slept": config.sleep}

EXPERIMENT = Experiment("slow", "sleeps", Config, run)
if __name__ == "__main__":
    experiments._REGISTRY = {"slow": EXPERIMENT}
    sys.exit(cli.main(["run", "slow", "--out", sys.argv[1], "--set", "sleep=" + sys.argv[3]]))
"""


def test_sigterm_discards_the_run_in_progress_and_keeps_the_earlier_result(tmp_path, monkeypatch):
    import importlib.util
    import os
    import signal
    import subprocess
    import sys
    import time

    script = tmp_path / "slow.py"
    script.write_text(_SLOW_SCRIPT)
    out, marker = tmp_path / "out", tmp_path / "started"
    spec = importlib.util.spec_from_file_location("slow_experiment", script)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    monkeypatch.setattr(experiments, "_REGISTRY", {"slow": module.EXPERIMENT})
    monkeypatch.setattr(sys, "argv", ["x", str(out), str(marker)])
    assert cli.main(["run", "slow", "--out", str(out)]) == 0  # the earlier result, written in this process
    marker.unlink()
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    proc = subprocess.Popen(
        [sys.executable, str(script), str(out), str(marker), "60"], env=env, stderr=subprocess.PIPE, text=True
    )
    deadline = time.monotonic() + 60
    while not marker.exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert marker.exists()
    assert [p.name for p in out.iterdir() if p.name.startswith(".slow-")]  # the run in progress is hidden
    proc.send_signal(signal.SIGTERM)
    assert proc.wait(timeout=30) == 143
    assert "terminated" in proc.stderr.read()
    assert [p.name for p in out.iterdir() if p.name.startswith(".")] == []
    assert json.loads((out / "slow" / "metrics.json").read_text()) == {"slept": 0.0}


def _terminating_run(config, out):
    import os
    import signal

    os.kill(os.getpid(), signal.SIGTERM)
    raise AssertionError("SIGTERM did not stop the run")


def test_a_second_sigterm_during_the_cleanup_does_not_stop_it(fake_registry, tmp_path, monkeypatch):
    import os
    import shutil
    import signal

    fake_registry["toy"] = Experiment("toy", "terminates", _Config, _terminating_run)
    real_rmtree = shutil.rmtree

    def rmtree_after_another_term(path, *args, **kwargs):  # as `timeout` forwarding its own TERM would
        os.kill(os.getpid(), signal.SIGTERM)
        real_rmtree(path, *args, **kwargs)

    monkeypatch.setattr(cli.shutil, "rmtree", rmtree_after_another_term)
    before = signal.getsignal(signal.SIGTERM)
    assert cli.main(["run", "toy", "--out", str(tmp_path)]) == 143
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []
    assert signal.getsignal(signal.SIGTERM) == before  # the caller's handler is back


def test_a_signal_during_the_swap_never_leaves_the_result_missing(fake_registry, tmp_path, monkeypatch):
    import os
    import signal

    out = tmp_path / "r"
    assert cli.main(["run", "toy", "--quick", "--out", str(out)]) == 0
    real_replace = os.replace

    def replace_after_a_term(src, dst):  # SIGTERM between moving the old result away and the new one in
        if os.path.basename(dst) == "x":  # the old result moving into its temporary folder
            os.kill(os.getpid(), signal.SIGTERM)
        real_replace(src, dst)

    monkeypatch.setattr(cli.os, "replace", replace_after_a_term)
    assert cli.main(["run", "toy", "--out", str(out)]) == 143  # terminated, but only once the swap is done
    assert json.loads((out / "toy" / "metrics.json").read_text())["steps"] == 10  # the new result, full size
    assert [p.name for p in out.iterdir() if p.name.startswith(".")] == []


def test_leftover_temporary_folders_of_dead_runs_are_removed(fake_registry, tmp_path, capsys):
    import os
    import subprocess
    import sys

    dead = int(
        subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True).stdout
    )
    (tmp_path / f".toy-{dead}-abc123" / "figures").mkdir(parents=True)
    (tmp_path / f".toy-old-{dead}-ghi789" / "x").mkdir(parents=True)  # a replaced result not yet deleted
    alive = tmp_path / f".toy-{os.getppid()}-def456"  # another run still in progress: left alone
    alive.mkdir()
    assert cli.main(["run", "toy", "--quick", "--out", str(tmp_path)]) == 0
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".")) == [alive.name]
    assert "removed 2 leftover temporary folder(s) of killed runs" in capsys.readouterr().err


def _looping_run(config, out):
    from saddle.progress import progress_range

    total = 0
    for i in progress_range(config.steps, desc="toy loop"):
        total += i
    return {"steps": config.steps, "half": 0.0, "seed": config.seed}


def test_progress_lines_reach_a_non_tty_console_and_the_run_log(fake_registry, tmp_path, capsys, monkeypatch):
    fake_registry["toy"] = Experiment("toy", "loops", _Config, _looping_run)
    monkeypatch.setenv("SADDLE_PROGRESS", "auto")
    monkeypatch.setenv("SADDLE_PROGRESS_EVERY", "1e-9")  # a line per step
    assert cli.main(["run", "toy", "--set", "steps=3", "--out", str(tmp_path)]) == 0
    err = capsys.readouterr().err  # captured: not a terminal, so no bar but progress lines
    assert "toy loop: 2/3 (67%)" in err and "\r" not in err
    assert f"log: {tmp_path / 'log.txt'}" in err
    run_log = (tmp_path / "log.txt").read_text()
    assert "toy loop: 3/3 (100%)" in run_log and "[1/1] toy (default) ..." in run_log
    assert "toy loop: 3/3 (100%)" in (tmp_path / "toy" / "log.txt").read_text()


def test_progress_interval_is_validated_up_front(fake_registry, tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("SADDLE_PROGRESS_EVERY", "-1")
    assert cli.main(["run", "toy", "--out", str(tmp_path / "o")]) == 2
    assert "SADDLE_PROGRESS_EVERY must be a number of seconds > 0, got '-1'" in capsys.readouterr().err
    assert not (tmp_path / "o").exists()


def test_a_later_success_clears_an_earlier_failure_from_the_report(fake_registry, tmp_path, capsys):
    assert cli.main(["run", "toy", "toy2", "--set", "toy.fail=true", "--out", str(tmp_path)]) == 1
    page = (tmp_path / "index.html").read_text()
    assert "toy: the latest run failed: RuntimeError: boom" in page
    assert "1 experiment result(s) (1 at default size)" in page
    assert cli.main(["run", "toy", "--quick", "--out", str(tmp_path)]) == 0
    assert json.loads((tmp_path / "tour.json").read_text())["failed"] == {}
    page = (tmp_path / "index.html").read_text()
    assert "boom" not in page and "2 experiment result(s) (1 at quick size, 1 at default size)" in page


# ---- report on damaged folders -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "file, content, message",
    [
        ("toy/metrics.json", '{"steps": 3, "ha', "toy/metrics.json: is not valid JSON"),
        ("toy/metrics.json", "", "toy/metrics.json: is empty"),
        ("toy/metrics.json", "[1, 2]", "toy/metrics.json: the file must be an object, got a list"),
        ("toy/run.json", '{"seconds": "fast"}', 'toy/run.json: "seconds" must be a number, got a string'),
        ("toy/run.json", '{"claims": [{"name": 1}]}', "toy/run.json: claims[0].name must be a string, got an integer"),
        ("toy/figures.json", '{"file": "x.png"}', "toy/figures.json: the file must be a list, got an object"),
        ("toy/figures.json", '[{"file": 3, "caption": "c"}]', "toy/figures.json: entry 0.file must be a string"),
        ("toy/figures.json", '[{"file": "../../etc/passwd", "caption": "c"}]', "must be a path inside the run folder"),
        ("toy/figures.json", '[{"file": "figures/gone.png", "caption": "c"}]', "'figures/gone.png' does not exist"),
        ("tour.json", '{"failed": {', "tour.json: is not valid JSON"),
        ("tour.json", '{"failed": ["toy"]}', 'tour.json: "failed" must be an object, got a list'),
        ("toy/config.json", "3", "toy/config.json: the file must be an object, got an integer"),
    ],
)
def test_report_on_a_damaged_folder_is_one_line_naming_the_file(
    fake_registry, tmp_path, capsys, file, content, message
):
    assert cli.main(["run", "toy", "--quick", "--out", str(tmp_path)]) == 0
    (tmp_path / file).write_text(content)
    capsys.readouterr()
    assert cli.main(["report", str(tmp_path)]) == 2
    err = capsys.readouterr().err.strip()
    assert message in err and len(err.splitlines()) == 1 and "Traceback" not in err


def test_report_figures_open_full_size_and_wide_figures_span_the_page(fake_registry, tmp_path):
    def wide_run(config, out):
        fig, _ = plt.subplots(1, 3, figsize=(12, 3))
        out.savefig(fig, "panels", "three panels")
        fig, _ = plt.subplots(figsize=(4, 3))
        out.savefig(fig, "single", "one panel")
        return {"steps": 1, "half": 0.0, "seed": 0}

    fake_registry["toy"] = Experiment("toy", "figures", _Config, wide_run)
    assert cli.main(["run", "toy", "--out", str(tmp_path)]) == 0
    page = (tmp_path / "index.html").read_text()
    assert '<figure class="wide"><a href="toy/figures/panels.png" target="_blank"' in page
    assert '<figure><a href="toy/figures/single.png" target="_blank"' in page


# ---- list -v -------------------------------------------------------------------------------------------------------


def test_list_verbose_shows_config_at_each_size_claims_and_the_last_time_at_each_size(fake_registry, tmp_path, capsys):
    fake_registry["toy3"] = Experiment(
        "toy3",
        "three sizes",
        _Config,
        _run,
        quick={"steps": 3},
        full={"steps": 1000, "widths": (4, 8)},
        claims=(Claim("many", "many steps", "seed 000", "steps", ">", 500, full_only="the paper trains 1000 steps"),),
    )
    assert cli.main(["list", "-v", "--out", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "config: steps=10 [quick 3], step_size=0.5, fail=False, widths=(1, 2)" in out
    assert "config: steps=10 [quick 3] [full 1000], step_size=0.5, fail=False, widths=(1, 2) [full (4, 8)]" in out
    assert "claims: 3 (steps_positive, half_large, full_only)" in out and "claims: none declared" in out
    assert "full size only: many (the paper trains 1000 steps)" in out
    assert f"last run in {tmp_path}: quick none, default none, full none" in out
    assert cli.main(["run", "toy", "--quick", "--out", str(tmp_path)]) == 0
    assert cli.main(["run", "toy", "--out", str(tmp_path)]) == 0  # replaces the quick result, not its time
    capsys.readouterr()
    cli.main(["list", "-v", "--out", str(tmp_path)])
    line = next(x for x in capsys.readouterr().out.splitlines() if "last run in" in x)  # toy's
    assert re.search(r"quick [0-9.]+ s \(CPU [0-9.]+ s\), default [0-9.]+ s \(CPU [0-9.]+ s\), full none", line)


# ---- command-line checks -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "argv, message",
    [
        (["run", "toy", "--set", "widths="], "widths expects a comma-separated list of at least one value, got ''"),
        (["run", "toy", "--set", "widths=[]"], "at least one value"),
        (["run", "toy", "--seed", "-1"], "--seed must be in [0, 2**32 - 1] = [0, 4294967295], got -1"),
        (["run", "toy", "--seed", str(2**32)], "got 4294967296"),
        (["run", "toy", "--set", "device=tpu"], "toy: --set device must be cpu, cuda or cuda:N, got 'tpu'"),
        (["run", "toy", "--set", "toy.device=cuda:x"], "--set device"),
    ],
)
def test_more_bad_input_is_refused_up_front(fake_registry, tmp_path, capsys, argv, message):
    out = tmp_path / "o"
    assert cli.main([*argv, "--out", str(out)]) == 2
    err = capsys.readouterr().err.strip()
    assert message in err and len(err.splitlines()) == 1
    assert not out.exists()


def test_empty_out_is_refused(fake_registry, tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert cli.main(["run", "toy", "--out", ""]) == 2
    assert "--out must name a folder" in capsys.readouterr().err
    assert list(tmp_path.iterdir()) == []


def test_largest_seed_is_accepted(fake_registry, tmp_path):
    assert cli.main(["run", "toy", "--quick", "--seed", str(2**32 - 1), "--out", str(tmp_path)]) == 0
    assert json.loads((tmp_path / "toy" / "metrics.json").read_text())["seed"] == 2**32 - 1


def test_runs_do_not_leak_global_rng_state(fake_registry, tmp_path):
    import random

    import numpy as np
    import torch

    # the global RNGs, numpy's legacy one included, are what is under test (hence the noqa: NPY002)
    torch.manual_seed(123)
    np.random.seed(123)  # noqa: NPY002
    random.seed(123)
    expected = (torch.rand(1).item(), np.random.rand(), random.random())  # noqa: NPY002
    torch.manual_seed(123)
    np.random.seed(123)  # noqa: NPY002
    random.seed(123)
    cli.main(["run", "toy", "--quick", "--seed", "5", "--out", str(tmp_path)])
    assert (torch.rand(1).item(), np.random.rand(), random.random()) == expected  # noqa: NPY002


def test_an_experiment_with_no_claim_at_quick_size_says_so(fake_registry, tmp_path, capsys):
    later = (Claim("later", "only at default size", "seed 000", "steps", ">=", 10, at_quick=False),)
    fake_registry["toy"] = Experiment("toy", "default-size claims", _Config, _run, quick={"steps": 3}, claims=later)
    assert cli.main(["run", "toy", "--quick", "--out", str(tmp_path)]) == 0
    assert "claims: none checked (1 not checked at this size)" in capsys.readouterr().err


# ---- sizes ---------------------------------------------------------------------------------------------------------


def test_quick_and_full_are_exclusive(fake_registry, tmp_path, capsys):
    assert cli.main(["run", "toy", "--quick", "--full", "--out", str(tmp_path / "o")]) == 2
    err = capsys.readouterr().err.strip()
    assert "argument --full: not allowed with argument --quick" in err and len(err.splitlines()) == 1
    assert not (tmp_path / "o").exists()


def test_full_size_uses_the_full_overrides_and_checks_full_only_claims(fake_registry, tmp_path, capsys):
    claims = (
        Claim("steps_positive", "the run takes steps", "seed 000, §1", "steps", ">", 0),
        Claim("many", "a thousand steps", "seed 000, §2", "steps", ">=", 1000, full_only="the paper's 1000 steps"),
    )
    fake_registry["toy"] = Experiment(
        "toy", "sizes", _Config, _run, quick={"steps": 3}, full={"steps": 1000}, claims=claims
    )
    assert cli.main(["run", "toy", "--out", str(tmp_path)]) == 0
    err = capsys.readouterr().err
    assert "[1/1] toy (default) ..." in err and "claims: 1/1 reproduced (1 not checked at this size)" in err
    assert "  not checked at this size: many — a thousand steps (full size only: the paper's 1000 steps)" in err
    assert "at default size" in err
    meta = json.loads((tmp_path / "toy" / "run.json").read_text())
    assert meta["size"] == "default" and meta["cpu_seconds"] >= 0 and "quick" not in meta
    assert cli.main(["run", "toy", "--full", "--out", str(tmp_path)]) == 0
    err = capsys.readouterr().err
    assert "[1/1] toy (full) ..." in err and "claims: 2/2 reproduced" in err
    assert json.loads((tmp_path / "toy" / "metrics.json").read_text())["steps"] == 1000
    assert json.loads((tmp_path / "toy" / "run.json").read_text())["size"] == "full"
    page = (tmp_path / "index.html").read_text()
    assert "full size" in page and "<b>toy</b> (full size)" in page
    assert cli.main(["run", "toy", "--quick", "--out", str(tmp_path)]) == 0  # the reason shows at quick size too
    assert "full size only: the paper's 1000 steps" in capsys.readouterr().err


def _noisy_run(config, out):
    from saddle.metrics.stats import mean_se

    return {"gain": mean_se([config.step_size + 0.1 * i for i in (-1, 1, -2, 2)]), "steps": config.steps}


def test_not_significant_is_reported_apart_from_reproduced(fake_registry, tmp_path, capsys):
    claims = (
        Claim("gain", "a positive gain", "seed 000, §1", "gain", ">", 0.0, sigmas=2.0, min_n=4),
        Claim("steps", "steps", "seed 000, §1", "steps", ">", 0),
    )
    fake_registry["toy"] = Experiment("toy", "noisy", _Config, _noisy_run, claims=claims)
    assert cli.main(["run", "toy", "--set", "step_size=0.1", "--out", str(tmp_path)]) == 0  # 0.1 ± 0.091
    err = capsys.readouterr().err
    assert "claims: 1/2 reproduced (1 not significant)" in err
    assert (
        "  not significant: gain — a positive gain (expected gain − 2·SE > 0 (n ≥ 4): mean 0.1 ± SE 0.09129, n = 4: mean − 2·SE = -0.08257 vs 0)"
        in err
    )
    page = (tmp_path / "index.html").read_text()
    assert "Claims of the notes: 1/2 reproduced" in page and "1 not significant" in page
    assert '<td class="weak">not significant' in page
    assert cli.main(["run", "toy", "--set", "step_size=0.5", "--out", str(tmp_path)]) == 0  # 0.5 ± 0.091
    assert "claims: 2/2 reproduced" in capsys.readouterr().err


# ---- --jobs --------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "argv, message",
    [
        (["--jobs", "0"], "--jobs must be >= 1, got 0"),
        (["--jobs", "2", "--nproc", "2"], "--jobs 2 and --nproc 2"),
        (["--jobs", "x"], "invalid int value"),
    ],
)
def test_bad_jobs_are_refused(fake_registry, tmp_path, capsys, argv, message):
    assert cli.main(["run", "toy", "toy2", *argv, "--out", str(tmp_path / "o")]) == 2
    assert message in capsys.readouterr().err
    assert not (tmp_path / "o").exists()


# fork is how workers start on Linux for CPU runs; spawn (GPU runs, other systems) re-imports every experiment
@pytest.mark.parametrize("start", ["fork", pytest.param("spawn", marks=pytest.mark.slow)])
def test_jobs_2_gives_the_results_of_jobs_1(tmp_path, monkeypatch, start):
    import multiprocessing

    names = ["danskin", "init_table"]  # two real experiments that take about a second at quick size
    assert cli.main(["run", *names, "--quick", "--jobs", "1", "--out", str(tmp_path / "one")]) == 0
    monkeypatch.setattr(cli, "_process_context", lambda configs: multiprocessing.get_context(start))
    assert cli.main(["run", *names, "--quick", "--jobs", "2", "--out", str(tmp_path / "two")]) == 0
    for name in names:
        one, two = (json.loads((tmp_path / d / name / f).read_text()) for d in ("one", "two") for f in ["metrics.json"])
        assert one == two, name
        runs = [json.loads((tmp_path / d / name / "run.json").read_text()) for d in ("one", "two")]
        assert [r["claims"] for r in runs[:1]] == [r["claims"] for r in runs[1:]]
        assert (tmp_path / "two" / name / "log.txt").read_text().count(" config {") == 1
    tours = [json.loads((tmp_path / d / "tour.json").read_text())["last_run"] for d in ("one", "two")]
    assert [t["jobs"] for t in tours] == [1, 2] and sorted(tours[1]["succeeded"]) == names
    run_log = (tmp_path / "two" / "log.txt").read_text()
    assert "[danskin] config {" in run_log and "[init_table] config {" in run_log  # lines say whose they are
    assert [p.name for p in (tmp_path / "two").iterdir() if p.name.startswith(".")] == []


def _killed_run(config, out):
    import os
    import signal

    os.kill(os.getpid(), signal.SIGKILL)


def test_a_worker_killed_outright_is_a_failure_that_leaves_nothing_behind(fake_registry, tmp_path, capsys):
    fake_registry["toy"] = Experiment("toy", "killed", _Config, _killed_run)
    assert cli.main(["run", "toy", "toy2", "--jobs", "2", "--out", str(tmp_path)]) == 1
    err = capsys.readouterr().err
    assert "toy failed: its process ended without a result (exit code -9)" in err
    assert "[2/2] toy2 done" in err
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "index.html",
        "log.txt",
        "times.json",
        "tour.json",
        "toy2",
    ]


_SLOW_PAIR_SCRIPT = """
import pathlib, sys, time
from dataclasses import dataclass
import saddle.experiments as experiments
from saddle import cli
from saddle.experiments import Experiment, ExperimentConfig

@dataclass
class Config(ExperimentConfig):
    sleep: float = 60.0

def run(config, out):
    pathlib.Path(sys.argv[2], out.path.name.split("-")[0].lstrip(".")).write_text("started")
    time.sleep(config.sleep)
    return {"slept": config.sleep}

if __name__ == "__main__":
    experiments._REGISTRY = {n: Experiment(n, "sleeps", Config, run) for n in ("a", "b", "c")}
    sys.exit(cli.main(["run", "a", "b", "c", "--jobs", "2", "--out", sys.argv[1]]))
"""


@pytest.mark.parametrize(
    "signum, code, word, group",
    [
        ("SIGTERM", 143, "terminated", False),  # `kill`: the parent stops its workers
        ("SIGINT", 130, "interrupted", False),
        ("SIGINT", 130, "interrupted", True),  # Ctrl-C on a terminal: every process of the group gets it
    ],
)
def test_a_signal_discards_every_run_in_progress_under_jobs(tmp_path, signum, code, word, group):
    import os
    import signal
    import subprocess
    import sys
    import time

    script, out, markers = tmp_path / "pair.py", tmp_path / "out", tmp_path / "started"
    script.write_text(_SLOW_PAIR_SCRIPT)
    markers.mkdir()
    (out / "a").mkdir(parents=True)
    (out / "a" / "metrics.json").write_text('{"kept": true}')  # an earlier result
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    proc = subprocess.Popen(
        [sys.executable, str(script), str(out), str(markers)],
        env=env,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=group,
        # a shell's background job starts with SIGINT ignored, and Python then keeps ignoring it (as a background
        # job should); the CLI under test is a foreground run, so it gets the default disposition
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    deadline = time.monotonic() + 120
    while len(list(markers.iterdir())) < 2 and time.monotonic() < deadline:
        time.sleep(0.05)
    assert sorted(p.name for p in markers.iterdir()) == ["a", "b"]  # two at once, the third waits
    assert len([p for p in out.iterdir() if p.name.startswith(".")]) == 2
    if group:
        os.killpg(proc.pid, getattr(signal, signum))
    else:
        proc.send_signal(getattr(signal, signum))
    assert proc.wait(timeout=60) == code
    err = proc.stderr.read()
    assert f"{word}" in err and "the runs in progress were discarded" in err
    assert [p.name for p in out.iterdir() if p.name.startswith(".")] == []
    assert json.loads((out / "a" / "metrics.json").read_text()) == {"kept": True}
    assert not (out / "b").exists() and not (out / "c").exists()


# ---- command-line paper cuts ---------------------------------------------------------------------------------------


def test_set_takes_several_key_values_after_one_flag(fake_registry, tmp_path):
    assert (
        cli.main(["run", "toy", "--quick", "--set", "steps=4", "step_size=0.25", "--seed", "2", "--out", str(tmp_path)])
        == 0
    )
    assert json.loads((tmp_path / "toy" / "metrics.json").read_text()) == {"steps": 4, "half": 0.125, "seed": 2}
    # repeated flags still add up, and NAME.KEY=VALUE targets one experiment among several
    argv = ["run", "toy", "toy2", "--set", "toy.steps=5", "toy2.steps=6", "--set", "step_size=1", "--jobs", "1"]
    assert cli.main([*argv, "--out", str(tmp_path)]) == 0
    assert [json.loads((tmp_path / n / "metrics.json").read_text())["steps"] for n in ("toy", "toy2")] == [5, 6]
    assert json.loads((tmp_path / "toy2" / "config.json").read_text())["step_size"] == 1.0


def test_an_experiment_name_after_set_is_refused_with_a_hint(fake_registry, tmp_path, capsys):
    assert cli.main(["run", "--set", "steps=4", "toy", "--out", str(tmp_path / "o")]) == 2
    err = capsys.readouterr().err.strip()
    assert err == "saddle: error: --set expects KEY=VALUE, got 'toy' (experiment names go before --set)"
    assert not (tmp_path / "o").exists()


def _commands_in(text):
    """`saddle ...` commands of a docstring or page: whole lines (with backslash continuations) and `code` spans."""
    text = text.replace("\\\n", " ")
    found = [m.group(1) for m in re.finditer(r"^\s*(saddle (?:run|list|report)\b[^\n#]*)", text, re.MULTILINE)]
    return found + [m.group(1) for m in re.finditer(r"`(saddle (?:run|list|report)\b[^`]*)`", text)]


def test_the_commands_in_every_experiment_docstring_and_guide_parse():
    """Each command the docs show parses, names experiments that exist, and sets keys they have to values of the
    right type (the run itself is not started)."""
    import ast
    import shlex
    from pathlib import Path

    root = Path(experiments.__file__).parent
    sources = {p.name: ast.get_docstring(ast.parse(p.read_text()), clean=False) or "" for p in root.glob("*.py")}
    docs = Path(__file__).resolve().parents[1] / "docs"
    sources |= {p.name: p.read_text() for p in docs.rglob("*.md")}
    commands = [c for text in sources.values() for c in _commands_in(text)]
    assert any(re.search(r"--set \S+=\S+ \S+=", c) for c in commands)  # several values after one --set
    for command in commands:
        words = ["2" if w == "N" else w for w in shlex.split(command)[1:]]  # N: a placeholder for a number
        args = cli._parser().parse_args(words)
        if args.command != "run":
            continue
        names = [n for n in args.names if not n.isupper()]  # NAME: a placeholder
        if not args.names:
            names = list(experiments.summaries())
        per = cli._split_sets(args.sets, names)
        size = "quick" if args.quick else "full" if args.full else "default"
        for name in names:
            experiments.experiment(name).make_config(size=size, overrides=per[name])


def test_list_help_and_bad_names_import_no_experiment_and_not_torch():
    """`saddle list`, `--help`, a bad name and a bad option read the experiments' names from their sources: no
    experiment module is imported, nor torch (a tenth of the time of `import torch`); `--set` imports only the
    experiments named."""
    import subprocess
    import sys

    probe = (
        "import sys\nfrom saddle import cli\n"
        "for argv in ({argvs}):\n"
        "    try:\n        cli.main(argv)\n    except SystemExit:\n        pass\n"
        "print('torch' in sys.modules)\n"
        "print(sorted(m for m in sys.modules if m.startswith('saddle.experiments.') and m != 'saddle.experiments.base'))"
    )
    for argvs, torch_imported, imported in (
        (
            "['list'], ['--help'], ['run', 'nosuch'], ['run', '--help'], ['run', '--seed', '-1'], "
            "['run', '--quick', '--full'], ['run', 'bilinear', '--threads', '0']",
            False,
            [],
        ),
        ("['run', 'bilinear', '--set', 'bogus=1'],", True, ["saddle.experiments.bilinear"]),  # only the one named
    ):
        out = subprocess.run(
            [sys.executable, "-c", probe.format(argvs=argvs)], capture_output=True, text=True, check=True
        ).stdout
        assert out.strip().splitlines()[-2:] == [repr(torch_imported), repr(imported)], out


def test_summaries_from_the_sources_are_the_registry_s():
    reg = experiments.registry()
    assert experiments._manifest() and {n: s for n, (_, s) in experiments._manifest().items()} == {
        n: e.summary for n, e in reg.items()
    }
    assert experiments.summaries() == {n: e.summary for n, e in reg.items()}
    assert experiments.experiment("bilinear") is reg["bilinear"]
    with pytest.raises(KeyError, match="unknown experiment 'nosuch'"):
        experiments.experiment("nosuch")


def _per_width_run(config, out):
    return {"width": {str(w): float(w) for w in config.widths}, "steps": config.steps, "half": 0.0, "seed": 0}


def test_a_claim_whose_metric_the_partial_run_left_out_is_not_measured(fake_registry, tmp_path, capsys):
    """One rule for every experiment: a metric absent from a run whose config changed from its size's values was
    left out by that change ("not measured in this run"); absent from the size's own config it is a declaration
    error."""
    claims = (
        Claim("w1", "width 1 is positive", "seed 000", "width.1", ">", 0.0),
        Claim("w2", "width 2 is positive", "seed 000", "width.2", ">", 0.0),
    )
    fake_registry["toy"] = Experiment("toy", "widths", _Config, _per_width_run, claims=claims)
    assert cli.main(["run", "toy", "--set", "widths=1", "--out", str(tmp_path)]) == 0
    err = capsys.readouterr().err
    assert "claims: 1/1 reproduced (1 not measured in this run)" in err
    (_, w2) = json.loads((tmp_path / "toy" / "run.json").read_text())["claims"]
    assert w2["status"] == "not measured in this run"
    assert w2["detail"] == "'width.2' absent: this run changed widths=(1,) from its size"
    assert cli.main(["run", "toy", "--set", "seed=1", "steps=3", "--out", str(tmp_path)]) == 0  # all measured
    assert "claims: 2/2 reproduced" in capsys.readouterr().err
    fake_registry["toy"] = Experiment("toy", "widths", _Config, lambda c, o: {"width": {"1": 1.0}}, claims=claims)
    assert cli.main(["run", "toy", "--set", "seed=1", "--out", str(tmp_path)]) == 0  # the seed changes no metric
    assert "declaration error: w2" in capsys.readouterr().err


def test_ranks_other_than_0_say_nothing_and_write_no_result(fake_registry, tmp_path, capsys, monkeypatch):
    """Under `--nproc N` the ranks > 0 train their shards silently: no log, done or report line, no folder."""
    import saddle.train.distributed as distributed
    from saddle import progress

    monkeypatch.setattr(distributed, "setup_distributed", lambda device: (1, 2))
    monkeypatch.setattr(progress, "_bars_hidden", False)  # rank 1 hides this process's bars: restored afterwards
    monkeypatch.setenv("RANK", "1")
    assert cli.main(["run", "toy", "--quick", "--out", str(tmp_path / "o")]) == 0
    assert capsys.readouterr().err == "" and not (tmp_path / "o").exists()
    monkeypatch.setenv("RANK", "0")
    assert cli.main(["run", "toy", "--quick", "--out", str(tmp_path / "o")]) == 0
    err = capsys.readouterr().err
    assert f"log: {tmp_path / 'o' / 'log.txt'}" in err and "report:" in err and (tmp_path / "o" / "toy").is_dir()


@pytest.mark.slow
def test_nproc_2_prints_rank_0_s_lines_only(tmp_path):
    import os
    import subprocess
    import sys

    env = {**os.environ, "SADDLE_PROGRESS": "0", "OMP_NUM_THREADS": "1"}
    argv = [sys.executable, "-m", "saddle", "run", "bilinear", "--quick", "--nproc", "2", "--out", str(tmp_path)]
    err = subprocess.run(argv, capture_output=True, text=True, env=env, timeout=600, check=True).stderr
    for line in ("log: ", "[1/1] bilinear done", "report: ", "claims: 4/4 reproduced"):
        assert err.count(line) == 1, (line, err)
    assert "saddle-rank" not in err and sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".")) == []
