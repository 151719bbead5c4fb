"""PGD and FGSM: the FGSM = one PGD step theorem, the closed form on linear models, the invariants."""

import pytest
import torch

from saddle.attacks import (
    CosineDecay,
    FastGradientSignAttack,
    GradientAscent,
    ProjectedGradientAttack,
    iterative_sign_attack,
)
from saddle.sets import lp_norm


def _data(n=32, seed=1):
    g = torch.Generator().manual_seed(seed)
    return torch.rand(n, 1, 8, 8, generator=g), torch.randint(0, 10, (n,), generator=g)


@pytest.mark.parametrize("loss", ["ce", "margin"])
def test_fgsm_is_one_pgd_step_from_zero_with_large_step(linear_model, loss):
    """Seed 001: clip(η ∇f(0), [−ε, ε]) = ε sign(∇f(0)) when η|∂_i f| ≥ ε: bitwise equal."""
    x, y = _data()
    eps = 0.1
    fgsm = FastGradientSignAttack(eps, loss=loss)(linear_model, x, y)
    pgd = ProjectedGradientAttack(eps, steps=1, step_size=1e8, random_start=False, loss=loss, ascent=GradientAscent())(
        linear_model, x, y
    )
    assert torch.equal(fgsm, pgd)
    # and FGSM moved every pixel with a nonzero gradient by exactly ε (up to the box)
    inside = (x > eps) & (x < 1 - eps)
    assert torch.allclose((fgsm - x)[inside].abs(), torch.full_like(x[inside], eps))


def test_linf_pgd_on_a_linear_score_reaches_the_closed_form():
    """Seed 001: max_{‖η‖∞≤ε} ⟨w, a + η⟩ = ⟨w, a⟩ + ε‖w‖₁, attained at η = ε sign(w) (no box)."""
    g = torch.Generator().manual_seed(3)
    w = torch.randn(64, generator=g)
    a = torch.randn(16, 64, generator=g)
    model = torch.nn.Linear(64, 1, bias=False)
    with torch.no_grad():
        model.weight.copy_(w[None])
    score = lambda logits, y: logits[:, 0]  # noqa: E731
    eps = 0.3
    adv = ProjectedGradientAttack(eps, steps=5, loss=score, box=None, generator=g)(
        model, a, torch.zeros(16, dtype=torch.long)
    )
    closed = a @ w + eps * w.abs().sum()
    assert torch.allclose(adv @ w, closed, rtol=1e-5, atol=1e-5)
    assert torch.allclose(adv - a, eps * w.sign().expand_as(a), atol=1e-6)


NORMS = ["linf", "l2", "l1"]


@pytest.mark.parametrize("norm", NORMS)
@pytest.mark.parametrize("restarts", [1, 3])
def test_pgd_stays_in_ball_and_box(linear_model, norm, restarts):
    x, y = _data()
    eps = {"linf": 0.1, "l2": 0.8, "l1": 3.0}[norm]
    for sched in (None, CosineDecay(eps / 2, 10)):
        adv = ProjectedGradientAttack(eps, norm=norm, steps=10, step_size=sched, restarts=restarts, loss="margin")(
            linear_model, x, y
        )
        assert (lp_norm(adv - x, norm) <= eps * (1 + 1e-5)).all()
        assert adv.min() >= 0 and adv.max() <= 1


def test_pgd_beats_fgsm_and_clean_on_linear_model(linear_model):
    x, y = _data(200)
    logits = linear_model(x)
    y = logits.argmax(-1)  # everything correctly classified
    eps = 0.05
    acc = lambda xa: (linear_model(xa).argmax(-1) == y).float().mean().item()  # noqa: E731
    a_fgsm = acc(FastGradientSignAttack(eps)(linear_model, x, y))
    a_pgd = acc(ProjectedGradientAttack(eps, steps=20, restarts=2)(linear_model, x, y))
    assert a_pgd <= a_fgsm < 1.0


def test_same_seed_same_attack(linear_model):
    x, y = _data()
    a1 = ProjectedGradientAttack(0.1, generator=torch.Generator().manual_seed(5))(linear_model, x, y)
    a2 = ProjectedGradientAttack(0.1, generator=torch.Generator().manual_seed(5))(linear_model, x, y)
    assert torch.equal(a1, a2)


def test_iterative_sign_is_sign_pgd_without_random_start(linear_model):
    x, y = _data()
    a = iterative_sign_attack(0.1, steps=4)(linear_model, x, y)
    b = ProjectedGradientAttack(0.1, steps=4, step_size=1.25 * 0.1 / 4, random_start=False)(linear_model, x, y)
    assert torch.equal(a, b)


def test_restarts_keep_the_per_sample_worst_case(linear_model):
    """restarts=3 returns, per point, the best of the three single runs drawn from the same generator stream
    (success first, then the objective)."""
    x, y = _data(64)
    many = ProjectedGradientAttack(0.05, steps=3, restarts=3, loss="margin", generator=torch.Generator().manual_seed(7))
    one = ProjectedGradientAttack(0.05, steps=3, restarts=1, loss="margin", generator=torch.Generator().manual_seed(7))
    best = many(linear_model, x, y)
    runs = [one(linear_model, x, y) for _ in range(3)]
    with torch.no_grad():
        values = torch.stack([many.objective.value(linear_model(r), y) for r in runs])  # (3, B)
        success = values > 0  # margin > 0 iff misclassified
        key = success.double() * 1e6 + values.double()
        expected = torch.stack(runs)[key.argmax(0), torch.arange(64)]
    assert torch.allclose(best, expected)
    assert len({float(v.sum()) for v in values}) == 3  # the three runs differ
