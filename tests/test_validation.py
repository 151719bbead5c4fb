"""saddle.validation: every check names the argument, the bad value and the allowed range; good values pass through."""

import math
import re

import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st

from saddle.validation import (
    as_generator,
    check_callable,
    check_choice,
    check_finite,
    check_generator,
    check_int,
    check_positions,
    check_real,
    check_step_size,
)


@pytest.mark.parametrize(
    "call, message",
    [
        (lambda: check_real("eps", -0.1, 0.0, low_open=False), "eps must be a number >= 0 (or inf), got -0.1"),
        (lambda: check_real("h", 0.0, 0.0, math.inf, high_open=True), "h must be a finite number > 0, got 0.0"),
        (lambda: check_real("h", math.inf, 0.0, math.inf, high_open=True), "h must be a finite number > 0, got inf"),
        (lambda: check_real("rho", 1.5, 0.0, 1.0), "rho must be in (0, 1], got 1.5"),
        (lambda: check_real("p", float("nan"), 0.0, 1.0, low_open=False), "p must be in [0, 1], got nan"),
        (lambda: check_real("p", True), "p must be a real number, got True"),
        (lambda: check_real("p", "0.3"), "p must be a real number, got '0.3'"),
        (lambda: check_real("p", torch.ones(2)), "p must be a real number"),
        (lambda: check_int("steps", 0), "steps must be an integer >= 1, got 0"),
        (lambda: check_int("steps", 2.0), "steps must be an integer >= 1, got 2.0"),
        (lambda: check_int("k", 7, 1, 5), "k must be an integer in [1, 5], got 7"),
        (lambda: check_step_size(-1), "step_size must be a finite number > 0, got -1"),
        (lambda: check_step_size(lambda k: 0.1, allow_schedule=False), "step_size must be a real number"),
        (lambda: check_choice("loss", "hinge", ("ce", "dlr")), "loss must be one of 'ce', 'dlr', got 'hinge'"),
        (
            lambda: check_callable("field", 3, "a callable params -> params"),
            "field must be a callable params -> params, got 3",
        ),
        (lambda: check_finite("x", torch.tensor([1.0, float("nan")])), "x contains NaN or inf"),
        (lambda: check_finite("x", [1.0]), "x must be a tensor or a real number, got list"),
        (lambda: check_positions(torch.zeros(3)), "position must have shape (n_chains, d)"),
        (lambda: check_positions(torch.zeros(3, 2, dtype=torch.long)), "position must be a floating tensor"),
        (lambda: check_positions(torch.tensor([[0.0, math.inf]]), "x0"), "x0 contains NaN or inf"),
    ],
)
def test_bad_values_raise_with_name_value_and_range(call, message):
    with pytest.raises(ValueError) as err:
        call()
    assert message in str(err.value)


def test_good_values_pass_through():
    assert check_real("eps", 0.0, 0.0, low_open=False) == 0.0 and check_real("eps", math.inf) == math.inf
    assert check_real("h", torch.tensor(0.25)) == 0.25 and type(check_real("h", 1)) is float
    assert check_int("k", 3) == 3 and check_step_size(0.5) == 0.5
    f = lambda k: 0.1  # noqa: E731
    assert check_step_size(f) is f and check_choice("norm", "l2", ("l2", "linf")) == "l2"
    x = torch.zeros(2, 3, requires_grad=True)
    out = check_positions(x)
    assert not out.requires_grad and out.shape == (2, 3)
    assert check_finite("y", torch.tensor([1, 2])).dtype == torch.long


@given(
    value=st.one_of(st.floats(allow_nan=True, allow_infinity=True), st.integers(-(10**6), 10**6)),
    low=st.floats(-10, 10),
    width=st.floats(0.0, 10),
    low_open=st.booleans(),
    high_open=st.booleans(),
)
def test_check_real_accepts_exactly_the_interval(value, low, width, low_open, high_open):
    high = low + width
    inside = (
        math.isfinite(value)
        and (value > low if low_open else value >= low)
        and (value < high if high_open else value <= high)
    )
    if inside:
        assert check_real("v", value, low, high, low_open=low_open, high_open=high_open) == float(value)
    else:
        with pytest.raises(ValueError) as err:
            check_real("v", value, low, high, low_open=low_open, high_open=high_open)
        assert str(err.value).startswith("v must be") and repr(value) in str(err.value)


@given(eps=st.floats(allow_nan=True, allow_infinity=True), norm=st.sampled_from(["linf", "l2", "l1", "l3", 2, 3]))
def test_threat_model_accepts_exactly_finite_nonnegative_eps_and_known_norms(eps, norm):
    from saddle.sets import ThreatModel

    ok = math.isfinite(eps) and eps >= 0 and norm in ("linf", "l2", "l1", 2)
    if ok:
        tm = ThreatModel(eps, norm)
        assert tm.ball.radius == eps and tm.norm in (1.0, 2.0, math.inf)
    else:
        with pytest.raises(ValueError):
            ThreatModel(eps, norm)


def test_as_generator_turns_an_int_seed_into_the_same_stream_as_manual_seed():
    # the generator policy: an int seed ≡ torch.Generator().manual_seed(seed), converted once (same numbers)
    for seed in (0, 7, 2**40):
        g = as_generator(seed)
        assert isinstance(g, torch.Generator)
        assert torch.equal(torch.randn(5, generator=g), torch.randn(5, generator=torch.Generator().manual_seed(seed)))
    g = torch.Generator().manual_seed(3)
    assert as_generator(g) is g  # a generator is returned unchanged (it keeps advancing)
    assert as_generator(None) is None
    assert torch.equal(as_generator(None, default_seed=5).get_state(), torch.Generator().manual_seed(5).get_state())


@pytest.mark.parametrize("bad", [True, 0.5, "0", [1]])
def test_as_generator_refuses_bool_float_and_str(bad):
    with pytest.raises(ValueError, match=r"noise_gen must be a torch.Generator, an int seed or None, got"):
        as_generator(bad, "noise_gen")


def test_check_generator_refuses_an_int_for_per_step_kernels_and_says_why():
    with pytest.raises(ValueError, match="got the int 3: a per-step call given the same seed each time would repeat"):
        check_generator(3)
    with pytest.raises(ValueError, match=re.escape("generator must be a torch.Generator or None, got 0.5")):
        check_generator(0.5, allow_none=True)
    with pytest.raises(ValueError, match=re.escape("generator must be a torch.Generator, got None")):
        check_generator(None)
    assert check_generator(None, allow_none=True) is None
