"""Objectives (seed 003's CE-vs-margin example, DLR invariances) and the closed forms for linear models."""

import itertools
import math

import cvxpy as cp
import numpy as np
import pytest
import torch

from saddle.attacks import (
    MarginAttack,
    ProjectedGradientAttack,
    affine_boundary_distance,
    cross_entropy,
    dlr,
    linear_linf_worst_case,
    margin,
    minimal_l2_perturbation_affine,
    pairwise_margin,
    targeted_dlr,
    targeted_margin,
)


def test_seed003_cross_entropy_prefers_the_non_adversarial_point():
    """h(a+δ_A) = (.26,.24,.25,.25), h(a+δ_B) = (.49,.51,0,0) are logits, true class 1: CE = logsumexp(h) − h_b is
    1.376 and 1.177 (the notes print 1.38 and 1.18), so CE ranks A above B although only B is misclassified; the
    margin max_{j≠b} h_j − h_b (−0.01 and +0.02) ranks them correctly."""
    logits = torch.tensor([[0.26, 0.24, 0.25, 0.25], [0.49, 0.51, 0.0, 0.0]], dtype=torch.float64)
    y = torch.zeros(2, dtype=torch.long)
    ce = cross_entropy(logits, y)
    by_hand = [math.log(sum(math.exp(v) for v in row)) - row[0] for row in logits.tolist()]
    assert torch.allclose(ce, torch.tensor(by_hand, dtype=torch.float64))
    assert [round(v, 2) for v in ce.tolist()] == [1.38, 1.18]
    m = margin(logits, y)
    assert torch.allclose(m, torch.tensor([-0.01, 0.02], dtype=torch.float64))


def test_margin_objectives_agree_with_definitions():
    g = torch.Generator().manual_seed(0)
    z = torch.randn(50, 10, generator=g, dtype=torch.float64)
    y = torch.randint(0, 10, (50,), generator=g)
    t = (y + 1 + torch.randint(0, 9, (50,), generator=g)) % 10
    brute = torch.stack([max(z[i, j] for j in range(10) if j != y[i]) - z[i, y[i]] for i in range(50)])
    assert torch.allclose(margin(z, y), brute)
    assert torch.equal(margin(z, y) > 0, z.argmax(-1) != y)
    assert torch.equal(targeted_margin(z, t) > 0, z.argmax(-1) == t)
    pairs = torch.stack([y, t], -1)
    assert torch.allclose(pairwise_margin(z, pairs), z.gather(1, t[:, None])[:, 0] - z.gather(1, y[:, None])[:, 0])


def test_dlr_is_shift_and_scale_invariant():
    """DLR(a z + c) = DLR(z) for a > 0 (Croce & Hein 2020)."""
    g = torch.Generator().manual_seed(1)
    z = torch.randn(40, 10, generator=g, dtype=torch.float64)
    y = torch.randint(0, 10, (40,), generator=g)
    for a, c in [(3.0, 0.0), (0.1, 5.0), (7.0, -2.0)]:
        assert torch.allclose(dlr(a * z + c, y), dlr(z, y))
        assert torch.allclose(targeted_dlr(a * z + c, y), targeted_dlr(z, y))
    with pytest.raises(ValueError, match="at least 3 classes"):
        dlr(z[:, :2], torch.zeros(40, dtype=torch.long))


def test_linf_worst_case_matches_brute_force_over_vertices():
    """max over the l∞ ball of a linear function is attained at a vertex: enumerate all 2^8."""
    g = torch.Generator().manual_seed(2)
    w, a, eps = (
        torch.randn(8, generator=g, dtype=torch.float64),
        torch.randn(5, 8, generator=g, dtype=torch.float64),
        0.3,
    )
    values, eta = linear_linf_worst_case(w, a, eps)
    vertices = torch.tensor(list(itertools.product([-eps, eps], repeat=8)), dtype=torch.float64)
    brute = (a[:, None, :] + vertices[None]) @ w
    assert torch.allclose(values, brute.amax(1))
    assert torch.allclose((a + eta) @ w, values)


def test_sparse_weights_are_more_robust_for_equal_l2_norm():
    """Seed 001: the worst-case gain ε‖w‖₁ is smallest for sparse w (‖w‖₁ ≤ √s ‖w‖₂ with s nonzeros)."""
    d, eps = 64, 0.1
    dense = torch.ones(d) / math.sqrt(d)
    sparse = torch.zeros(d)
    sparse[0] = 1.0
    a = torch.zeros(1, d)
    gain = lambda w: float(linear_linf_worst_case(w, a, eps)[0])  # noqa: E731
    assert gain(sparse) == pytest.approx(eps) and gain(dense) == pytest.approx(eps * math.sqrt(d))


def test_minimal_l2_perturbation_matches_cvxpy_and_lands_on_the_boundary():
    g = torch.Generator().manual_seed(3)
    K, d, n = 4, 6, 5
    W, b = torch.randn(K, d, generator=g, dtype=torch.float64), torch.randn(K, generator=g, dtype=torch.float64)
    a = torch.randn(n, d, generator=g, dtype=torch.float64)
    pred = (a @ W.T + b).argmax(-1)
    target = (pred + 1) % K
    eta = minimal_l2_perturbation_affine(W, b, a, target)
    f = (a + eta) @ W.T + b
    assert torch.allclose(f.gather(1, pred[:, None]), f.gather(1, target[:, None]), atol=1e-10)
    for i in range(n):
        wi, wj, bi, bj = (W[pred[i]].numpy(), W[target[i]].numpy(), float(b[pred[i]]), float(b[target[i]]))
        e = cp.Variable(d)
        cp.Problem(cp.Minimize(0.5 * cp.sum_squares(e)), [(wi - wj) @ (a[i].numpy() + e) + bi - bj <= 0]).solve()
        assert np.allclose(eta[i].numpy(), e.value, atol=1e-5)


def test_affine_boundary_distance_is_the_nearest_pairwise_margin_and_stepping_past_it_flips_the_class():
    """d(a) = min_{j≠i} (f_i − f_j)/‖w_i − w_j‖; a step of 1.001 d(a) towards the nearest boundary changes the
    predicted class, a step of 0.999 d(a) in any direction cannot (the margins are 1-Lipschitz in these units)."""
    g = torch.Generator().manual_seed(5)
    K, d, n = 5, 7, 40
    W, b = torch.randn(K, d, generator=g, dtype=torch.float64), torch.randn(K, generator=g, dtype=torch.float64)
    a = torch.randn(n, d, generator=g, dtype=torch.float64)
    f = a @ W.T + b
    i = f.argmax(-1)
    expected = torch.tensor(
        [
            min(float((f[r, i[r]] - f[r, j]) / (W[i[r]] - W[j]).norm()) for j in range(K) if j != int(i[r]))
            for r in range(n)
        ],
        dtype=torch.float64,
    )
    dist = affine_boundary_distance(W, b, a)
    assert torch.allclose(dist, expected, rtol=1e-12)
    for r in range(n):
        js = [j for j in range(K) if j != int(i[r])]
        j = min(js, key=lambda j: float((f[r, i[r]] - f[r, j]) / (W[i[r]] - W[j]).norm()))
        u = (W[j] - W[i[r]]) / (W[j] - W[i[r]]).norm()
        assert int(((a[r] + 1.001 * dist[r] * u) @ W.T + b).argmax()) != int(i[r])
        assert int(((a[r] + 0.999 * dist[r] * u) @ W.T + b).argmax()) == int(i[r])
        v = torch.randn(d, generator=g, dtype=torch.float64)
        assert int(((a[r] + 0.999 * dist[r] * v / v.norm()) @ W.T + b).argmax()) == int(i[r])


def test_l2_pgd_crosses_a_binary_affine_boundary_exactly_beyond_the_minimal_distance():
    """Targeted l2 PGD on f = (w_1ᵀa + b_1, w_2ᵀa + b_2) succeeds at ε = 1.01 d* and cannot at 0.99 d*."""
    g = torch.Generator().manual_seed(4)
    model = torch.nn.Linear(16, 2).double()
    with torch.no_grad():
        model.weight.copy_(torch.randn(2, 16, generator=g))
        model.bias.zero_()
    a = torch.randn(30, 16, generator=g, dtype=torch.float64)
    pred = model(a).argmax(-1)
    target = 1 - pred
    dist = minimal_l2_perturbation_affine(model.weight.detach(), model.bias.detach(), a, target).norm(dim=-1)
    for factor, expect in [(1.01, True), (0.99, False)]:
        hits = []
        for i in range(30):
            attack = ProjectedGradientAttack(
                factor * float(dist[i]), "l2", steps=20, loss="margin", targeted=True, box=None, random_start=False
            )
            hits.append(bool(model(attack(model, a[i : i + 1], target[i : i + 1])).argmax(-1) == target[i]))
        assert all(h == expect for h in hits)


def test_margin_attack_reaches_the_pairwise_closed_form_on_a_linear_model():
    """max_{‖δ‖∞≤ε} (w_j − w_b)ᵀ(a+δ) + c_j − c_b = (w_j − w_b)ᵀa + c_j − c_b + ε‖w_j − w_b‖₁ for every j (no box),
    and BETA keeps the class with the largest value."""
    g = torch.Generator().manual_seed(5)
    model = torch.nn.Linear(12, 5).double()
    with torch.no_grad():
        model.weight.copy_(torch.randn(5, 12, generator=g))
        model.bias.copy_(torch.randn(5, generator=g))
    a = torch.randn(8, 12, generator=g, dtype=torch.float64)
    y = torch.randint(0, 5, (8,), generator=g)
    eps = 0.2
    attack = MarginAttack(eps, steps=3, box=None, generator=g)
    adv = attack(model, a, y)
    W, c = model.weight.detach(), model.bias.detach()
    closed = torch.stack(
        [
            torch.stack(
                [
                    (W[j] - W[y[i]]) @ a[i] + c[j] - c[y[i]] + eps * (W[j] - W[y[i]]).abs().sum()
                    for j in range(5)
                    if j != y[i]
                ]
            )
            for i in range(8)
        ]
    )
    assert torch.allclose(attack.last_margins.sort(-1).values, closed.sort(-1).values)
    assert torch.allclose(margin(model(adv), y), closed.amax(-1))
