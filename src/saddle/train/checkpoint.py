"""Checkpoints: state dicts of any objects plus every RNG state, written atomically, read with weights_only=True.

A checkpoint is a plain dict {"objects": {name: obj.state_dict()}, "rng": rng_state(generators), "loop": {...}}
saved with `torch.save` to a temporary file and renamed, so a crash never leaves a half-written file.
"""

from __future__ import annotations

import os
import random
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import torch

from saddle.atomic import atomic_write

__all__ = ["atomic_torch_save", "load_checkpoint", "rng_state", "save_checkpoint", "set_rng_state"]


def rng_state(generators: Sequence[torch.Generator] = ()) -> dict[str, Any]:
    """Every random state a run can touch: torch CPU (and CUDA), numpy, python `random`, and `generators`.

    Only tensors, numbers, strings, lists and tuples: loadable with `torch.load(weights_only=True)`.
    """
    kind, keys, pos, has_gauss, cached = np.random.get_state()  # noqa: NPY002  # the global state code may draw from
    state: dict[str, Any] = {
        "torch": torch.get_rng_state(),
        "numpy": (kind, torch.from_numpy(np.asarray(keys, dtype=np.int64)), int(pos), int(has_gauss), float(cached)),
        "python": random.getstate(),
        "generators": [g.get_state() for g in generators],
    }
    if torch.cuda.is_available() and torch.cuda.is_initialized():
        state["cuda"] = torch.cuda.get_rng_state_all()
    return state


def set_rng_state(state: Mapping[str, Any], generators: Sequence[torch.Generator] = ()) -> None:
    """Restore what `rng_state` saved (the generators in the same order as when saving)."""
    if len(state["generators"]) != len(generators):
        raise ValueError(
            f"checkpoint holds {len(state['generators'])} generator states, got {len(generators)} generators"
        )
    torch.set_rng_state(state["torch"])
    kind, keys, pos, has_gauss, cached = state["numpy"]
    np.random.set_state((kind, keys.numpy().astype(np.uint32), pos, has_gauss, cached))  # noqa: NPY002  # as saved
    py = state["python"]
    random.setstate((py[0], tuple(py[1]), py[2]))
    for g, s in zip(generators, state["generators"]):
        g.set_state(s)
    if "cuda" in state and torch.cuda.is_available():
        torch.cuda.set_rng_state_all(state["cuda"])


def atomic_torch_save(obj: Any, path: str | os.PathLike) -> Path:
    """`torch.save(obj)` to `path` through a temporary file in the same folder and an atomic rename."""
    return atomic_write(path, lambda tmp: torch.save(obj, tmp))


def save_checkpoint(
    path: str | os.PathLike,
    objects: Mapping[str, Any],
    generators: Sequence[torch.Generator] = (),
    loop: Mapping[str, Any] | None = None,
) -> Path:
    """Save the state dicts of `objects` (anything with `state_dict()`), all RNG states and `loop` counters."""
    payload = {
        "objects": {name: obj.state_dict() for name, obj in objects.items()},
        "rng": rng_state(generators),
        "loop": dict(loop or {}),
    }
    return atomic_torch_save(payload, path)


def load_checkpoint(
    path: str | os.PathLike,
    objects: Mapping[str, Any],
    generators: Sequence[torch.Generator] = (),
    map_location: str | torch.device | None = "cpu",
) -> dict[str, Any]:
    """Load a `save_checkpoint` file (weights_only=True) into `objects` and the RNGs; returns its loop counters."""
    payload = torch.load(path, map_location=map_location, weights_only=True)
    missing = set(objects) - set(payload["objects"])
    if missing:
        raise ValueError(f"checkpoint {path} has no state for {sorted(missing)}; it holds {sorted(payload['objects'])}")
    for name, obj in objects.items():
        obj.load_state_dict(payload["objects"][name])
    set_rng_state(payload["rng"], generators)
    return payload["loop"]
