"""`python -m saddle` is the CLI: the version, and a bad argument's one-line error with exit code 2."""

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


def test_python_dash_m_saddle_exits_2_with_one_line_on_a_bad_argument(tmp_path):
    missing = tmp_path / "missing"
    proc = _run("report", str(missing))  # fails before any experiment is imported: a fast check of the exit path
    assert proc.returncode == 2 and proc.stdout == ""
    assert proc.stderr.strip() == f"saddle: error: report folder '{missing}' does not exist"
