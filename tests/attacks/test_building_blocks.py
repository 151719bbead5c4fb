"""The building blocks every attack is made of: input checks, the input gradient, ascent rules, objectives,
the start points and the per-sample worst case, each against its closed form."""

import math
import re

import pytest
import torch
import torch.nn.functional as F
from torch import nn

from saddle.attacks import (
    L2Ascent,
    Objective,
    SignAscent,
    SparseL1Ascent,
    cross_entropy,
    get_objective,
    margin,
    projected_gradient_ascent,
    steepest_ascent,
    targeted_cross_entropy,
    targeted_margin,
)
from saddle.attacks.base import (
    attacking,
    check_inputs,
    check_labels,
    default_schedule,
    input_gradient,
    sphere_point,
)
from saddle.attacks.iterative import random_start_point, select_worst
from saddle.attacks.margin import PAIRWISE_MARGIN
from saddle.attacks.objectives import OBJECTIVES
from saddle.model_state import frozen_eval
from saddle.schedules import Constant
from saddle.sets import ThreatModel, lp_norm

DT = torch.float64


def _linear(d=4, k=3, seed=0):
    g = torch.Generator().manual_seed(seed)
    model = nn.Linear(d, k, bias=False).double()
    with torch.no_grad():
        model.weight.copy_(torch.randn(k, d, generator=g, dtype=DT))
    return model


def test_check_inputs_accepts_a_valid_batch_and_names_each_fault():
    threat = ThreatModel(0.1)
    x, y = torch.full((2, 3), 0.5), torch.tensor([0, 1])
    check_inputs(threat, x, y)  # valid: returns without error
    with pytest.raises(ValueError, match="must be tensors"):
        check_inputs(threat, x.tolist(), y)
    with pytest.raises(ValueError, match=r"need x of shape \(B, \.\.\.\) and y of shape \(B,\)"):
        check_inputs(threat, x, torch.tensor([0, 1, 2]))
    with pytest.raises(ValueError, match=r"x must lie in the box \[0.0, 1.0\]"):
        check_inputs(threat, x + 1, y)
    with pytest.raises(ValueError, match=re.escape("labels must be an integer tensor, got dtype torch.float32")):
        check_inputs(threat, x, y.float())
    with pytest.raises(ValueError, match="x contains NaN or inf"):
        check_inputs(threat, torch.full((2, 3), math.nan), y)


def test_check_labels_against_the_number_of_classes():
    check_labels(torch.tensor([0, 2]), 3)
    check_labels(torch.tensor([], dtype=torch.long), 3)  # an empty batch has nothing to check
    with pytest.raises(
        ValueError, match=r"labels must lie in \[0, 2\] for a model with 3 outputs, got values in \[0, 3\]"
    ):
        check_labels(torch.tensor([0, 3]), 3)
    with pytest.raises(ValueError, match=r"got values in \[-1, 1\]"):
        check_labels(torch.tensor([-1, 1]), 3)


def test_input_gradient_of_cross_entropy_on_a_linear_model_is_the_closed_form():
    # z = W x: ∇_x CE(z, y) = Wᵀ (softmax(z) − e_y)
    model = _linear()
    x = torch.randn(5, 4, generator=torch.Generator().manual_seed(1), dtype=DT)
    y = torch.tensor([0, 1, 2, 0, 1])
    logits, grad = input_gradient(model, x, y, get_objective("ce"))
    z = x @ model.weight.T
    torch.testing.assert_close(logits, z)
    torch.testing.assert_close(grad, (torch.softmax(z, -1) - F.one_hot(y, 3).double()) @ model.weight.detach())
    assert not logits.requires_grad and not grad.requires_grad


def test_default_schedule_is_madrys_step_unless_given():
    assert default_schedule(None, 0.3, 10)(0) == pytest.approx(2.5 * 0.3 / 10)
    assert default_schedule(None, 0.0, 10)(5) == 1.0  # ε = 0: the ball is {x}, any step
    assert default_schedule(0.01, 0.3, 10)(7) == 0.01
    s = Constant(0.2)
    assert default_schedule(s, 0.3, 10)(3) == 0.2


@pytest.mark.parametrize("norm", ["linf", "l2", "l1"])
def test_sphere_point_lies_on_the_sphere_of_the_ball(norm):
    threat = ThreatModel(0.5, norm, box=None)  # no box: nothing clips the point back inside
    x = torch.zeros(6, 5, dtype=DT)
    p = sphere_point(x, threat, torch.Generator().manual_seed(0))
    torch.testing.assert_close(lp_norm(p - x, threat.norm, batch_dims=1), torch.full((6,), 0.5, dtype=DT))
    again = sphere_point(x, threat, torch.Generator().manual_seed(0))
    assert torch.equal(p, again)  # same generator state, same point
    boxed = sphere_point(x + 0.5, ThreatModel(0.5, norm), torch.Generator().manual_seed(0))
    assert bool(ThreatModel(0.5, norm).contains(x + 0.5, boxed).all())


def test_attacking_is_frozen_eval_and_restores_modes_and_requires_grad():
    assert attacking is frozen_eval
    model = nn.Sequential(nn.Linear(2, 2), nn.Dropout(0.5)).train()
    model[0].bias.requires_grad_(False)
    with attacking(model):
        assert not model.training and not any(m.training for m in model.modules())
        assert not any(p.requires_grad for p in model.parameters())
    assert model.training and all(m.training for m in model.modules())
    assert model[0].weight.requires_grad and not model[0].bias.requires_grad


def test_steepest_ascent_rules_attain_the_dual_norm_on_the_unit_ball():
    # d = argmax_{‖d‖_p ≤ 1} ⟨g, d⟩, so ⟨g, d⟩ = ‖g‖_q with 1/p + 1/q = 1 and ‖d‖_p = 1
    g = torch.randn(4, 3, 5, generator=torch.Generator().manual_seed(2), dtype=DT)
    flat = g.reshape(4, -1)
    cases = [
        ("linf", SignAscent, math.inf, flat.abs().sum(-1)),
        ("l2", L2Ascent, 2.0, flat.norm(dim=-1)),
        ("l1", SparseL1Ascent, 1.0, None),
    ]
    for norm, rule_type, p, dual in cases:
        rule = steepest_ascent(norm)
        assert type(rule) is rule_type
        d = rule(g).reshape(4, -1)
        torch.testing.assert_close(lp_norm(d, p, batch_dims=1), torch.ones(4, dtype=DT))
        if dual is not None:
            torch.testing.assert_close((flat * d).sum(-1), dual)
    # l1 with one coordinate (fraction → 0) is the exact steepest ascent: ⟨g, d⟩ = ‖g‖_∞
    d1 = SparseL1Ascent(fraction=1e-9)(g).reshape(4, -1)
    torch.testing.assert_close((flat * d1).sum(-1), flat.abs().amax(-1))
    assert ((d1 != 0).sum(-1) == 1).all()
    # the default fraction 0.05 of 15 coordinates keeps ceil(0.75) = 1; fraction 0.4 keeps 6, each ±1/6
    d6 = SparseL1Ascent(fraction=0.4)(g).reshape(4, -1)
    assert ((d6 != 0).sum(-1) == 6).all() and torch.allclose(d6.abs()[d6 != 0], torch.tensor(1 / 6, dtype=DT))
    assert torch.equal(L2Ascent()(torch.zeros(2, 3)), torch.zeros(2, 3))  # g = 0: no direction, no NaN
    with pytest.raises(ValueError, match="fraction"):
        SparseL1Ascent(fraction=1.5)


def test_objectives_registry_targeted_forms_and_get_objective():
    z = torch.randn(6, 5, generator=torch.Generator().manual_seed(3), dtype=DT)
    t = torch.tensor([0, 1, 2, 3, 4, 0])
    assert set(OBJECTIVES) == {"ce", "margin", "dlr"}
    # the targeted CE and margin are the negatives of the untargeted ones at the target
    torch.testing.assert_close(targeted_cross_entropy(z, t), -cross_entropy(z, t))
    torch.testing.assert_close(targeted_cross_entropy(z, t), torch.log_softmax(z, -1)[torch.arange(6), t])
    torch.testing.assert_close(targeted_margin(z, t), -margin(z, t))
    for name, (untargeted, targeted) in OBJECTIVES.items():
        plain, aimed = get_objective(name), get_objective(name, targeted=True)
        assert (plain.name, plain.value, plain.targeted) == (name, untargeted, False)
        assert (aimed.name, aimed.value, aimed.targeted) == (name + "-targeted", targeted, True)
    custom = get_objective(lambda logits, y: logits.sum(-1))
    assert custom.name == "<lambda>" and not custom.targeted
    assert get_objective(PAIRWISE_MARGIN) is PAIRWISE_MARGIN
    with pytest.raises(ValueError, match=r"loss must be one of \['ce', 'dlr', 'margin'\] or a callable, got 'hinge'"):
        get_objective("hinge")
    with pytest.raises(ValueError, match="or a callable, got 3"):
        get_objective(3)


def test_objective_success_means_misclassified_or_target_hit():
    logits = torch.tensor([[3.0, 1.0, 0.0], [0.0, 2.0, 1.0]])
    y = torch.tensor([0, 0])
    assert Objective("u", margin).success(logits, y).tolist() == [False, True]
    assert Objective("t", targeted_margin, targeted=True).success(logits, y).tolist() == [True, False]


def test_pairwise_margin_objective_is_z_j_minus_z_b_and_succeeds_on_misclassification():
    logits = torch.tensor([[3.0, 1.0, 0.5], [0.0, 2.0, 1.0]])
    pairs = torch.tensor([[0, 2], [0, 1]])  # (true label b, class j)
    torch.testing.assert_close(PAIRWISE_MARGIN.value(logits, pairs), torch.tensor([-2.5, 2.0]))
    assert PAIRWISE_MARGIN.success(logits, pairs).tolist() == [False, True]  # success reads b = pairs[:, 0]
    assert not PAIRWISE_MARGIN.targeted


def test_one_step_of_projected_gradient_ascent_is_fgsm():
    # from x0 = x, one l∞ sign step of size ≥ ε lands on box(x + ε sign ∇CE): FGSM (Goodfellow et al. 2015)
    model = _linear()
    x = torch.rand(8, 4, generator=torch.Generator().manual_seed(4), dtype=DT)
    y = torch.tensor([0, 1, 2, 0, 1, 2, 0, 1])
    threat = ThreatModel(0.1)
    ce = get_objective("ce")
    with attacking(model):
        x_adv = projected_gradient_ascent(model, x, y, x, ce, threat, SignAscent(), 1, Constant(1.0))
        _, grad = input_gradient(model, x, y, ce)
    torch.testing.assert_close(x_adv, (x + 0.1 * grad.sign()).clamp(0, 1))


def test_projected_gradient_ascent_early_stop_freezes_points_at_their_first_success():
    model = _linear()
    x = torch.rand(16, 4, generator=torch.Generator().manual_seed(5), dtype=DT)
    y = model(x).argmax(-1).detach()  # all correct at the start
    threat, ce, step = ThreatModel(0.2), get_objective("ce"), Constant(0.04)

    def pgd(k, early_stop=False):
        with attacking(model):
            return projected_gradient_ascent(model, x, y, x, ce, threat, SignAscent(), k, step, early_stop)

    iterates = [pgd(k) for k in range(11)]  # the iterate after k steps, without stopping
    with torch.no_grad():
        success = torch.stack([ce.success(model(xk), y) for xk in iterates])  # (11, B)
    stopped = pgd(10, early_stop=True)
    broken = success.any(0)
    assert bool(broken.any()) and not bool(broken.all())  # the test sees both kinds of points
    torch.testing.assert_close(stopped[~broken], iterates[10][~broken])
    for i in torch.nonzero(broken).flatten().tolist():
        first = int(success[:, i].nonzero()[0])
        torch.testing.assert_close(stopped[i], iterates[first][i])


@pytest.mark.parametrize("norm", ["linf", "l2", "l1"])
def test_random_start_point_is_in_the_threat_set_and_reproducible(norm):
    threat = ThreatModel(0.3, norm)
    x = torch.rand(64, 6, generator=torch.Generator().manual_seed(6), dtype=DT)
    a = random_start_point(x, threat, torch.Generator().manual_seed(7))
    b = random_start_point(x, threat, torch.Generator().manual_seed(7))
    assert torch.equal(a, b) and bool(threat.contains(x, a).all())
    assert float(threat.distance(x, a).min()) > 0  # a random point of the ball, not x itself


def test_select_worst_prefers_success_then_the_larger_objective():
    cand1 = torch.tensor([[1.0], [2.0], [3.0], [4.0]])
    succ1, val1 = torch.tensor([True, False, True, False]), torch.tensor([0.5, 0.5, 0.5, 0.5])
    best, key = select_worst(None, None, cand1, succ1, val1)
    assert torch.equal(best, cand1) and best is not cand1
    cand2 = -cand1
    succ2, val2 = torch.tensor([False, True, True, False]), torch.tensor([9.0, 0.0, 0.75, 0.25])
    best, (s, v) = select_worst(best, key, cand2, succ2, val2)
    # point 0: success beats a larger objective; 1: success wins; 2: both succeed, larger objective; 3: neither, larger
    assert best.flatten().tolist() == [1.0, -2.0, -3.0, 4.0]
    assert s.tolist() == [True, True, True, False] and v.tolist() == [0.5, 0.0, 0.75, 0.5]
