"""`python -m saddle` is the CLI: the version, and a bad command's one-line error with exit code 2."""

import os
import subprocess
import sys
from pathlib import Path

import saddle

SRC = str(Path(saddle.__file__).parents[1])


def _run(*args):
    env = {**os.environ, "PYTHONPATH": SRC + os.pathsep + os.environ.get("PYTHONPATH", "")}
    return subprocess.run([sys.executable, "-m", "saddle", *args], capture_output=True, text=True, env=env, timeout=120)


def test_python_dash_m_saddle_prints_the_version():
    proc = _run("--version")
    assert proc.returncode == 0 and proc.stdout.strip() == f"saddle {saddle.__version__}"


def test_python_dash_m_saddle_exits_2_with_one_line_on_an_unknown_experiment():
    proc = _run("run", "no_such_experiment")
    assert proc.returncode == 2 and proc.stdout == ""
    err = proc.stderr.strip()
    assert len(err.splitlines()) == 1 and "unknown experiment 'no_such_experiment'" in err and "bilinear" in err
