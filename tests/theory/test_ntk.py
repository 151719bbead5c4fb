"""Empirical NTK: equals the explicit JJᵀ, symmetric PSD, both implementations agree, infinite-width limit."""

import itertools
import math

import pytest
import torch
from torch import nn

from saddle.theory.network import FullyConnectedReLU
from saddle.theory.ntk import (
    empirical_ntk,
    ntk_matrix,
    ntk_min_eigenvalue,
    ntk_trace,
    ntk_vector_product,
    parameter_jacobian,
    two_layer_relu_ntk,
)


def mlp(gen, sizes=(3, 8, 6, 4)):
    layers = []
    for i, o in itertools.pairwise(sizes):
        layers += [nn.Linear(i, o), nn.Tanh()]
    model = nn.Sequential(*layers[:-1]).double()
    with torch.no_grad():
        for p in model.parameters():
            p.copy_(torch.randn(p.shape, generator=gen, dtype=torch.float64) / math.sqrt(max(p.shape[-1], 1)))
    return model


def explicit_jacobian(model, x):
    """(N·K, P) by a plain autograd loop over samples and outputs: the independent reference."""
    rows = []
    params = list(model.parameters())
    for i in range(x.shape[0]):
        out = model(x[i : i + 1]).reshape(-1)
        for k in range(out.numel()):
            grads = torch.autograd.grad(out[k], params, retain_graph=True)
            rows.append(torch.cat([g.reshape(-1) for g in grads]))
    return torch.stack(rows)


@pytest.mark.parametrize("method", ["jacobian", "ntvp"])
def test_ntk_equals_explicit_jacobian_product(gen, method):
    model = mlp(gen)
    x1 = torch.randn(5, 3, generator=gen, dtype=torch.float64)
    x2 = torch.randn(4, 3, generator=gen, dtype=torch.float64)
    theta = empirical_ntk(model, x1, x2, method=method)
    assert theta.shape == (5, 4, 4, 4)
    ref = explicit_jacobian(model, x1) @ explicit_jacobian(model, x2).T
    torch.testing.assert_close(ntk_matrix(theta), ref, rtol=1e-12, atol=1e-12)
    j = parameter_jacobian(model, x1)
    torch.testing.assert_close(j.reshape(20, -1), explicit_jacobian(model, x1), rtol=1e-12, atol=1e-12)


def test_ntk_is_symmetric_psd_and_implementations_agree(gen):
    model = mlp(gen, (4, 16, 16, 2))
    x = torch.randn(12, 4, generator=gen, dtype=torch.float64)
    g = ntk_matrix(empirical_ntk(model, x))
    torch.testing.assert_close(g, g.T, rtol=0, atol=1e-12)
    assert torch.linalg.eigvalsh(g)[0] >= -1e-10 * g.abs().max()
    torch.testing.assert_close(empirical_ntk(model, x, method="ntvp"), empirical_ntk(model, x), rtol=1e-10, atol=1e-12)
    torch.testing.assert_close(
        empirical_ntk(model, x, x[:5], method="ntvp", chunk_size=3),
        empirical_ntk(model, x, x[:5]),
        rtol=1e-10,
        atol=1e-12,
    )
    trace = ntk_matrix(empirical_ntk(model, x), "trace")
    torch.testing.assert_close(trace, g[0::2, 0::2] + g[1::2, 1::2])


def test_min_eigenvalue_zero_when_fewer_parameters_than_outputs(gen):
    # rank(JJᵀ) ≤ P: with P = 5 parameters and N = 8 points the Gram matrix is singular
    model = nn.Sequential(nn.Linear(3, 1), nn.Tanh(), nn.Linear(1, 1, bias=False)).double()
    x = torch.randn(8, 3, generator=gen, dtype=torch.float64)
    assert abs(ntk_min_eigenvalue(model, x)) <= 1e-10
    big = mlp(gen, (3, 32, 1))
    g = ntk_matrix(empirical_ntk(big, x))
    assert ntk_min_eigenvalue(big, x) == pytest.approx(float(torch.linalg.eigvalsh(g)[0]), rel=1e-10)


def test_two_layer_ntk_is_the_infinite_width_mean(gen):
    # for width m the empirical NTK averages m i.i.d. neuron terms whose mean is the analytic kernel:
    # over S independent nets the mean must be within 5 standard errors of it, entry by entry
    p, m, S = 3, 128, 40
    x = torch.randn(4, p, generator=gen, dtype=torch.float64)
    w_var, v_var = 0.5, 2.0
    samples = torch.stack(
        [
            ntk_matrix(
                empirical_ntk(
                    FullyConnectedReLU(
                        [p, m, 1],
                        init=[w_var, v_var],
                        multipliers=[1.0, 1 / math.sqrt(m)],
                        output_activation=False,
                        generator=gen,
                        dtype=torch.float64,
                    ),
                    x,
                )
            )
            for _ in range(S)
        ]
    )
    mean, se = samples.mean(0), samples.std(0) / math.sqrt(S)
    k_inf = two_layer_relu_ntk(x, w_var=w_var, v_var=v_var)
    assert ((mean - k_inf).abs() <= 5 * se).all()


def test_two_layer_ntk_closed_forms():
    a = torch.tensor([[1.0, 0.0], [0.0, 2.0], [-1.0, 0.0]], dtype=torch.float64)
    k = two_layer_relu_ntk(a)
    # θ = 0: ‖a‖²(1/2 + 1/2); θ = π/2: ‖a‖‖a'‖/(2π); θ = π: 0
    assert float(k[0, 0]) == pytest.approx(1.0) and float(k[1, 1]) == pytest.approx(4.0)
    assert float(k[0, 1]) == pytest.approx(2 / (2 * math.pi)) and float(k[0, 2]) == pytest.approx(0.0, abs=1e-15)
    # positively homogeneous of degree 2: K(ca, ca') = c² K(a, a')
    torch.testing.assert_close(two_layer_relu_ntk(3 * a), 9 * k)


@pytest.mark.parametrize("chunk_size", [1, 4, 100])
def test_ntk_trace_is_the_mean_squared_jacobian_norm(gen, chunk_size):
    """Θ̄ = (1/N) Σ_i tr Θ(x_i, x_i) = (1/N) Σ_i ‖J(x_i)‖_F², checked against the explicit per-sample loop."""
    model = mlp(gen, (3, 8, 6, 2))
    x = torch.randn(7, 3, generator=gen, dtype=torch.float64)
    j = explicit_jacobian(model, x)
    ref = float(j.pow(2).sum()) / 7
    assert ntk_trace(model, x, chunk_size=chunk_size) == pytest.approx(ref, rel=1e-12)
    theta = ntk_matrix(empirical_ntk(model, x), "trace")
    assert ntk_trace(model, x) == pytest.approx(float(torch.diagonal(theta).mean()), rel=1e-12)
    with pytest.raises(ValueError, match="chunk_size must be an integer >= 1, got 0"):
        ntk_trace(model, x, chunk_size=0)


def test_ntk_vector_product_is_the_gram_matrix_times_v(gen):
    """Θ v from one vjp + one jvp equals (J(x1) J(x2)ᵀ) v with the explicit Jacobians, for x2 = x1 and x2 ≠ x1."""
    model = mlp(gen, (3, 8, 6, 4))
    x1 = torch.randn(5, 3, generator=gen, dtype=torch.float64)
    x2 = torch.randn(3, 3, generator=gen, dtype=torch.float64)
    for other in (None, x2):
        xb = x1 if other is None else other
        v = torch.randn(xb.shape[0], 4, generator=gen, dtype=torch.float64)
        ref = explicit_jacobian(model, x1) @ (explicit_jacobian(model, xb).T @ v.reshape(-1))
        torch.testing.assert_close(ntk_vector_product(model, x1, v, other).reshape(-1), ref, rtol=1e-12, atol=1e-12)
    with pytest.raises(ValueError, match=r"v must have shape \(N2, K\) = \(5, 4\), got \(5, 3\)"):
        ntk_vector_product(model, x1, torch.zeros(5, 3, dtype=torch.float64))


def test_bad_input_raises(gen):
    model = mlp(gen)
    x = torch.randn(3, 3, dtype=torch.float64)
    with pytest.raises(ValueError, match="method"):
        empirical_ntk(model, x, method="svd")
    with pytest.raises(ValueError, match="same point shape"):
        empirical_ntk(model, x, torch.randn(2, 4, dtype=torch.float64))
    with pytest.raises(ValueError, match="NaN"):
        empirical_ntk(model, torch.full((2, 3), float("nan"), dtype=torch.float64))
    with pytest.raises(ValueError, match="outputs"):
        ntk_matrix(empirical_ntk(model, x), "diag")
    with pytest.raises(ValueError, match="w_var"):
        two_layer_relu_ntk(x, w_var=-1.0)


@pytest.mark.parametrize("outputs", ["full", "trace"])
def test_min_eigenvalue_paths_agree(gen, outputs):
    model = mlp(gen, (3, 16, 3))
    x = torch.randn(6, 3, generator=gen, dtype=torch.float64)
    g = ntk_matrix(empirical_ntk(model, x), outputs)
    expected = float(torch.linalg.eigvalsh(g)[0])
    assert ntk_min_eigenvalue(model, x, outputs) == pytest.approx(expected, rel=1e-9)
    assert ntk_min_eigenvalue(model, x, outputs, method="ntvp") == pytest.approx(expected, rel=1e-9)
