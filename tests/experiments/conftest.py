"""Shared helpers of the experiment tests: run one registered experiment, and each experiment's quick run once.

`quick_run(name)` runs an experiment at its quick size once per test session, however many tests and xdist
workers ask for it (the record is pickled in a folder the workers share, behind a file lock, as pytest-xdist's
documentation recommends for session fixtures), with its claim verdicts, whether it wrote its figures and
whether it left the global RNGs alone. `run_experiment(name)` without overrides reuses it.
"""

import copy
import dataclasses
import os
import pickle
import random

import pytest

from saddle import cli, runs
from saddle.atomic import atomic_write
from saddle.experiments import experiment, registry
from saddle.experiments.base import RunOutput


@dataclasses.dataclass(frozen=True)
class QuickRun:
    """One experiment's run at quick size: the metrics its run returned, the claim verdicts (dicts), and two checks
    of the run."""

    metrics: dict
    verdicts: list
    figures_written: bool  # every figure it declares exists and is not empty
    global_rngs_untouched: dict  # {"torch": bool, "numpy": bool, "python": bool}: nothing drawn from them


def _global_rng_states():
    import numpy as np
    import torch

    # numpy's legacy global RNG is the state under test: a run must not draw from it
    return torch.get_rng_state(), np.random.get_state()[1].copy(), random.getstate()  # noqa: NPY002


def _run_quick(name, folder):
    import numpy as np
    import torch

    exp = experiment(name)
    config = exp.make_config(size="quick")
    out = RunOutput(folder)
    threads = torch.get_num_threads()
    torch.set_num_threads(1)  # as `saddle run` does (also the speed: many small tensor operations)
    try:
        with cli._seeded_global_rngs(config.seed):  # as `saddle run` does, so that the verdicts are the command's
            before = _global_rng_states()
            metrics = dict(exp.run(config, out))
            after = _global_rng_states()
    finally:
        torch.set_num_threads(threads)
    return QuickRun(
        metrics=metrics,
        verdicts=[v.to_dict() for v in exp.check_claims(runs.to_jsonable(metrics), "quick", config=config)],
        figures_written=all(
            (out.path / f.file).is_file() and (out.path / f.file).stat().st_size > 0 for f in out.figures
        ),
        global_rngs_untouched={
            "torch": bool(torch.equal(before[0], after[0])),
            "numpy": bool(np.array_equal(before[1], after[1])),
            "python": before[2] == after[2],
        },
    )


@pytest.fixture(scope="session")
def quick_run(tmp_path_factory):
    """quick_run(name) -> QuickRun: the experiment at quick size, run once per session across xdist workers."""
    from filelock import FileLock

    base = tmp_path_factory.getbasetemp()
    shared = (base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base) / "quick-runs"
    shared.mkdir(exist_ok=True)
    memo = {}

    def get(name):
        if name not in memo:
            record = shared / f"{name}.pickle"
            with FileLock(str(shared / f"{name}.lock")):
                if not record.is_file():
                    run = pickle.dumps(_run_quick(name, shared / name))
                    atomic_write(record, lambda tmp, run=run: tmp.write_bytes(run))
                memo[name] = pickle.loads(record.read_bytes())
        return memo[name]

    return get


@pytest.fixture
def run_experiment(tmp_path, quick_run):
    """run_experiment(name, **overrides) -> metrics: the experiment at quick size with typed overrides,
    checking that every figure it declares was written and is non-empty. Without overrides it is the session's
    quick run."""

    def run(name, **overrides):
        if not overrides:
            record = quick_run(name)
            assert record.figures_written, f"{name}: a declared figure is missing or empty"
            return copy.deepcopy(record.metrics)  # a test may change what it gets
        exp = registry()[name]
        config = exp.make_config(quick=True, **overrides)
        out = RunOutput(tmp_path / name)
        metrics = exp.run(config, out)
        assert all((out.path / f.file).stat().st_size > 0 for f in out.figures)
        return metrics

    return run


@pytest.fixture
def run_experiment_explicit_rng(run_experiment, quick_run):
    """Like run_experiment, and checks the run drew nothing from the global RNGs (torch, numpy, random): DESIGN's
    explicit-generator rule, so results never depend on global seeding (e.g. by `saddle run`)."""

    def run(name, **overrides):
        import numpy as np
        import torch

        if not overrides:
            untouched = quick_run(name).global_rngs_untouched
            assert all(untouched.values()), f"{name} drew from a global RNG: {untouched}"
            return run_experiment(name)
        before = _global_rng_states()
        metrics = run_experiment(name, **overrides)
        after = _global_rng_states()
        assert torch.equal(before[0], after[0]), f"{name} drew from torch's global RNG"
        assert np.array_equal(before[1], after[1]), f"{name} drew from numpy's global RNG"
        assert before[2] == after[2], f"{name} drew from Python's global random"
        return metrics

    return run
