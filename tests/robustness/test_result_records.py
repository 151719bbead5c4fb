"""The result records of saddle.robustness: the init scheme's layer variances, LipSDP's certificate, the sandwich
table and the stability estimate, each checked on a case with a closed form."""

import math

import pytest
import torch
from torch import nn

from saddle.robustness import (
    LipSDPResult,
    RobustnessSandwich,
    StabilityEstimate,
    lipschitz_upper_bound_sdp,
    perturbation_stability,
    robustness_sandwich,
)
from saddle.robustness.lipschitz import ReLULayers
from saddle.theory import INIT_NAMES, InitScheme, init_scheme, init_table

DT = torch.float64


def test_init_scheme_layer_variances_follow_the_table():
    s = init_scheme("he", p=10, m=40)
    assert isinstance(s, InitScheme)
    assert s.layer_variances(4) == pytest.approx([2 / 10, 2 / 40, 2 / 40, 2 / 40])
    assert s.layer_variances(2) == pytest.approx([2 / 10, 2 / 40])
    with pytest.raises(ValueError, match="depth must be >= 2"):
        s.layer_variances(1)
    table = init_table(10, 40)
    assert [t.name for t in table] == list(INIT_NAMES) and all(isinstance(t, InitScheme) for t in table)


def test_lipsdp_result_is_tight_and_certified_on_a_separable_net():
    # f(a) = Σ v_i relu(a_i): L = ‖v‖₂ exactly, and LipSDP-Neuron attains it
    v = torch.tensor([[0.6, -1.2, 0.4]], dtype=DT)
    res = lipschitz_upper_bound_sdp(ReLULayers([torch.eye(3, dtype=DT), v]))
    assert isinstance(res, LipSDPResult) and res.certified
    assert res.bound == pytest.approx(float(v.norm()), rel=1e-4) and res.bound >= res.solver_bound * (1 - 1e-6)
    assert res.multipliers.shape == (3,) and (res.multipliers >= 0).all() and res.input_dim == 3
    assert "optimal" in res.status


def test_robustness_sandwich_record_on_a_binary_linear_classifier():
    # logits (wᵀx, −wᵀx): L = sqrt(2)‖w‖ and the margin 2|wᵀx| gives the exact radius |wᵀx|/‖w‖
    net = nn.Linear(2, 2, bias=False).double()
    with torch.no_grad():
        net.weight.copy_(torch.tensor([[1.0, -1.0], [-1.0, 1.0]], dtype=DT))
    x = torch.rand(100, 2, generator=torch.Generator().manual_seed(0), dtype=DT)
    y = (x[:, 0] < x[:, 1]).long()  # all correctly classified
    s = robustness_sandwich(net, x, y, [0.0, 0.1], lipschitz=2.0, generator=0)
    assert isinstance(s, RobustnessSandwich) and s.clean_error == 0.0 and s.lipschitz == 2.0
    radius = (x[:, 0] - x[:, 1]).abs() / math.sqrt(2)  # distance to the boundary x_0 = x_1
    assert s.rows[1].certified_error == pytest.approx(float((radius <= 0.1).double().mean()))
    assert s.rows[1].attacked_error <= s.rows[1].certified_error
    d = s.as_dict()
    assert d["eps"] == [0.0, 0.1] and d["clean_error"] == 0.0 and d["lipschitz"] == 2.0
    assert d["certified_error"] == [r.certified_error for r in s.rows]


def test_stability_estimate_record_of_a_constant_and_of_a_linear_model():
    a = torch.rand(10, 3, generator=torch.Generator().manual_seed(1), dtype=DT)
    flat = perturbation_stability(lambda z: 0 * z.sum(-1), a, eps=0.2, n_samples=8, generator=0)  # ∇h = 0
    assert isinstance(flat, StabilityEstimate) and flat.value == 0.0 and flat.se == 0.0
    assert flat.per_point.shape == (10,) and flat.n_samples == 8 and flat.eps == 0.2 and flat.ratio == 0.0
    zero = StabilityEstimate(value=0.3, se=0.01, per_point=torch.zeros(1), eps=0.0, n_samples=1)
    assert math.isnan(zero.ratio)
    assert StabilityEstimate(0.3, 0.01, torch.zeros(1), 0.5, 1).ratio == pytest.approx(0.6)
