"""The claims checker on hand-made metrics: every op, nested keys, sizes, statistical forms, declaration errors."""

import math

import pytest

from saddle.claims import (
    DECLARATION_ERROR,
    FULL_ONLY_DETAIL,
    NOT_CHECKED,
    NOT_MEASURED,
    NOT_MEASURED_KEY,
    NOT_REPRODUCED,
    NOT_SIGNIFICANT,
    REPRODUCED,
    SIZES,
    STATUSES,
    check_claims,
    claims_counts,
    claims_headline,
    claims_summary,
    lookup_metric,
    resolve_size,
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
    (verdict,) = check_claims([claim], METRICS, size="quick" if quick else "default")
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
    (v,) = check_claims([claim], METRICS, size="default")
    assert v.status == REPRODUCED and v.expected == "GDA.measured_ratio < ratio"
    assert v.measured == {"GDA.measured_ratio": 1.0198, "ratio": 1.2}
    claim = Claim("c", "s", "seed", "ratio", ">", 1.5, than="GDA.measured_ratio")  # 1.2 > 1.5 × 1.0198 fails
    (v,) = check_claims([claim], METRICS, size="default")
    assert v.status == NOT_REPRODUCED and v.expected == "ratio > 1.5 × GDA.measured_ratio"
    (v,) = check_claims([Claim("c", "s", "seed", "ratio", ">", than="nope")], METRICS, size="default")
    assert v.status == DECLARATION_ERROR and "'nope' (than)" in v.detail
    (v,) = check_claims([Claim("c", "s", "seed", "ratio", ">", than="label")], METRICS, size="default")
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
    assert v.status == NOT_CHECKED and v.measured == 1.2 and "checked at default size" in v.detail
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
    verdicts = exp.check_claims({"x": torch.tensor(0.5), "y": np.bool_(True)}, size="default")
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
    a, b, c, d, e = check_claims(claims, metrics, size="default")
    assert a.status == b.status == c.status == NOT_MEASURED and a.measured is None
    assert a.detail == "grid: dataset not run" and b.detail == "GDA.deep: skipped" and "grid" in c.detail
    assert d.status == REPRODUCED and e.status == DECLARATION_ERROR
    assert claims_summary([a, b, c, d, e]) == (1, 2)
    # a quick run still reports a full-size claim as not checked at this size
    (q,) = check_claims([Claim("f", "s", "src", "grid.x", ">", 1.0, at_quick=False)], metrics, size="quick")
    assert q.status == NOT_CHECKED


def test_a_metric_absent_from_a_run_whose_config_changed_is_not_measured():
    claims = [
        Claim("a", "s", "src", "grid.best_modes", ">=", 24),  # absent
        Claim("b", "s", "src", "ratio", ">", 1.0, than="ring.ratio"),  # its `than` absent
        Claim("c", "s", "src", "label", ">", 1.0),  # present with the wrong type: still a declaration error
        Claim("d", "s", "src", "ratio", ">", 1.0),  # present: checked
    ]
    a, b, c, d = check_claims(claims, METRICS, size="default", changed={"datasets": ["ring"], "steps": 3})
    assert a.status == b.status == NOT_MEASURED and a.measured is None
    assert a.detail == "'grid.best_modes' absent: this run changed datasets=['ring'], steps=3 from its size"
    assert b.detail.startswith("'ring.ratio' absent")
    assert c.status == DECLARATION_ERROR and d.status == REPRODUCED
    # at the size's own config (nothing changed) an absent metric is a declaration error
    assert [v.status for v in check_claims(claims, METRICS, size="default", changed={})][:2] == [DECLARATION_ERROR] * 2


def test_experiment_changed_fields_are_those_away_from_the_size_s_values_but_seed_and_device():
    from dataclasses import dataclass

    @dataclass
    class Config(ExperimentConfig):
        steps: int = 10
        widths: tuple[int, ...] = (1, 2)

    claim = Claim("w2", "s", "src", "width.2", ">", 0.0)
    exp = Experiment("e", "s", Config, lambda c, o: {}, quick={"steps": 2}, claims=(claim,))
    quick = exp.make_config(size="quick", overrides={"widths": "1"}, seed=5)
    assert exp.changed_fields(quick, "quick") == {"widths": (1,)}
    assert exp.changed_fields(quick, "default") == {"steps": 2, "widths": (1,)}
    assert exp.changed_fields(exp.make_config(size="quick", seed=9, device="meta"), "quick") == {}
    (v,) = exp.check_claims({"width": {"1": 1.0}}, "quick", config=quick)
    assert v.status == NOT_MEASURED and "widths=(1,)" in v.detail
    (v,) = exp.check_claims({"width": {"1": 1.0}}, "quick", config=exp.make_config(size="quick", seed=9))
    assert v.status == DECLARATION_ERROR


def test_claims_headline_counts_the_statuses_besides_reproduced_apart():
    def v(status):
        return {"status": status}

    assert claims_headline([v(REPRODUCED), v(NOT_REPRODUCED), v(NOT_SIGNIFICANT), v(NOT_CHECKED)]) == (
        "1/3 reproduced (1 not significant; 1 not checked at this size)"
    )
    assert claims_headline([v(REPRODUCED), v(DECLARATION_ERROR), v(NOT_MEASURED)]) == (
        "1/2 reproduced (1 declaration error; 1 not measured in this run)"
    )
    assert claims_headline([v(NOT_CHECKED)]) == "none checked (1 not checked at this size)"
    assert claims_headline([]) == "none checked"


# ---- sizes ---------------------------------------------------------------------------------------------------------


def _at(claim, size, metrics=METRICS):
    (verdict,) = check_claims([claim], metrics, size=size)
    return verdict


def test_each_size_checks_its_claims():
    everywhere = Claim("a", "s", "src", "ratio", ">", 1.0)
    not_quick = Claim("b", "s", "src", "ratio", ">", 1.0, at_quick=False)
    full_only = Claim("c", "s", "src", "ratio", ">", 1.0, full_only="needs the 50-seed budget of the paper")
    checked = {size: [_at(c, size).status for c in (everywhere, not_quick, full_only)] for size in SIZES}
    assert checked == {
        "quick": [REPRODUCED, NOT_CHECKED, NOT_CHECKED],
        "default": [REPRODUCED, REPRODUCED, NOT_CHECKED],
        "full": [REPRODUCED, REPRODUCED, REPRODUCED],
    }
    for size in ("quick", "default"):  # the reason is given wherever the claim is not checked
        v = _at(full_only, size)
        assert v.detail == FULL_ONLY_DETAIL + "needs the 50-seed budget of the paper" and v.measured == 1.2
    assert full_only.at_quick is False  # full size only: never expected at quick size
    assert _at(Claim("d", "s", "src", "nope", ">", 1.0, full_only="only full runs write it"), "default").status == (
        NOT_CHECKED
    )


def test_size_is_resolved_from_size_or_the_older_quick_flag():
    assert resolve_size() == "default" and resolve_size("full") == "full"
    assert resolve_size(quick=True) == "quick" and resolve_size(quick=False) == "full"
    for bad, fragment in ((True, "got True"), ("medium", "got 'medium'")):
        with pytest.raises(ValueError, match=fragment):
            resolve_size(bad)
    with pytest.raises(ValueError, match="not both"):
        resolve_size("quick", quick=True)
    claim = Claim("b", "s", "src", "ratio", ">", 1.0, at_quick=False)
    assert check_claims([claim], METRICS, quick=True)[0].status == NOT_CHECKED
    assert check_claims([claim], METRICS)[0].status == REPRODUCED  # no size: the default size


def test_experiment_sizes_override_the_defaults_and_refuse_unknown_keys():
    from dataclasses import dataclass

    @dataclass
    class Config(ExperimentConfig):
        steps: int = 100
        width: int = 8

    exp = Experiment("e", "e", Config, lambda c, o: {}, quick={"steps": 5}, full={"steps": 10_000, "width": 64})
    assert [(c.steps, c.width) for c in (exp.make_config(size=s) for s in SIZES)] == [(5, 8), (100, 8), (10_000, 64)]
    assert exp.make_config().steps == 100 and exp.make_config(quick=True).steps == 5
    assert exp.make_config(quick=False).steps == 100  # the older spelling of the defaults
    assert exp.make_config(size="full", overrides={"width": "3"}, steps=7).to_dict()["width"] == 3
    assert exp.make_config(size="full", steps=7).steps == 7  # keywords come after the size's overrides
    assert exp.size_overrides("default") == {} and exp.size_overrides("full") == {"steps": 10_000, "width": 64}
    with pytest.raises(ValueError, match="size must be one of"):
        exp.make_config(size="huge")
    with pytest.raises(ValueError, match=r"full sets unknown config key\(s\) 'stepz'"):
        Experiment("e", "e", Config, lambda c, o: {}, full={"stepz": 1})
    with pytest.raises(ValueError, match=r"quick sets unknown config key\(s\) 'x'"):
        Experiment("e", "e", Config, lambda c, o: {}, quick={"x": 1})


# ---- statistical claims: mean ± SE -----------------------------------------------------------------------------------


def _rec(mean, se, n):
    return {"mean": mean, "se": se, "n": n}


def _sig(op, threshold, record, sigmas=2.0, min_n=None):
    claim = Claim("g", "s", "src", "gain", op, threshold, sigmas=sigmas, min_n=min_n)
    return _at(claim, "default", {"gain": record})


@pytest.mark.parametrize(
    "op, threshold, record, expected",
    [
        # m − 2·se = 1 − 0.5 = 0.5 exactly: the bound decides, strictly or not as written
        (">", 0.5, _rec(1.0, 0.25, 5), NOT_SIGNIFICANT),
        (">=", 0.5, _rec(1.0, 0.25, 5), REPRODUCED),
        (">", 0.4375, _rec(1.0, 0.25, 5), REPRODUCED),
        (">", 1.0, _rec(1.0, 0.25, 5), NOT_REPRODUCED),  # the point value itself fails
        (">", 1.25, _rec(1.0, 0.0, 5), NOT_REPRODUCED),
        # m + 2·se = −1 + 0.5 = −0.5: the upper bound for "<"
        ("<", -0.5, _rec(-1.0, 0.25, 5), NOT_SIGNIFICANT),
        ("<=", -0.5, _rec(-1.0, 0.25, 5), REPRODUCED),
        ("<", -0.4375, _rec(-1.0, 0.25, 5), REPRODUCED),
        ("<", -1.0, _rec(-1.0, 0.25, 5), NOT_REPRODUCED),
        ("<", 0.0, _rec(-1.0, 0.0, 5), REPRODUCED),  # an exact value (SE 0) is its own bound
    ],
)
def test_mean_se_claim_holds_when_the_bound_passes(op, threshold, record, expected):
    v = _sig(op, threshold, record)
    assert v.status == expected
    assert v.measured == record


def test_mean_se_claim_detail_gives_the_bound():
    v = _sig(">", 0.0, _rec(0.3, 0.2, 6))
    assert v.status == NOT_SIGNIFICANT
    assert v.detail == "mean 0.3 ± SE 0.2, n = 6: mean − 2·SE = -0.1 vs 0"
    assert Claim("g", "s", "src", "gain", ">", 0.0, sigmas=2.0, min_n=5).expected == "gain − 2·SE > 0 (n ≥ 5)"
    assert Claim("g", "s", "src", "gap", "<", 0.1, sigmas=1.5).expected == "gap + 1.5·SE < 0.1 (n ≥ 2)"


def test_nan_standard_error_is_never_significant_and_nan_mean_never_reproduced():
    assert _sig(">", 0.0, _rec(5.0, math.nan, 1)).status == NOT_SIGNIFICANT  # n = 1: no SE
    assert _sig(">", 0.0, _rec(5.0, "nan", 8)).status == NOT_SIGNIFICANT  # as JSON stores NaN
    assert _sig(">", 0.0, _rec(5.0, "inf", 8)).status == NOT_SIGNIFICANT
    assert _sig(">", 0.0, _rec("nan", 0.1, 8)).status == NOT_REPRODUCED
    assert _sig("<", 0.0, _rec(-5.0, math.nan, 8)).status == NOT_SIGNIFICANT


def test_too_few_samples_are_not_significant_whatever_the_bound():
    clear = _rec(10.0, 0.1, 4)  # 100 standard errors above 0, but from 4 seeds
    v = _sig(">", 0.0, clear, min_n=5)
    assert v.status == NOT_SIGNIFICANT and "n = 4 < min_n = 5" in v.detail
    assert _sig(">", 0.0, _rec(10.0, 0.1, 5), min_n=5).status == REPRODUCED  # n = min_n is enough
    assert _sig(">", 0.0, _rec(10.0, 0.1, 1)).status == NOT_SIGNIFICANT  # min_n defaults to 2
    assert Claim("g", "s", "src", "gain", ">", 0.0, sigmas=2.0).min_n == 2


@pytest.mark.parametrize(
    "record, fragment",
    [
        (0.7, "mean ± SE record"),  # a plain number is not a record
        ({"mean": 1.0, "se": 0.1}, "mean ± SE record"),  # n missing
        (_rec(1.0, -0.1, 5), "mean ± SE record"),  # a negative standard error
        (_rec(1.0, 0.1, True), "mean ± SE record"),
        (_rec(1.0, 0.1, 2.5), "mean ± SE record"),
        (_rec("high", 0.1, 5), "mean ± SE record"),
    ],
)
def test_mean_se_claim_on_something_else_is_a_declaration_error(record, fragment):
    v = _sig(">", 0.0, record)
    assert v.status == DECLARATION_ERROR and fragment in v.detail and "'gain'" in v.detail


def test_mean_se_than_compares_independent_means_with_the_hypot_of_their_ses():
    metrics = {"a": _rec(3.0, 0.3, 6), "b": _rec(1.0, 0.4, 5)}  # difference 2 ± hypot(0.3, 0.4) = 0.5, n = 5

    def status(op, sigmas, threshold=None, min_n=None):
        claim = Claim("d", "s", "src", "a", op, threshold, than="b", sigmas=sigmas, min_n=min_n)
        return _at(claim, "default", metrics)

    assert status(">", 3.9).status == REPRODUCED  # 2 − 3.9·0.5 = 0.05 > 0
    assert status(">", 4.0).status == NOT_SIGNIFICANT  # 2 − 4·0.5 = 0: not > 0
    assert status(">=", 4.0).status == REPRODUCED
    assert status("<", 1.0).status == NOT_REPRODUCED
    assert status(">", 1.0, min_n=6).status == NOT_SIGNIFICANT  # n of a difference: the smaller sample
    v = status(">", 2.0)
    assert v.measured == metrics and v.detail == "difference 2 ± SE 0.5, n = 5: difference − 2·SE = 1 vs 0"
    assert v.expected == "a − b − 2·SE > 0 (n ≥ 2)"
    # a factor: a − 2·b = 1 ± hypot(0.3, 2·0.4) = 0.8544
    assert status(">", 1.17, threshold=2.0).status == REPRODUCED  # 1 − 1.17·0.8544 = 0.0003
    assert status(">", 1.18, threshold=2.0).status == NOT_SIGNIFICANT  # 1 − 1.18·0.8544 = −0.008
    assert Claim("d", "s", "src", "a", ">", 2.0, than="b", sigmas=1.0).expected == "a − 2 × b − 1·SE > 0 (n ≥ 2)"
    bad = _at(Claim("d", "s", "src", "a", ">", than="c", sigmas=2.0), "default", {**metrics, "c": 1.0})
    assert bad.status == DECLARATION_ERROR and "'c'" in bad.detail


def test_mean_se_than_is_the_welch_statistic_of_the_raw_samples():
    import numpy as np

    from saddle.experiments.base import to_jsonable
    from saddle.metrics.stats import mean_se

    rng = np.random.default_rng(0)
    a, b = rng.normal(1.0, 1.0, 12), rng.normal(0.0, 2.0, 9)
    welch_se = math.sqrt(a.var(ddof=1) / len(a) + b.var(ddof=1) / len(b))  # by hand, from the samples
    z = (a.mean() - b.mean()) / welch_se
    metrics = to_jsonable({"a": mean_se(a), "b": mean_se(b)})
    for sigmas, expected in ((0.999 * z, REPRODUCED), (1.001 * z, NOT_SIGNIFICANT)):
        claim = Claim("d", "s", "src", "a", ">", than="b", sigmas=sigmas)
        assert _at(claim, "default", metrics).status == expected


def test_mean_se_serialises_to_the_record_the_claims_read():
    from saddle.experiments.base import to_jsonable
    from saddle.metrics.stats import mean_se, paired_difference

    record = to_jsonable(mean_se([1.0, 2.0, 3.0, 6.0]))
    assert record == {"mean": 3.0, "se": pytest.approx(math.sqrt(14 / 3) / 2), "n": 4}
    assert to_jsonable(mean_se([2.0])) == {"mean": 2.0, "se": "nan", "n": 1}
    exp = Experiment(
        "e", "e", ExperimentConfig, lambda c, o: {}, claims=[Claim("g", "s", "src", "gain", ">", 0.0, sigmas=2.0)]
    )
    gains = paired_difference([3.0, 4.0, 5.0, 6.0], [1.0, 2.1, 2.9, 4.0])  # 2 ± 0.04 on the same seeds
    (v,) = exp.check_claims({"gain": gains}, size="default")  # a MeanSE object, serialised by the experiment
    assert v.status == REPRODUCED and v.measured == to_jsonable(gains)
    (v,) = check_claims(exp.claims, {"gain": gains}, size="default")  # or read through its attributes
    assert v.status == REPRODUCED
    (v,) = exp.check_claims({"gain": mean_se([5.0])}, size="default")
    assert v.status == NOT_SIGNIFICANT


# ---- statistical claims: p-values ----------------------------------------------------------------------------------


def _p(value, p, op=">", threshold=0.0, alpha=None):
    claim = Claim("r", "s", "src", "rank_corr", op, threshold, p_value="rank_corr_p", alpha=alpha)
    return _at(claim, "default", {"rank_corr": value, "rank_corr_p": p})


def test_p_value_claim_needs_the_comparison_and_p_below_alpha():
    assert _p(0.6, 0.01).status == REPRODUCED
    assert _p(0.6, 0.05).status == NOT_SIGNIFICANT  # p < alpha is strict; alpha defaults to 0.05
    assert _p(0.6, 0.049).status == REPRODUCED
    assert _p(0.6, 0.3).status == NOT_SIGNIFICANT
    assert _p(0.6, "nan").status == NOT_SIGNIFICANT
    assert _p(-0.2, 0.001).status == NOT_REPRODUCED  # a significant correlation of the wrong sign
    assert _p(0.6, 0.02, alpha=0.01).status == NOT_SIGNIFICANT
    v = _p(0.6, 0.3)
    assert v.measured == {"rank_corr": 0.6, "rank_corr_p": 0.3} and v.detail == "p = 0.3 ≥ alpha = 0.05"
    expected = Claim("r", "s", "src", "rank_corr", ">", 0.0, p_value="rank_corr_p").expected
    assert expected == "rank_corr > 0, rank_corr_p < 0.05"


def test_p_value_claim_on_a_spearman_test_agrees_with_scipy():
    import numpy as np
    import scipy.stats

    rng = np.random.default_rng(1)
    x = rng.normal(size=12)
    for noise, expected in ((0.3, REPRODUCED), (30.0, NOT_SIGNIFICANT)):
        y = x + noise * rng.normal(size=12)
        rho, p = scipy.stats.spearmanr(x, y)
        v = _p(float(rho), float(p))
        assert v.status == (expected if rho > 0 else NOT_REPRODUCED)
        assert (v.status == REPRODUCED) == (rho > 0 and p < 0.05)


@pytest.mark.parametrize("p, fragment", [(1.5, "in [0, 1]"), (-0.1, "in [0, 1]"), ("low", "real metric")])
def test_p_value_outside_0_1_is_a_declaration_error(p, fragment):
    v = _p(0.6, p)
    assert v.status == DECLARATION_ERROR and fragment in v.detail


def test_p_value_claim_with_than_and_missing_p():
    claim = Claim("r", "s", "src", "x", ">", than="y", p_value="p")
    assert _at(claim, "default", {"x": 2.0, "y": 1.0, "p": 0.001}).status == REPRODUCED
    assert _at(claim, "default", {"x": 2.0, "y": 1.0, "p": 0.2}).measured == {"x": 2.0, "y": 1.0, "p": 0.2}
    v = _at(claim, "default", {"x": 2.0, "y": 1.0})
    assert v.status == DECLARATION_ERROR and "'p' (p_value)" in v.detail
    v = _at(claim, "default", {"x": 2.0, "y": 1.0, NOT_MEASURED_KEY: {"p": "no permutation test in this run"}})
    assert v.status == NOT_MEASURED


# ---- statistical claims: declarations and counts -------------------------------------------------------------------


@pytest.mark.parametrize(
    "kwargs, fragment",
    [
        ({"sigmas": 0.0}, "sigmas must be a finite number > 0, got 0.0"),
        ({"sigmas": -2.0}, "got -2.0"),
        ({"sigmas": math.inf}, "got inf"),
        ({"sigmas": math.nan}, "got nan"),
        ({"sigmas": True}, "got True"),
        ({"sigmas": 2.0, "min_n": 1}, "min_n must be an integer >= 2 .* got 1"),
        ({"sigmas": 2.0, "min_n": 0}, "got 0"),
        ({"sigmas": 2.0, "min_n": 5.0}, "got 5.0"),
        ({"min_n": 5}, "min_n=5 needs sigmas"),
        ({"p_value": "p", "alpha": 0.0}, r"alpha must be a number in \(0, 1\), got 0.0"),
        ({"p_value": "p", "alpha": 1.0}, "got 1.0"),
        ({"p_value": "p", "alpha": 5}, "got 5"),
        ({"p_value": "p", "alpha": math.nan}, "got nan"),
        ({"alpha": 0.05}, "alpha=0.05 needs p_value"),
        ({"p_value": ""}, "p_value must be a non-empty metric name"),
        ({"sigmas": 2.0, "p_value": "p"}, "not both; got sigmas=2.0 and p_value='p'"),
        ({"op": "is_true", "threshold": None, "sigmas": 2.0}, "sigmas and p_value need one of"),
        ({"op": "==", "threshold": "x", "p_value": "p"}, "sigmas and p_value need one of"),
        ({"full_only": ""}, "full_only must be a one-line reason .* got ''"),
        ({"full_only": "   "}, "got '   '"),
        ({"full_only": "two\nlines"}, "must be one line"),
    ],
)
def test_bad_statistical_declarations_are_refused_naming_the_value(kwargs, fragment):
    args = {"name": "c", "statement": "s", "source": "seed 000", "metric": "m", "op": ">", "threshold": 0.0, **kwargs}
    with pytest.raises(ValueError, match=fragment):
        Claim(**args)


def test_not_significant_is_checked_and_not_reproduced_in_the_counts():
    verdicts = [
        _sig(">", 0.0, _rec(1.0, 0.1, 5)),  # reproduced
        _sig(">", 0.0, _rec(1.0, 1.0, 5)),  # not significant
        _sig(">", 2.0, _rec(1.0, 0.1, 5)),  # not reproduced
        _at(Claim("c", "s", "src", "ratio", ">", 1.0, full_only="50 seeds"), "default"),  # not checked
        _sig(">", 0.0, 3.0),  # declaration error
    ]
    assert claims_summary(verdicts) == (1, 4)
    counts = claims_counts(verdicts)
    assert list(counts) == list(STATUSES)
    assert counts == {
        REPRODUCED: 1,
        NOT_REPRODUCED: 1,
        NOT_SIGNIFICANT: 1,
        DECLARATION_ERROR: 1,
        NOT_MEASURED: 0,
        NOT_CHECKED: 1,
    }
    assert claims_counts([v.to_dict() for v in verdicts]) == counts
