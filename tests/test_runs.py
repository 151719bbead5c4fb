"""The run store (`saddle.runs`): atomic writes, the files of a run folder, temporary folders and their clean-up."""

import json
import math
import os
import stat
import subprocess
import sys

import numpy as np
import pytest
import torch

from saddle import runs
from saddle.runs import (
    Figure,
    RunFileError,
    RunOutput,
    discard,
    machine,
    make_temporary_folder,
    move_into_place,
    read_config,
    read_figures,
    read_metrics,
    read_run_meta,
    read_times,
    read_tour,
    record_time,
    remove_leftovers,
    result_folders,
    to_jsonable,
    update_tour,
    write_json,
    write_run,
)


@pytest.fixture
def umask_022():
    old = os.umask(0o022)
    yield
    os.umask(old)


def _mode(path):
    return stat.S_IMODE(path.stat().st_mode)


def test_write_json_keeps_the_old_file_when_the_object_cannot_be_written_and_leaves_no_temporary(tmp_path, umask_022):
    path = write_json(tmp_path / "x.json", {"old": True})
    assert _mode(path) == 0o644
    with pytest.raises(TypeError):
        write_json(path, {"new": object()})  # not JSON: nothing is written
    assert json.loads(path.read_text()) == {"old": True}
    assert [p.name for p in tmp_path.iterdir()] == ["x.json"]


def test_to_jsonable_turns_tensors_numpy_dataclasses_and_nonfinite_floats_into_json():
    value = to_jsonable(
        {
            "t": torch.tensor([[1.0, 2.0]], requires_grad=True),
            "scalar": torch.tensor(3),
            "np": np.float32(0.5),
            "arr": np.arange(2),
            "fig": Figure("figures/a.png", "c"),
            "nan": math.nan,
            "inf": [-math.inf],
            1: (1, 2),
        }
    )
    assert value == {
        "t": [[1.0, 2.0]],
        "scalar": 3,
        "np": 0.5,
        "arr": [0, 1],
        "fig": {"file": "figures/a.png", "caption": "c"},
        "nan": "nan",
        "inf": ["-inf"],
        "1": [1, 2],
    }
    json.dumps(value, allow_nan=False)  # strict JSON


def test_write_json_is_strict_json_through_to_jsonable(tmp_path):
    write_json(tmp_path / "m.json", {"x": torch.tensor(1.5), "y": math.inf})
    assert json.loads((tmp_path / "m.json").read_text()) == {"x": 1.5, "y": "inf"}


def test_run_output_saves_figures_with_captions_and_json_artefacts_atomically(tmp_path):
    import matplotlib.pyplot as plt

    out = RunOutput(tmp_path / "run")
    fig, ax = plt.subplots()
    ax.plot([0, 1])
    file = out.savefig(fig, "line", "first caption")
    fig, _ = plt.subplots()
    out.savefig(fig, "line", "second caption")  # saving again replaces the entry
    assert file.stat().st_size > 0 and out.figures == [Figure("figures/line.png", "second caption")]
    table = out.save_json("table", {"rows": [1, 2], "t": torch.ones(2)})
    assert json.loads(table.read_text()) == {"rows": [1, 2], "t": [1.0, 1.0]}
    assert not hasattr(out, "save_tensor")
    with pytest.raises(ValueError, match="alphanumeric"):
        out.save_json("../x", {})
    with pytest.raises(ValueError, match=r"would overwrite the run's own metrics\.json"):
        out.save_json("metrics", {})
    with pytest.raises(ValueError, match="alphanumeric"):
        out.savefig(plt.figure(), "a b", "c")
    plt.close("all")


def test_write_run_then_the_readers_give_back_what_was_written(tmp_path):
    run = tmp_path / "toy"
    run.mkdir()
    (run / "figures").mkdir()
    (run / "figures" / "a.png").write_bytes(b"png")
    meta = {"name": "toy", "seconds": 1.5, "size": "default", "seed": 3, "machine": machine(), "claims": []}
    write_run(
        run, metrics={"acc": torch.tensor(0.5)}, config={"seed": 3}, figures=[Figure("figures/a.png", "c")], meta=meta
    )
    assert read_metrics(run) == {"acc": 0.5} and read_config(run) == {"seed": 3}
    assert read_figures(run) == [{"file": "figures/a.png", "caption": "c"}]
    assert read_run_meta(run) == json.loads(json.dumps(meta))
    assert result_folders(tmp_path) == [run]
    (tmp_path / ".toy-1-x").mkdir()  # a run in progress is not a result
    (tmp_path / ".toy-1-x" / "metrics.json").write_text("{}")
    assert result_folders(tmp_path) == [run]


def test_machine_says_what_ran_the_run():
    m = machine("cpu")
    assert m["cpus"] == os.cpu_count() and m["torch"] == torch.__version__ and m["device"] == "cpu"
    assert m["cpu"] and m["system"] and m["python"].count(".") == 2


def test_run_meta_machine_must_be_an_object(tmp_path):
    (tmp_path / "run.json").write_text('{"machine": "laptop"}')
    with pytest.raises(RunFileError, match='"machine" must be an object, got a string'):
        read_run_meta(tmp_path)


def test_times_and_tour_keep_the_latest_outcome(tmp_path):
    record_time(tmp_path, "a", "quick", 1.0, 0.9)
    record_time(tmp_path, "a", "default", 5.0, 4.5)
    record_time(tmp_path, "a", "quick", 2.0, 1.8)  # replaces the earlier quick time only
    times = read_times(tmp_path)["a"]
    assert (times["quick"]["seconds"], times["default"]["cpu_seconds"]) == (2.0, 4.5)
    (tmp_path / "times.json").write_text("{")  # damaged: rebuilt by the next run
    record_time(tmp_path, "b", "full", 3.0, 3.0)
    assert list(read_times(tmp_path)) == ["b"]
    update_tour(tmp_path, {}, {"a": "RuntimeError: boom"}, seconds=1.0, size="quick")
    update_tour(tmp_path, {"a": 2.0}, {"b": "ValueError: x"}, seconds=2.0, size="default")
    tour = read_tour(tmp_path)
    assert tour["failed"] == {"b": "ValueError: x"}  # a later success clears the earlier failure
    assert tour["last_run"] == {
        "succeeded": {"a": 2.0},
        "failed": {"b": "ValueError: x"},
        "seconds": 2.0,
        "size": "default",
    }


def test_temporary_folders_get_the_usual_permissions_and_move_into_place(tmp_path, umask_022):
    tmp = make_temporary_folder(tmp_path, "toy")
    assert tmp.name.startswith(f".toy-{os.getpid()}-") and _mode(tmp) == 0o755
    (tmp / "metrics.json").write_text('{"new": 1}')
    final = tmp_path / "toy"
    final.mkdir()
    (final / "metrics.json").write_text('{"old": 1}')
    move_into_place(tmp, final)
    assert read_metrics(final) == {"new": 1} and sorted(p.name for p in tmp_path.iterdir()) == ["toy"]
    other = make_temporary_folder(tmp_path, "toy")
    discard(other)
    discard(other)  # already gone: nothing to do
    assert sorted(p.name for p in tmp_path.iterdir()) == ["toy"]


def test_leftovers_of_dead_processes_are_removed_and_live_ones_kept(tmp_path):
    dead = int(
        subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True).stdout
    )
    (tmp_path / f".toy-{dead}-abc").mkdir()
    (tmp_path / f".toy-old-{dead}-def").mkdir()
    (tmp_path / f".toy-{os.getppid()}-ghi").mkdir()  # a run of a live process
    (tmp_path / f".metrics.json-{dead}").write_text("")  # not a run folder's name
    mine = make_temporary_folder(tmp_path, "toy")  # this process's own run in progress
    assert sorted(remove_leftovers(tmp_path)) == sorted([f".toy-old-{dead}-def", f".toy-{dead}-abc"])
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(
        [f".toy-{os.getppid()}-ghi", f".metrics.json-{dead}", mine.name]
    )


def test_the_run_store_is_below_cli_and_report():
    """DESIGN: the run folder lives one floor below the command line and the report, which both use it."""
    import ast
    from pathlib import Path

    tree = ast.parse(Path(runs.__file__).read_text())
    imported = {n.module for n in ast.walk(tree) if isinstance(n, ast.ImportFrom) and n.module}
    imported |= {a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names}
    saddle_modules = {m for m in imported if m.startswith("saddle")}
    assert saddle_modules == {"saddle.atomic", "saddle.claims"}, saddle_modules
