import math

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.optimize import minimize

from saddle.sets import (
    Ball,
    Box,
    EntropicMirrorMap,
    Simplex,
    lp_norm,
    project_box,
    project_l1_ball,
    project_simplex,
    sample_ball,
)


def _reference_projection(z, constraint):
    """Independent projection by solving min ‖u − z‖² s.t. constraint with SLSQP (float64)."""
    z = z.double().numpy()
    res = minimize(
        lambda u: ((u - z) ** 2).sum(),
        z * 0 + 1.0 / len(z),
        jac=lambda u: 2 * (u - z),
        constraints=constraint,
        method="SLSQP",
        options={"ftol": 1e-14, "maxiter": 500},
    )
    return torch.from_numpy(res.x)


def test_simplex_projection_matches_constrained_solver(gen):
    z = torch.randn(20, 7, generator=gen, dtype=torch.float64) * 2
    p = project_simplex(z)
    assert torch.allclose(p.sum(-1), torch.ones(20, dtype=torch.float64))
    assert (p >= 0).all()
    for i in range(5):
        ref = _reference_projection(
            z[i], [{"type": "eq", "fun": lambda u: u.sum() - 1}, {"type": "ineq", "fun": lambda u: u}]
        )
        assert torch.allclose(p[i], ref, atol=1e-6)


def test_simplex_projection_is_identity_inside_and_satisfies_variational_inequality(gen):
    u = torch.softmax(torch.randn(10, 5, generator=gen, dtype=torch.float64), -1)
    assert torch.allclose(project_simplex(u), u)
    z = torch.randn(10, 5, generator=gen, dtype=torch.float64)
    p = project_simplex(z)
    # ⟨z − P(z), v − P(z)⟩ ≤ 0 for every v in the simplex (vertices suffice)
    for j in range(5):
        v = torch.zeros(5, dtype=torch.float64)
        v[j] = 1
        assert (((z - p) * (v - p)).sum(-1) <= 1e-12).all()


def test_l1_ball_projection_matches_constrained_solver(gen):
    z = torch.randn(6, 5, generator=gen, dtype=torch.float64) * 2
    p = project_l1_ball(z, 1.5)
    assert (lp_norm(p, 1) <= 1.5 + 1e-9).all()
    for i in range(3):
        # |u|_1 ≤ r written smoothly: split u = a − b, but SLSQP on the direct form is enough at this size
        ref = _reference_projection(z[i], [{"type": "ineq", "fun": lambda u: 1.5 - abs(u).sum()}])
        assert torch.allclose(p[i], ref, atol=1e-4)
    inside = z / lp_norm(z, 1)[:, None] * 0.5
    assert torch.allclose(project_l1_ball(inside, 1.5), inside)


@pytest.mark.parametrize("p", ["linf", "l2", "l1"])
def test_ball_projection_lands_in_ball_and_is_idempotent(p, gen):
    ball = Ball(0.3, p)
    z = torch.randn(16, 1, 8, 8, generator=gen, dtype=torch.float64)
    proj = ball.project(z)
    assert ball.contains(proj, atol=1e-9)
    assert torch.allclose(ball.project(proj), proj)
    center = torch.rand(16, 1, 8, 8, generator=gen, dtype=torch.float64)
    pc = ball.project(z, center=center)
    assert ball.contains(pc, center=center, atol=1e-9)


def test_l2_projection_closed_form():
    z = torch.tensor([[3.0, 4.0], [0.1, 0.0]])
    assert torch.allclose(Ball(1.0, "l2").project(z), torch.tensor([[0.6, 0.8], [0.1, 0.0]]))


def test_box_and_batch_dims_zero():
    box = Box(-1.0, 2.0)
    assert torch.equal(box(torch.tensor([-3.0, 0.5, 5.0])), torch.tensor([-1.0, 0.5, 2.0]))
    w = torch.full((3, 4), 1.0)
    proj = Ball(1.0, "l2", batch_dims=0).project(w)  # the whole tensor is one point
    assert math.isclose(float(torch.linalg.vector_norm(proj)), 1.0, rel_tol=1e-6)


@pytest.mark.parametrize("tensor_lower", [True, False])
@pytest.mark.parametrize("tensor_upper", [True, False])
def test_project_box_accepts_any_mix_of_float_and_tensor_bounds(tensor_lower, tensor_upper):
    # per-coordinate bounds [-1, 0, 1] − 0.5 ... + 0.5 given as tensors, or the scalars −0.5 / 0.5
    z = torch.tensor([[-3.0, 0.2, 0.9], [2.0, -0.1, -0.7]], dtype=torch.float64)
    lower = torch.tensor([-1.0, 0.0, -0.5], dtype=torch.float64) if tensor_lower else -0.5
    upper = torch.tensor([0.5, 0.1, 1.0], dtype=torch.float64) if tensor_upper else 0.5
    lo = [-1.0, 0.0, -0.5] if tensor_lower else [-0.5] * 3
    hi = [0.5, 0.1, 1.0] if tensor_upper else [0.5] * 3
    expected = torch.tensor(
        [[min(max(v, lo[j]), hi[j]) for j, v in enumerate(row)] for row in z.tolist()], dtype=torch.float64
    )
    torch.testing.assert_close(project_box(z, lower, upper), expected, rtol=0, atol=0)


def test_threat_model_stores_the_normalised_norm_and_box():
    from saddle.sets import ThreatModel

    threat = ThreatModel(0.25, "l2", None)
    assert threat.norm == 2.0 and isinstance(threat.norm, float)
    assert threat.box == Box(-math.inf, math.inf) and threat.ball == Ball(0.25, 2.0)
    assert ThreatModel(0.25, 2, (0, 1)) == ThreatModel(0.25, "l2") and ThreatModel(0.25, "l2").box == Box(0.0, 1.0)
    with pytest.raises(ValueError, match="norm"):
        ThreatModel(0.25, "l3")
    with pytest.raises(ValueError, match="box"):
        ThreatModel(0.25, "l2", (0.0,))


def test_entropic_mirror_step_is_multiplicative_weights(gen):
    u = torch.softmax(torch.randn(4, 6, generator=gen, dtype=torch.float64), -1)
    g = torch.randn(4, 6, generator=gen, dtype=torch.float64)
    m = EntropicMirrorMap()
    expected = u * torch.exp(-0.3 * g)
    expected = expected / expected.sum(-1, keepdim=True)
    assert torch.allclose(m.step(u, g, 0.3), expected)
    assert Simplex().contains(m.step(u, g, 0.3))
    assert torch.allclose(m.bregman(u, u), torch.zeros(4, dtype=torch.float64), atol=1e-12)


@pytest.mark.parametrize("p", ["l2", "linf", "l1"])
def test_sample_ball_is_uniform(p, gen):
    d, n = 5, 40_000
    pts = sample_ball(n, d, p=p, radius=2.0, generator=gen, dtype=torch.float64)
    norms = lp_norm(pts, p) / 2.0
    assert (norms <= 1 + 1e-12).all()
    if p != "linf":
        # uniform in a d-dimensional p-ball: the normalised radius has P(r ≤ t) = t^d, so E r = d/(d+1)
        se = norms.std() / math.sqrt(n)
        assert abs(norms.mean() - d / (d + 1)) < 4 * se
    assert abs(pts.mean()) < 4 * pts.std() / math.sqrt(n * d)


def test_bad_arguments_raise():
    with pytest.raises(ValueError, match="norm"):
        Ball(1.0, "l3")
    with pytest.raises(ValueError, match="radius"):
        Ball(-1.0, "l2")
    with pytest.raises(ValueError, match="lower <= upper"):
        Box(1.0, 0.0)
    with pytest.raises(ValueError, match="radius"):
        project_simplex(torch.zeros(2, 3), radius=0.0)


def test_simplex_and_l1_projections_with_a_radius_below_rounding():
    # found by hypothesis: r = 2.9e-176 next to entries of order 1 made u_1 − r == u_1 and the sort index −1
    z = torch.tensor([[0.3, -0.9, 0.5]], dtype=torch.float64)
    p = project_simplex(z, 2.9e-176)
    assert torch.all(p >= 0) and float(p.sum()) <= 1e-15
    q = project_l1_ball(z, 2.9e-176)
    assert float(q.abs().sum()) <= 1e-15


@settings(max_examples=60, deadline=None)
@given(
    eps=st.floats(0.0, 3.0),
    norm=st.sampled_from(["linf", "l2", "l1"]),
    seed=st.integers(0, 2**31 - 1),
    scale=st.floats(0.0, 10.0),
    lower=st.floats(-1.0, 0.0),
    width=st.floats(0.0, 2.0),
)
def test_threat_model_projection_lands_in_ball_and_box_and_fixes_its_points(eps, norm, seed, scale, lower, width):
    from saddle.sets import ThreatModel

    threat = ThreatModel(eps, norm, (lower, lower + width))
    g = torch.Generator().manual_seed(seed)
    x = lower + width * torch.rand(5, 3, 4, generator=g, dtype=torch.float64)
    x_adv = x + scale * torch.randn(5, 3, 4, generator=g, dtype=torch.float64)
    p = threat.project(x, x_adv)
    assert threat.contains(x, p, rtol=1e-9, atol=1e-9).all()
    torch.testing.assert_close(threat.project(x, p), p, rtol=0, atol=1e-9)  # a projection is idempotent
