"""Claims of the lecture notes as data, and the checker that decides them on a run's metrics (bottom floor).

Used by `saddle.experiments` (declarations, re-exported there) and `saddle.report` (the claims table).

An experiment declares, next to its `EXPERIMENT`, the claims of the notes it tests:

    CLAIMS = (
        Claim("gda_diverges", "GDA spirals out on min_x max_y xy", "seed 002, 'Trajectory of ...'",
              metric="GDA.measured_ratio", op=">", threshold=1.0),
        Claim("others_converge", "PP, EG, OGDA and RFBS spiral in", "seed 002, 'Trajectory of ...'",
              metric="others_spiral_in", op="is_true"),
        Claim("sp_drifts", "the best SP learning rate drifts down", "seed 002, 'µ-transfer'",
              metric="sp_drift_octaves", op="<=", threshold=-2, at_quick=False),
    )

`check_claims(claims, metrics, quick)` returns one `ClaimVerdict` per claim: reproduced, not
reproduced, not checked at this size (an `at_quick=False` claim in a quick run), not measured in this
run (the run's config left out what the metric measures: the experiment lists it under
`metrics[NOT_MEASURED_KEY]`) or a declaration error (the metric is missing or has the wrong type) — never
silently skipped.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

__all__ = [
    "DECLARATION_ERROR",
    "NOT_CHECKED",
    "NOT_MEASURED",
    "NOT_MEASURED_KEY",
    "NOT_REPRODUCED",
    "REPRODUCED",
    "Claim",
    "ClaimVerdict",
    "check_claims",
    "claims_summary",
    "lookup_metric",
]

COMPARISONS = {"<": lambda a, b: a < b, "<=": lambda a, b: a <= b, ">": lambda a, b: a > b, ">=": lambda a, b: a >= b}
TRUTH_OPS = ("is_true", "is_false")
LABEL_OP = "=="  # a string metric (a trajectory label, a chosen sampler) equal to a string threshold
OPS = (*COMPARISONS, *TRUTH_OPS, LABEL_OP)

REPRODUCED = "reproduced"
NOT_REPRODUCED = "not reproduced"
NOT_CHECKED = "not checked at this size"
NOT_MEASURED = "not measured in this run"
DECLARATION_ERROR = "declaration error"
#: metrics key under which a run lists what its config left out: {dotted metric or prefix: reason}, e.g.
#: {"25gaussians": "dataset not in this run's `datasets`"}; claims on those metrics are NOT_MEASURED
NOT_MEASURED_KEY = "not_measured"


@dataclass(frozen=True)
class Claim:
    """One claim of the notes: `metric op threshold` must hold on the run's metrics.

    `metric` is a key of the metrics dict, dotted for nested dicts ("largest_sigma.one_step_n_eff") and
    list positions ("robust_accuracy.PGD.-1": the last entry);
    `op` one of "<", "<=", ">", ">=" (with a finite `threshold`), "is_true", "is_false" (without), or
    "==" with a string `threshold` (a label such as "limit cycle");
    `at_quick=False`: the claim is only expected at full size;
    `than`: another metric to compare with, `metric op threshold × than` (threshold defaults to 1),
    e.g. Claim(..., "seconds_per_step.sliced", "<", than="seconds_per_step.exact").
    """

    name: str
    statement: str
    source: str
    metric: str
    op: str
    threshold: float | str | None = None
    at_quick: bool = True
    than: str | None = None

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
        elif (
            isinstance(self.threshold, bool)
            or not isinstance(self.threshold, numbers.Real)
            or not math.isfinite(self.threshold)
        ):
            raise ValueError(
                f"Claim {self.name!r}: op {self.op!r} needs a finite real threshold, got {self.threshold!r}"
            )
        if not isinstance(self.at_quick, bool):
            raise ValueError(f"Claim {self.name!r}: at_quick must be a bool, got {self.at_quick!r}")

    @property
    def expected(self) -> str:
        """The condition as text: "GDA.measured_ratio > 1" or "gda_spirals_out is true"."""
        if self.op in TRUTH_OPS:
            return f"{self.metric} is {self.op[3:]}"
        if self.op == LABEL_OP:
            return f"{self.metric} == {self.threshold!r}"
        if self.than is not None:
            factor = "" if self.threshold == 1 else f"{self.threshold:g} × "
            return f"{self.metric} {self.op} {factor}{self.than}"
        return f"{self.metric} {self.op} {self.threshold:g}"


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


def _decide(claim: Claim, metrics: Mapping[str, Any]) -> tuple[Any, bool | None, str]:
    """(measured, holds, problem): `problem` names what is wrong with the declaration, else ""."""
    try:
        measured = lookup_metric(metrics, claim.metric)
    except KeyError:
        known = ", ".join(sorted(map(str, metrics))) or "none"
        return None, None, f"metric {claim.metric!r} is not in the run's metrics (top-level keys: {known})"
    if claim.op in TRUTH_OPS:
        if not isinstance(measured, bool):
            return measured, None, f"op {claim.op!r} needs a boolean metric, {claim.metric!r} is {measured!r}"
        return measured, measured is (claim.op == "is_true"), ""
    if claim.op == LABEL_OP:
        if not isinstance(measured, str):
            return measured, None, f"op '==' needs a string metric, {claim.metric!r} is {measured!r}"
        return measured, measured == claim.threshold, ""
    number = _as_number(measured)
    if number is None:
        return measured, None, f"op {claim.op!r} needs a real metric, {claim.metric!r} is {measured!r}"
    bound = float(claim.threshold)  # type: ignore[arg-type]
    if claim.than is not None:
        try:
            other = lookup_metric(metrics, claim.than)
        except KeyError:
            return measured, None, f"metric {claim.than!r} (than) is not in the run's metrics"
        other_number = _as_number(other)
        if other_number is None:
            return measured, None, f"than needs a real metric, {claim.than!r} is {other!r}"
        bound *= other_number
        measured = {claim.metric: measured, claim.than: other}
    return measured, COMPARISONS[claim.op](number, bound), ""  # NaN compares False: not reproduced


def _not_measured_reason(claim: Claim, metrics: Mapping[str, Any]) -> str | None:
    """Why the run did not measure the claim's metric (or its `than`), from metrics[NOT_MEASURED_KEY]; else None."""
    left_out = metrics.get(NOT_MEASURED_KEY)
    if not isinstance(left_out, Mapping):
        return None
    for name in (claim.metric, claim.than):
        for prefix, reason in left_out.items():
            if name is not None and (name == prefix or name.startswith(f"{prefix}.")):
                return f"{prefix}: {reason}"
    return None


def check_claim(claim: Claim, metrics: Mapping[str, Any], quick: bool) -> ClaimVerdict:
    """Decide one claim on `metrics` (see `check_claims`)."""
    base = {"name": claim.name, "statement": claim.statement, "source": claim.source, "expected": claim.expected}
    measured, holds, problem = _decide(claim, metrics)
    if quick and not claim.at_quick:  # full-size claims may use metrics that only full runs produce
        return ClaimVerdict(**base, measured=measured, status=NOT_CHECKED, detail="expected at full size only")
    reason = _not_measured_reason(claim, metrics)
    if reason is not None:
        return ClaimVerdict(**base, measured=None, status=NOT_MEASURED, detail=reason)
    if problem:
        return ClaimVerdict(**base, measured=measured, status=DECLARATION_ERROR, detail=problem)
    return ClaimVerdict(**base, measured=measured, status=REPRODUCED if holds else NOT_REPRODUCED)


def check_claims(claims: Iterable[Claim], metrics: Mapping[str, Any], quick: bool) -> list[ClaimVerdict]:
    """One verdict per claim, in order: reproduced / not reproduced / not checked at this size / not measured in
    this run / declaration error.

    `quick=True` marks claims declared with `at_quick=False` as not checked (their measured value is
    still recorded when present). A claim whose metric (or `than`) is listed, or lies under a prefix listed,
    in `metrics[NOT_MEASURED_KEY]` is not measured in this run. Any other missing metric, or one of the wrong
    type, is a declaration error.
    """
    return [check_claim(c, metrics, quick) for c in claims]


def claims_summary(verdicts: Iterable[ClaimVerdict | Mapping[str, Any]]) -> tuple[int, int]:
    """(reproduced, checked): claims not checked at this size or not measured in this run are left out of both."""
    statuses = [v["status"] if isinstance(v, Mapping) else v.status for v in verdicts]
    checked = [s for s in statuses if s not in (NOT_CHECKED, NOT_MEASURED)]
    return sum(s == REPRODUCED for s in checked), len(checked)
