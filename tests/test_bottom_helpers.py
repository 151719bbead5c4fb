"""Small public helpers of the bottom modules: the Euclidean projections against a brute-force minimiser, the box
factory, boolean and probability checks, the Langevin noise, the claim verdict record and the strict run readers."""

import json
import math
import re

import pytest
import torch
from scipy.optimize import minimize

from saddle.claims import REPRODUCED, ClaimVerdict, check_claims
from saddle.experiments import Claim
from saddle.langevin import gaussian_noise
from saddle.runs import RunFileError, read_config, read_metrics
from saddle.sets import Ball, Box, Set, make_box, project_box, project_l2_ball, project_linf_ball
from saddle.validation import check_bool, check_probability_vectors

DT = torch.float64


def _brute_projection(z, inside_constraints):
    """argmin ‖u − z‖² subject to the given scipy constraints (SLSQP), an independent reference."""
    z = z.numpy()
    res = minimize(
        lambda u: ((u - z) ** 2).sum(),
        z * 0,
        jac=lambda u: 2 * (u - z),
        constraints=inside_constraints,
        method="SLSQP",
        options={"ftol": 1e-14, "maxiter": 500},
    )
    return torch.from_numpy(res.x)


def test_ball_and_box_projections_agree_with_a_generic_minimiser():
    g = torch.Generator().manual_seed(0)
    c = torch.tensor([0.3, -0.2, 0.1], dtype=DT)
    for _ in range(5):
        z = 2 * torch.randn(3, generator=g, dtype=DT)
        l2 = project_l2_ball(z[None], 0.7, center=c[None])[0]
        ref = _brute_projection(z, {"type": "ineq", "fun": lambda u: 0.49 - ((u - c.numpy()) ** 2).sum()})
        torch.testing.assert_close(l2, ref, atol=1e-6, rtol=0)
        linf = project_linf_ball(z, 0.5, center=c)
        torch.testing.assert_close(linf, c + (z - c).clamp(-0.5, 0.5))
        box = project_box(z, -0.4, torch.tensor([0.1, 0.2, 0.3], dtype=DT))
        torch.testing.assert_close(
            box, torch.minimum(torch.maximum(z, torch.tensor(-0.4, dtype=DT)), torch.tensor([0.1, 0.2, 0.3], dtype=DT))
        )
    inside = torch.tensor([[0.1, 0.1, 0.1]], dtype=DT)
    assert torch.equal(project_l2_ball(inside, 1.0), inside)  # points inside stay put
    torch.testing.assert_close(
        project_linf_ball(torch.tensor([3.0, -3.0]), torch.tensor([1.0, 2.0])), torch.tensor([1.0, -2.0])
    )


def test_make_box_and_the_set_base_class():
    assert make_box((0, 1)) == Box(0.0, 1.0)
    unbounded = make_box(None)
    assert unbounded.lower == -math.inf and unbounded.upper == math.inf
    b = Box(-1.0, 1.0)
    assert make_box(b) is b
    with pytest.raises(ValueError, match=re.escape("box must be a pair (lower, upper) or None, got 3")):
        make_box(3)
    # every set is a Set: calling it projects
    assert isinstance(b, Set) and isinstance(Ball(1.0, "l2"), Set)
    torch.testing.assert_close(b(torch.tensor([2.0, -0.5])), torch.tensor([1.0, -0.5]))
    with pytest.raises(NotImplementedError):
        Set().project(torch.zeros(1))


def test_check_bool_refuses_the_integers_that_equal_booleans():
    assert check_bool("flag", True) is True and check_bool("flag", False) is False
    for bad in (1, 0, "yes", None):
        with pytest.raises(ValueError, match="flag must be True or False"):
            check_bool("flag", bad)


def test_check_probability_vectors():
    p = torch.tensor([[0.2, 0.8], [0.5, 0.5]], dtype=DT)
    assert check_probability_vectors("p", p) is p
    check_probability_vectors("p", torch.tensor([0.5, 0.5 + 1e-4]), atol=1e-3)  # within the given tolerance
    with pytest.raises(ValueError, match="p"):
        check_probability_vectors("p", torch.tensor([0.5, 0.6], dtype=DT))  # sums to 1.1
    with pytest.raises(ValueError, match="p"):
        check_probability_vectors("p", torch.tensor([1.5, -0.5], dtype=DT))  # negative entry
    with pytest.raises(ValueError, match="must be a floating tensor of probability vectors"):
        check_probability_vectors("p", torch.tensor([0, 1]))


def test_gaussian_noise_matches_like_and_its_generator():
    like = torch.zeros(4, 3, dtype=DT)
    a = gaussian_noise(like, torch.Generator().manual_seed(5))
    assert a.shape == like.shape and a.dtype == DT
    torch.testing.assert_close(a, torch.randn(4, 3, generator=torch.Generator().manual_seed(5), dtype=DT))
    big = gaussian_noise(torch.zeros(200_000), torch.Generator().manual_seed(6))
    assert abs(float(big.mean())) < 5 / math.sqrt(2e5) and abs(float(big.var()) - 1) < 0.02


def test_claim_verdict_records_the_claim_and_its_measurement():
    claim = Claim("ratio", "the ratio is below 2", "seed 000", "r", "<", 2.0)
    (verdict,) = check_claims([claim], {"r": 1.5}, quick=False)
    assert isinstance(verdict, ClaimVerdict)
    assert (verdict.name, verdict.measured, verdict.status) == ("ratio", 1.5, REPRODUCED)
    d = verdict.to_dict()
    assert d["statement"] == "the ratio is below 2" and d["source"] == "seed 000" and ClaimVerdict(**d) == verdict


def test_read_metrics_and_config(tmp_path):
    run = tmp_path / "toy"
    run.mkdir()
    (run / "metrics.json").write_text(json.dumps({"acc": 0.5, "nested": {"k": [1, 2]}}))
    assert read_metrics(run) == {"acc": 0.5, "nested": {"k": [1, 2]}}
    assert read_config(run) == {}  # absent config: empty
    (run / "config.json").write_text(json.dumps({"steps": 3}))
    assert read_config(run) == {"steps": 3}
    (run / "config.json").write_text("[1, 2]")
    with pytest.raises(RunFileError, match=r"config.json: the file must be an object, got a list"):
        read_config(run)
    (run / "metrics.json").write_text('{"acc": 0.5')
    with pytest.raises(RunFileError, match=r"metrics.json: is not valid JSON \(truncated or damaged\?\)"):
        read_metrics(run)
    (run / "metrics.json").write_text("")
    with pytest.raises(RunFileError, match=re.escape("metrics.json: is empty")):
        read_metrics(run)
    (run / "metrics.json").unlink()
    with pytest.raises(RunFileError, match=re.escape("metrics.json: cannot be read")):
        read_metrics(run)
