"""Property-based tests (hypothesis) of `--set` parsing, `--set` routing and the Claim constructor's validation."""

import math
import typing

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from saddle import cli
from saddle.claims import OPS, Claim
from saddle.experiments.base import parse_value
from saddle.optim import ExtraGradient, OptimisticGDA, SimultaneousGDA
from saddle.sampling import MALA, ULA

FAST = settings(max_examples=150, deadline=None)
finite = st.floats(allow_nan=False, allow_infinity=False)


@FAST
@given(st.integers())
def test_ints_round_trip(i):
    assert parse_value(str(i), int, "k") == i
    assert parse_value(f"  {i} ", int, "k") == i  # surrounding spaces are ignored by int()


@FAST
@given(finite)
def test_floats_round_trip(f):
    assert parse_value(repr(f), float, "k") == f


@FAST
@given(
    st.lists(st.integers(), min_size=1),
    st.sampled_from(["{}", "[{}]", "({})", " {} "]),
    st.sampled_from([",", ", ", " ,"]),
)
def test_lists_and_tuples_round_trip(items, wrap, sep):
    text = wrap.format(sep.join(map(str, items)))
    assert parse_value(text, list[int], "k") == items
    assert parse_value(text, tuple[int, ...], "k") == tuple(items)


@FAST
@given(st.sampled_from(["", " ", "[]", "()", ",", " , ", "[ ]"]))
def test_empty_lists_are_refused(text):
    with pytest.raises(ValueError, match="k expects a comma-separated list of at least one value"):
        parse_value(text, tuple[float, ...], "k")


@FAST
@given(st.text())
def test_any_text_parses_or_raises_a_value_error_naming_the_key(text):
    # both spellings of an optional int: types.UnionType and typing.Union take different branches of parse_value
    optional_int = typing.Optional[int]  # noqa: UP045 (the typing.Union spelling is the case under test)
    for hint in (int, float, bool, list[float], int | None, optional_int, typing.Literal["a", "b"]):
        try:
            value = parse_value(text, hint, "the_key")
        except ValueError as e:
            assert "the_key" in str(e), (hint, text, str(e))
            continue
        if hint is int:
            assert value == int(text)
        elif hint is float:
            assert value == float(text) or math.isnan(value)
        elif hint is bool:
            assert text.strip().lower() in ("1", "true", "yes", "on", "0", "false", "no", "off")


@FAST
@given(st.sampled_from(["true", "TRUE", "Yes", "on", "1"]), st.sampled_from(["false", "No", "OFF", "0"]))
def test_booleans(yes, no):
    assert parse_value(yes, bool, "k") is True and parse_value(no, bool, "k") is False


@FAST
@given(st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=30))
def test_set_values_keep_everything_after_the_first_equals_sign(value):
    from saddle.experiments import registry

    per = cli._split_sets([f"bilinear.steps={value}"], ["bilinear"])
    assert per == {"bilinear": {"steps": value}}
    assert "bilinear" in registry()


@FAST
@given(st.text(max_size=20).filter(lambda k: "=" not in k and "." not in k))
def test_unknown_keys_are_usage_errors(key):
    from saddle.experiments import registry

    fields = registry()["bilinear"].config.__dataclass_fields__
    if key.strip() in fields:
        return
    with pytest.raises(cli.UsageError):
        cli._split_sets([f"{key}=1"], ["bilinear"])


@FAST
@given(st.text(max_size=6))
def test_claim_ops_outside_the_list_are_refused(op):
    if op in OPS:
        return
    with pytest.raises(ValueError, match="op must be one of"):
        Claim("c", "s", "seed", "m", op, 1.0)


@FAST
@given(
    st.one_of(
        finite, st.just(math.nan), st.just(math.inf), st.just(-math.inf), st.booleans(), st.none(), st.text(max_size=3)
    ),
    st.sampled_from(["<", "<=", ">", ">="]),
)
def test_claim_thresholds_must_be_finite_reals(threshold, op):
    ok = isinstance(threshold, float) and math.isfinite(threshold)
    if ok:
        assert Claim("c", "s", "seed", "m", op, threshold).threshold == threshold
    else:
        with pytest.raises(ValueError, match="finite real threshold"):
            Claim("c", "s", "seed", "m", op, threshold)


@FAST
@given(st.integers(min_value=-(2**70), max_value=2**70))
def test_seed_range(seed):
    if 0 <= seed < 2**32:
        assert cli._check_seed(seed) == seed
    else:
        with pytest.raises(cli.UsageError, match=r"--seed must be in \[0, 2\*\*32 - 1\]"):
            cli._check_seed(seed)


# ---- public constructors: step sizes go through saddle.validation (one home for argument checks) ---------------

_ANY_VALUE = st.one_of(st.floats(), st.integers(-(10**20), 10**20), st.booleans(), st.none(), st.text(max_size=2))


def _is_positive_real(v):
    return not isinstance(v, (bool, str, type(None))) and math.isfinite(float(v)) and v > 0


def _quadratic(x):
    return x.pow(2).sum(-1)


@pytest.mark.parametrize(
    "make",
    [
        pytest.param(lambda v: ExtraGradient(step_size=v), id="ExtraGradient"),
        pytest.param(lambda v: SimultaneousGDA(step_size=v), id="SimultaneousGDA"),
        pytest.param(lambda v: OptimisticGDA(step_size=v), id="OptimisticGDA"),
        pytest.param(lambda v: ULA(v, potential=_quadratic), id="ULA"),
        pytest.param(lambda v: MALA(v, potential=_quadratic), id="MALA"),
    ],
)
def test_step_sizes_are_accepted_iff_finite_and_positive(make):
    @FAST
    @given(_ANY_VALUE)
    def check(value):
        try:
            make(value)
        except ValueError as e:
            assert not _is_positive_real(value), (value, str(e))
            assert "step_size" in str(e) or "step size" in str(e)
        else:
            assert _is_positive_real(value), value

    check()
