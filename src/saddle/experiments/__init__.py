"""Experiments: one file each, discovered automatically.

`registry()` imports every experiment and maps name -> Experiment; `experiment(name)` imports only the one
asked for; `summaries()` reads every name and one-line summary from the modules' source without importing them
(what `saddle list` and the command line's checks need, without importing torch). The source of truth
is each module's `EXPERIMENT = Experiment(name="...", summary="...", ...)`: the literal strings are read from
its syntax tree, and a module whose name or summary is not a literal is imported instead. The names of
`saddle.experiments.base` (`Experiment`, ...) are imported on first use, so that importing this package does
not import torch.
"""

from __future__ import annotations

import ast
import importlib
import pkgutil
from pathlib import Path
from typing import TYPE_CHECKING, Any

from saddle.claims import Claim, ClaimVerdict, check_claims

if TYPE_CHECKING:
    from saddle.experiments.base import Experiment, ExperimentConfig, RunOutput, check_positive

__all__ = [
    "Claim",
    "ClaimVerdict",
    "Experiment",
    "ExperimentConfig",
    "RunOutput",
    "check_claims",
    "check_positive",
    "experiment",
    "registry",
    "summaries",
]

_FROM_BASE = frozenset({"Experiment", "ExperimentConfig", "RunOutput", "check_positive"})
_REGISTRY: dict[str, Experiment] | None = None
_MANIFEST: dict[str, tuple[str, str]] | None = None  # name -> (module, summary), read from the sources


def __getattr__(name: str) -> Any:
    """The names of `saddle.experiments.base`, imported on first use (it imports torch)."""
    if name in _FROM_BASE:
        from saddle.experiments import base

        return getattr(base, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def _modules() -> list[str]:
    """The modules of this package that may define an experiment, sorted."""
    return sorted(i.name for i in pkgutil.iter_modules(__path__) if not i.name.startswith("_") and i.name != "base")


def _declared(module: str) -> tuple[str, str] | None:
    """(name, summary) of the module's `EXPERIMENT = Experiment(...)` when both are literal strings in its source;
    None when the module declares no experiment; the module itself is imported when they are not literals."""
    tree = ast.parse(Path(__path__[0], f"{module}.py").read_text(encoding="utf-8"))
    for node in tree.body:
        targets = (
            node.targets if isinstance(node, ast.Assign) else [node.target] if isinstance(node, ast.AnnAssign) else []
        )
        if not any(getattr(t, "id", None) == "EXPERIMENT" for t in targets):
            continue
        call = getattr(node, "value", None)
        if isinstance(call, ast.Call):
            given = dict(zip(("name", "summary"), call.args))
            given.update({k.arg: k.value for k in call.keywords if k.arg in ("name", "summary")})
            name, summary = (getattr(given.get(key), "value", None) for key in ("name", "summary"))
            if isinstance(name, str) and isinstance(summary, str):
                return name, summary
        from saddle.experiments.base import Experiment

        exp = getattr(importlib.import_module(f"{__name__}.{module}"), "EXPERIMENT", None)
        return (exp.name, exp.summary) if isinstance(exp, Experiment) else None
    return None


def _manifest() -> dict[str, tuple[str, str]]:
    global _MANIFEST
    if _MANIFEST is None:
        found: dict[str, tuple[str, str]] = {}
        for module in _modules():
            declared = _declared(module)
            if declared is None:
                continue
            name, summary = declared
            if name in found:
                raise RuntimeError(f"two experiments are named {name!r}: modules {found[name][0]} and {module}")
            found[name] = (module, summary)
        _MANIFEST = found
    return _MANIFEST


def summaries() -> dict[str, str]:
    """{name: one-line summary} of every experiment, sorted by module, without importing them (the registry's
    entries once it is loaded)."""
    if _REGISTRY is not None:
        return {name: exp.summary for name, exp in _REGISTRY.items()}
    return {name: summary for name, (_, summary) in _manifest().items()}


def experiment(name: str) -> Experiment:
    """The experiment called `name`, importing only its module; KeyError naming the known ones when unknown."""
    if _REGISTRY is not None:
        if name not in _REGISTRY:
            raise KeyError(f"unknown experiment {name!r} (known: {', '.join(_REGISTRY)})")
        return _REGISTRY[name]
    from saddle.experiments.base import Experiment

    manifest = _manifest()
    if name not in manifest:
        raise KeyError(f"unknown experiment {name!r} (known: {', '.join(manifest)})")
    exp = getattr(importlib.import_module(f"{__name__}.{manifest[name][0]}"), "EXPERIMENT", None)
    if not isinstance(exp, Experiment) or exp.name != name:
        raise RuntimeError(f"module {manifest[name][0]} does not define EXPERIMENT {name!r} as its source says")
    return exp


def registry() -> dict[str, Experiment]:
    """Import every module of this package that defines `EXPERIMENT` and return them by name."""
    global _REGISTRY
    if _REGISTRY is None:
        _REGISTRY = {name: experiment(name) for name in _manifest()}
    return _REGISTRY
