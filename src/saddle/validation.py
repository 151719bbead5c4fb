"""Argument validation shared by every package of saddle (bottom floor: imports nothing from saddle).

Each check returns the validated value (converted to a plain Python number where that helps) or raises
`ValueError` naming the argument, the offending value and the allowed range — the CLI turns these into
one-line messages with exit code 2 (DESIGN.md, Conventions).
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Callable, Collection, Sequence
from typing import Any, Literal, overload

import torch
from torch import Tensor

__all__ = [
    "NoiseSource",
    "as_generator",
    "check_bool",
    "check_callable",
    "check_choice",
    "check_finite",
    "check_generator",
    "check_int",
    "check_positions",
    "check_probability_vectors",
    "check_real",
    "check_step_size",
    "random_rows",
]

#: where random draws (Langevin noise, a GAN trainer's batches) come from: one generator, or one generator per row
#: of independent runs stacked on a leading axis (S seeds of a batched RL agent or of stacked GANs: row s from
#: generator s, exactly as the run of seed s alone; `random_rows`)
NoiseSource = torch.Generator | Sequence[torch.Generator]


def _allowed(low: float, high: float, low_open: bool, high_open: bool) -> str:
    """'a finite number > 0', 'a number >= 1 (or inf)' or 'in (0, 1]': the allowed range in words."""
    if high == math.inf and low == -math.inf:
        return "a finite number" if high_open else "a number (or inf)"
    if high == math.inf:
        rel = f"{'>' if low_open else '>='} {low:g}"
        return f"a finite number {rel}" if high_open else f"a number {rel} (or inf)"
    return f"in {'(' if low_open else '['}{low:g}, {high:g}{')' if high_open else ']'}"


def check_real(
    name: str,
    value: object,
    low: float = 0.0,
    high: float = math.inf,
    *,
    low_open: bool = True,
    high_open: bool = False,
) -> float:
    """Return float(value) if it lies in the interval (or [) low, high ] (or )), else raise ValueError.

    Booleans and non-real values are refused (a one-element real tensor counts as its value); NaN is refused;
    +inf only when `high` is +inf and closed.
    """
    if isinstance(value, Tensor) and value.numel() == 1 and not value.is_complex():
        value = value.item()
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise ValueError(f"{name} must be a real number, got {value!r}")
    v = float(value)
    ok = math.isfinite(v) or (v == high == math.inf and not high_open)
    ok = ok and (v > low if low_open else v >= low) and (v < high if high_open else v <= high)
    if not ok:
        raise ValueError(f"{name} must be {_allowed(low, high, low_open, high_open)}, got {value!r}")
    return v


def check_int(name: str, value: int, low: int = 1, high: int | None = None) -> int:
    """Return `value` if it is an int (not a bool) in [low, high] (high = None: no upper bound), else raise."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < low:
        raise ValueError(
            f"{name} must be an integer >= {low}" + (f" and <= {high}" if high is not None else "") + f", got {value!r}"
        )
    if high is not None and value > high:
        raise ValueError(f"{name} must be an integer in [{low}, {high}], got {value!r}")
    return int(value)


@overload
def check_step_size(
    value: float | Callable[[int], float], name: str = ..., *, allow_schedule: Literal[False]
) -> float: ...


@overload
def check_step_size(
    value: float | Callable[[int], float], name: str = ..., *, allow_schedule: bool = ...
) -> float | Callable[[int], float]: ...


def check_step_size(
    value: float | Callable[[int], float], name: str = "step_size", *, allow_schedule: bool = True
) -> float | Callable[[int], float]:
    """A step size is a finite real > 0 or (with `allow_schedule`) a callable schedule k -> η_k, returned unchanged."""
    if allow_schedule and callable(value):
        return value
    return check_real(name, value, 0.0, math.inf, high_open=True)


def check_choice(name: str, value: Any, choices: Collection[Any]) -> Any:
    """Return `value` if it is one of `choices`, else ValueError listing them."""
    if value not in choices:
        raise ValueError(f"{name} must be one of {', '.join(repr(c) for c in choices)}, got {value!r}")
    return value


def check_bool(name: str, value: Any) -> bool:
    """Return `value` if it is a bool (True or False; 1 and 0 are refused although 1 == True), else ValueError."""
    if not isinstance(value, bool):
        raise ValueError(f"{name} must be True or False, got {value!r}")
    return value


def check_callable(name: str, value: Any, what: str = "a callable") -> Any:
    """Return `value` if it is callable, else ValueError (`what` describes the expected signature)."""
    if not callable(value):
        raise ValueError(f"{name} must be {what}, got {value!r}")
    return value


def _is_seed(value: Any) -> bool:
    """An int seed: an integral number that is not a bool."""
    return isinstance(value, numbers.Integral) and not isinstance(value, bool)


@overload
def check_generator(generator: Any, name: str = ..., *, allow_none: Literal[False] = ...) -> torch.Generator: ...


@overload
def check_generator(generator: Any, name: str = ..., *, allow_none: bool) -> torch.Generator | None: ...


def check_generator(generator: Any, name: str = "generator", *, allow_none: bool = False) -> torch.Generator | None:
    """Return `generator` if it is a torch.Generator (or None with `allow_none`), else ValueError.

    For per-step kernels (a sampler's or a loss's `step(..., generator)`): an int seed is refused because the
    same int given at every step would silently repeat the same noise (see `as_generator` for the policy).
    """
    if generator is None and allow_none:
        return None
    if isinstance(generator, torch.Generator):
        return generator
    if _is_seed(generator):
        raise ValueError(
            f"{name} must be a torch.Generator, got the int {generator!r}: a per-step call given the same "
            f"seed each time would repeat the same noise; create torch.Generator().manual_seed(seed) once "
            f"(or pass the seed to the run's entry point)"
        )
    raise ValueError(f"{name} must be a torch.Generator{' or None' if allow_none else ''}, got {generator!r}")


@overload
def as_generator(
    generator: Any, name: str = ..., *, default_seed: int, device: str | torch.device = ...
) -> torch.Generator: ...


@overload
def as_generator(
    generator: Any, name: str = ..., *, default_seed: None = ..., device: str | torch.device = ...
) -> torch.Generator | None: ...


def as_generator(
    generator: Any, name: str = "generator", *, default_seed: int | None = None, device: str | torch.device = "cpu"
) -> torch.Generator | None:
    """The random source of an entry point that owns a whole run or call: Generator, int seed or None → Generator.

    Policy (one for all of saddle): entry points that own a run or a call (attacks and adversarial-training
    objectives at construction, `saddle.diffusion.sample`, `ShuffledBatches`, the robustness estimators...) accept
    an int seed, converted ONCE here to a fresh `torch.Generator(device).manual_seed(seed)`, so an int seed and
    `torch.Generator().manual_seed(seed)` give the same numbers; a torch.Generator is returned unchanged (it keeps
    advancing); None gives a fresh generator seeded `default_seed` (or stays None when default_seed is None: the
    callee's documented default). Per-step kernels use `check_generator`, which refuses ints. A bool, float,
    string... is refused with ValueError.
    """
    if generator is None:
        return None if default_seed is None else torch.Generator(device).manual_seed(default_seed)
    if _is_seed(generator):
        return torch.Generator(device).manual_seed(int(generator))
    if isinstance(generator, torch.Generator):
        return generator
    raise ValueError(f"{name} must be a torch.Generator, an int seed or None, got {generator!r}")


def random_rows(
    shape: Sequence[int],
    generator: NoiseSource | None,
    *,
    uniform: bool = False,
    dtype: torch.dtype | None = None,
    device: str | torch.device | None = None,
) -> Tensor:
    """torch.randn (torch.rand with `uniform`) of `shape` from `generator`; a sequence of generators is one
    stream per row: row i (shape[1:]) comes from generator i alone (drawn on that generator's device, then moved to
    `device`), so a batch of independent runs stacked along the first axis draws exactly the numbers each run
    draws alone from its own generator."""
    draw = torch.rand if uniform else torch.randn
    if generator is None or isinstance(generator, torch.Generator):
        return draw(tuple(shape), generator=generator, dtype=dtype, device=device)
    gens = list(generator)
    if not shape or len(gens) != shape[0] or not all(isinstance(g, torch.Generator) for g in gens):
        raise ValueError(
            f"a sequence of generators draws one row each: need {shape[0] if shape else '?'} torch.Generators for "
            f"shape {tuple(shape)}, got {len(gens)} items"
        )
    rows = torch.stack([draw(tuple(shape[1:]), generator=g, dtype=dtype, device=g.device) for g in gens])
    return rows if device is None else rows.to(device)


def check_finite(name: str, value: Tensor) -> Tensor:
    """Return `value` if it is a tensor with only finite entries, else ValueError ('... contains NaN or inf')."""
    if not isinstance(value, Tensor):
        raise ValueError(f"{name} must be a tensor, got {type(value).__name__}")
    if (value.is_floating_point() or value.is_complex()) and not bool(torch.isfinite(value).all()):
        raise ValueError(f"{name} contains NaN or inf; it must be finite")
    return value


def check_positions(position: Tensor, name: str = "position") -> Tensor:
    """Return `position` detached if it is a finite floating tensor of shape (n_chains, d), n_chains, d ≥ 1."""
    if not isinstance(position, Tensor):
        raise ValueError(f"{name} must be a tensor of shape (n_chains, d), got {type(position).__name__}")
    if position.ndim != 2 or position.shape[0] == 0 or position.shape[1] == 0:
        raise ValueError(f"{name} must have shape (n_chains, d) with n_chains, d >= 1, got {tuple(position.shape)}")
    if not position.is_floating_point():
        raise ValueError(f"{name} must be a floating tensor, got dtype {position.dtype}")
    return check_finite(name, position).detach()


def check_probability_vectors(name: str, value: Tensor, atol: float | None = None) -> Tensor:
    """Return `value` if every vector along its last dim is a probability vector (entries ≥ 0, sum 1 up to atol).

    Default atol = sqrt(machine epsilon) of the dtype (1.5e-8 in float64, 3.5e-4 in float32).
    """
    check_finite(name, value)
    if not value.is_floating_point() or value.ndim == 0:
        raise ValueError(
            f"{name} must be a floating tensor of probability vectors (last dim), got "
            f"dtype {value.dtype} and shape {tuple(value.shape)}"
        )
    tol = math.sqrt(torch.finfo(value.dtype).eps) if atol is None else atol
    low, sums = float(value.detach().min()), value.detach().sum(-1)
    err = float((sums - 1).abs().max())
    if low < 0 or err > tol:
        raise ValueError(
            f"{name} must lie on the probability simplex (entries >= 0, last dim summing to 1 within "
            f"{tol:.2g}), got min entry {low:.4g} and sums in [{float(sums.min()):.6g}, {float(sums.max()):.6g}]"
        )
    return value
