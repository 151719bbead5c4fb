"""Seeded initialisation and the classifier factory."""

import math

import pytest
import torch

from saddle.models import DigitsCNN, make_classifier, seeded_init_


def test_seeded_init_is_reproducible_and_leaves_global_rng_alone():
    net = DigitsCNN()
    state = torch.get_rng_state()
    seeded_init_(net, torch.Generator().manual_seed(0))
    assert torch.equal(torch.get_rng_state(), state)
    a = make_classifier("cnn", 8, torch.Generator().manual_seed(0))
    b = make_classifier("cnn", 8, torch.Generator().manual_seed(0))
    c = make_classifier("cnn", 8, torch.Generator().manual_seed(1))
    assert all(torch.equal(p, q) for p, q in zip(a.parameters(), b.parameters()))
    assert not all(torch.equal(p, q) for p, q in zip(a.parameters(), c.parameters()))


def test_seeded_init_draws_pytorch_default_ranges():
    """kaiming_uniform_(a=√5) and the bias both lie in ±1/√fan_in, and fill that range (uniform)."""
    m = seeded_init_(torch.nn.Linear(400, 300), torch.Generator().manual_seed(0))
    bound = 1 / math.sqrt(400)
    for t in (m.weight, m.bias):
        assert t.abs().max() <= bound and t.abs().max() > 0.95 * bound
    # U(−b, b) has sd b/√3; the relative SE of a sample sd over 120,000 uniforms is √(0.8/(4n)) ≈ 0.0013
    assert float(m.weight.detach().std()) == pytest.approx(bound / math.sqrt(3), rel=0.01)


def test_classifier_shapes_and_errors():
    assert make_classifier("mlp", 28, torch.Generator())(torch.rand(3, 1, 28, 28)).shape == (3, 10)
    assert DigitsCNN(in_size=28)(torch.rand(2, 1, 28, 28)).shape == (2, 10)
    with pytest.raises(ValueError, match="model must be 'mlp' or 'cnn'"):
        make_classifier("resnet", 8, torch.Generator())
