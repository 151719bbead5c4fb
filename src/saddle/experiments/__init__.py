"""Experiments: one file each, discovered automatically. `registry()` maps name -> Experiment."""

from __future__ import annotations

import importlib
import pkgutil

from saddle.claims import Claim, ClaimVerdict, check_claims
from saddle.experiments.base import Experiment, ExperimentConfig, RunOutput, check_choice, check_positive

__all__ = [
    "Claim",
    "ClaimVerdict",
    "Experiment",
    "ExperimentConfig",
    "RunOutput",
    "check_choice",
    "check_claims",
    "check_positive",
    "registry",
]

_REGISTRY: dict[str, Experiment] | None = None


def registry() -> dict[str, Experiment]:
    """Import every module of this package that defines `EXPERIMENT` and return them by name."""
    global _REGISTRY
    if _REGISTRY is None:
        found: dict[str, Experiment] = {}
        for info in sorted(pkgutil.iter_modules(__path__), key=lambda i: i.name):
            if info.name.startswith("_") or info.name == "base":
                continue
            module = importlib.import_module(f"{__name__}.{info.name}")
            exp = getattr(module, "EXPERIMENT", None)
            if isinstance(exp, Experiment):
                if exp.name in found:
                    raise RuntimeError(f"two experiments are named {exp.name!r}")
                found[exp.name] = exp
        _REGISTRY = found
    return _REGISTRY
