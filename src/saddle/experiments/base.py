"""What every experiment shares: a config dataclass, an output folder, and the registry entry.

An experiment is one file in `saddle/experiments/` that defines

    @dataclass
    class Config(ExperimentConfig):
        steps: int = 2000
        step_size: float = 0.1
        def validate(self): check_positive(self, "steps", "step_size")

    def run(config: Config, out: RunOutput) -> dict[str, float | int | str | list]: ...

    CLAIMS = (Claim("gda_diverges", "GDA spirals out on xy", "seed 002, §2", "GDA.measured_ratio", ">", 1.0),)
    EXPERIMENT = Experiment(name="bilinear", summary="...", config=Config, run=run,
                            quick={"steps": 200}, full={"steps": 20000}, claims=CLAIMS)

and is discovered automatically (`saddle.experiments.registry()`); nothing else needs editing.

Three sizes (`saddle.claims.SIZES`), one meaning each: the Config defaults are the DEFAULT size, the one
`saddle run` and `make tour` run and at which every declared claim is checked (but those declared
`full_only`); `quick` overrides give a smoke run for tests and CI (seconds); `full` overrides give the
papers' budgets (hours allowed; may be empty). `make_config(size=...)` resolves them.
"""

from __future__ import annotations

import dataclasses
import math
import types
import typing
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from saddle.claims import Claim, ClaimVerdict, check_claims, resolve_size
from saddle.runs import RunOutput, to_jsonable  # the run folder of one run; JSON-ready metrics
from saddle.validation import check_real


@dataclass
class ExperimentConfig:
    """Fields every experiment has. Subclasses add their own and override `validate`."""

    seed: int = 0
    device: str = "cpu"

    def validate(self) -> None:
        """Raise ValueError on out-of-range values. Called by `make_config`."""

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


def check_positive(config: Any, *names: str, allow_zero: bool = False) -> None:
    """Raise ValueError naming the field when a numeric field (or an item of a list field) is not > 0 (or ≥ 0
    with `allow_zero`); the test itself is `saddle.validation.check_real`."""
    for name in names:
        value = getattr(config, name)
        for v in value if isinstance(value, (list, tuple)) else [value]:
            try:
                check_real(name, v, 0.0, low_open=not allow_zero, high_open=True)
            except ValueError:
                raise ValueError(f"{name} must be finite and {'>=' if allow_zero else '>'} 0, got {value!r}") from None


def check_finite_fields(config: Any) -> None:
    """Raise ValueError naming the field when a float field (or an item of a list field) is NaN or ±inf: no
    experiment's setting means anything there (a start x0 = nan, a condition number inf). Called by `make_config`."""
    for f in dataclasses.fields(config):
        value = getattr(config, f.name)
        for v in value if isinstance(value, (list, tuple)) else [value]:
            if isinstance(v, float) and not math.isfinite(v):
                raise ValueError(f"{f.name} must be finite, got {value!r}")


RunFn = Callable[[Any, RunOutput], Mapping[str, Any]]


@dataclass(frozen=True)
class Experiment:
    """A registry entry: name, one-line summary, config class, run function, the overrides of the config
    defaults at quick and at full size, and the claims of the notes the experiment tests (checked on every
    run's metrics, see `saddle.claims`)."""

    name: str
    summary: str
    config: type[ExperimentConfig]
    run: RunFn
    quick: Mapping[str, Any] = field(default_factory=dict)
    reproduces: str = ""
    claims: tuple[Claim, ...] = ()
    full: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        claims = tuple(self.claims)
        bad = [c for c in claims if not isinstance(c, Claim)]
        if bad:
            raise ValueError(f"experiment {self.name!r}: claims must be Claim objects, got {bad[0]!r}")
        names = [c.name for c in claims]
        dup = sorted({n for n in names if names.count(n) > 1})
        if dup:
            raise ValueError(f"experiment {self.name!r}: claim names must be unique, repeated: {', '.join(dup)}")
        object.__setattr__(self, "claims", claims)
        fields = {f.name for f in dataclasses.fields(self.config)}
        for size in ("quick", "full"):
            overrides = getattr(self, size)
            if not isinstance(overrides, Mapping):
                raise ValueError(f"experiment {self.name!r}: {size} must map config keys to values, got {overrides!r}")
            unknown = sorted(set(overrides) - fields)
            if unknown:
                raise ValueError(
                    f"experiment {self.name!r}: {size} sets unknown config key(s) {', '.join(map(repr, unknown))}; "
                    f"known keys: {', '.join(sorted(fields))}"
                )

    def size_overrides(self, size: str) -> Mapping[str, Any]:
        """The config values that `size` changes from the defaults: {} at "default", `quick` or `full`."""
        size = resolve_size(size)
        return {} if size == "default" else self.quick if size == "quick" else self.full

    def check_claims(
        self,
        metrics: Mapping[str, Any],
        size: str | None = None,
        *,
        quick: bool | None = None,
        config: ExperimentConfig | None = None,
    ) -> list[ClaimVerdict]:
        """The verdict of each declared claim on a run's metrics at `size` (JSON-ready metrics, see `to_jsonable`;
        `quick=True`/`False` is the older spelling of size "quick"/"full"). With the run's `config`, a claim whose
        metric is absent because the config changed what the run measures is "not measured in this run"."""
        size = resolve_size(size, quick)
        changed = self.changed_fields(config, size) if config is not None else None
        return check_claims(self.claims, to_jsonable(metrics), size, changed=changed)

    def changed_fields(self, config: ExperimentConfig, size: str | None = None) -> dict[str, Any]:
        """The fields of `config` that differ from this experiment's config at `size` ({key: value}), besides
        `seed` and `device`, which change the draws and the hardware but not what a run measures."""
        reference = self.make_config(size=size).to_dict()
        return {k: v for k, v in config.to_dict().items() if k not in ("seed", "device") and reference.get(k, v) != v}

    def make_config(
        self,
        size: str | None = None,
        overrides: Mapping[str, str] | None = None,
        *,
        quick: bool | None = None,
        **fixed: Any,
    ) -> ExperimentConfig:
        """Build and validate the config: defaults, then the overrides of `size` ("quick", "default" or "full";
        None: "default"; `quick=True` is the older spelling of size "quick"), then `fixed` (config fields
        given as keywords), then string `overrides` (parsed like `--set` values)."""
        if quick is False and size is None:  # make_config(quick=False) always meant the config defaults
            quick = None
        names = {f.name for f in dataclasses.fields(self.config)}
        values: dict[str, Any] = dict(self.size_overrides(resolve_size(size, quick)))
        values.update({k: v for k, v in fixed.items() if k in names})
        hints = typing.get_type_hints(self.config)
        for key, text in (overrides or {}).items():
            if key not in names:
                raise ValueError(
                    f"unknown key {key!r} for experiment {self.name!r}; known keys: {', '.join(sorted(names))}"
                )
            values[key] = parse_value(text, hints[key], key)
        config = self.config(**values)
        check_finite_fields(config)
        config.validate()
        return config


def parse_value(text: str, hint: Any, key: str = "value") -> Any:
    """Parse a command-line string into the type `hint` (int, float, bool, str, tuple/list of those, Optional)."""
    origin = typing.get_origin(hint)
    args = typing.get_args(hint)
    if origin in (typing.Union, types.UnionType):
        non_none = [a for a in args if a is not type(None)]
        if text.lower() in ("none", "null") and type(None) in args:
            return None
        last: Exception | None = None
        for a in non_none:
            try:
                return parse_value(text, a, key)
            except ValueError as e:
                last = e
        raise last or ValueError(f"{key}: cannot parse {text!r}")
    if origin in (list, tuple):
        inner = args[0] if args else str
        items = [t.strip() for t in text.strip().strip("[]()").split(",") if t.strip()]
        if not items:
            raise ValueError(f"{key} expects a comma-separated list of at least one value, got {text!r}")
        parsed = [parse_value(t, inner, key) for t in items]
        return tuple(parsed) if origin is tuple else parsed
    if origin is typing.Literal:
        if text not in [str(a) for a in args]:
            raise ValueError(f"{key} must be one of {list(args)}, got {text!r}")
        return next(a for a in args if str(a) == text)
    if hint is bool:
        low = text.lower()
        if low in ("1", "true", "yes", "on"):
            return True
        if low in ("0", "false", "no", "off"):
            return False
        raise ValueError(f"{key} expects a boolean (true/false), got {text!r}")
    if hint is int:
        try:
            return int(text)
        except ValueError:
            raise ValueError(f"{key} expects an integer, got {text!r}") from None
    if hint is float:
        try:
            return float(text)
        except ValueError:
            raise ValueError(f"{key} expects a number, got {text!r}") from None
    if hint is str:
        return text
    raise ValueError(f"{key}: unsupported config type {hint!r}")
