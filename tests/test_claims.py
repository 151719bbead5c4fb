"""The claims checker on hand-made metrics: every op, nested keys, sizes, and declaration errors."""

import math

import pytest

from saddle.claims import (
    DECLARATION_ERROR,
    NOT_CHECKED,
    NOT_MEASURED,
    NOT_MEASURED_KEY,
    NOT_REPRODUCED,
    REPRODUCED,
    check_claims,
    claims_summary,
    lookup_metric,
)
from saddle.experiments import Claim, Experiment, ExperimentConfig

METRICS = {
    "ratio": 1.2,
    "count": 3,
    "flag": True,
    "off": False,
    "label": "cycle",
    "bad": "nan",
    "GDA": {"measured_ratio": 1.0198, "deep": {"n_eff": 40.0}},
    "a.b": 7.0,
    "curve": [1.0, 0.5, 0.25],
    "rows": [{"acc": 0.9}],
    "forsaken (Ex. 5.2)": {"EG near z*": {"label": "limit cycle"}},
}


def _status(op, metric, threshold=None, quick=False, at_quick=True):
    claim = Claim("c", "a statement", "seed 000, §1", metric, op, threshold, at_quick)
    (verdict,) = check_claims([claim], METRICS, quick)
    return verdict


@pytest.mark.parametrize(
    "op, threshold, expected",
    [
        ("<", 1.3, REPRODUCED),
        ("<", 1.2, NOT_REPRODUCED),
        ("<=", 1.2, REPRODUCED),
        ("<=", 1.1, NOT_REPRODUCED),
        (">", 1.1, REPRODUCED),
        (">", 1.2, NOT_REPRODUCED),
        (">=", 1.2, REPRODUCED),
        (">=", 1.3, NOT_REPRODUCED),
    ],
)
def test_comparisons_are_strict_or_not_as_written(op, threshold, expected):
    assert _status(op, "ratio", threshold).status == expected


def test_integers_compare_as_numbers():
    assert _status(">=", "count", 3).status == REPRODUCED
    assert _status(">", "count", 3).status == NOT_REPRODUCED


def test_truth_ops_need_a_boolean():
    assert _status("is_true", "flag").status == REPRODUCED
    assert _status("is_false", "flag").status == NOT_REPRODUCED
    assert _status("is_false", "off").status == REPRODUCED
    v = _status("is_true", "count")  # 3 is not a boolean: an error of the declaration, not "true"
    assert v.status == DECLARATION_ERROR and "boolean" in v.detail


def test_labels_compare_as_strings():
    assert _status("==", "label", "cycle").status == REPRODUCED
    v = _status("==", "label", "converged")
    assert v.status == NOT_REPRODUCED and v.expected == "label == 'converged'"
    assert _status("==", "ratio", "1.2").status == DECLARATION_ERROR  # a number is not a label


def test_comparison_with_another_metric():
    claim = Claim("c", "s", "seed", "GDA.measured_ratio", "<", than="ratio")
    (v,) = check_claims([claim], METRICS, quick=False)
    assert v.status == REPRODUCED and v.expected == "GDA.measured_ratio < ratio"
    assert v.measured == {"GDA.measured_ratio": 1.0198, "ratio": 1.2}
    claim = Claim("c", "s", "seed", "ratio", ">", 1.5, than="GDA.measured_ratio")  # 1.2 > 1.5 × 1.0198 fails
    (v,) = check_claims([claim], METRICS, quick=False)
    assert v.status == NOT_REPRODUCED and v.expected == "ratio > 1.5 × GDA.measured_ratio"
    (v,) = check_claims([Claim("c", "s", "seed", "ratio", ">", than="nope")], METRICS, quick=False)
    assert v.status == DECLARATION_ERROR and "'nope' (than)" in v.detail
    (v,) = check_claims([Claim("c", "s", "seed", "ratio", ">", than="label")], METRICS, quick=False)
    assert v.status == DECLARATION_ERROR


def test_nested_and_dotted_keys():
    assert lookup_metric(METRICS, "GDA.deep.n_eff") == 40.0
    assert lookup_metric(METRICS, "a.b") == 7.0  # a key that itself contains a dot
    assert lookup_metric(METRICS, "curve.1") == 0.5 and lookup_metric(METRICS, "curve.-1") == 0.25
    assert lookup_metric(METRICS, "rows.0.acc") == 0.9
    assert lookup_metric(METRICS, "forsaken (Ex. 5.2).EG near z*.label") == "limit cycle"
    for bad in ("curve.3", "curve.x", "rows.1.acc", "ratio.0"):
        with pytest.raises(KeyError):
            lookup_metric(METRICS, bad)
    v = _status(">", "GDA.measured_ratio", 1.0)
    assert v.status == REPRODUCED and v.measured == 1.0198 and v.expected == "GDA.measured_ratio > 1"


def test_missing_metric_is_a_declaration_error_naming_it():
    v = _status(">", "GDA.no_such", 1.0)
    assert v.status == DECLARATION_ERROR and "'GDA.no_such'" in v.detail and v.measured is None
    v = _status(">", "ratio.x", 1.0)  # cannot descend into a number
    assert v.status == DECLARATION_ERROR


def test_non_numeric_metric_is_a_declaration_error():
    v = _status("<", "label", 1.0)
    assert v.status == DECLARATION_ERROR and "'cycle'" in v.detail


def test_nan_metric_is_not_reproduced_either_way():
    assert _status("<", "bad", 1.0).status == NOT_REPRODUCED
    assert _status(">=", "bad", 1.0).status == NOT_REPRODUCED
    assert math.isnan(float(_status("<", "bad", 1.0).measured))


def test_full_size_claims_are_not_checked_in_quick_runs_but_measured():
    v = _status(">", "ratio", 5.0, quick=True, at_quick=False)
    assert v.status == NOT_CHECKED and v.measured == 1.2
    assert _status(">", "ratio", 5.0, quick=False, at_quick=False).status == NOT_REPRODUCED
    assert _status(">", "ratio", 1.0, quick=True, at_quick=True).status == REPRODUCED
    # a full-size claim may use a metric that only full runs produce
    assert _status(">", "nope", 1.0, quick=True, at_quick=False).status == NOT_CHECKED
    assert _status(">", "nope", 1.0, quick=False, at_quick=False).status == DECLARATION_ERROR


def test_summary_counts_checked_claims_only():
    verdicts = [
        _status(">", "ratio", 1.0),
        _status(">", "ratio", 2.0),
        _status(">", "ratio", 9.0, True, False),
        _status(">", "nope", 1.0),
    ]
    assert claims_summary(verdicts) == (1, 3)
    assert claims_summary([v.to_dict() for v in verdicts]) == (1, 3)


@pytest.mark.parametrize(
    "kwargs, fragment",
    [
        ({"op": "!=", "threshold": 1.0}, "op must be one of"),
        ({"op": ">"}, "finite real threshold"),
        ({"op": ">", "threshold": math.nan}, "finite real threshold"),
        ({"op": ">", "threshold": True}, "finite real threshold"),
        ({"op": "is_true", "threshold": 1.0}, "takes no threshold"),
        ({"op": "==", "threshold": 1.0}, "needs a string threshold"),
        ({"op": ">", "threshold": "1"}, "finite real threshold"),
        ({"op": "is_true", "than": "x"}, "`than` needs one of"),
        ({"op": ">", "than": ""}, "than must be a non-empty metric name"),
        ({"op": "is_true", "metric": ""}, "metric must be a non-empty string"),
        ({"op": "is_true", "at_quick": "yes"}, "at_quick must be a bool"),
    ],
)
def test_bad_declarations_are_refused(kwargs, fragment):
    args = {"name": "c", "statement": "s", "source": "seed 000", "metric": "m", **kwargs}
    with pytest.raises(ValueError, match=fragment):
        Claim(**args)


def test_experiment_refuses_duplicate_claim_names_and_checks_jsonable_metrics():
    import numpy as np
    import torch

    c = Claim("c", "s", "seed 000", "x", "<", 1.0)
    with pytest.raises(ValueError, match="unique"):
        Experiment("e", "e", ExperimentConfig, lambda c, o: {}, claims=(c, c))
    exp = Experiment("e", "e", ExperimentConfig, lambda c, o: {}, claims=[c, Claim("d", "s", "seed", "y", "is_true")])
    assert isinstance(exp.claims, tuple)
    verdicts = exp.check_claims({"x": torch.tensor(0.5), "y": np.bool_(True)}, quick=False)
    assert [v.status for v in verdicts] == [REPRODUCED, REPRODUCED]


def test_claims_on_what_the_run_left_out_are_not_measured_not_declaration_errors():
    metrics = {**METRICS, NOT_MEASURED_KEY: {"grid": "dataset not run", "GDA.deep": "skipped"}}
    claims = [
        Claim("a", "s", "src", "grid.best_modes", ">=", 24),  # under a left-out prefix, absent
        Claim("b", "s", "src", "GDA.deep.n_eff", ">", 1.0),  # under a left-out prefix, present: still not measured
        Claim("c", "s", "src", "ratio", ">", 1.0, than="grid.ratio"),  # its `than` was left out
        Claim("d", "s", "src", "GDA.measured_ratio", ">", 1.0),  # a sibling of a left-out key: checked
        Claim("e", "s", "src", "gridx", ">", 1.0),  # a prefix matches whole keys only: a typo stays an error
    ]
    a, b, c, d, e = check_claims(claims, metrics, quick=False)
    assert a.status == b.status == c.status == NOT_MEASURED and a.measured is None
    assert a.detail == "grid: dataset not run" and b.detail == "GDA.deep: skipped" and "grid" in c.detail
    assert d.status == REPRODUCED and e.status == DECLARATION_ERROR
    assert claims_summary([a, b, c, d, e]) == (1, 2)
    # a quick run still reports a full-size claim as not checked at this size
    (q,) = check_claims([Claim("f", "s", "src", "grid.x", ">", 1.0, at_quick=False)], metrics, quick=True)
    assert q.status == NOT_CHECKED
