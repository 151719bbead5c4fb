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


@pytest.mark.parametrize("field", ["obs", "action", "reward", "next_obs"])
@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_add_refuses_non_finite_entries_and_leaves_the_buffer_unchanged(field, bad):
    buf = filled(3, capacity=5)
    before = {k: v.clone() for k, v in buf.state_dict().items() if isinstance(v, torch.Tensor)}
    row = {"obs": np.zeros((2, 2)), "action": np.zeros((2, 1)), "reward": np.zeros(2), "next_obs": np.zeros((2, 2))}
    row[field] = row[field].copy()
    row[field].flat[-1] = bad  # one entry of seed 1
    with pytest.raises(ValueError, match=f"{field} contains NaN or inf"):
        buf.add(row["obs"], row["action"], row["reward"], row["next_obs"], np.zeros(2))
    assert len(buf) == 3 and buf.position == 3
    after = buf.state_dict()
    assert all(torch.equal(after[k], v) for k, v in before.items())


def test_add_refuses_a_terminated_flag_that_is_not_0_or_1():
    buf = filled(2, capacity=4)
    with pytest.raises(ValueError, match="terminated must be 0/1"):
        buf.add(np.zeros((2, 2)), np.zeros((2, 1)), np.zeros(2), np.zeros((2, 2)), np.array([0.0, 0.5]))
    assert len(buf) == 2


def test_load_state_dict_refuses_a_size_position_or_shape_that_does_not_fit():
    state = filled(6, capacity=10).state_dict()

    def load(**changes):
        ReplayBuffer(10, 2, 1, num_seeds=2).load_state_dict({**state, **changes})

    load()  # the saved state itself loads
    with pytest.raises(ValueError, match="size 11, this buffer's capacity is 10"):
        load(size=11)
    with pytest.raises(ValueError, match="size -1"):
        load(size=-1)
    with pytest.raises(ValueError, match="ring position 3 does not fit its size 6"):
        load(position=3)
    with pytest.raises(ValueError, match="ring position 10"):
        load(position=10, size=10)
    with pytest.raises(ValueError, match=r"obs has shape \(2, 6, 3\), this buffer stores \(2, 6, 2\)"):
        load(obs=torch.zeros(2, 6, 3))
    with pytest.raises(ValueError, match=r"reward has shape \(2, 5\)"):
        load(reward=torch.zeros(2, 5))
    with pytest.raises(ValueError, match="reward contains NaN or inf"):
        load(reward=torch.full((2, 6), float("nan")))
    with pytest.raises(ValueError, match=r"missing \['size'\]"):
        ReplayBuffer(10, 2, 1, num_seeds=2).load_state_dict({k: v for k, v in state.items() if k != "size"})
    with pytest.raises(ValueError, match=r"action has shape \(2, 6, 1\), this buffer stores \(2, 6, 3\)"):
        ReplayBuffer(10, 2, 3, num_seeds=2).load_state_dict(state)  # a buffer of another action dimension
    full = filled(25, capacity=10).state_dict()  # a full ring writes next at any position
    other = ReplayBuffer(10, 2, 1, num_seeds=2)
    other.load_state_dict(full)
    assert len(other) == 10 and other.position == 5
