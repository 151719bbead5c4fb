"""Targeted attacks hit the target; APGD's schedule; PGD/APGD vs the ERM digits CNN."""

import pytest
import torch

from saddle.attacks import (
    AutoProjectedGradientAttack,
    FastGradientSignAttack,
    ProjectedGradientAttack,
    apgd_checkpoints,
)


@pytest.mark.parametrize(
    "make",
    [
        lambda: ProjectedGradientAttack(0.5, steps=20, targeted=True),
        lambda: ProjectedGradientAttack(0.5, steps=20, loss="margin", targeted=True),
        lambda: ProjectedGradientAttack(4.0, "l2", steps=20, loss="dlr", targeted=True),
        lambda: AutoProjectedGradientAttack(0.5, steps=20, loss="dlr", targeted=True),
        lambda: AutoProjectedGradientAttack(0.5, steps=20, loss="ce", targeted=True),
    ],
)
def test_targeted_attacks_hit_every_target_on_an_easy_model(make, linear_model):
    """A linear model on [0,1]^64 with ε = 0.5: the centre of the box reaches every class region."""
    g = torch.Generator().manual_seed(0)
    x = 0.25 + 0.5 * torch.rand(40, 1, 8, 8, generator=g)
    t = torch.randint(0, 10, (40,), generator=g)
    t = torch.where(t == linear_model(x).argmax(-1), (t + 1) % 10, t)
    adv = make()(linear_model, x, t)
    assert (linear_model(adv).argmax(-1) == t).all()


def test_targeted_fgsm_moves_against_the_target_cross_entropy(linear_model):
    g = torch.Generator().manual_seed(0)
    x = 0.25 + 0.5 * torch.rand(40, 1, 8, 8, generator=g)
    t = torch.randint(0, 10, (40,), generator=g)
    ce = lambda z: torch.nn.functional.cross_entropy(linear_model(z), t, reduction="none")  # noqa: E731
    assert (ce(FastGradientSignAttack(0.05, targeted=True)(linear_model, x, t)) < ce(x)).all()


def test_apgd_checkpoints_follow_the_reference_schedule():
    """p_1 = 0.22 N, periods shrink by 0.03 N down to 0.06 N (Croce & Hein 2020; reference integer rounding)."""
    assert apgd_checkpoints(100) == [22, 41, 57, 70, 80, 87, 93, 99]
    assert apgd_checkpoints(10) == list(range(2, 11))
    assert apgd_checkpoints(1) == [1]


def test_apgd_halves_the_step_when_the_objective_stops_rising():
    """On a linear score with no box, the first step already reaches the maximum ⟨w,a⟩ + ε‖w‖₁: APGD
    returns it (best iterate) and never does worse than the closed form."""
    g = torch.Generator().manual_seed(1)
    model = torch.nn.Linear(20, 1, bias=False).double()
    a = torch.randn(6, 20, generator=g, dtype=torch.float64)
    score = lambda logits, y: logits[:, 0]  # noqa: E731
    adv = AutoProjectedGradientAttack(0.1, steps=20, loss=score, box=None, generator=g)(
        model, a, torch.zeros(6, dtype=torch.long)
    )
    w = model.weight.detach()[0]
    assert torch.allclose(adv @ w, a @ w + 0.1 * w.abs().sum())


def test_apgd_and_pgd_on_the_digits_cnn(digits_cnn, digits):
    """On the ERM CNN: clean ≥ FGSM ≥ PGD-10 ≥ APGD-20 accuracy within noise, APGD at least as strong as PGD."""
    _, test = digits
    x, y = test.x[:180], test.y[:180]
    acc = lambda xa: (digits_cnn(xa).argmax(-1) == y).float().mean().item()  # noqa: E731
    eps = 0.1
    clean = acc(x)
    a_fgsm = acc(FastGradientSignAttack(eps)(digits_cnn, x, y))
    a_pgd = acc(ProjectedGradientAttack(eps, steps=10)(digits_cnn, x, y))
    a_apgd = acc(AutoProjectedGradientAttack(eps, steps=20)(digits_cnn, x, y))
    assert clean > 0.9
    assert clean > a_fgsm >= a_pgd - 1 / 180 and a_apgd <= a_pgd
