"""LipSDP-Neuron: exact ≤ LipSDP ≤ product, tight cases, the exact input reduction, a sound certificate."""

import itertools

import numpy as np
import pytest
import torch

from saddle.robustness.lipschitz import (
    ReLULayers,
    lipschitz_exact_relu,
    lipschitz_lower_bound,
    lipschitz_upper_bound_product,
)
from saddle.robustness.lipsdp import _lmi_blocks, _reduce_first_layer, lipschitz_upper_bound_sdp

# the certified bound is the SDP optimum plus the solver's slack (SCS eps = 1e-7); 1e-4 leaves 1000× room
SOLVER_RTOL = 1e-4


def random_net(gen, widths=(2, 5, 4, 2)):
    ws = [torch.randn(o, i, generator=gen, dtype=torch.float64) for i, o in itertools.pairwise(widths)]
    bs = [torch.randn(o, generator=gen, dtype=torch.float64) for o in widths[1:]]
    return ReLULayers(ws, bs)


@pytest.mark.parametrize("seed", range(4))
def test_exact_le_lipsdp_le_product(seed):
    gen = torch.Generator().manual_seed(seed)
    net = random_net(gen)
    sdp = lipschitz_upper_bound_sdp(net)
    assert sdp.certified
    exact = lipschitz_exact_relu(net, 2).value
    assert exact <= sdp.bound * (1 + 1e-9)
    assert sdp.bound <= lipschitz_upper_bound_product(net, 2) * (1 + SOLVER_RTOL)


def test_certificate_satisfies_the_lmi(gen):
    net = random_net(gen, (3, 6, 5, 1))
    sdp = lipschitz_upper_bound_sdp(net)
    ws = [w.numpy() for w in net.weights]
    ws = [_reduce_first_layer(ws[0]), *ws[1:]]
    A, B, C, n0, n = _lmi_blocks(ws)
    # the reduced input keeps the rank (3) of a random 6 × 3 W_1; one multiplier per hidden unit
    assert n0 == 3 and n == 6 + 5 and sdp.multipliers.shape == (n,)
    T = np.diag(sdp.multipliers)
    M = A.T @ T @ B + B.T @ T @ A - 2 * B.T @ T @ B + C
    M[:n0, :n0] -= sdp.bound**2 * np.eye(n0)
    assert np.linalg.eigvalsh(M).max() <= 1e-8 * np.abs(M).max()
    assert (sdp.multipliers >= 0).all()


def test_tight_on_separable_nets(gen):
    # f(a) = Σ v_i relu(a_i): L = ‖v‖₂, and so is LipSDP-Neuron (the LMI decouples per unit)
    v = torch.randn(1, 5, generator=gen, dtype=torch.float64)
    net = ReLULayers([torch.eye(5, dtype=torch.float64), v])
    assert lipschitz_upper_bound_sdp(net).bound == pytest.approx(float(v.norm()), rel=SOLVER_RTOL)
    # one hidden unit: f(a) = v relu(wᵀa), L = |v|‖w‖
    w = torch.tensor([[3.0, 4.0]], dtype=torch.float64)
    one = ReLULayers([w, torch.tensor([[-2.0]], dtype=torch.float64)])
    assert lipschitz_upper_bound_sdp(one).bound == pytest.approx(10.0, rel=SOLVER_RTOL)


def test_input_reduction_is_exact_for_wide_inputs(gen):
    net = ReLULayers(
        [
            torch.randn(4, 30, generator=gen, dtype=torch.float64),
            torch.randn(3, 4, generator=gen, dtype=torch.float64),
            torch.randn(2, 3, generator=gen, dtype=torch.float64),
        ]
    )
    reduced = lipschitz_upper_bound_sdp(net)
    full = lipschitz_upper_bound_sdp(net, reduce_input=False)
    assert reduced.input_dim == 4 and full.input_dim == 30
    assert reduced.bound == pytest.approx(full.bound, rel=SOLVER_RTOL)


def test_above_lower_bound_on_a_wider_net_and_scale(gen):
    ws = [
        torch.randn(16, 8, generator=gen, dtype=torch.float64) / 8**0.5,
        torch.randn(16, 16, generator=gen, dtype=torch.float64) / 4,
        torch.randn(3, 16, generator=gen, dtype=torch.float64) / 4,
    ]
    sdp = lipschitz_upper_bound_sdp(ReLULayers(ws))
    lower = lipschitz_lower_bound(ReLULayers(ws), 8, 2, starts=16, steps=30, generator=gen)
    assert sdp.certified and lower <= sdp.bound <= lipschitz_upper_bound_product(ws, 2) * (1 + SOLVER_RTOL)
    half = lipschitz_upper_bound_sdp(ReLULayers(ws, scale=0.5))
    assert half.bound == pytest.approx(sdp.bound / 2, rel=SOLVER_RTOL)


def test_single_linear_layer_and_bad_input(gen):
    w = torch.randn(3, 4, generator=gen, dtype=torch.float64)
    assert lipschitz_upper_bound_sdp([w]).bound == pytest.approx(float(torch.linalg.matrix_norm(w, 2)))
    with pytest.raises(ValueError, match="eps"):
        lipschitz_upper_bound_sdp(random_net(gen), eps=-1.0)
    with pytest.raises(ValueError, match="solver"):
        lipschitz_upper_bound_sdp(random_net(gen), solver="NOPE")


def test_scs_agrees_with_an_interior_point_solver(gen):
    # the same SDP solved by CLARABEL (interior point) instead of SCS (first-order splitting)
    net = random_net(gen, (3, 6, 4, 2))
    scs = lipschitz_upper_bound_sdp(net)
    clarabel = lipschitz_upper_bound_sdp(net, solver="CLARABEL")
    assert scs.certified and clarabel.certified
    assert scs.bound == pytest.approx(clarabel.bound, rel=SOLVER_RTOL)
