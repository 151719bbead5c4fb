"""Sandwich: attacked robust error ≤ Lipschitz-certified robust error, exact for a binary linear classifier."""

import itertools
import math

import pytest
import torch
from torch import nn

from saddle.attacks import ProjectedGradientAttack
from saddle.robustness.lipschitz import lipschitz_exact_relu
from saddle.robustness.sandwich import certified_radius, logit_margin, robustness_sandwich

EPS = [0.0, 0.05, 0.1, 0.2, 0.4]


def small_net(gen, sizes=(4, 8, 3)):
    layers = []
    for i, o in itertools.pairwise(sizes):
        layers += [nn.Linear(i, o), nn.ReLU()]
    net = nn.Sequential(*layers[:-1])
    with torch.no_grad():
        for p in net.parameters():
            p.copy_(torch.randn(p.shape, generator=gen))
    return net


@pytest.mark.parametrize("seed", range(3))
def test_certified_error_bounds_attacked_error_per_eps(seed):
    gen = torch.Generator().manual_seed(seed)
    net = small_net(gen)
    x = torch.rand(200, 4, generator=gen)
    with torch.no_grad():
        y = net(x).argmax(1)  # mostly correct labels, so the bounds are not trivially 1
    y[:20] = (y[:20] + 1) % 3
    for lipschitz in (None, lipschitz_exact_relu(net, 2).value):
        s = robustness_sandwich(net, x, y, EPS, lipschitz=lipschitz, generator=gen)
        assert s.clean_error == pytest.approx(0.1) and s.rows[0].attacked_error == pytest.approx(0.1)
        for r in s.rows:
            assert r.attacked_error <= r.certified_error
        for a, b in zip(s.rows, s.rows[1:]):  # the certificate is monotone in ε
            assert a.certified_error <= b.certified_error
    assert s.rows[0].certified_error == pytest.approx(0.1)  # at ε = 0 only misclassified points count


def test_sandwich_is_tight_for_binary_linear_classifier(gen):
    # logits (wᵀa + c, −wᵀa − c): margin 2(wᵀa + c), L = ‖W‖₂ = sqrt(2)‖w‖, so the certified radius
    # (wᵀa + c)/‖w‖ is the exact distance to the decision boundary and l2 PGD (no box) reaches it
    w = torch.randn(5, generator=gen)
    lin = nn.Linear(5, 2)
    with torch.no_grad():
        lin.weight.copy_(torch.stack([w, -w]))
        lin.bias.copy_(torch.tensor([0.3, -0.3]))
    x = torch.randn(300, 5, generator=gen) * 0.3
    y = torch.zeros(300, dtype=torch.long)
    L = float(torch.linalg.matrix_norm(lin.weight.detach(), 2))
    assert pytest.approx(math.sqrt(2) * float(w.norm()), rel=1e-5) == L

    def attack(eps):
        return ProjectedGradientAttack(eps, norm="l2", steps=30, loss="margin", box=None, generator=gen)

    s = robustness_sandwich(lin, x, y, [0.05, 0.1, 0.3], lipschitz=L, attack=attack)
    dist = (x @ w + 0.3) / w.norm()
    for r in s.rows:
        assert r.certified_error == pytest.approx(float((dist <= r.eps).float().mean()))
        assert r.attacked_error == pytest.approx(r.certified_error, abs=1 / 300)


def test_margin_and_radius_closed_form():
    logits = torch.tensor([[3.0, 1.0, 2.0], [0.0, 5.0, 1.0]])
    y = torch.tensor([0, 0])
    torch.testing.assert_close(logit_margin(logits, y), torch.tensor([1.0, -5.0]))
    torch.testing.assert_close(certified_radius(logits, y, 2.0), torch.tensor([1 / (2 * math.sqrt(2)), 0.0]))


def test_bad_input_raises(gen):
    net = small_net(gen)
    x, y = torch.rand(4, 4, generator=gen), torch.zeros(4, dtype=torch.long)
    with pytest.raises(ValueError, match="eps_values"):
        robustness_sandwich(net, x, y, [-0.1], lipschitz=1.0)
    with pytest.raises(ValueError, match="lipschitz must be"):
        robustness_sandwich(net, x, y, [0.1], lipschitz=float("nan"))
    with pytest.raises(
        ValueError, match=r"y \(one label per point of x\) must have shape \(B,\) with B = 4, got \(3,\)"
    ):
        robustness_sandwich(net, x, y[:3], [0.1], lipschitz=1.0)
    with pytest.raises(ValueError, match="logits"):
        logit_margin(torch.zeros(3), torch.zeros(3, dtype=torch.long))
