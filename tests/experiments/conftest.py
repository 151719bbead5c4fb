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
