"""ε-networks: scalar times broadcast, bad time shapes refused, initialisation from an explicit generator."""

import pytest
import torch

from saddle.diffusion import DigitsScoreNet, ScoreMLP
from saddle.models import reinitialize_


@pytest.mark.parametrize(
    "make, shape", [(lambda: ScoreMLP(2, 32, 3), (5, 2)), (lambda: DigitsScoreNet(8), (5, 1, 8, 8))]
)
def test_scalar_time_equals_the_broadcast_per_sample_time(make, shape):
    net = reinitialize_(make(), torch.Generator().manual_seed(0))
    x = torch.randn(shape, generator=torch.Generator().manual_seed(1))
    ref = net(x, torch.full((5,), 0.3))
    assert torch.equal(net(x, 0.3), ref) and torch.equal(net(x, torch.tensor(0.3)), ref)
    with pytest.raises(ValueError, match=r"t must be a scalar or have shape \(5,\)"):
        net(x, torch.full((4,), 0.3))


def test_reinitialize_is_deterministic_in_the_generator_and_leaves_the_global_rng_alone():
    nets = [DigitsScoreNet(8) for _ in range(3)]  # construction draws from the global RNG, reinitialize_ must not
    state = torch.random.get_rng_state()
    a, b, c = [reinitialize_(net, torch.Generator().manual_seed(s)) for net, s in zip(nets, (3, 3, 4))]
    assert torch.equal(torch.random.get_rng_state(), state)
    for (k, va), vb in zip(a.state_dict().items(), b.state_dict().values()):
        assert torch.equal(va, vb), k
    assert any(not torch.equal(va, vc) for va, vc in zip(a.state_dict().values(), c.state_dict().values()))
    # PyTorch's default Linear init: weights in ±1/sqrt(fan_in)
    w = reinitialize_(ScoreMLP(2, 64, 3), torch.Generator().manual_seed(0)).net[0].weight.detach()
    bound = 1 / (w.shape[1] ** 0.5)
    assert float(w.abs().max()) <= bound and float(w.abs().max()) > 0.9 * bound


def test_reinitialize_refuses_unknown_parametrised_modules():
    with pytest.raises(ValueError, match="PReLU"):
        reinitialize_(torch.nn.Sequential(torch.nn.Linear(2, 2), torch.nn.PReLU()), torch.Generator())
