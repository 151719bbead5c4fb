"""Replay buffer: a ring of transitions (s, a, r, s', terminated), sampled uniformly with replacement."""

from __future__ import annotations

from typing import Any, NamedTuple

import numpy as np
import torch
from torch import Tensor

from saddle.validation import check_int

__all__ = ["Batch", "ReplayBuffer"]


class Batch(NamedTuple):
    """A minibatch of transitions: obs (B, d), action (B, k), reward (B,), next_obs (B, d), terminated (B,)."""

    obs: Tensor
    action: Tensor
    reward: Tensor
    next_obs: Tensor
    terminated: Tensor


class ReplayBuffer:
    """Fixed-capacity ring buffer; once full, the oldest transition is overwritten first.

    `sample(B, generator)` draws B indices i.i.d. uniform on the stored transitions (with replacement),
    as in DDPG (Lillicrap et al. 2016). Truncation by a time limit is not termination: store
    `terminated` only, so the bootstrap target keeps γQ(s', ·) at a time-limit cut.
    Args: capacity (≥ 1), obs_dim, action_dim, device (default cpu). state_dict/load_state_dict resume exactly.
    """

    def __init__(self, capacity: int, obs_dim: int, action_dim: int, device: str | torch.device = "cpu") -> None:
        self.capacity = check_int("capacity", capacity)
        self.obs_dim, self.action_dim = check_int("obs_dim", obs_dim), check_int("action_dim", action_dim)
        self.device = torch.device(device)
        f32, dev = torch.float32, self.device
        self.obs = torch.zeros(self.capacity, self.obs_dim, dtype=f32, device=dev)
        self.action = torch.zeros(self.capacity, self.action_dim, dtype=f32, device=dev)
        self.reward = torch.zeros(self.capacity, dtype=f32, device=dev)
        self.next_obs = torch.zeros(self.capacity, self.obs_dim, dtype=f32, device=dev)
        self.terminated = torch.zeros(self.capacity, dtype=f32, device=dev)
        self.position = 0
        self.size = 0

    def __len__(self) -> int:
        return self.size

    def add(self, obs: np.ndarray, action: np.ndarray, reward: float, next_obs: np.ndarray, terminated: bool) -> None:
        """Store one transition (numpy arrays or tensors of shapes (d,), (k,), (d,))."""
        i = self.position
        self.obs[i] = torch.as_tensor(obs, dtype=torch.float32)
        self.action[i] = torch.as_tensor(action, dtype=torch.float32)
        self.reward[i] = float(reward)
        self.next_obs[i] = torch.as_tensor(next_obs, dtype=torch.float32)
        self.terminated[i] = float(terminated)
        self.position = (i + 1) % self.capacity
        self.size = min(self.size + 1, self.capacity)

    def sample_indices(self, batch_size: int, generator: torch.Generator | None) -> Tensor:
        """B indices i.i.d. uniform on {0, ..., size − 1}."""
        if self.size == 0:
            raise ValueError("cannot sample from an empty replay buffer")
        check_int("batch_size", batch_size)
        return torch.randint(0, self.size, (batch_size,), generator=generator, device=self.device)

    def sample(self, batch_size: int, generator: torch.Generator | None) -> Batch:
        """A uniform minibatch of B transitions (see class doc)."""
        idx = self.sample_indices(batch_size, generator)
        return Batch(self.obs[idx], self.action[idx], self.reward[idx], self.next_obs[idx], self.terminated[idx])

    def state_dict(self) -> dict[str, Any]:
        n = self.size
        return {
            "capacity": self.capacity,
            "position": self.position,
            "size": n,
            "obs": self.obs[:n].clone(),
            "action": self.action[:n].clone(),
            "reward": self.reward[:n].clone(),
            "next_obs": self.next_obs[:n].clone(),
            "terminated": self.terminated[:n].clone(),
        }

    def load_state_dict(self, state: dict[str, Any]) -> None:
        if state["capacity"] != self.capacity:
            raise ValueError(f"state_dict has capacity {state['capacity']}, this buffer has {self.capacity}")
        n = int(state["size"])
        for name in ("obs", "action", "reward", "next_obs", "terminated"):
            getattr(self, name)[:n] = state[name].to(self.device)
        self.size, self.position = n, int(state["position"])
