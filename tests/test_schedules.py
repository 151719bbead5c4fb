"""The one schedules module: closed-form values, Welling & Teh's parametrisation, bad arguments, re-exports."""

import math
import re

import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st

from saddle.schedules import (
    Constant,
    CosineDecay,
    PiecewiseConstant,
    PolynomialDecay,
    StepDecay,
    as_schedule,
    step_size_at,
)


def test_schedule_values():
    assert [Constant(0.3)(k) for k in (0, 5, 100)] == [0.3, 0.3, 0.3]
    p = PolynomialDecay(1.0, power=0.5, offset=4.0)
    assert [p(k) for k in (0, 4, 12)] == pytest.approx([1.0, 1 / math.sqrt(2), 0.5])
    assert [PolynomialDecay(0.6)(k) for k in (0, 1, 2)] == pytest.approx([0.6, 0.3, 0.2])
    s = StepDecay(1.0, factor=0.1, every=10)
    assert [s(k) for k in (0, 9, 10, 25)] == pytest.approx([1.0, 1.0, 0.1, 0.01])
    c = CosineDecay(0.4, 10, final=0.0)
    assert c(0) == pytest.approx(0.4) and c(5) == pytest.approx(0.2) and c(10) == pytest.approx(0.0)
    assert c(15) == c(10)  # held at the final value after `steps`
    q = PiecewiseConstant(1.0, milestones=(3, 6), factor=0.5)
    assert [q(k) for k in (0, 2, 3, 5, 6, 9)] == [1.0, 1.0, 0.5, 0.5, 0.25, 0.25]


@pytest.mark.parametrize("a, b, gamma", [(0.1, 1.0, 0.55), (0.004, 10.0, 0.55), (2.0, 3.5, 1.0), (0.3, 0.2, 0.75)])
def test_welling_teh_schedule_is_polynomial_decay_with_other_parameters(a, b, gamma):
    # a (b + t)^{−γ} = a b^{−γ} (1 + t/b)^{−γ}: the same class, initial = a b^{−γ}, power = γ, offset = b
    sched = PolynomialDecay.welling_teh(a, b, gamma)
    assert type(sched) is PolynomialDecay
    assert sched == PolynomialDecay(a * b**-gamma, power=gamma, offset=b)
    t = torch.arange(0, 10_000, 37, dtype=torch.float64)
    torch.testing.assert_close(
        torch.tensor([sched(int(k)) for k in t], dtype=torch.float64), a * (b + t) ** -gamma, rtol=1e-13, atol=0
    )


def test_one_class_behind_every_public_name():
    import saddle.attacks as attacks
    import saddle.optim as optim
    import saddle.sampling as sampling

    assert optim.PolynomialDecay is sampling.PolynomialDecay is PolynomialDecay
    assert optim.Constant is sampling.Constant is attacks.Constant is Constant
    assert not hasattr(sampling, "ConstantStep")  # no second name for one class
    assert attacks.CosineDecay is CosineDecay and attacks.PiecewiseConstant is PiecewiseConstant


@pytest.mark.parametrize(
    "build, message",
    [
        (lambda: Constant(0.0), "value must be a finite number > 0, got 0.0"),
        (lambda: PolynomialDecay(-1.0), "initial must be a finite number > 0, got -1.0"),
        (lambda: PolynomialDecay(1.0, power=-0.5), "power must be a finite number >= 0, got -0.5"),
        (lambda: PolynomialDecay(1.0, offset=0.0), "offset must be a finite number > 0, got 0.0"),
        (lambda: PolynomialDecay.welling_teh(0.1, gamma=0.3), "gamma must be in (0.5, 1], got 0.3"),
        (lambda: PolynomialDecay.welling_teh(0.1, b=float("inf")), "b must be a finite number > 0, got inf"),
        (lambda: StepDecay(1.0, factor=1.5), "factor must be in (0, 1], got 1.5"),
        (lambda: StepDecay(1.0, every=0), "every must be an integer >= 1, got 0"),
        (lambda: CosineDecay(0.4, 0), "steps must be an integer >= 1, got 0"),
        (lambda: CosineDecay(0.4, 10, final=0.5), "final must be in [0, 0.4], got 0.5"),
        (lambda: PiecewiseConstant(1.0, milestones=(3, -1)), "milestone must be an integer >= 0, got -1"),
        (lambda: as_schedule(0), "step_size must be a finite number > 0, got 0"),
        (lambda: as_schedule(float("nan"), "alpha"), "alpha must be a finite number > 0, got nan"),
    ],
)
def test_bad_arguments_raise_naming_the_value(build, message):
    with pytest.raises(ValueError) as err:
        build()
    assert message in str(err.value)


def test_as_schedule_and_step_size_at():
    assert as_schedule(0.3) == Constant(0.3)
    f = lambda k: 1.0 / (k + 1)  # noqa: E731
    assert as_schedule(f)(3) == f(3) == 0.25  # a user's callable, its values checked as they are read
    assert as_schedule(PolynomialDecay(1.0)) == PolynomialDecay(1.0)  # the module's own schedules as they are
    assert step_size_at(0.25, 7) == 0.25 and step_size_at(f, 3) == 0.25
    with pytest.raises(ValueError, match=re.escape("returned -1.0 at k=2")):
        step_size_at(lambda k: 1.0 if k < 2 else -1.0, 2)
    bad = as_schedule(lambda k: 1.0 if k < 2 else -1.0)
    assert bad(1) == 1.0
    with pytest.raises(ValueError, match=re.escape("step_size schedule returned -1.0 at k=2")):
        bad(2)


@given(
    a=st.floats(1e-6, 1e3), b=st.floats(1e-3, 1e3), gamma=st.floats(0.5, 1.0, exclude_min=True), t=st.integers(0, 10**7)
)
def test_welling_teh_equals_the_closed_form_for_any_parameters(a, b, gamma, t):
    assert PolynomialDecay.welling_teh(a, b, gamma)(t) == pytest.approx(a * (b + t) ** -gamma, rel=1e-12)


@given(initial=st.floats(allow_nan=True, allow_infinity=True), power=st.floats(allow_nan=True, allow_infinity=True))
def test_polynomial_decay_accepts_exactly_valid_parameters(initial, power):
    ok = math.isfinite(initial) and initial > 0 and math.isfinite(power) and power >= 0
    if ok:
        s = PolynomialDecay(initial, power)
        assert s(0) == initial and s(10) <= initial
    else:
        with pytest.raises(ValueError):
            PolynomialDecay(initial, power)
