"""Claims of the lecture notes as data, and the checker that decides them on a run's metrics (bottom floor).

Used by `saddle.experiments` (declarations, re-exported there) and `saddle.report` (the claims table).

An experiment declares, next to its `EXPERIMENT`, the claims of the notes it tests:

    CLAIMS = (
        Claim("gda_diverges", "GDA spirals out on min_x max_y xy", "seed 002, 'Trajectory of ...'",
              metric="GDA.measured_ratio", op=">", threshold=1.0),
        Claim("others_converge", "PP, EG, OGDA and RFBS spiral in", "seed 002, 'Trajectory of ...'",
              metric="others_spiral_in", op="is_true"),
        Claim("robust_gain", "the robust policy gains over the nominal one", "seed 004, 'Robust RL'",
              metric="gain", op=">", threshold=0.0, sigmas=2.0, min_n=5),
        Claim("nas_rank", "the proxy ranks the architectures", "seed 001, 'NAS'",
              metric="rank_corr", op=">", threshold=0.0, p_value="rank_corr_p", alpha=0.05),
    )

Forms of a claim (`metric` is a dotted path into the metrics, see `lookup_metric`):

- plain: `metric op threshold` with op "<", "<=", ">", ">=" (a real metric); "is_true" / "is_false" (a
  boolean); "==" with a string threshold (a label). For deterministic quantities.
- `than="other"`: `metric op threshold × other` (threshold defaults to 1).
- `sigmas=k` (with `min_n`, default 2): the metric is a mean ± standard error record
  `{"mean": m, "se": s, "n": n}`, what `saddle.metrics.stats.mean_se(values)` serialises to (paired
  per-seed differences: `saddle.metrics.stats.paired_difference(a, b)`). For ">" / ">=" it holds when
  `m − k·s > threshold` (≥); for "<" / "<=" when `m + k·s < threshold` (≤). With `than`, both metrics are
  records of independent samples and the difference `m_a − t·m_b` with standard error
  `hypot(s_a, t·s_b)` and n = min(n_a, n_b) is compared with 0 the same way.
- `p_value="metric_p"` (with `alpha`, default 0.05): the comparison (plain or `than`) must hold and the
  p-value metric (a real in [0, 1]) must be < alpha.

Every comparison of noisy quantities uses `sigmas` or `p_value`; deterministic quantities keep plain claims.

Sizes ("quick", "default", "full", see `saddle.experiments.Experiment`): at "default" and "full" every
claim is checked except those declared `full_only="<one-line reason>"`, which are checked only at "full";
at "quick" only the claims declared `at_quick=True` (the default; a `full_only` claim never is).

`check_claims(claims, metrics, size=...)` returns one `ClaimVerdict` per claim, with one status:

- "reproduced";
- "not reproduced": the comparison fails on the point value (a NaN fails every comparison);
- "not significant": a statistical claim whose point value passes but whose bound (m ∓ k·s) does not, or
  whose n < min_n, or whose p-value is ≥ alpha (also NaN): checked, and not reproduced;
- "not checked at this size": `at_quick=False` in a quick run, or `full_only` below full size (the
  detail gives the reason); the measured value is still recorded when present;
- "not measured in this run": the run's config left out what the metric measures. One rule for every
  experiment: a metric absent from a run whose config was changed from its size's values (`changed`, e.g.
  `--set objectives=erm`) was left out by that change; an experiment may also say so itself, with a reason,
  under `metrics[NOT_MEASURED_KEY]`;
- "declaration error": the metric is missing from a run at its size's own config, or has the wrong type (or
  shape) — never silently skipped.

`claims_summary` counts (reproduced, checked): "not checked at this size" and "not measured in this run"
are left out of both; "not significant" is checked and not reproduced.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

__all__ = [
    "DECLARATION_ERROR",
    "FULL_ONLY_DETAIL",
    "NOT_CHECKED",
    "NOT_MEASURED",
    "NOT_MEASURED_KEY",
    "NOT_REPRODUCED",
    "NOT_SIGNIFICANT",
    "REPRODUCED",
    "SIZES",
    "STATUSES",
    "Claim",
    "ClaimVerdict",
    "check_claims",
    "claims_counts",
    "claims_headline",
    "claims_summary",
    "lookup_metric",
    "resolve_size",
]

COMPARISONS = {"<": lambda a, b: a < b, "<=": lambda a, b: a <= b, ">": lambda a, b: a > b, ">=": lambda a, b: a >= b}
TRUTH_OPS = ("is_true", "is_false")
LABEL_OP = "=="  # a string metric (a trajectory label, a chosen sampler) equal to a string threshold
OPS = (*COMPARISONS, *TRUTH_OPS, LABEL_OP)

#: the sizes of a run: smoke sizes for tests, the size at which every claim is checked, the papers' budgets
SIZES = ("quick", "default", "full")

REPRODUCED = "reproduced"
NOT_REPRODUCED = "not reproduced"
NOT_SIGNIFICANT = "not significant"
NOT_CHECKED = "not checked at this size"
NOT_MEASURED = "not measured in this run"
DECLARATION_ERROR = "declaration error"
#: every status, in the order reports list them
STATUSES = (REPRODUCED, NOT_REPRODUCED, NOT_SIGNIFICANT, DECLARATION_ERROR, NOT_MEASURED, NOT_CHECKED)
#: metrics key under which a run lists what its config left out: {dotted metric or prefix: reason}, e.g.
#: {"25gaussians": "dataset not in this run's `datasets`"}; claims on those metrics are NOT_MEASURED
NOT_MEASURED_KEY = "not_measured"

#: how the detail of a claim declared `full_only` begins when it is not checked below full size
FULL_ONLY_DETAIL = "full size only: "

DEFAULT_MIN_N = 2  # a standard error needs two samples
DEFAULT_ALPHA = 0.05


def _is_real(value: Any) -> bool:
    return isinstance(value, numbers.Real) and not isinstance(value, bool)


@dataclass(frozen=True)
class Claim:
    """One claim of the notes: `metric op threshold` must hold on the run's metrics (forms: module docstring).

    `metric` is a key of the metrics dict, dotted for nested dicts ("largest_sigma.one_step_n_eff") and
    list positions ("robust_accuracy.PGD.-1": the last entry);
    `op` one of "<", "<=", ">", ">=" (with a finite `threshold`), "is_true", "is_false" (without), or
    "==" with a string `threshold` (a label such as "limit cycle");
    `at_quick=False`: the claim is not expected at quick size (it is checked at default and full size);
    `than`: another metric to compare with, `metric op threshold × than` (threshold defaults to 1),
    e.g. Claim(..., "seconds_per_step.sliced", "<", than="seconds_per_step.exact");
    `sigmas`, `min_n`: the metric (and `than`) is a mean ± SE record, decided by its bound m ∓ sigmas·se
    with at least `min_n` samples (default 2);
    `p_value`, `alpha`: the metric naming the comparison's p-value, which must be < alpha (default 0.05);
    `full_only`: a one-line reason why the claim can only be checked at full size (then it is checked
    only in full runs, and never at quick size).
    """

    name: str
    statement: str
    source: str
    metric: str
    op: str
    threshold: float | str | None = None
    at_quick: bool = True
    than: str | None = None
    sigmas: float | None = None
    min_n: int | None = None
    p_value: str | None = None
    alpha: float | None = None
    full_only: str | None = None

    def __post_init__(self) -> None:
        for key in ("name", "statement", "source", "metric"):
            value = getattr(self, key)
            if not isinstance(value, str) or not value.strip():
                raise ValueError(f"Claim {key} must be a non-empty string, got {value!r}")
        if self.op not in OPS:
            raise ValueError(f"Claim {self.name!r}: op must be one of {list(OPS)}, got {self.op!r}")
        if self.than is not None:
            if self.op not in COMPARISONS:
                raise ValueError(f"Claim {self.name!r}: `than` needs one of {list(COMPARISONS)}, got op {self.op!r}")
            if not isinstance(self.than, str) or not self.than.strip():
                raise ValueError(f"Claim {self.name!r}: than must be a non-empty metric name, got {self.than!r}")
            if self.threshold is None:
                object.__setattr__(self, "threshold", 1.0)
        if self.op in TRUTH_OPS:
            if self.threshold is not None:
                raise ValueError(f"Claim {self.name!r}: op {self.op!r} takes no threshold, got {self.threshold!r}")
        elif self.op == LABEL_OP:
            if not isinstance(self.threshold, str):
                raise ValueError(
                    f"Claim {self.name!r}: op '==' compares labels and needs a string threshold, got {self.threshold!r}"
                )
        elif not _is_real(self.threshold) or not math.isfinite(self.threshold):  # type: ignore[arg-type]
            raise ValueError(
                f"Claim {self.name!r}: op {self.op!r} needs a finite real threshold, got {self.threshold!r}"
            )
        if not isinstance(self.at_quick, bool):
            raise ValueError(f"Claim {self.name!r}: at_quick must be a bool, got {self.at_quick!r}")
        self._check_statistics()
        if self.full_only is not None:
            if not isinstance(self.full_only, str) or not self.full_only.strip():
                raise ValueError(
                    f"Claim {self.name!r}: full_only must be a one-line reason why the claim needs full size, "
                    f"got {self.full_only!r}"
                )
            if "\n" in self.full_only.strip():
                raise ValueError(f"Claim {self.name!r}: full_only must be one line, got {self.full_only!r}")
            object.__setattr__(self, "at_quick", False)  # checked only at full size: never at quick size

    def _check_statistics(self) -> None:
        """Validate `sigmas`/`min_n` and `p_value`/`alpha`; fill in their defaults."""
        statistical = self.sigmas is not None or self.p_value is not None
        if statistical and self.op not in COMPARISONS:
            raise ValueError(
                f"Claim {self.name!r}: sigmas and p_value need one of {list(COMPARISONS)}, got op {self.op!r}"
            )
        if self.sigmas is not None and self.p_value is not None:
            raise ValueError(
                f"Claim {self.name!r}: give sigmas (a mean ± SE bound) or p_value (a test), not both; "
                f"got sigmas={self.sigmas!r} and p_value={self.p_value!r}"
            )
        if self.sigmas is not None:
            if not _is_real(self.sigmas) or not math.isfinite(self.sigmas) or self.sigmas <= 0:
                raise ValueError(f"Claim {self.name!r}: sigmas must be a finite number > 0, got {self.sigmas!r}")
            if self.min_n is None:
                object.__setattr__(self, "min_n", DEFAULT_MIN_N)
        if self.min_n is not None:
            if self.sigmas is None:
                raise ValueError(f"Claim {self.name!r}: min_n={self.min_n!r} needs sigmas (a mean ± SE claim)")
            if not isinstance(self.min_n, numbers.Integral) or isinstance(self.min_n, bool) or self.min_n < 2:
                raise ValueError(
                    f"Claim {self.name!r}: min_n must be an integer >= 2 (a standard error needs two samples), "
                    f"got {self.min_n!r}"
                )
        if self.p_value is not None:
            if not isinstance(self.p_value, str) or not self.p_value.strip():
                raise ValueError(f"Claim {self.name!r}: p_value must be a non-empty metric name, got {self.p_value!r}")
            if self.alpha is None:
                object.__setattr__(self, "alpha", DEFAULT_ALPHA)
        if self.alpha is not None:
            if self.p_value is None:
                raise ValueError(f"Claim {self.name!r}: alpha={self.alpha!r} needs p_value (the metric of the p-value)")
            if not _is_real(self.alpha) or not 0 < self.alpha < 1:
                raise ValueError(f"Claim {self.name!r}: alpha must be a number in (0, 1), got {self.alpha!r}")

    @property
    def expected(self) -> str:
        """The condition as text: "GDA.measured_ratio > 1", "gda_spirals_out is true", "gain − 2·SE > 0 (n ≥ 5)"."""
        if self.op in TRUTH_OPS:
            return f"{self.metric} is {self.op[3:]}"
        if self.op == LABEL_OP:
            return f"{self.metric} == {self.threshold!r}"
        if self.sigmas is not None:
            sign = "−" if self.op in (">", ">=") else "+"
            if self.than is not None:
                factor = "" if self.threshold == 1 else f"{self.threshold:g} × "
                lhs, rhs = f"{self.metric} − {factor}{self.than}", "0"
            else:
                lhs, rhs = self.metric, f"{self.threshold:g}"
            return f"{lhs} {sign} {self.sigmas:g}·SE {self.op} {rhs} (n ≥ {self.min_n})"
        if self.than is not None:
            factor = "" if self.threshold == 1 else f"{self.threshold:g} × "
            text = f"{self.metric} {self.op} {factor}{self.than}"
        else:
            text = f"{self.metric} {self.op} {self.threshold:g}"
        if self.p_value is not None:
            text += f", {self.p_value} < {self.alpha:g}"
        return text


@dataclass(frozen=True)
class ClaimVerdict:
    """The outcome of one claim on one run: the claim's fields, the measured value and the status."""

    name: str
    statement: str
    source: str
    expected: str
    measured: Any
    status: str
    detail: str = ""

    def to_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


def lookup_metric(metrics: Any, dotted: str) -> Any:
    """metrics["a"]["b"] for "a.b", metrics["a"][0] for "a.0" (lists); keys may contain dots themselves
    (every split is tried, left to right). KeyError when absent."""
    if isinstance(metrics, Mapping) and dotted in metrics:
        return metrics[dotted]
    if (
        isinstance(metrics, (list, tuple))
        and dotted.lstrip("-").isdigit()
        and -len(metrics) <= int(dotted) < len(metrics)
    ):
        return metrics[int(dotted)]
    for i, char in enumerate(dotted):  # keys may contain dots themselves ("forsaken (Ex. 5.2).label")
        if char != ".":
            continue
        try:
            inner = lookup_metric(metrics, dotted[:i])
            if isinstance(inner, (Mapping, list, tuple)):
                return lookup_metric(inner, dotted[i + 1 :])
        except KeyError:
            continue
    raise KeyError(dotted)


def _as_number(value: Any) -> float | None:
    """A real metric as float; "nan"/"inf" strings (how non-finite floats are stored in JSON) too."""
    if isinstance(value, bool):
        return None
    if isinstance(value, numbers.Real):
        return float(value)
    if isinstance(value, str) and value.strip().lower() in ("nan", "inf", "-inf", "+inf", "infinity", "-infinity"):
        return float(value)
    return None


def _as_record(value: Any) -> tuple[float, float, int] | None:
    """(mean, se, n) of a mean ± SE record {"mean", "se", "n"} (or an object with those attributes, such as
    `saddle.metrics.stats.MeanSE`); None when it is not one (se must be ≥ 0 or NaN, n an integer ≥ 0)."""
    if isinstance(value, Mapping):
        if not {"mean", "se", "n"} <= set(value):
            return None
        mean, se, n = value["mean"], value["se"], value["n"]
    elif all(hasattr(value, key) for key in ("mean", "se", "n")):
        mean, se, n = value.mean, value.se, value.n
    else:
        return None
    m, s = _as_number(mean), _as_number(se)
    if m is None or s is None or s < 0 or not isinstance(n, numbers.Integral) or isinstance(n, bool) or n < 0:
        return None
    return m, s, int(n)


_RECORD_SHAPE = "a mean ± SE record {'mean', 'se', 'n'} (saddle.metrics.stats.mean_se)"


def _fmt(x: float) -> str:
    return f"{x:.4g}"


def _lookup(metrics: Mapping[str, Any], name: str, role: str) -> tuple[Any, str]:
    """(value, problem) of one metric the claim names."""
    try:
        return lookup_metric(metrics, name), ""
    except KeyError:
        if role == "metric":
            known = ", ".join(sorted(map(str, metrics))) or "none"
            return None, f"metric {name!r} is not in the run's metrics (top-level keys: {known})"
        return None, f"metric {name!r} ({role}) is not in the run's metrics"


def _decide_sigmas(claim: Claim, metrics: Mapping[str, Any], value: Any) -> tuple[Any, str | None, str, str]:
    """(measured, status, problem, detail) of a mean ± SE claim."""
    record = _as_record(value)
    if record is None:
        return value, None, f"sigmas needs {_RECORD_SHAPE}, {claim.metric!r} is {value!r}", ""
    mean, se, n = record
    reference = float(claim.threshold)  # type: ignore[arg-type]
    measured: Any = value
    what = "mean"
    if claim.than is not None:
        other, problem = _lookup(metrics, claim.than, "than")
        if problem:
            return value, None, problem, ""
        other_record = _as_record(other)
        if other_record is None:
            return value, None, f"sigmas with than needs {_RECORD_SHAPE}, {claim.than!r} is {other!r}", ""
        factor = reference
        mean = mean - factor * other_record[0]
        se = math.hypot(se, abs(factor) * other_record[1])
        n = min(n, other_record[2])
        reference = 0.0
        measured = {claim.metric: value, claim.than: other}
        what = "difference"
    sigmas = float(claim.sigmas)  # type: ignore[arg-type]
    lower = claim.op in (">", ">=")
    edge = mean - sigmas * se if lower else mean + sigmas * se
    detail = (
        f"{what} {_fmt(mean)} ± SE {_fmt(se)}, n = {n}: "
        f"{what} {'−' if lower else '+'} {sigmas:g}·SE = {_fmt(edge)} vs {reference:g}"
    )
    min_n = int(claim.min_n)  # type: ignore[arg-type]
    if n < min_n:
        return measured, NOT_SIGNIFICANT, "", f"{detail}; n = {n} < min_n = {min_n}: too few samples to decide"
    if not COMPARISONS[claim.op](mean, reference):  # NaN compares False: not reproduced
        return measured, NOT_REPRODUCED, "", detail
    if not COMPARISONS[claim.op](edge, reference):  # a NaN standard error never makes a claim significant
        return measured, NOT_SIGNIFICANT, "", detail
    return measured, REPRODUCED, "", detail


def _decide(claim: Claim, metrics: Mapping[str, Any]) -> tuple[Any, str | None, str, str]:
    """(measured, status, problem, detail): `problem` names what is wrong with the declaration, else ""."""
    measured, problem = _lookup(metrics, claim.metric, "metric")
    if problem:
        return None, None, problem, ""
    if claim.op in TRUTH_OPS:
        if not isinstance(measured, bool):
            return measured, None, f"op {claim.op!r} needs a boolean metric, {claim.metric!r} is {measured!r}", ""
        return measured, REPRODUCED if measured is (claim.op == "is_true") else NOT_REPRODUCED, "", ""
    if claim.op == LABEL_OP:
        if not isinstance(measured, str):
            return measured, None, f"op '==' needs a string metric, {claim.metric!r} is {measured!r}", ""
        return measured, REPRODUCED if measured == claim.threshold else NOT_REPRODUCED, "", ""
    if claim.sigmas is not None:
        return _decide_sigmas(claim, metrics, measured)
    number = _as_number(measured)
    if number is None:
        return measured, None, f"op {claim.op!r} needs a real metric, {claim.metric!r} is {measured!r}", ""
    bound = float(claim.threshold)  # type: ignore[arg-type]
    if claim.than is not None:
        other, problem = _lookup(metrics, claim.than, "than")
        if problem:
            return measured, None, problem, ""
        other_number = _as_number(other)
        if other_number is None:
            return measured, None, f"than needs a real metric, {claim.than!r} is {other!r}", ""
        bound *= other_number
        measured = {claim.metric: measured, claim.than: other}
    holds = COMPARISONS[claim.op](number, bound)  # NaN compares False: not reproduced
    if claim.p_value is None:
        return measured, REPRODUCED if holds else NOT_REPRODUCED, "", ""
    p_raw, problem = _lookup(metrics, claim.p_value, "p_value")
    if problem:
        return measured, None, problem, ""
    p = _as_number(p_raw)
    if p is None or not (math.isnan(p) or 0 <= p <= 1):
        return measured, None, f"p_value needs a real metric in [0, 1], {claim.p_value!r} is {p_raw!r}", ""
    measured = {**(measured if isinstance(measured, dict) else {claim.metric: measured}), claim.p_value: p_raw}
    alpha = float(claim.alpha)  # type: ignore[arg-type]
    detail = f"p = {_fmt(p)} {'<' if p < alpha else '≥'} alpha = {alpha:g}" if not math.isnan(p) else "p is NaN"
    if not holds:
        return measured, NOT_REPRODUCED, "", detail
    return measured, REPRODUCED if p < alpha else NOT_SIGNIFICANT, "", detail


def _not_measured_reason(claim: Claim, metrics: Mapping[str, Any]) -> str | None:
    """Why the run did not measure a metric the claim uses (metric, than, p_value), from
    metrics[NOT_MEASURED_KEY]; else None."""
    left_out = metrics.get(NOT_MEASURED_KEY)
    if not isinstance(left_out, Mapping):
        return None
    for name in (claim.metric, claim.than, claim.p_value):
        for prefix, reason in left_out.items():
            if name is not None and (name == prefix or name.startswith(f"{prefix}.")):
                return f"{prefix}: {reason}"
    return None


def resolve_size(size: str | None = None, quick: bool | None = None) -> str:
    """The run size from `size` ("quick" | "default" | "full"; None: "default") or the older `quick` flag
    (True: "quick", False: "full", which checks every claim as quick=False always did)."""
    if quick is not None:
        if not isinstance(quick, bool):
            raise ValueError(f"quick must be a bool, got {quick!r}")
        if size is not None:
            raise ValueError(f"give size or quick, not both; got size={size!r} and quick={quick!r}")
        return "quick" if quick else "full"
    if size is None:
        return "default"
    if not isinstance(size, str) or size not in SIZES:
        raise ValueError(f"size must be one of {list(SIZES)}, got {size!r}")
    return size


def _not_checked_reason(claim: Claim, size: str) -> str | None:
    if claim.full_only is not None and size != "full":
        return f"{FULL_ONLY_DETAIL}{claim.full_only}"
    if size == "quick" and not claim.at_quick:
        return "not expected at quick size (checked at default size)"
    return None


def _absent(claim: Claim, metrics: Mapping[str, Any]) -> list[str]:
    """The metrics the claim uses (metric, than, p_value) that are not in `metrics`."""
    absent = []
    for name in (claim.metric, claim.than, claim.p_value):
        if name is None:
            continue
        try:
            lookup_metric(metrics, name)
        except KeyError:
            absent.append(name)
    return absent


def _format_changed(changed: Mapping[str, Any]) -> str:
    return ", ".join(f"{k}={v!r}" for k, v in changed.items())


def check_claim(
    claim: Claim, metrics: Mapping[str, Any], size: str | None = None, changed: Mapping[str, Any] | None = None
) -> ClaimVerdict:
    """Decide one claim on `metrics` at `size`, for a run whose config `changed` these fields from its size's
    values (see `check_claims`)."""
    size = resolve_size(size)
    base = {"name": claim.name, "statement": claim.statement, "source": claim.source, "expected": claim.expected}
    measured, status, problem, detail = _decide(claim, metrics)
    skipped = _not_checked_reason(claim, size)
    if skipped is not None:  # claims not checked at this size may use metrics that only larger runs produce
        return ClaimVerdict(**base, measured=measured, status=NOT_CHECKED, detail=skipped)
    reason = _not_measured_reason(claim, metrics)
    if reason is not None:
        return ClaimVerdict(**base, measured=None, status=NOT_MEASURED, detail=reason)
    if (problem or status is None) and changed:
        absent = _absent(claim, metrics)
        if absent:
            why = f"{', '.join(map(repr, absent))} absent: this run changed {_format_changed(changed)} from its size"
            return ClaimVerdict(**base, measured=None, status=NOT_MEASURED, detail=why)
    if problem or status is None:
        return ClaimVerdict(**base, measured=measured, status=DECLARATION_ERROR, detail=problem)
    return ClaimVerdict(**base, measured=measured, status=status, detail=detail)


def check_claims(
    claims: Iterable[Claim],
    metrics: Mapping[str, Any],
    size: str | None = None,
    *,
    quick: bool | None = None,
    changed: Mapping[str, Any] | None = None,
) -> list[ClaimVerdict]:
    """One verdict per claim, in order (statuses: module docstring), at `size` "quick" | "default" | "full"
    (None: "default"; the older `quick=True` / `quick=False` mean "quick" / "full").

    At "default" and "full" every claim is checked except those declared `full_only`, checked only at "full";
    at "quick" only those declared `at_quick`. Claims not checked still record their measured value when
    present. A claim whose metric (or `than`, or `p_value`) is listed, or lies under a prefix listed, in
    `metrics[NOT_MEASURED_KEY]` is not measured in this run; so is a claim whose metric is absent from a run
    whose config `changed` some fields ({key: value}) from the values of its size (the change left the metric
    out). Any other missing metric, or one of the wrong type, is a declaration error.
    """
    size = resolve_size(size, quick)
    return [check_claim(c, metrics, size, changed) for c in claims]


def _status_of(verdict: ClaimVerdict | Mapping[str, Any]) -> str:
    return str(verdict["status"] if isinstance(verdict, Mapping) else verdict.status)


def claims_counts(verdicts: Iterable[ClaimVerdict | Mapping[str, Any]]) -> dict[str, int]:
    """How many verdicts have each status: {status: count} for every status of `STATUSES`, in that order."""
    statuses = [_status_of(v) for v in verdicts]
    return {s: statuses.count(s) for s in STATUSES}


def claims_summary(verdicts: Iterable[ClaimVerdict | Mapping[str, Any]]) -> tuple[int, int]:
    """(reproduced, checked): claims not checked at this size or not measured in this run are left out of both;
    "not significant", "not reproduced" and declaration errors are checked and not reproduced."""
    counts = claims_counts(verdicts)
    return counts[REPRODUCED], sum(counts.values()) - counts[NOT_CHECKED] - counts[NOT_MEASURED]


def claims_headline(verdicts: Iterable[ClaimVerdict | Mapping[str, Any]]) -> str:
    """ "N/M reproduced (K not significant; J not checked at this size)" — `claims_summary` with the statuses other
    than reproduced and not reproduced counted apart; "none checked (...)" when no claim was checked."""
    counts = claims_counts(verdicts)
    n, m = counts[REPRODUCED], sum(counts.values()) - counts[NOT_CHECKED] - counts[NOT_MEASURED]
    extras = "; ".join(f"{counts[s]} {s}" for s in STATUSES if s not in (REPRODUCED, NOT_REPRODUCED) and counts[s])
    head = f"{n}/{m} reproduced" if m else "none checked"
    return head + (f" ({extras})" if extras else "")
