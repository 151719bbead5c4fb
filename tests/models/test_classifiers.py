"""The seeded classifier factory and the input-size option of DigitsCNN."""

import pytest
import torch

from saddle.models import DigitsCNN, make_classifier


def test_make_classifier_is_reproducible_and_leaves_global_rng_alone():
    state = torch.get_rng_state()
    a = make_classifier("cnn", 8, torch.Generator().manual_seed(0))
    b = make_classifier("cnn", 8, torch.Generator().manual_seed(0))
    c = make_classifier("cnn", 8, torch.Generator().manual_seed(1))
    assert torch.equal(torch.get_rng_state(), state)
    assert all(torch.equal(p, q) for p, q in zip(a.parameters(), b.parameters()))
    assert not all(torch.equal(p, q) for p, q in zip(a.parameters(), c.parameters()))


def test_classifier_shapes_and_errors():
    assert make_classifier("mlp", 28, torch.Generator())(torch.rand(3, 1, 28, 28)).shape == (3, 10)
    assert DigitsCNN(in_size=28)(torch.rand(2, 1, 28, 28)).shape == (2, 10)
    assert DigitsCNN()(torch.rand(2, 1, 8, 8)).shape == (2, 10)
    with pytest.raises(ValueError, match="model must be one of 'mlp', 'cnn', 'wong', 'madry', "):
        make_classifier("resnet", 8, torch.Generator())
