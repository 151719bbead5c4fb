"""Lipschitz estimators: operator norms (not Frobenius), power iteration, exact enumeration, lower ≤ exact ≤ product."""

import itertools
import math
import re

import pytest
import torch
from torch import nn

from saddle.robustness.lipschitz import (
    ReLULayers,
    jacobian_operator_norm,
    lipschitz_exact_relu,
    lipschitz_lower_bound,
    lipschitz_upper_bound_product,
    local_lipschitz,
    operator_norm,
    relu_layers,
    relu_regions,
    spectral_norm_power_iteration,
)
from saddle.robustness.stability import input_jacobian
from saddle.theory.network import FullyConnectedReLU

NORMS = [1, 2, math.inf]


def random_net(gen, widths=(2, 5, 4, 2), bias=True):
    ws = [torch.randn(o, i, generator=gen, dtype=torch.float64) for i, o in itertools.pairwise(widths)]
    bs = [torch.randn(o, generator=gen, dtype=torch.float64) if bias else None for o in widths[1:]]
    return ReLULayers(ws, bs)


def test_operator_norms_are_not_frobenius():
    w = torch.tensor([[3.0, 0.0], [4.0, 5.0]], dtype=torch.float64)
    # column sums 7, 5; row sums 3, 9; singular values sqrt(45) and sqrt(5) (eigenvalues of WᵀW: 45, 5)
    assert operator_norm(w, 1) == 7 and operator_norm(w, math.inf) == 9
    assert float(operator_norm(w, 2)) == pytest.approx(math.sqrt(45), rel=1e-12)
    assert float(torch.linalg.matrix_norm(w)) == pytest.approx(math.sqrt(50))  # the Frobenius norm differs
    net = ReLULayers([w, w])
    assert lipschitz_upper_bound_product(net, 2) == pytest.approx(45.0, rel=1e-12)
    assert lipschitz_upper_bound_product(net, 1) == 49 and lipschitz_upper_bound_product(net, "linf") == 81


@pytest.mark.parametrize("p", NORMS)
def test_operator_norm_is_attained_max_ratio(gen, p):
    w = torch.randn(6, 4, generator=gen, dtype=torch.float64)
    v = torch.randn(20000, 4, generator=gen, dtype=torch.float64)
    ratios = torch.linalg.vector_norm(v @ w.T, ord=p, dim=1) / torch.linalg.vector_norm(v, ord=p, dim=1)
    assert ratios.max() <= operator_norm(w, p) * (1 + 1e-12)
    # the maximiser for p = 1 / inf is a signed basis / sign vector: check it is attained exactly
    if p == 1:
        assert float(torch.linalg.vector_norm(w[:, w.abs().sum(0).argmax()], 1)) == pytest.approx(
            float(operator_norm(w, 1))
        )
    if p == math.inf:
        s = torch.sign(w[w.abs().sum(1).argmax()])
        assert float((w @ s).abs().max()) == pytest.approx(float(operator_norm(w, math.inf)))


@pytest.mark.parametrize("shape", [(30, 20), (7, 50), (64, 64)])
def test_power_iteration_matches_matrix_norm_and_certifies(gen, shape):
    w = torch.randn(*shape, generator=gen, dtype=torch.float64)
    exact = float(torch.linalg.matrix_norm(w, ord=2))
    res = spectral_norm_power_iteration(w, tol=1e-10, max_iter=20000, generator=gen)
    assert res.converged
    assert res.lower <= exact * (1 + 1e-12) and res.upper >= exact * (1 - 1e-12)
    assert res.lower == pytest.approx(exact, rel=1e-8)
    r = min(shape)
    assert res.upper <= exact * r ** (1 / 2**9) * (1 + 1e-9)  # trace bound after 8 squarings


def test_power_iteration_zero_matrix_and_bad_input(gen):
    res = spectral_norm_power_iteration(torch.zeros(3, 4), generator=gen)
    assert res.lower == 0 and res.upper == 0
    with pytest.raises(ValueError, match="tol"):
        spectral_norm_power_iteration(torch.ones(2, 2), tol=-1)
    with pytest.raises(ValueError, match="shape"):
        spectral_norm_power_iteration(torch.ones(3))


@pytest.mark.parametrize("bad", [float("nan"), float("inf")])
def test_power_iteration_refuses_non_finite_matrices(bad):
    w = torch.ones(3, 4)
    w[1, 2] = bad
    with pytest.raises(ValueError, match="w contains NaN or inf"):
        spectral_norm_power_iteration(w)


@pytest.mark.parametrize("p", NORMS)
def test_exact_equals_dense_sampling_for_homogeneous_net(gen, p):
    # without biases the regions are cones (angular sectors in 2-D): a dense circle visits all of them
    net = random_net(gen, (2, 4, 3, 2), bias=False)
    exact = lipschitz_exact_relu(net, p)
    theta = torch.linspace(0, 2 * math.pi, 200_001, dtype=torch.float64)
    a = torch.stack([theta.cos(), theta.sin()], 1)
    dense = float(jacobian_operator_norm(input_jacobian(net, a), p).max())
    assert dense == pytest.approx(exact.value, rel=1e-9)


@pytest.mark.parametrize("seed", range(3))
def test_lower_exact_product_ordering_on_random_tiny_nets(seed):
    gen = torch.Generator().manual_seed(seed)
    net = random_net(gen)
    regions = relu_regions(net)
    for p in NORMS:
        exact = lipschitz_exact_relu(net, p, regions=regions)
        lower = lipschitz_lower_bound(net, 2, p, starts=16, steps=25, generator=gen)
        # dense sampling of a wide box can never beat the exact value
        a = 6 * torch.rand(20_000, 2, generator=gen, dtype=torch.float64) - 3
        sampled = float(jacobian_operator_norm(input_jacobian(net, a), p).max())
        assert lower <= exact.value * (1 + 1e-9) and sampled <= exact.value * (1 + 1e-9)
        assert exact.value <= lipschitz_upper_bound_product(net, p) * (1 + 1e-12)
        assert lower > 0.3 * exact.value  # the ascent finds a slope of the right order


@pytest.mark.parametrize("n", [1, 3, 6])
def test_region_count_of_a_line_arrangement(gen, n):
    # one hidden layer in R²: n lines in general position cut the plane into 1 + n + n(n−1)/2 regions,
    # n lines through the origin (no bias) into 2n cones
    w = torch.randn(n, 2, generator=gen, dtype=torch.float64)
    v = torch.randn(1, n, generator=gen, dtype=torch.float64)
    b = torch.randn(n, generator=gen, dtype=torch.float64)
    assert len(relu_regions(ReLULayers([w, v], [b, None])).patterns) == 1 + n + n * (n - 1) // 2
    assert len(relu_regions(ReLULayers([w, v])).patterns) == 2 * n


def test_exact_on_one_hidden_unit_closed_form():
    # f(a) = v·relu(wᵀa): L = |v|‖w‖₂ in l2, and the regions are the two half-planes
    w = torch.tensor([[3.0, 4.0]], dtype=torch.float64)
    v = torch.tensor([[-2.0]], dtype=torch.float64)
    res = lipschitz_exact_relu([w, v], 2)
    assert res.value == pytest.approx(10.0) and res.regions == 2


def test_final_relu_and_scale_follow_the_notes_parametrisation(gen):
    # h(a) = σ(X_2 σ(X_1 a)) / α: scale 1/α multiplies every estimate
    ws = [torch.randn(4, 2, generator=gen, dtype=torch.float64), torch.randn(1, 4, generator=gen, dtype=torch.float64)]
    plain = lipschitz_exact_relu(ReLULayers(ws, final_relu=True), 2).value
    scaled = lipschitz_exact_relu(ReLULayers(ws, final_relu=True, scale=0.25), 2).value
    assert scaled == pytest.approx(plain / 4)
    theta = torch.linspace(0, 2 * math.pi, 100_001, dtype=torch.float64)
    a = torch.stack([theta.cos(), theta.sin()], 1)
    net = ReLULayers(ws, final_relu=True)
    assert float(jacobian_operator_norm(input_jacobian(net, a), 2).max()) == pytest.approx(plain, rel=1e-9)


def test_relu_layers_from_sequential_and_weights_module(gen):
    torch.manual_seed(0)
    seq = nn.Sequential(nn.Flatten(), nn.Linear(3, 5), nn.ReLU(), nn.Linear(5, 2)).double()
    layers = relu_layers(seq)
    x = torch.randn(7, 3, generator=gen, dtype=torch.float64)
    assert torch.allclose(layers(x), seq(x))

    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.ws = nn.ParameterList([nn.Parameter(torch.randn(4, 3)), nn.Parameter(torch.randn(1, 4))])
            self.alpha = 2.0

        @property
        def weights(self):
            return list(self.ws)

    net = relu_layers(Net())
    assert net.scale == 0.5 and len(net.weights) == 2
    fc = FullyConnectedReLU([3, 6, 6, 1], init="he", alpha=2.0, generator=gen, dtype=torch.float64)
    layers = relu_layers(fc)
    assert layers.final_relu and layers.scale == 0.5 and torch.allclose(layers(x), fc(x))
    with pytest.raises(ValueError, match="unsupported module"):
        relu_layers(nn.Sequential(nn.Linear(3, 3), nn.Tanh(), nn.Linear(3, 1)))
    with pytest.raises(ValueError, match="without a ReLU"):
        relu_layers(nn.Sequential(nn.Linear(3, 3), nn.Linear(3, 1)))


def test_local_lipschitz_is_between_point_gradient_and_global(gen):
    net = random_net(gen)
    x = torch.randn(1, 2, generator=gen, dtype=torch.float64)
    at_x = float(jacobian_operator_norm(input_jacobian(net, x), 2))
    local = local_lipschitz(net, x, 0.5, 2, generator=gen)
    assert at_x * (1 - 1e-9) <= local <= lipschitz_exact_relu(net, 2).value * (1 + 1e-9)
    assert local <= lipschitz_exact_relu(net, 2).value * (1 + 1e-9)
    # a linear map has the same local constant everywhere: ‖W‖₂
    w = torch.randn(3, 2, generator=gen, dtype=torch.float64)
    lin = ReLULayers([w])
    assert local_lipschitz(lin, x, 0.1, 2, generator=gen) == pytest.approx(float(operator_norm(w, 2)), rel=1e-6)


def test_bad_input_raises(gen):
    net = random_net(gen)
    with pytest.raises(ValueError, match="norm must be"):
        lipschitz_upper_bound_product(net, 3)
    with pytest.raises(ValueError, match="max_units"):
        lipschitz_exact_relu(random_net(gen, (2, 20, 20, 1)), 2)
    with pytest.raises(ValueError, match="eps must be"):
        local_lipschitz(net, torch.zeros(2, dtype=torch.float64), -1.0)
    with pytest.raises(ValueError, match="starts"):
        lipschitz_lower_bound(net, 2, starts=0)
    with pytest.raises(ValueError, match="inputs but layer"):
        ReLULayers([torch.ones(3, 2), torch.ones(1, 4)])
    with pytest.raises(ValueError, match="NaN"):
        ReLULayers([torch.tensor([[float("nan")]])])


def test_lower_bound_leaves_the_model_untouched(gen):
    model = torch.nn.Sequential(nn.Linear(3, 6), nn.ReLU(), nn.Linear(6, 2))
    before = [p.detach().clone() for p in model.parameters()]
    lower = lipschitz_lower_bound(model, 3, 2, starts=4, steps=5, generator=gen)
    assert 0 < lower <= lipschitz_upper_bound_product(model, 2) * (1 + 1e-6)
    assert all(p.grad is None for p in model.parameters())
    assert all(torch.equal(a, b) for a, b in zip(before, model.parameters()))


def test_local_lipschitz_inside_one_region_is_the_region_slope(gen):
    # if the ε-ball lies inside one activation region, f is affine there and the local constant is ‖J(x)‖
    net = random_net(gen)
    x = torch.randn(1, 2, generator=gen, dtype=torch.float64)
    # layer l's pre-activation moves by at most ∏_{k≤l} ‖W_k‖₂ · ε, so no unit changes sign when
    # ε < min_l min_i |z_l,i(x)| / ∏_{k≤l} ‖W_k‖₂
    eps, h, lip = math.inf, x, 1.0
    for w, b in zip(net.weights[:-1], net.biases[:-1]):
        z = h @ w.T + b
        lip *= float(operator_norm(w, 2))
        eps = min(eps, float(z.abs().min()) / lip)
        h = torch.relu(z)
    eps /= 2
    at_x = float(jacobian_operator_norm(input_jacobian(net, x), 2))
    assert local_lipschitz(net, x, eps, 2, starts=8, steps=10, generator=gen) == pytest.approx(at_x, rel=1e-6)


def _bn_dropout_net(gen):
    """Linear → BatchNorm1d → ReLU → Dropout → Linear in train mode, with non-trivial BN statistics."""
    model = nn.Sequential(nn.Linear(3, 6), nn.BatchNorm1d(6), nn.ReLU(), nn.Dropout(0.5), nn.Linear(6, 2)).double()
    bn = model[1]
    with torch.no_grad():
        bn.running_mean.copy_(torch.randn(6, generator=gen, dtype=torch.float64))
        bn.running_var.copy_(torch.rand(6, generator=gen, dtype=torch.float64) + 0.5)
        bn.weight.copy_(torch.randn(6, generator=gen, dtype=torch.float64))
    model.train()
    return model


def _folded(model):
    """The eval-mode function of `_bn_dropout_net` as a plain ReLU net (BatchNorm folded into the first layer)."""
    lin, bn, _, _, out = model
    s = bn.weight / torch.sqrt(bn.running_var + bn.eps)
    return ReLULayers([s[:, None] * lin.weight, out.weight], [s * (lin.bias - bn.running_mean) + bn.bias, out.bias])


@pytest.mark.parametrize("estimator", ["global", "local"])
def test_estimators_evaluate_a_train_mode_network_in_eval_mode_and_restore_it(estimator):
    """Issue 13 §5: the bound is of the eval-mode function (equal to the folded ReLU net's, same draws), the
    BatchNorm running statistics do not move, and every module is back in train mode afterwards."""
    model = _bn_dropout_net(torch.Generator().manual_seed(0))
    stats = [model[1].running_mean.clone(), model[1].running_var.clone(), model[1].num_batches_tracked.clone()]
    x = torch.tensor([[0.3, -0.2, 0.5]], dtype=torch.float64)

    def estimate(f):
        g = torch.Generator().manual_seed(1)
        if estimator == "global":
            return lipschitz_lower_bound(f, 3, 2, starts=4, steps=5, pool=4, generator=g)
        return local_lipschitz(f, x, 0.5, 2, starts=4, steps=5, generator=g)

    value = estimate(model)
    assert value == pytest.approx(estimate(_folded(model)), rel=1e-10)
    assert all(m.training for m in model.modules())
    assert all(
        torch.equal(a, b)
        for a, b in zip(stats, [model[1].running_mean, model[1].running_var, model[1].num_batches_tracked])
    )
    assert all(p.requires_grad and p.grad is None for p in model.parameters())


def test_estimators_take_an_int_seed_as_a_generator_seeded_with_it():
    # generator policy: each estimator owns its call; an int seed ≡ torch.Generator().manual_seed(seed)
    net = FullyConnectedReLU([2, 6, 1], init="he", generator=3, dtype=torch.float64)
    same = FullyConnectedReLU([2, 6, 1], init="he", generator=torch.Generator().manual_seed(3), dtype=torch.float64)
    assert all(torch.equal(p, q) for p, q in zip(net.parameters(), same.parameters()))
    w = torch.randn(5, 4, generator=torch.Generator().manual_seed(0), dtype=torch.float64)
    seeded = lambda s: torch.Generator().manual_seed(s)  # noqa: E731
    r_int, r_gen = (spectral_norm_power_iteration(w, max_iter=3, generator=g) for g in (2, seeded(2)))
    assert (r_int.lower, r_int.upper) == (r_gen.lower, r_gen.upper) and torch.equal(r_int.vector, r_gen.vector)
    assert lipschitz_lower_bound(net, 2, starts=2, steps=2, pool=2, generator=5) == lipschitz_lower_bound(
        net, 2, starts=2, steps=2, pool=2, generator=seeded(5)
    )
    x = torch.zeros(1, 2, dtype=torch.float64)
    assert local_lipschitz(net, x, 0.5, starts=2, steps=2, generator=6) == local_lipschitz(
        net, x, 0.5, starts=2, steps=2, generator=seeded(6)
    )
    with pytest.raises(
        ValueError, match=re.escape("generator must be a torch.Generator, an int seed or None, got True")
    ):
        spectral_norm_power_iteration(w, generator=True)
