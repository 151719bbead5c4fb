"""The replay buffer keeps one ring per seed, samples each uniformly from that seed's stream (chi-square test), wraps
around, and round-trips its state."""

import numpy as np
import pytest
import torch
from scipy import stats

from saddle.rl import ReplayBuffer, SeedStreams


def filled(n, capacity=None, seeds=2):
    buf = ReplayBuffer(capacity or n, obs_dim=2, action_dim=1, num_seeds=seeds)
    for i in range(n):
        rows = np.arange(seeds)  # seed s stores i + 1000 s, so a row tells its seed
        v = i + 1000.0 * rows
        buf.add(np.stack([v, -v], 1), (0.5 * v)[:, None], v, np.stack([v + 1, 0 * v], 1), np.full(seeds, i % 7 == 0))
    return buf


def test_sampling_is_uniform_over_each_seeds_transitions():
    buf = filled(50)
    streams = SeedStreams([0, 1])
    counts = np.zeros((2, 50))
    for _ in range(200):
        batch = buf.sample(100, streams)
        assert batch.reward.shape == (2, 100)
        for s in range(2):
            counts[s] += np.bincount((batch.reward[s] - 1000 * s).long().numpy(), minlength=50)
    for s in range(2):  # 20,000 draws in 50 cells: Pearson chi-square with 49 dof, p-value checked at 1e-3
        assert stats.chisquare(counts[s]).pvalue > 1e-3
    batch = buf.sample(64, streams)  # each field of a sampled row belongs to the same transition of its seed
    i = batch.reward
    torch.testing.assert_close(batch.obs[..., 0], i)
    torch.testing.assert_close(batch.action[..., 0], 0.5 * i)
    torch.testing.assert_close(batch.next_obs[..., 0], i + 1)
    torch.testing.assert_close(batch.terminated, ((i.long() % 1000) % 7 == 0).float())
    # seed 1's indices are those of seed 1 sampling alone
    alone = buf.sample_indices(64, SeedStreams([5, 1]))[1]
    assert torch.equal(alone, torch.randint(0, 50, (64,), generator=torch.Generator().manual_seed(1)))


def test_ring_overwrites_the_oldest_and_samples_only_stored():
    buf = filled(25, capacity=10)
    assert len(buf) == 10 and buf.position == 5
    rewards = set(buf.sample(2000, SeedStreams([1, 2])).reward[0].long().tolist())
    assert rewards == set(range(15, 25))


def test_state_dict_round_trip_and_errors(tmp_path):
    buf = filled(13, capacity=20)
    torch.save(buf.state_dict(), tmp_path / "b.pt")
    other = ReplayBuffer(20, 2, 1, num_seeds=2)
    other.load_state_dict(torch.load(tmp_path / "b.pt", weights_only=True))
    for a, b in zip(buf.sample(32, SeedStreams([5, 6])), other.sample(32, SeedStreams([5, 6]))):
        assert torch.equal(a, b)
    with pytest.raises(ValueError, match="capacity"):
        ReplayBuffer(30, 2, 1, num_seeds=2).load_state_dict(buf.state_dict())
    with pytest.raises(ValueError, match="empty"):
        ReplayBuffer(5, 2, 1).sample(3, SeedStreams([0]))
    with pytest.raises(ValueError, match="capacity"):
        ReplayBuffer(0, 2, 1)
    with pytest.raises(ValueError, match=r"obs has shape \(3, 2\)"):
        buf.add(np.zeros((3, 2)), np.zeros((2, 1)), np.zeros(2), np.zeros((2, 2)), np.zeros(2))
    with pytest.raises(ValueError, match="one generator per seed"):
        buf.sample(4, SeedStreams([0]))
