"""Step-size schedules inside Methods, the Method protocol, and the projected proximal-point equation."""

import math
import re

import pytest
import torch

from saddle.optim import METHODS, Method, MirrorDescent, PolynomialDecay, ProximalPoint, per_player
from saddle.sets import Box


def test_a_schedule_returning_a_bad_value_raises_at_the_step():
    method = METHODS["extragradient"].factory(lambda k: 0.1 if k == 0 else -1.0)
    z = [torch.ones(1, 1), torch.ones(1, 1)]
    f = lambda p: [p[1], -p[0]]  # noqa: E731
    z, s = method.step(z, method.init(z), f)
    with pytest.raises(ValueError, match=re.escape("-1.0")):
        method.step(z, s, f)


@pytest.mark.parametrize("name", list(METHODS))
def test_every_method_implements_the_protocol(name):
    assert isinstance(METHODS[name].factory(0.1), Method)


@pytest.mark.parametrize("inner_step_size", [None, 0.3])
def test_projected_proximal_point_solves_its_implicit_equation(inner_step_size):
    box = Box(-0.5, 0.5)
    proj = per_player(box, box)
    field = lambda p: [p[0] - 2 + p[1], p[1] + 2 - p[0]]  # noqa: E731
    eta = 0.4
    method = ProximalPoint(eta, inner_steps=500, inner_tol=1e-14, projection=proj, inner_step_size=inner_step_size)
    z = [torch.tensor([[0.1], [-0.3]], dtype=torch.float64), torch.tensor([[0.2], [0.4]], dtype=torch.float64)]
    new, _ = method.step(z, method.init(z), field)
    # z⁺ = P(z − η V(z⁺)): the resolvent of η(V + N_box)
    rhs = proj([a - eta * g for a, g in zip(z, field(new))])
    torch.testing.assert_close(new, rhs, rtol=0, atol=1e-12)


def test_mirror_descent_ergodic_gap_regret_bound():
    # η-weighted average of MWU iterates: gap ≤ (Σ_i max KL(·‖u_i0) + Σ_k η_k² ‖g_k‖²_∞) / Σ_k η_k, ‖g‖_∞ ≤ 1
    A = torch.tensor([[0.0, -1.0, 1.0], [1.0, 0.0, -1.0], [-1.0, 1.0, 0.0]], dtype=torch.float64)
    field = lambda p: [p[1] @ A.T, -(p[0] @ A)]  # noqa: E731
    x0 = torch.tensor([[0.6, 0.3, 0.1]], dtype=torch.float64)
    y0 = torch.tensor([[0.2, 0.2, 0.6]], dtype=torch.float64)
    schedule = PolynomialDecay(0.5, power=0.5)
    method = MirrorDescent(schedule)
    z = [x0, y0]
    state = method.init(z)
    radius = math.log(1 / 0.1) + math.log(1 / 0.2)
    sq = 0.0
    for k in range(2000):
        sq += schedule(k) ** 2
        z, state = method.step(z, state, field)
        if k + 1 in (10, 100, 2000):
            x, y = state.average
            gap = ((x @ A).max() - (y @ A.T).min()).item()
            assert 0 <= gap <= (radius + sq) / state.weight[0]  # Σ_k η_k, the same for both players
    assert gap < 0.1


def test_package_docstring_example_runs():
    import doctest

    import saddle.optim

    result = doctest.testmod(saddle.optim, verbose=False)
    assert result.attempted > 0 and result.failed == 0
