"""The replay buffer samples uniformly (chi-square test), wraps around, and round-trips its state."""

import numpy as np
import pytest
import torch
from scipy import stats

from saddle.rl import ReplayBuffer


def filled(n, capacity=None):
    buf = ReplayBuffer(capacity or n, obs_dim=2, action_dim=1)
    for i in range(n):
        buf.add(np.array([i, -i]), np.array([0.5 * i]), float(i), np.array([i + 1, 0]), i % 7 == 0)
    return buf


def test_sampling_is_uniform_over_stored_transitions():
    buf = filled(50)
    g = torch.Generator().manual_seed(0)
    counts = np.zeros(50)
    for _ in range(200):
        batch = buf.sample(100, g)
        counts += np.bincount(batch.reward.long().numpy(), minlength=50)
    # 20,000 draws in 50 cells: Pearson chi-square with 49 dof; a fixed seed, p-value checked at 1e-3
    assert stats.chisquare(counts).pvalue > 1e-3
    # each field of a sampled row belongs to the same transition
    batch = buf.sample(64, g)
    i = batch.reward
    torch.testing.assert_close(batch.obs[:, 0], i)
    torch.testing.assert_close(batch.action[:, 0], 0.5 * i)
    torch.testing.assert_close(batch.next_obs[:, 0], i + 1)
    torch.testing.assert_close(batch.terminated, (i.long() % 7 == 0).float())


def test_ring_overwrites_the_oldest_and_samples_only_stored():
    buf = filled(25, capacity=10)
    assert len(buf) == 10 and buf.position == 5
    rewards = set(buf.sample(2000, torch.Generator().manual_seed(1)).reward.long().tolist())
    assert rewards == set(range(15, 25))


def test_state_dict_round_trip_and_errors(tmp_path):
    buf = filled(13, capacity=20)
    torch.save(buf.state_dict(), tmp_path / "b.pt")
    other = ReplayBuffer(20, 2, 1)
    other.load_state_dict(torch.load(tmp_path / "b.pt", weights_only=True))
    g1, g2 = torch.Generator().manual_seed(5), torch.Generator().manual_seed(5)
    for a, b in zip(buf.sample(32, g1), other.sample(32, g2)):
        assert torch.equal(a, b)
    with pytest.raises(ValueError, match="capacity"):
        ReplayBuffer(30, 2, 1).load_state_dict(buf.state_dict())
    with pytest.raises(ValueError, match="empty"):
        ReplayBuffer(5, 2, 1).sample(3, g1)
    with pytest.raises(ValueError, match="capacity"):
        ReplayBuffer(0, 2, 1)
