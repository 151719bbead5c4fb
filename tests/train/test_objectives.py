"""Training objectives: Danskin gradients, TRADES(β=0) = ERM, BETA's best class, DDi's min-norm QP, SAM, MART, CFOL."""

import math
import re

import cvxpy as cp
import numpy as np
import pytest
import torch
import torch.nn.functional as F
from torch import nn

from saddle.attacks import (
    FastGradientSignAttack,
    KLDivergenceAttack,
    MarginAttack,
    ProjectedGradientAttack,
)
from saddle.train import (
    ERM,
    MART,
    TRADES,
    BETAAdversarialTraining,
    ClassFocusedOnlineLearning,
    DDiAdversarialTraining,
    EpsilonStabilityTraining,
    FGSMAdversarialTraining,
    PGDAdversarialTraining,
    RSFGSMAdversarialTraining,
    SharpnessAwareMinimisation,
    min_norm_weights,
)


def _grads(model):
    return [p.grad.detach().clone() for p in model.parameters()]


@pytest.fixture
def gen():
    return torch.Generator().manual_seed(0)


@pytest.fixture
def mlp_batch(gen):
    torch.manual_seed(0)  # test-only weight init
    model = nn.Sequential(nn.Flatten(), nn.Linear(12, 16), nn.Tanh(), nn.Linear(16, 4)).double()
    x = torch.rand(32, 1, 3, 4, generator=gen, dtype=torch.float64)
    y = torch.randint(0, 4, (32,), generator=gen)
    return model, x, y


def test_pgd_at_gradient_is_the_gradient_at_the_attack_output(mlp_batch):
    """Danskin: the objective's θ-gradient equals ∇_θ L(h_θ(x_adv), y) with x_adv from the same attack."""
    model, x, y = mlp_batch
    obj = PGDAdversarialTraining(ProjectedGradientAttack(0.1, steps=5, generator=torch.Generator().manual_seed(3)))
    loss, _ = obj(model, x, y)
    loss.backward()
    got = _grads(model)
    x_adv = ProjectedGradientAttack(0.1, steps=5, generator=torch.Generator().manual_seed(3))(model, x, y)
    assert (x_adv - x).abs().max() <= 0.1 + 1e-12 and x_adv.min() >= 0 and x_adv.max() <= 1
    want = torch.autograd.grad(F.cross_entropy(model(x_adv), y), list(model.parameters()))
    for a, b in zip(got, want):
        torch.testing.assert_close(a, b, rtol=0, atol=0)


def test_pgd_at_gradient_equals_the_robust_loss_gradient_in_closed_form(gen):
    """Linear 2-class model, no box: max_{‖δ‖∞≤ε} CE = softplus(−s(w·x + b) + ε‖w‖₁), s = ±1; Danskin's
    gradient at PGD's output equals the gradient of this closed form (the maximiser is unique for w_i ≠ 0)."""
    d, eps = 6, 0.3
    w = torch.randn(d, generator=gen, dtype=torch.float64)
    b = torch.randn(1, generator=gen, dtype=torch.float64)
    model = nn.Linear(d, 2).double()
    with torch.no_grad():
        model.weight.copy_(torch.stack([torch.zeros(d, dtype=torch.float64), w]))
        model.bias.copy_(torch.cat([torch.zeros(1, dtype=torch.float64), b]))
    x = torch.randn(16, d, generator=gen, dtype=torch.float64)
    y = torch.randint(0, 2, (16,), generator=gen)
    obj = PGDAdversarialTraining(ProjectedGradientAttack(eps, steps=3, step_size=eps, box=None, generator=gen))
    loss, _ = obj(model, x, y)
    loss.backward()
    wv, bv = w.clone().requires_grad_(True), b.clone().requires_grad_(True)
    s = 2.0 * y.double() - 1
    robust = F.softplus(-s * (x @ wv + bv) + eps * wv.abs().sum()).mean()
    gw, gb = torch.autograd.grad(robust, [wv, bv])
    torch.testing.assert_close(loss, robust.detach())
    torch.testing.assert_close(model.weight.grad[1], gw)  # row 1 carries w (row 0 is held at 0)
    torch.testing.assert_close(model.bias.grad[1:], gb)


def test_trades_with_beta_zero_is_erm(mlp_batch):
    model, x, y = mlp_batch
    g = torch.Generator().manual_seed(1)
    state = g.get_state()
    loss, _ = TRADES(KLDivergenceAttack(0.1, generator=g), beta=0.0)(model, x, y)
    loss.backward()
    got = _grads(model)
    model.zero_grad()
    ERM()(model, x, y).backward()
    assert torch.equal(loss, F.cross_entropy(model(x), y))
    assert all(torch.equal(a, b) for a, b in zip(got, _grads(model)))
    assert torch.equal(g.get_state(), state)  # the adversary was not even run


def test_trades_adversary_stays_in_ball_and_increases_kl(mlp_batch):
    model, x, y = mlp_batch
    obj = TRADES(KLDivergenceAttack(0.2, steps=10, generator=torch.Generator().manual_seed(1)), beta=6.0)
    x_adv = obj.attack(model, x, y)
    assert (x_adv - x).abs().max() <= 0.2 + 1e-12 and x_adv.min() >= 0 and x_adv.max() <= 1
    with torch.no_grad():
        log_p = F.log_softmax(model(x), -1)
        kl_adv = (log_p.exp() * (log_p - F.log_softmax(model(x_adv), -1))).sum(-1)
        x_rand = (
            x + 0.2 * (2 * torch.rand(x.shape, generator=torch.Generator().manual_seed(2), dtype=x.dtype) - 1)
        ).clamp(0, 1)
        kl_rand = (log_p.exp() * (log_p - F.log_softmax(model(x_rand), -1))).sum(-1)
    assert kl_adv.mean() > 5 * kl_rand.mean() > 0
    loss, extras = obj(model, x, y)
    assert loss.item() == pytest.approx(extras["ce"] + 6.0 * extras["kl"], rel=1e-12)


def test_beta_inner_problem_returns_the_class_with_the_largest_margin(gen):
    """Linear h = Wx, no box: δ*_j = ε sign(w_j − w_b), margin_j = (w_j − w_b)·x + ε‖w_j − w_b‖₁; BETA trains at j*."""
    d, k, eps = 5, 4, 0.2
    model = nn.Linear(d, k, bias=False).double()
    with torch.no_grad():
        model.weight.copy_(torch.randn(k, d, generator=gen, dtype=torch.float64))
    x = torch.randn(20, d, generator=gen, dtype=torch.float64)
    y = torch.randint(0, k, (20,), generator=gen)
    obj = BETAAdversarialTraining(MarginAttack(eps, steps=2, step_size=eps, box=None, generator=gen))
    x_adv = obj.attack(model, x, y)
    W = model.weight.detach()
    diff = W[None, :, :] - W[y][:, None, :]  # (B, K, d): w_j − w_b
    margins = (diff * x[:, None, :]).sum(-1) + eps * diff.abs().sum(-1)
    margins[torch.arange(20), y] = -float("inf")
    best = margins.argmax(-1)
    want = x + eps * torch.sign(diff[torch.arange(20), best])
    torch.testing.assert_close(x_adv, want)
    loss, _ = obj(model, x, y)
    torch.testing.assert_close(loss, F.cross_entropy(model(want), y))


@pytest.mark.parametrize("S,P,seed", [(2, 5, 0), (3, 2, 1), (5, 3, 2), (6, 10, 3), (4, 4, 4), (12, 5, 5), (12, 20, 6)])
def test_ddi_weights_solve_the_min_norm_problem_like_cvxpy(S, P, seed):
    rng = np.random.default_rng(seed)
    g = rng.standard_normal((S, P))
    if seed == 2:
        g[1] = -g[0]  # two opposite gradients: 0 is in the hull
    G = g @ g.T
    a = min_norm_weights(torch.tensor(G)).numpy()
    alpha = cp.Variable(S)
    prob = cp.Problem(cp.Minimize(cp.sum_squares(g.T @ alpha)), [alpha >= 0, cp.sum(alpha) == 1])
    prob.solve()
    assert a.min() >= 0 and abs(a.sum() - 1) < 1e-12
    assert a @ G @ a == pytest.approx(prob.value, abs=1e-7, rel=1e-6)
    if np.linalg.matrix_rank(g) == S:  # strictly convex: unique weights
        np.testing.assert_allclose(a, alpha.value, atol=1e-4)


def test_ddi_step_on_the_danskin_counterexample_is_zero():
    """f(x) = max_{δ∈[−1,1]} xδ at x = 0: maximisers δ = ±1 give gradients ±1; their min-norm point is 0."""
    gram = torch.tensor([[1.0, -1.0], [-1.0, 1.0]], dtype=torch.float64)
    a = min_norm_weights(gram)
    torch.testing.assert_close(a, torch.tensor([0.5, 0.5], dtype=torch.float64))
    assert float(a @ gram @ a) == pytest.approx(0.0, abs=1e-15)


def test_ddi_train_step_moves_along_the_min_norm_combination(mlp_batch):
    model, x, y = mlp_batch
    opt = torch.optim.SGD(model.parameters(), lr=0.5)
    theta = [p.detach().clone() for p in model.parameters()]
    make = lambda: ProjectedGradientAttack(0.1, steps=3, generator=torch.Generator().manual_seed(4))  # noqa: E731
    obj = DDiAdversarialTraining(make(), n_perturbations=3)
    loss, extras = obj.train_step(model, opt, x, y)
    # recompute: same three perturbations, their gradients and the QP
    ref = nn.Sequential(nn.Flatten(), nn.Linear(12, 16), nn.Tanh(), nn.Linear(16, 4)).double()
    with torch.no_grad():
        for p, t in zip(ref.parameters(), theta):
            p.copy_(t)
    attack = make()
    gs, losses = [], []
    for _ in range(3):
        xa = attack(ref, x, y)
        losses.append(F.cross_entropy(ref(xa), y))
        gs.append(torch.cat([g.flatten() for g in torch.autograd.grad(losses[-1], list(ref.parameters()))]))
    g = torch.stack(gs)
    a = min_norm_weights(g @ g.T)
    # the reported loss is the mean over the perturbations, with their max beside it
    torch.testing.assert_close(loss, torch.stack(losses).mean().detach())
    assert extras["loss_max"] == pytest.approx(float(torch.stack(losses).detach().max()), rel=1e-6)
    assert extras["alpha_max"] == pytest.approx(float(a.max()), rel=1e-6)
    step = torch.cat([(t - p.detach()).flatten() for t, p in zip(theta, model.parameters())])
    torch.testing.assert_close(step, 0.5 * (a @ g))
    assert extras["direction_norm"] == pytest.approx(float((a @ g).norm()), rel=1e-6)
    assert float((a @ g).norm()) <= min(float(v.norm()) for v in gs) + 1e-12  # min-norm ≤ each vertex


def test_sam_step_is_gradient_at_the_normalised_ascent_point(mlp_batch):
    model, x, y = mlp_batch
    rho, lr = 0.05, 0.1
    theta = [p.detach().clone() for p in model.parameters()]
    g = torch.autograd.grad(F.cross_entropy(model(x), y), list(model.parameters()))
    norm = torch.sqrt(sum((v**2).sum() for v in g))
    with torch.no_grad():
        for p, v in zip(model.parameters(), g):
            p.add_(rho * v / norm)
    g_sam = torch.autograd.grad(F.cross_entropy(model(x), y), list(model.parameters()))
    with torch.no_grad():
        for p, t in zip(model.parameters(), theta):
            p.copy_(t)
    opt = torch.optim.SGD(model.parameters(), lr=lr)
    loss, extras = SharpnessAwareMinimisation(rho).train_step(model, opt, x, y)
    for p, t, v in zip(model.parameters(), theta, g_sam):
        torch.testing.assert_close(p.detach(), t - lr * v)
    assert extras["loss_perturbed"] > loss.item()  # the ascent point is worse (small ρ, first order)


def test_epsilon_stability_perturbation_stays_in_the_ball_and_weights_return(mlp_batch):
    model, x, y = mlp_batch
    theta = [p.detach().clone() for p in model.parameters()]
    seen = []

    def base(m, a, b):
        seen.append(torch.cat([(p.detach() - t).flatten() for p, t in zip(m.parameters(), theta)]).norm())
        return F.cross_entropy(m(a), b)

    opt = torch.optim.SGD(model.parameters(), lr=0.0)
    EpsilonStabilityTraining(0.3, steps=4, base=base).train_step(model, opt, x, y)
    assert len(seen) == 5 and seen[0] == 0 and max(seen) <= 0.3 + 1e-9 and seen[-1] == pytest.approx(0.3)
    assert all(torch.equal(p.detach(), t) for p, t in zip(model.parameters(), theta))  # lr 0: θ restored exactly


def test_mart_at_eps_zero_is_boosted_ce(mlp_batch):
    model, x, y = mlp_batch
    loss, extras = MART(ProjectedGradientAttack(0.0), lam=6.0)(model, x, y)
    p = F.softmax(model(x), -1)
    wrong = p.clone()
    wrong[torch.arange(len(y)), y] = 0
    want = (-torch.log(p[torch.arange(len(y)), y]) - torch.log(1.0001 - wrong.max(-1).values)).mean()
    torch.testing.assert_close(loss, want)
    assert extras["kl"] == pytest.approx(0.0, abs=1e-12)


def test_mart_at_positive_eps_matches_the_papers_loss_written_per_sample(mlp_batch):
    """Wang et al. 2020, Eq. (6): BCE(p(x'), y) + λ·KL(p(x) ‖ p(x'))·(1 − p_y(x)), with BCE = −log p_y(x') −
    log(1 − max_{k≠y} p_k(x')), written out sample by sample (the constant 1.0001 is the authors' code's)."""
    model, x, y = mlp_batch
    attack = ProjectedGradientAttack(0.2, steps=3, random_start=False)  # deterministic: the same x' twice
    loss, extras = MART(attack, lam=6.0)(model, x, y)
    with torch.no_grad():
        p, q = F.softmax(model(x), -1).tolist(), F.softmax(model(attack(model, x, y)), -1).tolist()
    bce, weighted_kl = [], []
    for p_i, q_i, y_i in zip(p, q, y.tolist()):
        wrong = max(q_k for k, q_k in enumerate(q_i) if k != y_i)
        bce.append(-math.log(q_i[y_i]) - math.log(1.0001 - wrong))
        kl = sum(p_k * math.log(p_k / q_k) for p_k, q_k in zip(p_i, q_i))
        weighted_kl.append(kl * (1.0 - p_i[y_i]))
    want_kl = sum(weighted_kl) / len(y)
    assert want_kl > 1e-3  # the perturbation moves the prediction: the KL term is not the ε = 0 zero
    assert extras["kl"] == pytest.approx(want_kl, rel=1e-5)  # the code's 1.0000001 − p_y: a 1e-7 relative change
    assert extras["bce"] == pytest.approx(sum(bce) / len(y), rel=1e-12)
    assert float(loss) == pytest.approx(sum(bce) / len(y) + 6.0 * want_kl, rel=1e-5)


def test_fgsm_and_rs_fgsm_perturbations(mlp_batch):
    model, x, y = mlp_batch
    x_f = FGSMAdversarialTraining(FastGradientSignAttack(0.1)).attack(model, x, y)
    torch.testing.assert_close(x_f, FastGradientSignAttack(0.1)(model, x, y))
    g = torch.Generator().manual_seed(0)
    rs = RSFGSMAdversarialTraining(ProjectedGradientAttack(0.1, steps=1, step_size=0.125, generator=g))
    assert rs.attack.steps == 1 and rs.attack.schedule(0) == pytest.approx(0.125)
    x_r = rs.attack(model, x, y)
    assert (x_r - x).abs().max() <= 0.1 + 1e-12 and not torch.equal(x_r, x_f)
    with pytest.raises(ValueError, match="one l∞ step from a random start"):
        RSFGSMAdversarialTraining(ProjectedGradientAttack(0.1, steps=2))
    with pytest.raises(ValueError, match="one l∞ step from a random start"):
        RSFGSMAdversarialTraining(ProjectedGradientAttack(0.1, steps=1, random_start=False))


def test_cfol_uniform_weights_is_pgd_at_and_hedge_moves_to_the_worst_class(mlp_batch):
    model, x, y = mlp_batch
    make = lambda: PGDAdversarialTraining(  # noqa: E731
        ProjectedGradientAttack(0.1, steps=2, generator=torch.Generator().manual_seed(0))
    )
    cfol = ClassFocusedOnlineLearning(make().attack, n_classes=4, eta=0.0, gamma=1.0)
    torch.testing.assert_close(cfol(model, x, y)[0], make()(model, x, y)[0])
    cfol = ClassFocusedOnlineLearning(make().attack, n_classes=4, eta=1.0, gamma=0.0)
    _, extras = cfol(model, x, y)
    x_adv = make().attack(model, x, y)
    wrong = (model(x_adv).argmax(-1) != y).double()
    # logged before the Hedge step: the accuracy on x_adv, and the weights still uniform (zero scores)
    assert extras["adv_acc"] == pytest.approx(1 - float(wrong.mean())) and extras["worst_weight"] == pytest.approx(0.25)
    err = torch.stack(
        [wrong[y == k].mean() if (y == k).any() else torch.tensor(0.0, dtype=torch.float64) for k in range(4)]
    )
    torch.testing.assert_close(cfol.scores, err)
    assert int(cfol.class_weights().argmax()) == int(err.argmax())
    restored = ClassFocusedOnlineLearning(make().attack, n_classes=4)
    restored.load_state_dict(cfol.state_dict())
    assert torch.equal(restored.scores, cfol.scores)


def test_objectives_refuse_bad_arguments():
    with pytest.raises(ValueError, match="expected a ProjectedGradientAttack"):
        PGDAdversarialTraining(FastGradientSignAttack(0.1))
    with pytest.raises(ValueError, match="expected a MarginAttack"):
        BETAAdversarialTraining(ProjectedGradientAttack(0.1))
    with pytest.raises(ValueError, match="expected a FastGradientSignAttack"):
        FGSMAdversarialTraining(0.1)
    with pytest.raises(ValueError, match="expected an attack"):
        MART(lambda m, x, y: x)  # a bare callable carries no threat model
    with pytest.raises(ValueError, match="beta must be"):
        TRADES(KLDivergenceAttack(0.1), beta=-1.0)
    with pytest.raises(ValueError, match="n_perturbations must be an integer >= 1, got 0"):
        DDiAdversarialTraining(ProjectedGradientAttack(0.1), n_perturbations=0)
    with pytest.raises(ValueError, match="gamma must be"):
        ClassFocusedOnlineLearning(ProjectedGradientAttack(0.1), n_classes=3, gamma=1.5)
    with pytest.raises(ValueError, match="eps must be"):
        EpsilonStabilityTraining(0.0)
    with pytest.raises(ValueError, match="square"):
        min_norm_weights(torch.ones(2, 3))


@pytest.mark.parametrize(
    "build",
    [
        lambda g: TRADES(KLDivergenceAttack(0.2, steps=3, generator=g), beta=6.0),
        lambda g: PGDAdversarialTraining(ProjectedGradientAttack(0.2, steps=3, generator=g)),
        lambda g: MART(ProjectedGradientAttack(0.2, steps=3, generator=g)),
        lambda g: RSFGSMAdversarialTraining(ProjectedGradientAttack(0.2, steps=1, step_size=0.25, generator=g)),
    ],
)
def test_objectives_draw_from_their_attack_whose_int_seed_is_a_generator_seeded_with_it(mlp_batch, build):
    # generator policy: the attack owns its random source; an int seed ≡ torch.Generator().manual_seed(seed)
    model, x, y = mlp_batch
    loss_int, _ = build(4)(model, x, y)
    loss_gen, _ = build(torch.Generator().manual_seed(4))(model, x, y)
    assert torch.equal(loss_int, loss_gen)
    with pytest.raises(
        ValueError, match=re.escape("generator must be a torch.Generator, an int seed or None, got 0.5")
    ):
        build(0.5)
