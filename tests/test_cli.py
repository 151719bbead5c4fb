"""The command line: listing, running, the report, and one-line errors with exit code 2 on bad input."""

import json
from dataclasses import dataclass

import matplotlib.pyplot as plt
import pytest

from saddle import cli
from saddle.experiments import Experiment, ExperimentConfig, check_positive
import saddle.experiments as experiments


@dataclass
class _Config(ExperimentConfig):
    steps: int = 10
    step_size: float = 0.5
    fail: bool = False

    def validate(self):
        check_positive(self, "steps", "step_size")


def _run(config, out):
    if config.fail:
        raise RuntimeError("boom")
    fig, ax = plt.subplots()
    ax.plot(range(config.steps))
    out.savefig(fig, "line", "a straight line")
    return {"steps": config.steps, "half": config.step_size / 2, "seed": config.seed}


@pytest.fixture
def fake_registry(monkeypatch):
    reg = {"toy": Experiment("toy", "a toy experiment", _Config, _run, quick={"steps": 3}, reproduces="nothing"),
           "toy2": Experiment("toy2", "another", _Config, _run)}
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


def test_tour_runs_everything_quick(fake_registry, tmp_path):
    assert cli.main(["run", "--out", str(tmp_path)]) == 0
    tour = json.loads((tmp_path / "tour.json").read_text())
    assert sorted(tour["last_run"]["succeeded"]) == ["toy", "toy2"] and tour["last_run"]["quick"] is True
    assert json.loads((tmp_path / "toy" / "metrics.json").read_text())["steps"] == 3


@pytest.mark.parametrize("argv, message", [
    (["run", "nope"], "unknown experiment 'nope'"),
    (["run", "toy", "--set", "bogus=1"], "unknown key 'bogus'"),
    (["run", "toy", "--set", "steps=abc"], "steps expects an integer"),
    (["run", "toy", "--set", "step_size=-1"], "step_size must be finite and > 0"),
    (["run", "toy", "--set", "steps"], "expects KEY=VALUE"),
    (["run", "toy", "--device", "tpu"], "--device"),
    (["run", "toy", "--seed", "x"], "invalid int value"),
    (["run", "toy", "--threads", "0"], "--threads must be >= 1"),
    (["frobnicate"], "invalid choice"),
])
def test_bad_input_is_one_line_exit_2_nothing_written(fake_registry, tmp_path, capsys, argv, message):
    out = tmp_path / "o"
    assert cli.main(argv + ["--out", str(out)] if argv[0] == "run" else argv) == 2
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


def test_every_registered_experiment_has_valid_quick_config():
    for name, exp in experiments.registry().items():
        assert exp.summary and exp.reproduces, name
        config = exp.make_config(quick=True)
        assert config.seed == 0
