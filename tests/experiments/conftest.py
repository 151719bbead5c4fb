"""Shared helpers of the experiment tests: run one registered experiment into a temporary folder."""

import pytest

from saddle.experiments import registry
from saddle.experiments.base import RunOutput


@pytest.fixture
def run_experiment(tmp_path):
    """run_experiment(name, **overrides) -> metrics: the experiment at quick size with typed overrides,
    checking that every figure it declares was written and is non-empty."""

    def run(name, **overrides):
        exp = registry()[name]
        config = exp.make_config(quick=True, **overrides)
        out = RunOutput(tmp_path / name)
        metrics = exp.run(config, out)
        assert all((out.path / f.file).stat().st_size > 0 for f in out.figures)
        return metrics

    return run


def _global_rng_states():
    import random

    import numpy as np
    import torch

    # numpy's legacy global RNG is the state under test: a run must not draw from it
    return torch.get_rng_state(), np.random.get_state()[1].copy(), random.getstate()  # noqa: NPY002


@pytest.fixture
def run_experiment_explicit_rng(run_experiment):
    """Like run_experiment, and checks the run drew nothing from the global RNGs (torch, numpy, random): DESIGN's
    explicit-generator rule, so results never depend on global seeding (e.g. by `saddle run`)."""

    def run(name, **overrides):
        import numpy as np
        import torch

        before = _global_rng_states()
        metrics = run_experiment(name, **overrides)
        after = _global_rng_states()
        assert torch.equal(before[0], after[0]), f"{name} drew from torch's global RNG"
        assert np.array_equal(before[1], after[1]), f"{name} drew from numpy's global RNG"
        assert before[2] == after[2], f"{name} drew from Python's global random"
        return metrics

    return run
