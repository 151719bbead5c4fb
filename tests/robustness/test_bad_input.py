"""Issue 24's repros for saddle.robustness: one point for a local constant, finite logits, untouched BN statistics."""

import math

import pytest
import torch
from torch import nn

from saddle.robustness import certified_radius, local_lipschitz, perturbation_stability


def _net():
    torch.manual_seed(0)
    return nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 2))


def test_local_lipschitz_refuses_a_batch_instead_of_flattening_it_into_one_point():
    with pytest.raises(ValueError, match=r"x must be one point, shape \(in,\) or \(1, in\), got \(5, 3\)"):
        local_lipschitz(_net(), torch.rand(5, 3), 0.1, generator=0)
    assert local_lipschitz(_net(), torch.rand(3), 0.1, generator=0) > 0


def test_certified_radius_refuses_nan_logits():
    logits = torch.tensor([[1.0, math.nan], [2.0, 0.0]])
    with pytest.raises(ValueError, match="logits contains NaN or inf"):
        certified_radius(logits, torch.tensor([0, 0]), 1.0)
    assert certified_radius(logits[1:], torch.tensor([0]), 1.0).item() == pytest.approx(2 / math.sqrt(2))


def test_perturbation_stability_leaves_batchnorm_statistics_and_modes_alone():
    torch.manual_seed(0)
    net = nn.Sequential(nn.Linear(3, 6), nn.BatchNorm1d(6), nn.ReLU(), nn.Linear(6, 2)).train()
    stats = [b.clone() for b in net.buffers()]
    est = perturbation_stability(net, torch.rand(8, 3), 0.1, n_samples=4, generator=0)
    assert est.value > 0 and net.training and all(m.training for m in net.modules())
    assert all(torch.equal(a, b) for a, b in zip(stats, net.buffers()))  # running mean/var and the batch counter
