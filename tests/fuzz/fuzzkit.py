"""The fuzz suite's kit: argument kinds, their corruptions, and the one runner that judges a bad-input call.

A table row (`Entry`) names a public callable of saddle, how to call it, and the kind of each argument. Each kind
knows a valid value and its corruptions (`Bad`): NaN/inf entries, empty batches, wrong shapes, dtypes and
devices (meta), out-of-range or one-hot labels, non-positive or non-finite hyperparameters, non-callables,
plain functions where a model is expected, schedules and potentials that return bad values. One case is one row
with one argument corrupted; hypothesis draws the corrupted value (where the NaN sits, how far below the range
the number is). `run_case` passes only if the call

- raises ValueError or TypeError whose message names the argument and says what is wrong with it (the bad
  value, its shape, dtype or device), or
- returns a correct result: for a harmless corruption (an int32 label vector, float64 inputs) the row's clean
  result, for an empty batch where the row allows it an empty result,

and if the model's modes, parameters, gradients and buffers (BatchNorm statistics), every input and the global
random number generators are exactly as they were before the call. Any other exception, a silent answer or a
changed state fails the case.
"""

from __future__ import annotations

import copy
import dataclasses
import math
import random
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import torch
from hypothesis import strategies as st
from torch import Tensor, nn

RAISE = "raise"  # the call must raise ValueError/TypeError
SAME = "same"  # raising is fine; a result must equal the clean call's result
EMPTY = "empty"  # raising is fine; a result must be empty along the batch (no NaN, no entries)
PROPAGATE = "propagate"  # a per-step kernel: raising is fine; a NaN input must come back as NaN (visible, not hidden)
META = "meta"  # a pure tensor function: raising is fine; a result must be on the meta device too (shape inference)
ANY = "any"  # a value that is valid after all (integer entries of a real matrix): raising is fine; no NaN in the result


@dataclass(frozen=True)
class Bad:
    """One corruption of an argument: `make(data, valid) -> bad value`; `words(bad)`: what the message must say.

    words returns alternatives (case-insensitive substrings), one of which the error message must contain besides
    the argument's name: the bad value itself for scalars, the bad shape/dtype/device or 'nan'/'finite' for tensors.
    """

    label: str
    make: Callable[[Any, Any], Any]
    words: Callable[[Any], Sequence[str]]
    accept: str = RAISE


def _value_words(v: Any) -> list[str]:
    out = [repr(v), str(v)]
    if isinstance(v, float) and math.isfinite(v):
        out += [f"{v:g}", f"{v:.4g}", f"{v:.6g}"]
    return out


def _shape_words(v: Any) -> list[str]:
    if isinstance(v, Tensor):
        return [str(tuple(v.shape)), "shape"]
    return ["shape"]


def _draw_float(data: Any, lo: float, hi: float, exclude_lo: bool = False, exclude_hi: bool = False) -> float:
    return data.draw(
        st.floats(
            min_value=lo,
            max_value=hi,
            exclude_min=exclude_lo,
            exclude_max=exclude_hi,
            allow_nan=False,
            allow_infinity=False,
            allow_subnormal=False,
        )
    )


class Kind:
    """An argument kind: a valid value and the corruptions that apply to it; `called` is how messages name it."""

    called: str | None = None

    def valid(self) -> Any:
        raise NotImplementedError

    def bads(self) -> list[Bad]:
        return []


def seeded(make: Callable[[], Any], seed: int = 0) -> Any:
    """make() with the global torch RNG seeded `seed` inside and restored after: the same network at every call."""
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        return make()


@dataclass
class Const(Kind):
    """An argument the suite does not corrupt (a game, a method, a flag), built fresh (and seeded) for each call."""

    make: Callable[[], Any]

    def valid(self) -> Any:
        return seeded(self.make)


@dataclass
class Real(Kind):
    """A real hyperparameter in (or [) low, high ) (or ]): the ranges of `saddle.validation.check_real`."""

    value: float
    low: float = 0.0
    high: float = math.inf
    low_open: bool = True
    high_open: bool = True
    called: str | None = None
    extra: tuple[tuple[str, Any], ...] = ()  # further named bad values, e.g. (("above 1", 1.5),)

    def valid(self) -> Any:
        return self.value

    def bads(self) -> list[Bad]:
        out = []
        if self.low > -math.inf:
            lo = self.low
            span = max(abs(lo), 1.0) * 10
            out.append(
                Bad(
                    "below range",
                    lambda d, v, lo=lo, span=span: _draw_float(d, lo - span, lo, exclude_hi=not self.low_open),
                    _value_words,
                )
            )
        if self.high < math.inf:
            hi = self.high
            span = max(abs(hi), 1.0) * 10
            out.append(
                Bad(
                    "above range",
                    lambda d, v, hi=hi, span=span: _draw_float(d, hi, hi + span, exclude_lo=not self.high_open),
                    _value_words,
                )
            )
        out.append(Bad("nan", lambda d, v: math.nan, _value_words))
        if self.high_open or self.high < math.inf:
            out.append(Bad("inf", lambda d, v: d.draw(st.sampled_from([math.inf, -math.inf])), _value_words))
        out.append(Bad("bool", lambda d, v: True, _value_words))
        out.append(Bad("string", lambda d, v: str(self.value), _value_words))
        out += [Bad(label, lambda d, v, b=b: b, _value_words) for label, b in self.extra]
        return out


@dataclass
class Int(Kind):
    """An integer hyperparameter in [low, high] (high None: unbounded), as `saddle.validation.check_int`."""

    value: int
    low: int = 1
    high: int | None = None
    called: str | None = None

    def valid(self) -> Any:
        return self.value

    def bads(self) -> list[Bad]:
        out = [Bad("below range", lambda d, v: d.draw(st.integers(self.low - 1000, self.low - 1)), _value_words)]
        if self.high is not None:
            out.append(
                Bad("above range", lambda d, v: d.draw(st.integers(self.high + 1, self.high + 1000)), _value_words)
            )
        out.append(Bad("float", lambda d, v: v + 0.5, _value_words))
        out.append(Bad("string", lambda d, v: str(v), _value_words))
        if self.low <= 1 and (self.high is None or self.high >= 1):
            out.append(Bad("bool", lambda d, v: True, _value_words))
        return out


@dataclass
class Choice(Kind):
    """One of a fixed set of names."""

    value: Any
    called: str | None = None

    def valid(self) -> Any:
        return self.value

    def bads(self) -> list[Bad]:
        return [Bad("unknown name", lambda d, v: d.draw(st.sampled_from(["bogus", "", "L2 "])), _value_words)]


@dataclass
class Gen(Kind):
    """A random source: a fresh torch.Generator seeded `seed` (or the int seed itself when `as_int`)."""

    seed: int = 0
    int_ok: bool = True
    as_int: bool = False
    called: str | None = "generator"

    def valid(self) -> Any:
        return self.seed if self.as_int else torch.Generator().manual_seed(self.seed)

    def bads(self) -> list[Bad]:
        out = [
            Bad("float seed", lambda d, v: 1.5, _value_words),
            Bad("string seed", lambda d, v: "seed", _value_words),
        ]
        if not self.int_ok:
            out.append(Bad("int seed", lambda d, v: 3, lambda b: ["int", "3"]))
        return out


def _set_flat(t: Tensor, index: int, value: float) -> Tensor:
    out = t.clone()
    out.view(-1)[index % out.numel()] = value
    return out


@dataclass
class Points(Kind):
    """A floating tensor (batch first unless `batch` is False) with entries uniform in [low, high].

    empty: what an empty batch of this argument alone must give (RAISE, or EMPTY where the row returns a
    per-point result); last_dim: whether the size of the last dimension is fixed (a wrong one must raise);
    ndim_fixed: whether one dim more or fewer must raise; float64: what float64 values must give (SAME: raise or
    the clean result).
    """

    shape: tuple[int, ...]
    low: float = 0.0
    high: float = 1.0
    dtype: torch.dtype = torch.float32
    seed: int = 0
    batch: bool = True
    empty: str = RAISE
    last_dim: bool = True
    ndim_fixed: bool = True
    float64: str = SAME
    finite: bool = True  # NaN/inf entries are bad inputs (False: a row where any value is legitimate)
    nonfinite: str = RAISE  # what NaN/inf entries must give: RAISE, or PROPAGATE for a per-step kernel
    meta: str = RAISE  # what a meta tensor must give: RAISE, or META for a pure tensor function
    called: str | None = None
    requires_grad: bool = False
    integer: str = RAISE  # what integer values must give: RAISE, or ANY where integers are valid reals
    extra_bad: tuple[tuple[str, Callable[[Tensor], Any], tuple[str, ...]], ...] = ()  # (label, valid -> bad, words)

    def valid(self) -> Any:
        g = torch.Generator().manual_seed(self.seed)
        x = torch.rand(self.shape, generator=g, dtype=torch.float64) * (self.high - self.low) + self.low
        return x.to(self.dtype).requires_grad_(self.requires_grad)

    def bads(self) -> list[Bad]:
        n = math.prod(self.shape)
        out = []
        if n > 0 and self.finite:
            out.append(
                Bad(
                    "nan entry",
                    lambda d, v: _set_flat(v.detach(), d.draw(st.integers(0, n - 1)), math.nan),
                    lambda b: ["nan", "finite"],
                    self.nonfinite,
                )
            )
            out.append(
                Bad(
                    "inf entry",
                    lambda d, v: _set_flat(
                        v.detach(), d.draw(st.integers(0, n - 1)), d.draw(st.sampled_from([math.inf, -math.inf]))
                    ),
                    lambda b: ["inf", "finite"],
                    self.nonfinite,
                )
            )
        if self.batch and self.shape and self.shape[0] > 0:
            out.append(
                Bad(
                    "empty batch",
                    lambda d, v: v.detach()[:0],
                    lambda b: [*_shape_words(b), "empty", "at least", ">= 1", "non-empty"],
                    self.empty,
                )
            )
        if self.ndim_fixed and self.shape:
            out.append(Bad("one dim fewer", lambda d, v: v.detach()[0], _shape_words))
        if self.ndim_fixed:
            out.append(
                Bad("one dim more", lambda d, v: v.detach().unsqueeze(-1).expand(*v.shape, 2).clone(), _shape_words)
            )
        if self.last_dim and len(self.shape) >= (2 if self.batch else 1):
            out.append(
                Bad("wrong last dim", lambda d, v: torch.cat([v.detach(), v.detach()[..., :1]], -1), _shape_words)
            )
        dtype_words = ["dtype", "floating", "float"]
        out.append(
            Bad(
                "integer dtype",
                lambda d, v: (v.detach() * 4).round().long(),
                lambda b: [*dtype_words, "int64", "integer"],
                self.integer,
            )
        )
        out.append(
            Bad("complex dtype", lambda d, v: v.detach().to(torch.complex64), lambda b: [*dtype_words, "complex"])
        )
        out.append(Bad("meta device", lambda d, v: v.detach().to("meta"), lambda b: ["meta", "device"], self.meta))
        out += [Bad(label, lambda d, v, f=f: f(v), lambda b, w=w: list(w)) for label, f, w in self.extra_bad]
        if self.dtype != torch.float64:
            out.append(
                Bad("float64", lambda d, v: v.detach().double(), lambda b: [*dtype_words, "float64"], self.float64)
            )
        return out


@dataclass
class Players(Kind):
    """One tensor per player (a point of a game): shapes[i] is player i's shape, e.g. ((2,), (3,)) or ((4, 2), (4, 3))."""

    shapes: tuple[tuple[int, ...], ...]
    low: float = -1.0
    high: float = 1.0
    dtype: torch.dtype = torch.float64
    seed: int = 0
    finite: bool = True
    called: str | None = None
    integer: str = RAISE  # ANY where integer coordinates are valid reals (converted)
    mixed: str = RAISE  # ANY where players of different dtypes are converted to one
    simplex: bool = False  # each player's rows are probability vectors

    def valid(self) -> Any:
        g = torch.Generator().manual_seed(self.seed)
        if self.simplex:
            return [
                torch.softmax(torch.randn(s, generator=g, dtype=torch.float64), -1).to(self.dtype) for s in self.shapes
            ]
        return [
            (torch.rand(s, generator=g, dtype=torch.float64) * (self.high - self.low) + self.low).to(self.dtype)
            for s in self.shapes
        ]

    def bads(self) -> list[Bad]:
        k = len(self.shapes)

        def put(v: list[Tensor], i: int, t: Tensor) -> list[Tensor]:
            return [t if j == i else u for j, u in enumerate(v)]

        player = lambda d: d.draw(st.integers(0, k - 1))  # noqa: E731
        out = []
        if self.finite:
            out.append(
                Bad(
                    "nan in a player",
                    lambda d, v: put(
                        v, i := player(d), _set_flat(v[i], d.draw(st.integers(0, v[i].numel() - 1)), math.nan)
                    ),
                    lambda b: ["nan", "finite"],
                )
            )
            out.append(
                Bad(
                    "inf in a player",
                    lambda d, v: put(v, i := player(d), _set_flat(v[i], 0, math.inf)),
                    lambda b: ["inf", "finite"],
                )
            )
        out += [
            Bad("a player missing", lambda d, v: v[:-1], lambda b: ["player", str(len(b))]),
            Bad("a player too many", lambda d, v: [*v, v[-1]], lambda b: ["player", str(len(b))]),
            Bad(
                "wrong player dim",
                lambda d, v: put(v, i := player(d), torch.cat([v[i], v[i][..., :1]], -1)),
                lambda b: ["dimension", "shape", "dim"],
            ),
            *(
                [
                    Bad(
                        "batch sizes differ",
                        lambda d, v: put(v, i := player(d), v[i][:-1]),
                        lambda b: ["batch", "shape"],
                    )
                ]
                if all(len(s) >= 2 and s[0] >= 2 for s in self.shapes)
                else []
            ),
            Bad(
                "integer player",
                lambda d, v: put(v, i := player(d), v[i].round().long()),
                lambda b: ["dtype", "floating", "int64"],
                self.integer,
            ),
            Bad(
                "mixed dtypes",
                lambda d, v: put(
                    v, i := player(d), v[i].to(torch.float32 if v[i].dtype == torch.float64 else torch.float64)
                ),
                lambda b: ["dtype", "float32", "float64"],
                self.mixed,
            ),
            Bad(
                "complex player",
                lambda d, v: put(v, i := player(d), v[i].to(torch.complex128)),
                lambda b: ["dtype", "floating", "complex"],
            ),
            Bad("meta player", lambda d, v: put(v, i := player(d), v[i].to("meta")), lambda b: ["meta", "device"]),
        ]
        return out


@dataclass
class Labels(Kind):
    """Class labels (n,) in [0, classes), int64."""

    n: int
    classes: int
    seed: int = 1
    called: str | None = None

    def valid(self) -> Any:
        return torch.randint(self.classes, (self.n,), generator=torch.Generator().manual_seed(self.seed))

    def bads(self) -> list[Bad]:
        c = self.classes
        range_words = lambda b: ["range", "class", str(c)]  # noqa: E731
        return [
            Bad(
                "label >= classes",
                lambda d, v: _set_flat(v, d.draw(st.integers(0, self.n - 1)), d.draw(st.integers(c, c + 5))),
                range_words,
            ),
            Bad(
                "negative label",
                lambda d, v: _set_flat(v, d.draw(st.integers(0, self.n - 1)), d.draw(st.integers(-5, -1))),
                range_words,
            ),
            Bad("float labels", lambda d, v: v.float(), lambda b: ["dtype", "integer", "float32", "int64"]),
            Bad("one-hot labels", lambda d, v: nn.functional.one_hot(v, c), _shape_words),
            Bad(
                "wrong length",
                lambda d, v: torch.cat([v, v[:1]]),
                lambda b: [*_shape_words(b), "batch", str(len(b)), "same"],
            ),
            Bad("int32 labels", lambda d, v: v.int(), lambda b: ["dtype", "int32", "int64"], SAME),
        ]


class _WrongOutput(nn.Module):
    """A model whose forward returns the inner model's output reshaped wrongly (what a user's mistake looks like)."""

    def __init__(self, inner: nn.Module, how: Callable[[Tensor], Tensor]) -> None:
        super().__init__()
        self.inner, self.how = inner, how

    def forward(self, *args: Any, **kwargs: Any) -> Tensor:
        return self.how(self.inner(*args, **kwargs))


def prime(model: nn.Module, seed: int = 0) -> nn.Module:
    """Put `model` in train mode with a .grad on every parameter (state the suite checks is left alone)."""
    model.train()
    g = torch.Generator().manual_seed(seed)
    for p in model.parameters():
        p.grad = torch.randn(p.shape, generator=g, dtype=p.dtype)
    return model


@dataclass
class Model(Kind):
    """An nn.Module built by `make` (then primed: train mode, grads set). Bad: a plain function, wrong outputs."""

    make: Callable[[], nn.Module]
    outputs: tuple[tuple[str, Callable[[Tensor], Tensor]], ...] = (
        ("output one dim fewer", lambda o: o.sum(-1)),
        ("output one dim more", lambda o: o.unsqueeze(-1)),
    )
    function_ok: bool = False
    called: str | None = None

    def valid(self) -> Any:
        return prime(seeded(self.make))

    def bads(self) -> list[Bad]:
        out = [
            Bad(
                label,
                lambda d, v, how=how: _WrongOutput(v, how),
                lambda b: ["shape", "output", "return"],
            )
            for label, how in self.outputs
        ]
        if not self.function_ok:
            out.append(Bad("plain function", lambda d, v: lambda x: v(x), lambda b: ["nn.Module", "module"]))
        return out


@dataclass
class Fn(Kind):
    """A callable argument (potential, score, schedule, field) with its own list of bad callables."""

    value: Callable[..., Any]
    wrong: tuple[tuple[str, Callable[..., Any], tuple[str, ...]], ...] = ()
    not_callable: bool = True
    called: str | None = None

    def valid(self) -> Any:
        return self.value

    def bads(self) -> list[Bad]:
        out = [Bad(label, lambda d, v, f=f: f, lambda b, w=w: w) for label, f, w in self.wrong]
        if self.not_callable:
            out.append(Bad("not callable", lambda d, v: "f", lambda b: ["callable", "'f'"]))
        return out


@dataclass
class Entry:
    """One public callable: `call(**args)`. batch: arguments sharing the batch dimension (one joint empty-batch
    case, whose result must be EMPTY or an error according to `empty`); mutates: a training step (parameters may
    change when the call succeeds); skip: 'arg:label' -> why that corruption is not a bad input here."""

    name: str
    call: Callable[..., Any]
    args: dict[str, Kind]
    batch: tuple[str, ...] = ()
    empty: str = RAISE
    mutates: bool = False
    skip: Mapping[str, str] = field(default_factory=dict)
    tol: float = 1e-4

    @property
    def package(self) -> str:
        parts = self.name.split(".")
        return parts[1] if len(parts) > 2 else parts[1].split(":")[0]


@dataclass(frozen=True)
class Case:
    entry: Entry
    arg: str | None  # None: the joint empty batch
    bad: Bad

    @property
    def id(self) -> str:
        return f"{self.entry.name}[{self.arg or '*'}:{self.bad.label}]"


def cases(entries: Sequence[Entry]) -> list[Case]:
    """Every (row, argument, corruption) of the table, the joint empty batch included."""
    out = []
    for e in entries:
        if e.batch:
            out.append(
                Case(
                    e,
                    None,
                    Bad("empty batch (all)", lambda d, v: v, lambda b: ["empty", "0", "at least", ">= 1"], e.empty),
                )
            )
        for arg, kind in e.args.items():
            for bad in kind.bads():
                if f"{arg}:{bad.label}" not in e.skip:
                    out.append(Case(e, arg, bad))
    return out


# ---- state of everything a call could change ------------------------------------------------------------------


def _snapshot(value: Any, seen: set[int]) -> Any:
    if id(value) in seen:
        return None
    if isinstance(value, Tensor):
        seen.add(id(value))
        return None if value.is_meta else ("tensor", value.detach().clone(), value.requires_grad, value.dtype)
    if isinstance(value, nn.Module):
        seen.add(id(value))
        return (
            "module",
            [(n, m.training) for n, m in value.named_modules()],
            [
                (n, p.detach().clone(), p.requires_grad, None if p.grad is None else p.grad.clone())
                for n, p in value.named_parameters()
            ],
            [(n, b.detach().clone()) for n, b in value.named_buffers()],
        )
    if isinstance(value, (list, tuple)):
        return ("seq", [_snapshot(v, seen) for v in value])
    if isinstance(value, dict):
        return ("dict", {k: _snapshot(v, seen) for k, v in value.items()})
    return None


def _same_state(a: Any, b: Any, params_may_change: bool) -> str | None:
    """None if the two snapshots agree, else what changed."""
    if a is None or b is None:
        return None
    if a[0] == "tensor":
        if a[3] != b[3] or a[2] != b[2]:
            return "an input's dtype or requires_grad changed"
        if a[1].shape != b[1].shape or not torch.equal(torch.nan_to_num(a[1], 7.5), torch.nan_to_num(b[1], 7.5)):
            return "an input tensor was modified in place"
        if torch.isnan(a[1]).ne(torch.isnan(b[1])).any():
            return "an input tensor was modified in place"
        return None
    if a[0] == "module":
        if a[1] != b[1]:
            return f"module modes changed: {a[1]} -> {b[1]}"
        for (n, p, rg, g), (_, q, rg2, g2) in zip(a[2], b[2]):
            if rg != rg2:
                return f"requires_grad of {n} changed"
            if not params_may_change:
                if not torch.equal(p, q):
                    return f"parameter {n} changed"
                if (g is None) != (g2 is None) or (g is not None and not torch.equal(g, g2)):
                    return f"gradient of {n} changed"
        if not params_may_change:
            for (n, u), (_, w) in zip(a[3], b[3]):
                if not torch.equal(torch.nan_to_num(u), torch.nan_to_num(w)):
                    return f"buffer {n} changed (BatchNorm statistics?)"
        return None
    if a[0] == "seq":
        for u, w in zip(a[1], b[1]):
            msg = _same_state(u, w, params_may_change)
            if msg:
                return msg
        return None
    if a[0] == "dict":
        for k in a[1]:
            msg = _same_state(a[1][k], b[1].get(k), params_may_change)
            if msg:
                return msg
    return None


def _rng_state() -> tuple[Tensor, Any, Any]:
    return torch.get_rng_state(), np.random.get_state()[1].copy(), random.getstate()  # noqa: NPY002 (the global state is the subject)


def _tensors_in(value: Any, depth: int = 0) -> list[Tensor]:
    if depth > 4:
        return []
    if isinstance(value, Tensor):
        return [value]
    if isinstance(value, (list, tuple)):
        return [t for v in value for t in _tensors_in(v, depth + 1)]
    if isinstance(value, dict):
        return [t for v in value.values() for t in _tensors_in(v, depth + 1)]
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return [t for f in dataclasses.fields(value) for t in _tensors_in(getattr(value, f.name), depth + 1)]
    return []


def _floats_in(value: Any, depth: int = 0) -> list[float]:
    if depth > 4:
        return []
    if isinstance(value, float):
        return [value]
    if isinstance(value, (list, tuple)):
        return [t for v in value for t in _floats_in(v, depth + 1)]
    if isinstance(value, dict):
        return [t for v in value.values() for t in _floats_in(v, depth + 1)]
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return [t for f in dataclasses.fields(value) for t in _floats_in(getattr(value, f.name), depth + 1)]
    return []


def _close(a: Any, b: Any, tol: float) -> bool:
    ta, tb = _tensors_in(a), _tensors_in(b)
    fa, fb = _floats_in(a), _floats_in(b)
    if len(ta) != len(tb) or len(fa) != len(fb):
        return False
    for u, w in zip(ta, tb):
        if u.shape != w.shape:
            return False
        if u.is_floating_point() or w.is_floating_point():
            if not torch.allclose(
                u.detach().double().cpu(), w.detach().double().cpu(), rtol=tol, atol=tol, equal_nan=True
            ):
                return False
        elif not torch.equal(u.cpu(), w.cpu()):
            return False
    return all(
        math.isclose(u, w, rel_tol=tol, abs_tol=tol) or (math.isnan(u) and math.isnan(w)) for u, w in zip(fa, fb)
    )


def _has_nan(value: Any) -> bool:
    return any(
        t.is_floating_point() and not t.is_meta and bool(torch.isnan(t).any()) for t in _tensors_in(value)
    ) or any(math.isnan(f) for f in _floats_in(value))


def _is_empty(value: Any) -> bool:
    ts = _tensors_in(value)
    return bool(ts) and all(t.numel() == 0 for t in ts) and not _floats_in(value)


def _names(arg: str, kind: Kind | None) -> list[str]:
    names = [arg, arg.replace("_", " ")]
    if kind is not None and kind.called:
        names.append(kind.called)
    return names


def _mentions(msg: str, word: str) -> bool:
    if re.fullmatch(r"\w+", word):
        return re.search(rf"(?<![\w.]){re.escape(word)}(?!\w)", msg, flags=re.IGNORECASE) is not None
    return word.lower() in msg.lower()


_CLEAN: dict[str, Any] = {}


def clean_result(entry: Entry) -> Any:
    """The row's result on its valid arguments (computed once; the reference of SAME cases)."""
    if entry.name not in _CLEAN:
        args = {k: kind.valid() for k, kind in entry.args.items()}
        _CLEAN[entry.name] = copy.deepcopy(_detach(entry.call(**args)))
    return _CLEAN[entry.name]


def _detach(value: Any) -> Any:
    if isinstance(value, Tensor):
        return value.detach()
    if isinstance(value, (list, tuple)) and not hasattr(value, "_fields"):
        return type(value)(_detach(v) for v in value)
    return value


def run_case(case: Case, data: Any) -> None:
    """Call the row with one argument corrupted and assert the outcome (see the module docstring)."""
    entry, bad = case.entry, case.bad
    args = {k: kind.valid() for k, kind in entry.args.items()}
    if case.arg is None:  # the joint empty batch
        for k in entry.batch:
            args[k] = args[k].detach()[:0]
    else:
        args[case.arg] = bad.make(data, args[case.arg])
    before = _snapshot(args, set())
    rng = _rng_state()
    try:
        out = entry.call(**args)
    except (ValueError, TypeError) as e:
        msg = str(e)
        names = _names(case.arg, entry.args[case.arg]) if case.arg else [*entry.batch, "empty", "batch"]
        assert any(_mentions(msg, n) for n in names), f"{case.id}: the message does not name {names}: {msg!r}"
        if case.arg is not None and bad.accept != ANY:  # (a valid value may still be refused for another reason)
            bad_value = args[case.arg]
            words = bad.words(bad_value)
            assert any(w.lower() in msg.lower() for w in words), f"{case.id}: the message says none of {words}: {msg!r}"
        out, raised = None, True
    else:
        raised = False
        if bad.accept == RAISE:
            raise AssertionError(f"{case.id}: accepted a bad input and returned {_short(out)}")
        if bad.accept == PROPAGATE:
            if "nan" in bad.label:
                assert _has_nan(out), f"{case.id}: a NaN input gave a result without NaN: {_short(out)}"
        elif _has_nan(out):
            raise AssertionError(f"{case.id}: returned NaN on an input without NaN: {_short(out)}")
        if bad.accept == META:
            ts = _tensors_in(out)
            assert ts and all(t.is_meta for t in ts), f"{case.id}: a meta input gave {_short(out)}"
        elif bad.accept == SAME:
            ref = clean_result(entry)
            assert _close(out, ref, entry.tol), f"{case.id}: returned {_short(out)}, not the clean result {_short(ref)}"
        elif bad.accept == EMPTY:
            assert _is_empty(out), f"{case.id}: an empty batch gave {_short(out)}, not an empty result"
    after = _snapshot(args, set())
    changed = _same_state(before, after, params_may_change=entry.mutates and not raised)
    assert changed is None, f"{case.id}: {changed}"
    rng_after = _rng_state()
    assert torch.equal(rng[0], rng_after[0]), f"{case.id}: the global torch RNG was used"
    assert np.array_equal(rng[1], rng_after[1]), f"{case.id}: the global numpy RNG was used"
    assert rng[2] == rng_after[2], f"{case.id}: the global random RNG was used"


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) < 200 else text[:200] + "..."


def make_tests(entries: Sequence[Entry], max_examples: int = 3) -> tuple[Callable[..., None], Callable[..., None]]:
    """The two tests of a table: every valid row call succeeds with a finite result; every bad-input case passes."""
    import pytest
    from hypothesis import HealthCheck, given, settings

    all_cases = cases(entries)

    @pytest.mark.parametrize("entry", entries, ids=lambda e: e.name)
    def test_valid_call(entry: Entry) -> None:
        out = clean_result(entry)
        assert not _has_nan(out), f"{entry.name}: the valid call returned NaN: {_short(out)}"

    @pytest.mark.parametrize("case", all_cases, ids=lambda c: c.id)
    @settings(max_examples=max_examples, deadline=None, suppress_health_check=list(HealthCheck))
    @given(data=st.data())
    def test_bad_input(case: Case, data: Any) -> None:
        run_case(case, data)

    return test_valid_call, test_bad_input
