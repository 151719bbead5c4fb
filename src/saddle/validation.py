"""Argument validation shared by every package of saddle (bottom floor: imports nothing from saddle).

Each check returns the validated value (converted to a plain Python number where that helps) or raises
`ValueError` naming the argument, the offending value and the allowed range — the CLI turns these into
one-line messages with exit code 2 (DESIGN.md, Conventions).
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Callable, Collection, Sequence
from contextlib import nullcontext
from types import EllipsisType
from typing import Any, Literal, overload

import torch
from torch import Tensor

__all__ = [
    "NoiseSource",
    "as_generator",
    "as_real_tensor",
    "check_bool",
    "check_callable",
    "check_choice",
    "check_classification_batch",
    "check_finite",
    "check_generator",
    "check_int",
    "check_labels",
    "check_model_input",
    "check_module",
    "check_players",
    "check_positions",
    "check_probability_vectors",
    "check_real",
    "check_step_size",
    "check_tensor",
    "model_output",
    "random_rows",
]

#: where random draws (Langevin noise, a GAN trainer's batches) come from: one generator, or one generator per row
#: of independent runs stacked on a leading axis (S seeds of a batched RL agent or of stacked GANs: row s from
#: generator s, exactly as the run of seed s alone; `random_rows`)
NoiseSource = torch.Generator | Sequence[torch.Generator]


def _allowed(low: float, high: float, low_open: bool, high_open: bool) -> str:
    """'a finite number > 0', 'a number >= 1 (or inf)' or 'in (0, 1]': the allowed range in words."""
    if high == math.inf and low == -math.inf:
        return (
            "a finite number"
            if high_open and low_open
            else "a number (or ±inf)"
            if not (high_open or low_open)
            else ("a number (or inf)" if low_open else "a number (or -inf)")
        )
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
    +inf only when `high` is +inf and closed, -inf only when `low` is -inf and closed.
    """
    if isinstance(value, Tensor) and value.numel() == 1 and not value.is_complex() and not value.is_meta:
        value = value.item()
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise ValueError(f"{name} must be a real number, got {value!r}")
    v = float(value)
    ok = math.isfinite(v) or (v == high == math.inf and not high_open) or (v == low == -math.inf and not low_open)
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


def _check_device(name: str, value: Tensor) -> None:
    if value.is_meta:
        raise ValueError(f"{name} is on the meta device, which holds no values; give it on cpu or cuda")


@overload
def check_finite(name: str, value: Tensor, error: type[ValueError] = ValueError) -> Tensor: ...


@overload
def check_finite(name: str, value: float, error: type[ValueError] = ValueError) -> float: ...


def check_finite(name: str, value: Tensor | float, error: type[ValueError] = ValueError) -> Tensor | float:
    """Return `value` if it is a tensor with only finite entries ('NAME contains NaN or inf' otherwise) or a finite
    real number ('non-finite NAME (nan)' otherwise). `error` is the class raised: ValueError or a subclass
    (training raises `saddle.train.NonFiniteError`, which the loop completes with where it happened)."""
    if isinstance(value, numbers.Real) and not isinstance(value, bool):
        if not math.isfinite(value):
            raise error(f"non-finite {name} ({float(value)})")
        return value
    if not isinstance(value, Tensor):
        raise ValueError(f"{name} must be a tensor or a real number, got {type(value).__name__}")
    _check_device(name, value)
    if (value.is_floating_point() or value.is_complex()) and not bool(torch.isfinite(value).all()):
        raise error(f"{name} contains NaN or inf; it must be finite")
    return value


Shape = tuple[int | str | EllipsisType, ...]


def _shape_text(shape: Shape) -> str:
    return "(" + ", ".join("..." if s is Ellipsis else str(s) for s in shape) + ("," if len(shape) == 1 else "") + ")"


def _shape_matches(actual: tuple[int, ...], shape: Shape, sizes: dict[str, int]) -> bool:
    """Whether `actual` matches the pattern (ints exact, names bind one size each, one `...` any dims)."""
    if Ellipsis in shape:
        i = shape.index(Ellipsis)
        head, tail = shape[:i], shape[i + 1 :]
        if len(actual) < len(head) + len(tail):
            return False
        pairs = list(zip(head, actual[: len(head)])) + list(zip(tail, actual[len(actual) - len(tail) :]))
    else:
        if len(actual) != len(shape):
            return False
        pairs = list(zip(shape, actual))
    for want, got in pairs:
        if isinstance(want, str):
            if sizes.setdefault(want, got) != got:
                return False
        elif want != got:
            return False
    return True


def check_tensor(
    name: str,
    value: Any,
    shape: Shape | None = None,
    *,
    dtype: Literal["floating", "integer", "any"] = "floating",
    finite: bool = True,
    nonempty: bool = True,
    sizes: dict[str, int] | None = None,
) -> Tensor:
    """Return `value` if it is a tensor of the given shape pattern, kind of dtype, finite and non-empty; else raise.

    shape: a pattern such as ("B", 2) or ("n", "...") — an int fixes a dimension, a name binds one size (the same
    name in `sizes`, a dict shared by several calls, must have the same size everywhere: batch sizes that must
    agree), `...` stands for any number of dimensions; None accepts any shape. dtype "floating" refuses integer,
    bool and complex tensors, "integer" refuses floating, bool and complex ones. nonempty: the tensor has at least
    one entry. Meta tensors (no values) are refused. Raises TypeError for a non-tensor, ValueError otherwise; every
    message names the argument, what it got and what is allowed.
    """
    if not isinstance(value, Tensor):
        raise TypeError(f"{name} must be a torch.Tensor, got {type(value).__name__}")
    _check_device(name, value)
    if dtype == "floating" and not value.is_floating_point():
        raise ValueError(f"{name} must be a floating-point tensor, got dtype {value.dtype}")
    if dtype == "integer" and (value.is_floating_point() or value.is_complex() or value.dtype == torch.bool):
        raise ValueError(f"{name} must be an integer tensor, got dtype {value.dtype}")
    if shape is not None:
        bound = {} if sizes is None else sizes
        before = dict(bound)
        if not _shape_matches(tuple(value.shape), shape, bound):
            bound.clear()
            bound.update(before)
            agreed = {k: v for k, v in before.items() if k in shape}
            extra = f" with {', '.join(f'{k} = {v}' for k, v in agreed.items())}" if agreed else ""
            raise ValueError(f"{name} must have shape {_shape_text(shape)}{extra}, got {tuple(value.shape)}")
    if nonempty and value.numel() == 0:
        raise ValueError(f"{name} is empty (shape {tuple(value.shape)}); it needs at least one entry")
    if finite and (value.is_floating_point() or value.is_complex()) and not bool(torch.isfinite(value).all()):
        raise ValueError(f"{name} contains NaN or inf; it must be finite")
    return value


def as_real_tensor(
    name: str,
    value: Any,
    shape: Shape | None = None,
    *,
    finite: bool = True,
    nonempty: bool = True,
    sizes: dict[str, int] | None = None,
) -> Tensor:
    """`value` (a tensor, array, nested list or number of reals) as a floating tensor, checked like `check_tensor`.

    Floating tensors keep their dtype and device; integer values become float64 (they are exact reals); complex,
    bool, string and meta values are refused with ValueError naming the argument.
    """
    if isinstance(value, Tensor):
        t = value
    else:
        try:
            t = torch.as_tensor(value)
        except (TypeError, ValueError, RuntimeError):
            raise ValueError(f"{name} must be a tensor of real numbers, got {type(value).__name__} {value!r}") from None
    if (
        isinstance(t, Tensor)
        and not t.is_meta
        and not (t.is_floating_point() or t.is_complex() or t.dtype == torch.bool)
    ):
        t = t.to(torch.float64)
    return check_tensor(name, t, shape, finite=finite, nonempty=nonempty, sizes=sizes)


def check_labels(name: str, value: Any, n_classes: int | None = None, *, sizes: dict[str, int] | None = None) -> Tensor:
    """Return `value` if it is a 1-D integer tensor of class labels in [0, n_classes) (n_classes None: >= 0).

    With `sizes` its length is the batch size "B" shared with the inputs (see `check_tensor`). One-hot or
    probability rows (shape (B, C)) and floating labels are refused with what was given.
    """
    if isinstance(value, Tensor) and value.ndim == 2 and not value.is_meta:
        raise ValueError(
            f"{name} must be a 1-D tensor of class indices (B,), got shape {tuple(value.shape)} "
            f"(one-hot or probability rows? pass their argmax)"
        )
    y = check_tensor(name, value, ("B",), dtype="integer", nonempty=False, sizes=sizes)
    if y.numel():
        low, high = int(y.min()), int(y.max())
        top = "" if n_classes is None else f", {n_classes - 1}"
        if low < 0 or (n_classes is not None and high >= n_classes):
            what = f" for {n_classes} classes" if n_classes is not None else ""
            raise ValueError(f"{name} must be class labels in [0{top}]{what}, got values in [{low}, {high}]")
    return y


def check_classification_batch(
    x: Any, y: Any, n_classes: int | None = None, *, x_name: str = "x", y_name: str = "y"
) -> Tensor:
    """A batch of a classifier: x (B, ...) a finite floating tensor with B ≥ 1, y (B,) class labels (in [0, n_classes)
    when given; int32/uint8 are labels too). Returns y as int64; TypeError/ValueError naming the argument otherwise.

    The one check of (x, y) at the boundaries that take a labelled batch (evaluation, training, objectives); the
    label range against the model's outputs follows with `check_labels(y_name, y, K)` once the logits are known.
    """
    sizes: dict[str, int] = {}
    check_tensor(x_name, x, ("B", ...), sizes=sizes)
    return check_labels(f"{y_name} (one label per point of {x_name})", y, n_classes, sizes=sizes).long()


def check_players(name: str, params: Any, *, finite: bool = True) -> list[Tensor]:
    """Return `params` as a list if it is a non-empty list/tuple of floating tensors (one per player) sharing one dtype
    and one device, finite (unless `finite` is False); else ValueError naming the player and what is wrong.

    Mixed dtypes are refused: a float32 player updated with a float64 field would silently come back float64.
    """
    if not isinstance(params, (list, tuple)) or not params:
        got = "an empty list" if isinstance(params, (list, tuple)) else type(params).__name__
        raise ValueError(f"{name} must be a non-empty list with one tensor per player, got {got}")
    for i, p in enumerate(params):
        check_tensor(f"{name}[{i}]", p, finite=finite, nonempty=False)
    kinds = {(p.dtype, p.device) for p in params}
    if len(kinds) > 1:
        raise ValueError(
            f"{name} must share one dtype and device, got {[f'{p.dtype} on {p.device}' for p in params]}; "
            f"convert every player with .to(dtype)"
        )
    return list(params)


def model_output(
    model: Any,
    x: Tensor,
    name: str = "model",
    x_name: str = "x",
    output: Shape | None = None,
) -> Tensor:
    """model(x), checked: the boundary of a model with its input (the caller chooses the grad mode and module modes).

    An input the model cannot take (a shape, dtype or device its layers refuse: torch raises RuntimeError deep
    inside) becomes ValueError naming `x_name`, its shape and dtype; an output that does not match the pattern
    `output` (with "B" bound to len(x), e.g. ("B", "K") for logits) or is not finite becomes ValueError naming
    `name`.
    """
    check_callable(name, model, "an nn.Module or a callable x -> output")
    try:
        out = model(x)
    except torch.OutOfMemoryError:
        raise
    except (RuntimeError, IndexError) as e:
        raise ValueError(
            f"{name} cannot take {x_name} of shape {tuple(x.shape)} and dtype {x.dtype} on {x.device}: {e}"
        ) from e
    what = f"the output of {name} on {x_name} (shape {tuple(x.shape)})"
    if output is not None:
        check_tensor(what, out, output, sizes={"B": x.shape[0]}, nonempty=False)
    elif isinstance(out, Tensor):
        check_finite(what, out)
    return out


def check_model_input(
    model: Any,
    x: Tensor,
    name: str = "model",
    x_name: str = "x",
    output: Shape | None = None,
) -> Tensor:
    """`model_output` on the first point of x, without gradients and, for an nn.Module, in eval mode with its state
    restored (`saddle.model_state.frozen_eval`: modes, parameters, gradients and BatchNorm statistics unchanged).

    For code that calls the model many times inside (ascent loops, torch.func transforms): one cheap call up front
    turns a model that cannot take x into a ValueError naming x, before any deep error.
    """
    from saddle.model_state import frozen_eval

    check_callable(name, model, "an nn.Module or a callable x -> output")
    with frozen_eval(model) if isinstance(model, torch.nn.Module) else nullcontext(), torch.no_grad():
        return model_output(model, x[:1], name, x_name, output)


def check_module(name: str, value: Any) -> Any:
    """Return `value` if it is a torch.nn.Module, else TypeError (a plain function has no mode, parameters or buffers
    to freeze and restore)."""
    if not isinstance(value, torch.nn.Module):
        raise TypeError(f"{name} must be a torch.nn.Module, got {type(value).__name__} {value!r}")
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
    if value.numel() == 0:
        return value
    low, sums = float(value.detach().min()), value.detach().sum(-1)
    err = float((sums - 1).abs().max())
    if low < 0 or err > tol:
        raise ValueError(
            f"{name} must lie on the probability simplex (entries >= 0, last dim summing to 1 within "
            f"{tol:.2g}), got min entry {low:.4g} and sums in [{float(sums.min()):.6g}, {float(sums.max()):.6g}]"
        )
    return value
