"""The notes' L-layer ReLU network: shapes, the forward formula, α scaling, multipliers, bad input."""

import pytest
import torch

from saddle.metrics.stats import mean_se
from saddle.theory import FullyConnectedReLU, SignalPropagation, signal_propagation


def test_forward_is_the_notes_formula(gen):
    net = FullyConnectedReLU([5, 7, 7, 1], init="lecun", generator=gen, alpha=3.0)
    a = torch.randn(11, 5, generator=gen)
    x1, x2, x3 = net.weights
    expected = torch.relu(torch.relu(torch.relu(a @ x1.T) @ x2.T) @ x3.T) / 3.0
    torch.testing.assert_close(net(a), expected)
    assert net(a).shape == (11, 1) and net(a[0]).shape == (1,)
    assert [tuple(w.shape) for w in net.weights] == [(7, 5), (7, 7), (1, 7)]
    assert [n for n, _ in net.named_parameters()] == ["X1", "X2", "X3"]
    assert (net(a) >= 0).all()  # the notes put σ on the last layer too


def test_linear_readout_and_image_input(gen):
    net = FullyConnectedReLU([64, 16, 10], init="he", generator=gen, output_activation=False)
    a = torch.rand(4, 1, 8, 8, generator=gen)
    out = net(a)
    torch.testing.assert_close(out, torch.relu(a.flatten(1) @ net.weights[0].T) @ net.weights[1].T)
    assert out.shape == (4, 10) and (out < 0).any()


def test_positive_homogeneity_and_alpha(gen):
    """Bias-free ReLU nets are positively homogeneous: h(ta) = t h(a) for t > 0, and h ∝ 1/α."""
    a = torch.randn(6, 3, generator=gen)
    net = FullyConnectedReLU([3, 8, 8, 2], init="he", generator=torch.Generator().manual_seed(0))
    net2 = FullyConnectedReLU([3, 8, 8, 2], init="he", generator=torch.Generator().manual_seed(0), alpha=4.0)
    torch.testing.assert_close(net(2.5 * a), 2.5 * net(a))
    torch.testing.assert_close(net2(a), net(a) / 4.0)


def test_same_seed_same_network_and_mean_field_alpha():
    n1 = FullyConnectedReLU([3, 10, 1], init="mean_field", generator=torch.Generator().manual_seed(5))
    n2 = FullyConnectedReLU([3, 10, 1], init="mean_field", generator=torch.Generator().manual_seed(5))
    assert n1.alpha == 10.0
    for w1, w2 in zip(n1.weights, n2.weights):
        assert torch.equal(w1, w2)


def test_multipliers_scale_effective_weights(gen):
    net = FullyConnectedReLU([3, 4, 1], init=[1.0, 1.0], multipliers=[2.0, 0.5], generator=gen)
    assert torch.equal(net.weights[0], 2.0 * net.X1) and torch.equal(net.weights[1], 0.5 * net.X2)
    plain = FullyConnectedReLU([3, 4, 1], init=[1.0, 1.0], generator=torch.Generator())
    with torch.no_grad():
        plain.X1.copy_(net.weights[0])
        plain.X2.copy_(net.weights[1])
    a = torch.randn(5, 3, generator=gen)
    torch.testing.assert_close(net(a), plain(a))


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"widths": [3, 1]}, "length >= 3"),
        ({"widths": [3, 0, 1]}, r"widths\[1\] must be an integer >= 1, got 0"),
        ({"widths": [3, 4, 5, 1]}, "equal hidden widths"),
        ({"widths": [3, 4, 1], "init": "bogus"}, "init must be one of"),
        ({"widths": [3, 4, 1], "alpha": 0.0}, "alpha must be a finite number > 0"),
        ({"widths": [3, 4, 1], "alpha": float("nan")}, "alpha must be a finite number > 0"),
        ({"widths": [3, 4, 1], "init": [1.0]}, "one entry per layer"),
        ({"widths": [3, 4, 1], "init": [1.0, -1.0]}, r"init variances\[1\] must be a finite number >= 0, got -1.0"),
        ({"widths": [3, 4, 1], "multipliers": [1.0, 0.0]}, r"multipliers\[1\] must be a finite number > 0, got 0.0"),
        ({"widths": [3, 4, 1], "init": "e_et_al"}, "beta_c"),
    ],
)
def test_bad_input_raises(kwargs, message):
    with pytest.raises(ValueError, match=message):
        FullyConnectedReLU(**kwargs)


def test_wrong_input_dimension_raises(gen):
    net = FullyConnectedReLU([3, 4, 1], generator=gen)
    with pytest.raises(ValueError, match="expects p = 3"):
        net(torch.zeros(2, 5))


def test_signal_propagation_follows_the_relu_recursion_and_the_last_layer_gradient_closed_form():
    """He init: layer 1 multiplies E‖h‖² by m β₁²/2 = m/p, every later layer by m β²/2 = 1, so the predicted rms
    sqrt(E‖h^(l)‖²/m_l) stays sqrt(E‖h^(0)‖²/p) at every layer; the normalised layer ratio
    has conditional mean exactly 1 (mean over 40 nets within 3 SE of 1), and ∂Σ_i h(a_i)/∂X_L = Σ_i h^(L−1)(a_i)
    (a linear read-out), so the last gradient norm is ‖mean_i h^(L−1)(a_i)‖."""
    a = torch.rand(50, 8, generator=torch.Generator().manual_seed(0), dtype=torch.float64)
    ratios = []
    for seed in range(40):
        net = FullyConnectedReLU([8, 64, 64, 64, 1], init="he", output_activation=False, generator=seed)
        net = net.double() if net.params[0].dtype != torch.float64 else net
        sp = signal_propagation(net, a.to(net.params[0].dtype))
        assert isinstance(sp, SignalPropagation)
        sq0 = float(a.to(net.params[0].dtype).pow(2).sum(1).mean())
        assert sp.rms_predicted == pytest.approx([(sq0 / 8) ** 0.5] * 4, rel=1e-6)
        assert len(sp.ratio_over_prediction) == 3 and len(sp.weight_gradient_norms) == 4
        with torch.no_grad():
            last_hidden = net.activations(a.to(net.params[0].dtype))[-2]
        assert sp.weight_gradient_norms[-1] == pytest.approx(float(last_hidden.mean(0).norm()), rel=1e-5)
        ratios += sp.ratio_over_prediction
    est = mean_se(ratios)
    assert abs(est.mean - 1) < 3 * est.se
    with pytest.raises(ValueError, match="net must be a FullyConnectedReLU, got Linear"):
        signal_propagation(torch.nn.Linear(8, 1), a)
