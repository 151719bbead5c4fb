"""Packaging as users install it: `python -m build` makes a wheel and an sdist; the wheel installs into a fresh
virtual environment, where `saddle --version`, `saddle list` and a quick experiment run.

The fresh environment sees this environment's dependencies (torch 2.13.0, numpy, ...) through a `.pth` line
naming their site-packages, so nothing is downloaded; saddle itself comes only from the wheel (checked).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import sysconfig
import tarfile
import tomllib
import venv
import zipfile
from pathlib import Path

import pytest

import saddle

ROOT = Path(__file__).resolve().parents[1]
DEPRECATED_LICENSE = ("project.license` as a TOML table is deprecated", "License classifiers are deprecated")


def _run(cmd: list[str], cwd: Path, env: dict[str, str] | None = None, timeout: float = 600) -> str:
    proc = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout)
    assert proc.returncode == 0, f"{' '.join(map(str, cmd))} failed ({proc.returncode}):\n{proc.stdout}\n{proc.stderr}"
    return proc.stdout + proc.stderr


def test_one_version_and_an_spdx_license():
    meta = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    project = meta["project"]
    assert "version" in project.get("dynamic", []), "the version has one source: saddle.__version__"
    assert meta["tool"]["setuptools"]["dynamic"]["version"] == {"attr": "saddle.__version__"}
    assert project["license"] == "MIT" and (ROOT / "LICENSE").exists()
    assert saddle.__version__.count(".") == 2 and all(p.isdigit() for p in saddle.__version__.split("."))


def test_cli_prints_the_version(capsys):
    from saddle.cli import main

    with pytest.raises(SystemExit) as exit_info:
        main(["--version"])
    assert exit_info.value.code == 0
    assert capsys.readouterr().out.strip() == f"saddle {saddle.__version__}"


@pytest.mark.slow
def test_wheel_installs_into_a_fresh_venv_and_runs(tmp_path):
    # build from a copy of the sources, so build/ and *.egg-info never land in the checkout
    source = tmp_path / "source"
    source.mkdir()
    for name in ("pyproject.toml", "README.md", "LICENSE"):
        shutil.copy2(ROOT / name, source / name)
    shutil.copytree(ROOT / "src", source / "src", ignore=shutil.ignore_patterns("__pycache__", "*.egg-info"))
    dist = tmp_path / "dist"
    log = _run([sys.executable, "-m", "build", "--no-isolation", "--sdist", "--wheel", "--outdir", str(dist)], source)
    for message in DEPRECATED_LICENSE:
        assert message not in log, f"setuptools still warns: {message}"
    (wheel,) = dist.glob(f"saddle-{saddle.__version__}-py3-none-any.whl")
    (sdist,) = dist.glob(f"saddle-{saddle.__version__}.tar.gz")
    with zipfile.ZipFile(wheel) as zf:
        names = set(zf.namelist())
        metadata = zf.read(f"saddle-{saddle.__version__}.dist-info/METADATA").decode()
    assert {"saddle/__init__.py", "saddle/cli.py", "saddle/py.typed", "saddle/experiments/bilinear.py"} <= names
    assert "License-Expression: MIT" in metadata and "Requires-Dist: torch==2.13.0" in metadata
    with tarfile.open(sdist) as tf:
        members = {m.split("/", 1)[1] for m in tf.getnames() if "/" in m}
    assert {"pyproject.toml", "LICENSE", "README.md", "src/saddle/__init__.py"} <= members

    env_dir = tmp_path / "venv"
    venv.EnvBuilder(with_pip=False).create(env_dir)
    python = env_dir / "bin" / "python"
    site = Path(
        _run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"], tmp_path).strip()
    )
    (site / "saddle_test_dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    _run(
        [sys.executable, "-m", "pip", "--python", str(python), "install", "--no-deps", "--no-index", str(wheel)],
        tmp_path,
    )

    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME")}
    env.update(SADDLE_PROGRESS="0", MPLBACKEND="Agg")
    where = _run([str(python), "-c", "import saddle; print(saddle.__file__)"], tmp_path, env).strip()
    assert Path(where).is_relative_to(site), f"saddle imported from {where}, not from the installed wheel"
    cli = env_dir / "bin" / "saddle"
    assert _run([str(cli), "--version"], tmp_path, env).strip() == f"saddle {saddle.__version__}"
    listing = _run([str(cli), "list"], tmp_path, env)
    assert "bilinear" in listing
    _run([str(cli), "run", "bilinear", "--quick", "--out", "results"], tmp_path, env)
    run = json.loads((tmp_path / "results" / "bilinear" / "run.json").read_text())
    assert json.loads((tmp_path / "results" / "bilinear" / "metrics.json").read_text())
    assert (tmp_path / "results" / "index.html").exists()
    assert all(c["status"] == "reproduced" for c in run["claims"]), run[
        "claims"
    ]  # bilinear's claims hold at quick size
