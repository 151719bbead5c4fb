"""The initialisation table of seeds 000/002/003: exact entries and the sampled weight variances."""

import math

import pytest
import torch

from saddle.theory import INIT_NAMES, FullyConnectedReLU, init_scheme, init_table

P, M = 20, 50


@pytest.mark.parametrize(
    "name, row",
    [
        ("lecun", (1 / P, 1 / M, 1 / M, 1)),
        ("he", (2 / P, 2 / M, 2 / M, 1)),
        ("ntk", (2 / M, 2 / M, 1, 1)),
        ("xavier", (2 / (M + P), 1 / M, 2 / (M + 1), 1)),
        ("mean_field", (1, 1, 1, M)),
        ("e_et_al", (1, 1, 0.3**2, 1)),
    ],
)
def test_table_rows(name, row):
    s = init_scheme(name, p=P, m=M, k=1, beta_c=0.3)
    assert (s.beta1_sq, s.beta_sq, s.betaL_sq, s.alpha) == pytest.approx(row, rel=1e-12)


def test_aliases_and_vector_output():
    assert init_scheme("Mean-field", 3, 4).name == "mean_field"
    assert init_scheme("Kaiming", 3, 4).name == "he"
    assert init_scheme("xavier", 3, 4, k=10).betaL_sq == pytest.approx(2 / 14)
    assert init_scheme("ntk", 3, 4, k=10).betaL_sq == pytest.approx(1 / 10)
    assert [s.name for s in init_table(3, 4)] == list(INIT_NAMES)


@pytest.mark.parametrize("name", INIT_NAMES)
@pytest.mark.parametrize("seed", [0, 1])
def test_sampled_variances_match_the_table(name, seed):
    """Mean of w² over n entries estimates β² with standard error β²·sqrt(2/n); allow 5 SE."""
    net = FullyConnectedReLU([P, M, M, M, 1], init=name, beta_c=0.3, generator=torch.Generator().manual_seed(seed))
    s = net.scheme
    expected = [s.beta1_sq, s.beta_sq, s.beta_sq, s.betaL_sq]
    for w, var in zip(net.weights, expected):
        w = w.detach().double()
        n = w.numel()
        se = var * math.sqrt(2.0 / n)
        assert abs(w.pow(2).mean().item() - var) < 5 * se, (name, tuple(w.shape))
        assert abs(w.mean().item()) < 5 * math.sqrt(var / n)
    assert net.alpha == s.alpha


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"name": "nope", "p": 3, "m": 4}, "init must be one of"),
        ({"name": "he", "p": 0, "m": 4}, "p must be an integer >= 1"),
        ({"name": "he", "p": 3, "m": 2.5}, "m must be an integer >= 1"),
        ({"name": "e_et_al", "p": 3, "m": 4, "beta_c": -1.0}, "beta_c"),
    ],
)
def test_bad_input_raises(kwargs, message):
    with pytest.raises(ValueError, match=message):
        init_scheme(**kwargs)


def test_depth_one_rejected():
    with pytest.raises(ValueError, match="depth must be >= 2"):
        init_scheme("he", 3, 4).layer_variances(1)


@pytest.mark.parametrize("name", ["lecun", "he", "ntk", "mean_field"])
def test_first_layer_second_moment_matches_relu_formula(name):
    """‖σ(X_1 a)‖² = Σ_j σ(z_j)², z_j ~ N(0, β₁²‖a‖²) iid: mean m β₁²‖a‖²/2, variance m (3/2 − 1/4) β₁⁴‖a‖⁴."""
    p, m = 10, 4000
    a = torch.linspace(-1, 1, p, dtype=torch.float64)
    net = FullyConnectedReLU([p, m, 1], init=name, generator=torch.Generator().manual_seed(11))
    h1 = net.activations(a.float())[1].double()
    b1 = net.scheme.beta1_sq
    mean = m * b1 * a.pow(2).sum().item() / 2
    sd = math.sqrt(m * 1.25) * b1 * a.pow(2).sum().item()
    assert abs(h1.pow(2).sum().item() - mean) < 5 * sd
