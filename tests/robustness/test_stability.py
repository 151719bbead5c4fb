"""Perturbation stability: the closed form for linear models, E|u₁| by quadrature, invariances, bad input."""

import math
import re

import pytest
import torch
from scipy import integrate

from saddle.robustness.stability import (
    input_jacobian,
    linear_perturbation_stability,
    mean_abs_coordinate_unit_ball,
    perturbation_stability,
)
from saddle.theory import FullyConnectedReLU


@pytest.mark.parametrize("d", [1, 2, 3, 5, 10, 64, 300])
def test_mean_abs_coordinate_matches_quadrature(d):
    """E|u₁| = ∫|t| (1−t²)^{(d−1)/2} dt / ∫ (1−t²)^{(d−1)/2} dt, normalised numerically (no Γ)."""

    def f(t):
        return (1 - t * t) ** ((d - 1) / 2)

    num = 2 * integrate.quad(lambda t: t * f(t), 0, 1, epsabs=0, epsrel=1e-12)[0]
    den = 2 * integrate.quad(f, 0, 1, epsabs=0, epsrel=1e-12)[0]
    assert mean_abs_coordinate_unit_ball(d) == pytest.approx(num / den, rel=1e-8)


def test_mean_abs_coordinate_special_values():
    assert mean_abs_coordinate_unit_ball(1) == pytest.approx(0.5)
    assert mean_abs_coordinate_unit_ball(2) == pytest.approx(4 / (3 * math.pi))
    assert mean_abs_coordinate_unit_ball(3) == pytest.approx(3 / 8)
    d = 10**6
    assert mean_abs_coordinate_unit_ball(d) == pytest.approx(math.sqrt(2 / (math.pi * d)), rel=1e-5)


@pytest.mark.parametrize("d, seed", [(3, 0), (64, 1), (64, 2)])
def test_linear_model_matches_closed_form(d, seed):
    """h = wᵀa: P(h, ε) = ε‖w‖ E|u₁|; the Monte-Carlo estimate lies within 5 standard errors."""
    g = torch.Generator().manual_seed(seed)
    w = torch.randn(d, generator=g, dtype=torch.float64)

    def h(a):
        return a @ w

    a = torch.randn(40, d, generator=g, dtype=torch.float64)
    est = perturbation_stability(h, a, eps=0.3, n_samples=500, generator=g)
    exact = linear_perturbation_stability(w, 0.3)
    assert abs(est.value - exact) < 5 * est.se
    assert est.se < 0.05 * exact  # the test has power: the SE is small against the value
    assert est.ratio == pytest.approx(est.value / 0.3)


def test_single_point_uses_sample_standard_error():
    g = torch.Generator().manual_seed(0)
    w = torch.randn(10, generator=g, dtype=torch.float64)
    est = perturbation_stability(lambda a: a @ w, torch.zeros(1, 10, dtype=torch.float64), 1.0, 4000, g)
    assert abs(est.value - linear_perturbation_stability(w, 1.0)) < 5 * est.se


def test_jacobian_agrees_with_torch_functional(gen):
    net = FullyConnectedReLU([6, 9, 9, 3], init="he", generator=gen, output_activation=False).double()
    a = torch.randn(4, 6, generator=gen, dtype=torch.float64)
    jac = input_jacobian(net, a)
    for i in range(4):
        ref = torch.autograd.functional.jacobian(lambda z: net(z), a[i])
        torch.testing.assert_close(jac[i], ref)
    assert all(p.grad is None for p in net.parameters())


def test_estimate_matches_direct_jvp_and_is_seeded(gen):
    """Independent check: ‖J(a) u‖ by torch.autograd.functional.jvp on the same draws gives the same number."""
    net = FullyConnectedReLU([5, 12, 12, 2], init="lecun", generator=gen, output_activation=False).double()
    a = torch.randn(3, 5, generator=gen, dtype=torch.float64)
    est = perturbation_stability(net, a, 0.2, n_samples=7, generator=torch.Generator().manual_seed(4))
    again = perturbation_stability(net, a, 0.2, n_samples=7, generator=torch.Generator().manual_seed(4))
    assert est.value == again.value
    from saddle.sets import sample_ball

    u = sample_ball(21, 5, "l2", 0.2, torch.Generator().manual_seed(4), dtype=torch.float64).reshape(3, 7, 5)
    direct = torch.stack(
        [
            torch.stack(
                [torch.linalg.vector_norm(torch.autograd.functional.jvp(net, a[i], u[i, s])[1]) for s in range(7)]
            ).mean()
            for i in range(3)
        ]
    )
    torch.testing.assert_close(est.per_point, direct)


def test_homogeneity_invariances(gen):
    """Linear in ε with the same draws; unchanged when inputs are scaled (bias-free ReLU: ∇h is 0-homogeneous)."""
    net = FullyConnectedReLU([8, 16, 16, 1], init="he", generator=gen).double()
    a = torch.rand(10, 8, generator=gen, dtype=torch.float64)
    e1 = perturbation_stability(net, a, 0.1, 20, torch.Generator().manual_seed(1))
    e2 = perturbation_stability(net, a, 0.3, 20, torch.Generator().manual_seed(1))
    e3 = perturbation_stability(net, 5.0 * a, 0.1, 20, torch.Generator().manual_seed(1))
    assert e2.value == pytest.approx(3 * e1.value, rel=1e-12)
    assert e3.value == pytest.approx(e1.value, rel=1e-12)
    assert perturbation_stability(net, a, 0.0, 5, gen).value == 0.0


def test_image_shaped_inputs(gen):
    net = FullyConnectedReLU([64, 16, 10], init="he", generator=gen, output_activation=False)
    est = perturbation_stability(net, torch.rand(5, 1, 8, 8, generator=gen), 0.5, 8, gen)
    assert est.per_point.shape == (5,) and est.value > 0 and math.isfinite(est.se)


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"eps": -0.1}, "eps must be a finite number >= 0, got -0.1"),
        ({"eps": float("inf")}, "eps must be a finite number >= 0, got inf"),
        ({"eps": 0.1, "n_samples": 0}, "n_samples must be an integer >= 1"),
        ({"eps": 0.1, "norm": "l3"}, "norm must be one of"),
    ],
)
def test_bad_input_raises(gen, kwargs, message):
    net = FullyConnectedReLU([3, 4, 1], generator=gen)
    with pytest.raises(ValueError, match=message):
        perturbation_stability(net, torch.zeros(2, 3), generator=gen, **kwargs)


def test_nan_data_raises(gen):
    net = FullyConnectedReLU([3, 4, 1], generator=gen)
    with pytest.raises(ValueError, match="NaN"):
        perturbation_stability(net, torch.tensor([[0.0, float("nan"), 1.0]]), 0.1)
    with pytest.raises(ValueError, match="d must be an integer >= 1"):
        mean_abs_coordinate_unit_ball(0)


def test_initialisations_differ_by_exact_layer_factors():
    """Same seed, bias-free ReLU: LeCun = He · 2^{−L/2} and NTK = He · sqrt(p/2) as functions, hence in P."""
    p, m, depth = 12, 20, 4
    a = torch.rand(30, p, generator=torch.Generator().manual_seed(0), dtype=torch.float64)
    values = {}
    for init in ("lecun", "he", "ntk"):
        net = FullyConnectedReLU(
            [p] + [m] * (depth - 1) + [1],
            init=init,
            output_activation=False,
            generator=torch.Generator().manual_seed(7),
        ).double()
        values[init] = perturbation_stability(net, a, 0.1, 16, torch.Generator().manual_seed(3)).value
    assert values["lecun"] == pytest.approx(values["he"] * 2 ** (-depth / 2), rel=1e-6)  # float32 initial draws
    assert values["ntk"] == pytest.approx(values["he"] * math.sqrt(p / 2), rel=1e-6)


@pytest.mark.parametrize("norm", ["l1", "l2", "linf"])
def test_one_dimensional_balls_agree(norm):
    """In d = 1 every l_p ball is the interval [−ε, ε]: P = ε|w|/2 for h(a) = w a, whatever the norm."""
    g = torch.Generator().manual_seed(5)
    est = perturbation_stability(lambda a: -3.0 * a, torch.zeros(50, 1, dtype=torch.float64), 0.4, 200, g, norm=norm)
    assert abs(est.value - 0.4 * 3.0 / 2) < 5 * est.se


def test_an_int_seed_gives_the_same_estimate_as_a_generator_seeded_with_it():
    w = torch.linspace(-1, 1, 6, dtype=torch.float64)
    a = torch.ones(3, 6, dtype=torch.float64)
    by_seed = perturbation_stability(lambda v: v @ w, a, 0.5, 20, generator=11)
    by_gen = perturbation_stability(lambda v: v @ w, a, 0.5, 20, generator=torch.Generator().manual_seed(11))
    assert (by_seed.value, by_seed.se) == (by_gen.value, by_gen.se)
    with pytest.raises(
        ValueError, match=re.escape("generator must be a torch.Generator, an int seed or None, got 'x'")
    ):
        perturbation_stability(lambda v: v @ w, a, 0.5, 20, generator="x")
