"""Robust accuracy: per-sample worst case, survivors only, the threat check, and gradient-masking warnings."""

import re
import warnings

import pytest
import torch

from saddle.attacks import (
    AutoProjectedGradientAttack,
    FastGradientSignAttack,
    ProjectedGradientAttack,
    RandomSearchAttack,
    ThreatModel,
    TopClassesTargeted,
)
from saddle.metrics import GradientMaskingWarning, gradient_masking_checks, robust_accuracy, robust_accuracy_curves


@pytest.fixture
def linear():
    g = torch.Generator().manual_seed(0)
    model = torch.nn.Sequential(torch.nn.Flatten(), torch.nn.Linear(64, 10))
    with torch.no_grad():
        model[1].weight.copy_(torch.randn(10, 64, generator=g))
        model[1].bias.copy_(torch.randn(10, generator=g))
    x = torch.rand(300, 1, 8, 8, generator=g)
    y = model(x).argmax(-1)
    y[:30] = (y[:30] + 1) % 10  # 10% clean errors
    return model, x, y


class Spy:
    """Records the batch sizes an attack is called with."""

    def __init__(self, attack):
        self.attack, self.sizes = attack, []
        self.threat_model, self.targeted = attack.threat_model, attack.targeted

    def __call__(self, model, x, y):
        self.sizes.append(x.shape[0])
        return self.attack(model, x, y)


def test_worst_case_over_attacks_equals_brute_force_and_only_survivors_are_attacked(linear):
    model, x, y = linear
    eps = 0.03
    attacks = [Spy(FastGradientSignAttack(eps)), Spy(ProjectedGradientAttack(eps, steps=10, random_start=False))]
    ev = robust_accuracy(model, x, y, attacks, batch_size=128)
    with torch.no_grad():
        clean_ok = model(x).argmax(-1) == y
        fooled = [model(a.attack(model, x, y)).argmax(-1) != y for a in attacks]
    brute = clean_ok & ~fooled[0] & ~fooled[1]
    assert torch.equal(ev.robust, brute)
    assert ev.clean_accuracy == pytest.approx(clean_ok.float().mean().item())
    assert ev.robust_accuracy == pytest.approx(brute.float().mean().item())
    # survivors only: the first attack sees the clean-correct points, the second only those FGSM missed
    assert sum(attacks[0].sizes) == int(clean_ok.sum())
    assert sum(attacks[1].sizes) == int((clean_ok & ~fooled[0]).sum())
    assert ev.broken_by["clean"] == 30 and sum(ev.broken_by.values()) == 300 - int(brute.sum())
    with torch.no_grad():
        assert torch.equal(model(ev.x_adv).argmax(-1) == y, ev.robust)


def test_restarts_only_on_survivors_and_never_hurt(linear):
    model, x, y = linear
    spy = Spy(ProjectedGradientAttack(0.03, steps=3))
    one = robust_accuracy(model, x, y, ProjectedGradientAttack(0.03, steps=3), restarts=1)
    three = robust_accuracy(model, x, y, spy, restarts=3)
    assert three.robust_accuracy <= one.robust_accuracy
    assert spy.sizes[0] > spy.sizes[1] >= spy.sizes[2]


def test_curves_of_fgsm_on_a_two_class_linear_model_follow_the_closed_form():
    """Two classes, logits Wx + b: with d = w_y − w_other and margin m, the worst case in the l∞ ball ∩ [0, 1]^n
    lowers m by Σ_i |d_i| min(ε, room_i), room_i = x_i where the harm decreases x_i, 1 − x_i where it increases it;
    FGSM's clipped sign step reaches it exactly, so the curve is the fraction of points with m > that loss."""
    g = torch.Generator().manual_seed(1)
    model = torch.nn.Sequential(torch.nn.Flatten(), torch.nn.Linear(16, 2)).double()
    with torch.no_grad():
        model[1].weight.copy_(torch.randn(2, 16, generator=g, dtype=torch.float64))
        model[1].bias.zero_()
    x = torch.rand(400, 1, 4, 4, generator=g, dtype=torch.float64)
    y = model(x).argmax(-1)
    grid = [0.0, 0.01, 0.03, 0.1, 0.3]
    curves = robust_accuracy_curves(model, x, y, {"FGSM": FastGradientSignAttack}, grid)
    w = model[1].weight.detach()
    d = w[y] - w[1 - y]  # (N, 16): the margin's gradient
    m = ((x.flatten(1) * d).sum(1)).detach()
    room = torch.where(d > 0, x.flatten(1), 1 - x.flatten(1))  # harm lowers x_i where d_i > 0, raises it elsewhere
    for eps, ev in zip(grid, curves["FGSM"]):
        loss = (d.abs() * room.clamp(max=eps)).sum(1)
        assert torch.equal(ev.robust, m > loss), eps
    assert [ev.robust_accuracy for ev in curves["FGSM"]] == sorted(
        (ev.robust_accuracy for ev in curves["FGSM"]), reverse=True
    )
    assert curves["FGSM"][0].robust_accuracy == curves["FGSM"][0].clean_accuracy == 1.0
    with pytest.raises(ValueError, match="at least one eps and one attack"):
        robust_accuracy_curves(model, x, y, {}, grid)


def test_eps_zero_gives_clean_accuracy(linear):
    model, x, y = linear
    ev = robust_accuracy(model, x, y, ProjectedGradientAttack(0.0, steps=3))
    assert ev.robust_accuracy == ev.clean_accuracy == pytest.approx(0.9)


def test_an_attack_leaving_its_ball_is_an_error(linear):
    model, x, y = linear

    class Cheat:
        threat_model, targeted = ThreatModel(0.01, "linf"), False

        def __call__(self, model, x, y):
            return (x + 0.5).clamp(0, 1)

    with pytest.raises(RuntimeError, match=re.escape("left its eps=0.01 ball")):
        robust_accuracy(model, x, y, [Cheat()])
    with pytest.raises(ValueError, match="restarts must be an integer >= 1, got 0"):
        robust_accuracy(model, x, y, [Cheat()], restarts=0)
    with pytest.raises(ValueError, match="batch_size must be an integer >= 1, got 0"):
        robust_accuracy(model, x, y, [Cheat()], batch_size=0)


def test_an_attack_leaving_the_box_is_an_error(linear):
    model, x, y = linear

    class BoxCheat:  # stays inside its ε-ball but leaves the input box [0, 1]
        threat_model, targeted = ThreatModel(0.5, "linf"), False

        def __call__(self, model, x, y):
            return x + 0.4 * (x < 0.7)

    x = x.clamp(0.65, 1)
    with pytest.raises(RuntimeError, match=re.escape("left its eps=0.5 ball or its box")):
        robust_accuracy(model, x, y, [BoxCheat()])


def test_targeted_attacks_and_attacks_without_threat_model_are_refused(linear):
    # issue 13 §5: a targeted APGD called with the true labels moves toward them and reports clean accuracy
    model, x, y = linear
    with pytest.raises(ValueError, match=r"is targeted.*TopClassesTargeted"):
        robust_accuracy(model, x, y, AutoProjectedGradientAttack(0.1, loss="dlr", targeted=True, steps=5))
    with pytest.raises(ValueError, match="is targeted"):
        robust_accuracy(model, x, y, {"pgd-t": ProjectedGradientAttack(0.1, targeted=True)})
    with pytest.raises(ValueError, match=re.escape("must be a saddle.attacks.Attack carrying a threat_model")):
        robust_accuracy(model, x, y, [lambda m, a, b: a])
    # wrapped, the same targeted attack is a legitimate untargeted evaluation, no better than the clean accuracy
    wrapped = TopClassesTargeted(AutoProjectedGradientAttack(0.1, loss="dlr", targeted=True, steps=5), n_targets=3)
    ev = robust_accuracy(model, x, y, wrapped, show_progress=False)
    assert ev.robust_accuracy < ev.clean_accuracy


def _pgd(eps):
    return ProjectedGradientAttack(eps, steps=20, loss="margin", random_start=False, step_size=max(eps, 1e-3) / 4)


def _random(eps):
    return RandomSearchAttack(eps, queries=20, generator=torch.Generator().manual_seed(1))


def test_no_masking_warning_for_an_honest_linear_model(linear):
    model, x, y = linear
    with warnings.catch_warnings():
        warnings.simplefilter("error", GradientMaskingWarning)
        report = gradient_masking_checks(model, x, y, _pgd, [0.0, 0.02, 0.05, 1.0], _random)
    assert report.failed == [] and report.robust_accuracy[0] == report.clean_accuracy
    assert report.robust_accuracy[-1] == 0.0


class Quantise(torch.nn.Module):
    """Rounds the input to {0, 1}: zero gradient almost everywhere (shattered gradients)."""

    def forward(self, x):
        return torch.round(x)


def test_masked_gradients_are_flagged(linear):
    model, x, y = linear
    masked = torch.nn.Sequential(Quantise(), model)
    with torch.no_grad():
        y = masked(x).argmax(-1)
    with pytest.warns(GradientMaskingWarning) as record:
        report = gradient_masking_checks(masked, x, y, _pgd, [0.0, 0.3, 1.0], _random)
    messages = [str(r.message) for r in record]
    assert any("random search beat the gradient attack" in m for m in messages)
    assert any("did not reach 100%" in m for m in messages) and len(messages) == len(report.failed)
    with pytest.raises(ValueError, match="eps_grid"):
        gradient_masking_checks(masked, x, y, _pgd, [-0.1])


def test_evaluation_restores_mixed_submodule_modes_and_grads(linear):
    model, x, y = linear
    model = torch.nn.Sequential(torch.nn.Dropout(0.5), *model)  # a train-mode Dropout would change the logits
    model.train()
    model[0].eval()  # mixed modes must come back as they were, not all set to the top module's mode
    model[-1].weight.grad = torch.ones_like(model[-1].weight)
    grad = model[-1].weight.grad
    ev = robust_accuracy(model, x, y, ProjectedGradientAttack(0.0, steps=1), show_progress=False)
    with torch.no_grad():
        assert ev.clean_accuracy == int((model[1:](x).argmax(-1) == y).sum()) / len(y)  # evaluated in eval mode
    assert [m.training for m in model] == [False, True, True] and model[-1].weight.grad is grad
