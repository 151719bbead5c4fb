"""DeepFool against seed 004's closed form on affine classifiers and against torchattacks; the minimal-ε bisection."""

import math

import pytest
import torch
import torchattacks  # installed by the Makefile (--no-deps); a missing reference must fail, not skip

from saddle.attacks import DeepFool, ProjectedGradientAttack, deepfool, minimal_epsilon, minimal_l2_perturbation_affine


def _affine(gen, classes=4, d=6):
    model = torch.nn.Linear(d, classes).double()
    with torch.no_grad():
        model.weight.copy_(torch.randn(classes, d, generator=gen, dtype=torch.float64))
        model.bias.copy_(torch.randn(classes, generator=gen, dtype=torch.float64))
    return model


def test_one_deepfool_step_is_the_closed_form_minimal_l2_perturbation_of_an_affine_classifier(gen):
    """Seed 004: η* = (f_i − f_j)/‖w_j − w_i‖² (w_j − w_i); the nearest of the pairwise boundaries is the exit of the
    class-i polyhedron, so one linearisation (exact for an affine model) lands on it."""
    model = _affine(gen)
    x = torch.randn(30, 6, generator=gen, dtype=torch.float64)
    with torch.no_grad():
        y = model(x).argmax(-1)
    x_adv, iters = deepfool(model, x, y, steps=1, overshoot=0.0)
    candidates = torch.stack(
        [minimal_l2_perturbation_affine(model.weight, model.bias, x, torch.full_like(y, j)) for j in range(4)], 1
    )
    norms = candidates.norm(dim=-1).masked_fill(torch.nn.functional.one_hot(y, 4).bool(), math.inf)
    closed = candidates[torch.arange(30), norms.argmin(-1)]
    torch.testing.assert_close(x_adv - x, closed, rtol=1e-10, atol=1e-12)
    assert bool((iters == 1).all())
    with torch.no_grad():
        f = model(x_adv)
    top2 = f.topk(2, -1).values
    torch.testing.assert_close(top2[:, 0], top2[:, 1], rtol=0, atol=1e-9)  # exactly on the boundary


def test_overshoot_crosses_the_boundary_in_one_step_and_scales_the_perturbation(gen):
    model = _affine(gen)
    x = torch.randn(30, 6, generator=gen, dtype=torch.float64)
    with torch.no_grad():
        y = model(x).argmax(-1)
    exact, _ = deepfool(model, x, y, steps=1, overshoot=0.0)
    x_adv, iters = deepfool(model, x, y, overshoot=0.02)
    torch.testing.assert_close(x_adv - x, 1.02 * (exact - x), rtol=1e-10, atol=1e-12)
    assert bool((iters == 1).all())
    with torch.no_grad():
        assert bool((model(x_adv).argmax(-1) != y).all())


def test_linf_deepfool_on_a_binary_affine_classifier_is_the_holder_minimum(gen):
    """min ‖η‖∞ with (w_1 − w_0)ᵀ(x + η) + b_1 − b_0 ≥ 0 is |f_0 − f_1| / ‖w_1 − w_0‖₁, along sign(w_1 − w_0)."""
    model = _affine(gen, classes=2, d=5)
    x = torch.randn(20, 5, generator=gen, dtype=torch.float64)
    with torch.no_grad():
        f = model(x)
    y = f.argmax(-1)
    x_adv, _ = deepfool(model, x, y, norm="linf", steps=1, overshoot=0.0)
    w = model.weight[1] - model.weight[0]
    gap = (f[:, 1] - f[:, 0]).abs()
    torch.testing.assert_close((x_adv - x).abs().amax(-1), gap / w.abs().sum(), rtol=1e-10, atol=1e-12)


def test_already_misclassified_points_are_left_alone(gen):
    model = _affine(gen)
    x = torch.randn(5, 6, generator=gen, dtype=torch.float64)
    with torch.no_grad():
        wrong = (model(x).argmax(-1) + 1) % 4
    x_adv, iters = deepfool(model, x, wrong)
    assert torch.equal(x_adv, x) and bool((iters == 0).all())


@pytest.fixture(scope="module")
def digits_mlp(digits):
    from saddle.models import DigitsMLP, build_seeded
    from saddle.train.erm import train_classifier

    train, _ = digits
    return train_classifier(build_seeded(DigitsMLP, 0), train.x, train.y, epochs=5, seed=0)


def test_deepfool_agrees_with_torchattacks_where_the_box_is_not_touched(gen):
    """torchattacks 3.5.1 applies the overshoot to each step (the paper's code to the sum) and clips to [0, 1]; on an
    affine model both take one step, so away from the box the results coincide."""
    model = torch.nn.Sequential(torch.nn.Flatten(), torch.nn.Linear(64, 10))
    with torch.no_grad():
        model[1].weight.copy_(torch.randn(10, 64, generator=gen))
        model[1].bias.copy_(torch.randn(10, generator=gen))
    x = 0.5 + 0.05 * torch.randn(30, 1, 8, 8, generator=gen)
    y = model(x).argmax(-1).detach()
    ours = DeepFool(100.0)(model, x, y)
    theirs = torchattacks.DeepFool(model, steps=50, overshoot=0.02)(x, y)
    assert ours.min() > 0.2 and ours.max() < 0.8  # the box is not touched
    torch.testing.assert_close(ours, theirs, rtol=1e-4, atol=1e-5)


def test_deepfool_on_a_network_breaks_what_torchattacks_breaks_with_a_similar_norm(digits_mlp, digits):
    """On digits (pixels at 0 and 1) torchattacks' clipping stalls DeepFool on many points; holding the active bounds
    breaks every point, and where both succeed the perturbations have about the same size."""
    _, test = digits
    x, y = test.x[:16], test.y[:16]
    with torch.no_grad():
        keep = digits_mlp(x).argmax(-1) == y
    x, y = x[keep], y[keep]
    ours = DeepFool(100.0)(digits_mlp, x, y)
    theirs = torchattacks.DeepFool(digits_mlp, steps=10, overshoot=0.02)(x, y)  # one image at a time: slow
    with torch.no_grad():
        ours_ok, theirs_ok = digits_mlp(ours).argmax(-1) != y, digits_mlp(theirs).argmax(-1) != y
    assert bool(ours_ok.all()) and int(theirs_ok.sum()) >= 3
    ratio = ((ours - x).flatten(1).norm(dim=-1) / (theirs - x).flatten(1).norm(dim=-1))[theirs_ok]
    assert 0.9 < ratio.median().item() < 1.1


def test_the_attack_stays_in_the_ball_and_box_and_validates(digits_mlp, digits):
    _, test = digits
    x, y = test.x[:20], test.y[:20]
    x_adv = DeepFool(0.3)(digits_mlp, x, y)
    assert (x_adv - x).flatten(1).norm(dim=-1).max() <= 0.3 + 1e-6
    assert x_adv.min() >= 0 and x_adv.max() <= 1
    assert "DeepFool(eps=0.3" in repr(DeepFool(0.3))
    with pytest.raises(ValueError, match="l2 and l∞"):
        DeepFool(1.0, norm="l1")
    with pytest.raises(ValueError, match="l2 and l∞"):
        deepfool(digits_mlp, x, y, norm=1)


def test_minimal_epsilon_of_pgd_on_an_affine_classifier_brackets_the_closed_form(gen):
    """PGD-l2 with ε above the distance to the boundary crosses it, below cannot: the bisection brackets the exact
    distance up to its resolution (ε_high/ε_low)^(2^−rounds)."""
    model = torch.nn.Sequential(torch.nn.Flatten(), _affine(gen, classes=2, d=6))
    x = torch.randn(12, 6, generator=gen, dtype=torch.float64) * 0.5
    with torch.no_grad():
        y = model(x).argmax(-1)
    linear = model[1]
    dist = minimal_l2_perturbation_affine(linear.weight, linear.bias, x, 1 - y).norm(dim=-1)

    def pgd(eps):  # two classes: the margin's gradient points at the only boundary
        return ProjectedGradientAttack(eps, norm="l2", steps=20, random_start=False, box=None, loss="margin")

    eps = minimal_epsilon(pgd, model, x, y, 1e-3, 10.0, rounds=6)
    resolution = (10.0 / 1e-3) ** (2.0**-6)
    assert bool((eps >= dist * (1 - 1e-9)).all()) and bool((eps <= dist * resolution * (1 + 1e-9)).all())
    assert minimal_epsilon(pgd, model, x, y, 1e-3, 1e-2, rounds=2).isinf().any()  # not broken at ε_high: inf
    with pytest.raises(ValueError, match="eps_high"):
        minimal_epsilon(pgd, model, x, y, 1.0, 0.5)
