"""reinitialize_: PyTorch's default initialisation, drawn from an explicit generator."""

import re

import pytest
import torch
from torch import nn

from saddle.models import DigitsCNN, DigitsMLP, build_seeded, reinitialize_


@pytest.mark.parametrize(
    "build",
    [
        DigitsCNN,
        DigitsMLP,
        lambda: nn.Sequential(nn.Conv1d(2, 3, 5), nn.BatchNorm1d(3), nn.Flatten(), nn.Linear(3, 1, bias=False)),
    ],
)
def test_same_numbers_as_construction_under_the_global_seed(build):
    """With Generator().manual_seed(s) the weights equal torch's own init after torch.manual_seed(s), bit for bit."""
    with torch.random.fork_rng():
        torch.manual_seed(7)
        reference = build()
    model = reinitialize_(build(), torch.Generator().manual_seed(7))
    for (name, p), q in zip(model.named_parameters(), reference.parameters()):
        assert torch.equal(p, q), name
    again = reinitialize_(build(), torch.Generator().manual_seed(7))
    other = reinitialize_(build(), torch.Generator().manual_seed(8))
    assert all(torch.equal(p, q) for p, q in zip(again.parameters(), model.parameters()))
    assert not all(torch.equal(p, q) for p, q in zip(other.parameters(), model.parameters()))


@pytest.mark.parametrize("build", [DigitsCNN, lambda: nn.Sequential(nn.Linear(3, 4), nn.BatchNorm1d(4))])
def test_build_seeded_leaves_the_global_rng_alone_and_gives_the_same_numbers(build):
    before = torch.get_rng_state()
    model = build_seeded(build, torch.Generator().manual_seed(3))
    assert torch.equal(torch.get_rng_state(), before)
    reference = reinitialize_(build(), torch.Generator().manual_seed(3))
    tensors = list(model.parameters()) + list(model.buffers())
    for p, q in zip(tensors, list(reference.parameters()) + list(reference.buffers())):
        assert p.device.type == "cpu" and torch.equal(p, q)


def test_unknown_parametrised_modules_and_bad_generators_are_refused():
    with pytest.raises(ValueError, match="module '1' of type PReLU"):
        reinitialize_(nn.Sequential(nn.Linear(2, 2), nn.PReLU()), torch.Generator())
    with pytest.raises(ValueError, match="buffers whose initial values are unknown"):
        build_seeded(lambda: nn.Sequential(nn.Linear(2, 2), _WithBuffer()), torch.Generator())
    for bad in (0.5, None, True):
        with pytest.raises(ValueError, match=re.escape("generator must be a torch.Generator")):
            reinitialize_(nn.Linear(2, 2), bad)


def test_an_int_seed_initialises_like_a_generator_seeded_with_it():
    # generator policy (saddle.validation.as_generator): one call owning the whole initialisation takes an int seed
    a, b = reinitialize_(nn.Linear(3, 2), 4), reinitialize_(nn.Linear(3, 2), torch.Generator().manual_seed(4))
    assert torch.equal(a.weight, b.weight) and torch.equal(a.bias, b.bias)


class _WithBuffer(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.register_buffer("scale", torch.ones(2))


def test_embedding_matches_torch_default_init_under_the_same_seed():
    torch.manual_seed(5)
    ref = nn.Embedding(7, 3, padding_idx=2)
    new = reinitialize_(nn.Embedding(7, 3, padding_idx=2), torch.Generator().manual_seed(5))
    assert torch.equal(ref.weight, new.weight) and torch.all(new.weight[2] == 0)
