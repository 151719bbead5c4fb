"""Replay buffer for S seeds: one ring of transitions (s, a, r, s', terminated) per seed, sampled uniformly."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, NamedTuple

import numpy as np
import torch
from torch import Tensor

from saddle.validation import check_int

__all__ = ["Batch", "ReplayBuffer"]


class Batch(NamedTuple):
    """Minibatches of the S seeds: obs (S, B, d), action (S, B, k), reward (S, B), next_obs (S, B, d),
    terminated (S, B)."""

    obs: Tensor
    action: Tensor
    reward: Tensor
    next_obs: Tensor
    terminated: Tensor


class ReplayBuffer:
    """S fixed-capacity rings (one per seed, all filled in step); once full, the oldest transition goes first.

    `sample(B, generators)` draws, for seed s, B indices i.i.d. uniform on its stored transitions (with
    replacement, as SB3) from generators[s]. Truncation by a time limit is not termination: store `terminated`
    only, so the bootstrap target keeps γQ(s', ·) at a time-limit cut. Args: capacity (≥ 1), obs_dim,
    action_dim, num_seeds S (default 1), device (default cpu). state_dict/load_state_dict resume exactly.
    `add` refuses (ValueError, buffer unchanged) a transition of the wrong shape, with a NaN/inf entry, or with a
    `terminated` other than 0/1: one non-finite reward stored would turn every critic target that samples it to NaN.
    """

    def __init__(
        self, capacity: int, obs_dim: int, action_dim: int, num_seeds: int = 1, device: str | torch.device = "cpu"
    ) -> None:
        self.capacity = check_int("capacity", capacity)
        self.obs_dim, self.action_dim = check_int("obs_dim", obs_dim), check_int("action_dim", action_dim)
        self.num_seeds = check_int("num_seeds", num_seeds)
        self.device = torch.device(device)
        f32, dev, s, c = torch.float32, self.device, self.num_seeds, self.capacity
        self.obs = torch.zeros(s, c, self.obs_dim, dtype=f32, device=dev)
        self.action = torch.zeros(s, c, self.action_dim, dtype=f32, device=dev)
        self.reward = torch.zeros(s, c, dtype=f32, device=dev)
        self.next_obs = torch.zeros(s, c, self.obs_dim, dtype=f32, device=dev)
        self.terminated = torch.zeros(s, c, dtype=f32, device=dev)
        self.position = 0
        self.size = 0

    def __len__(self) -> int:
        return self.size

    def add(
        self,
        obs: np.ndarray | Tensor,
        action: np.ndarray | Tensor,
        reward: np.ndarray | Tensor,
        next_obs: np.ndarray | Tensor,
        terminated: np.ndarray | Tensor,
    ) -> None:
        """Store one transition per seed: obs (S, d), action (S, k), reward (S,), next_obs (S, d), terminated (S,)."""
        i, dev = self.position, self.device
        values = []
        for name, value, shape in (
            ("obs", obs, (self.num_seeds, self.obs_dim)),
            ("action", action, (self.num_seeds, self.action_dim)),
            ("reward", reward, (self.num_seeds,)),
            ("next_obs", next_obs, (self.num_seeds, self.obs_dim)),
            ("terminated", terminated, (self.num_seeds,)),
        ):
            v = torch.as_tensor(np.asarray(value, dtype=np.float32) if not isinstance(value, Tensor) else value)
            if tuple(v.shape) != shape:
                raise ValueError(f"{name} has shape {tuple(v.shape)}, this buffer stores {shape}")
            v = v.to(dev, torch.float32)
            if not bool(torch.isfinite(v).all()):
                raise ValueError(
                    f"{name} contains NaN or inf ({v.tolist()}); a replay buffer stores finite transitions"
                )
            if name == "terminated" and not bool(((v == 0) | (v == 1)).all()):
                raise ValueError(f"terminated must be 0/1 (or bool) per seed, got {v.tolist()}")
            values.append((name, v))
        for name, v in values:  # all checked first: a refused transition leaves the buffer unchanged
            getattr(self, name)[:, i] = v
        self.position = (i + 1) % self.capacity
        self.size = min(self.size + 1, self.capacity)

    def sample_indices(self, batch_size: int, generators: Sequence[torch.Generator]) -> Tensor:
        """(S, B) indices, row s i.i.d. uniform on {0, ..., size − 1} from generators[s]."""
        if self.size == 0:
            raise ValueError("cannot sample from an empty replay buffer")
        check_int("batch_size", batch_size)
        if len(generators) != self.num_seeds:
            raise ValueError(f"need one generator per seed ({self.num_seeds}), got {len(generators)}")
        rows = [torch.randint(0, self.size, (batch_size,), generator=g) for g in generators]
        return torch.stack(rows).to(self.device)

    def sample(self, batch_size: int, generators: Sequence[torch.Generator]) -> Batch:
        """One uniform minibatch of B transitions per seed (see class doc)."""
        idx = self.sample_indices(batch_size, generators)
        rows = torch.arange(self.num_seeds, device=self.device).unsqueeze(1)
        return Batch(
            self.obs[rows, idx],
            self.action[rows, idx],
            self.reward[rows, idx],
            self.next_obs[rows, idx],
            self.terminated[rows, idx],
        )

    def state_dict(self) -> dict[str, Any]:
        n = self.size
        return {
            "capacity": self.capacity,
            "num_seeds": self.num_seeds,
            "position": self.position,
            "size": n,
            **{k: getattr(self, k)[:, :n].clone() for k in ("obs", "action", "reward", "next_obs", "terminated")},
        }

    def load_state_dict(self, state: dict[str, Any]) -> None:
        """Restore a `state_dict` of a buffer with the same capacity, seeds and dimensions; ValueError (naming the
        mismatch) for another buffer's state, a size above the capacity, a ring position that does not fit the
        size, or stored transitions of the wrong shape or with NaN/inf entries. On error the buffer is unchanged."""
        fields = ("obs", "action", "reward", "next_obs", "terminated")
        missing = [k for k in ("capacity", "num_seeds", "position", "size", *fields) if k not in state]
        if missing:
            raise ValueError(f"not a ReplayBuffer state_dict: missing {missing}")
        if state["capacity"] != self.capacity or state["num_seeds"] != self.num_seeds:
            raise ValueError(
                f"state_dict has capacity {state['capacity']} and {state['num_seeds']} seeds, this buffer has "
                f"{self.capacity} and {self.num_seeds}"
            )
        n, position = int(state["size"]), int(state["position"])
        if not 0 <= n <= self.capacity:
            raise ValueError(f"state_dict holds size {n}, this buffer's capacity is {self.capacity}")
        if not 0 <= position < self.capacity or (n < self.capacity and position != n):
            raise ValueError(
                f"state_dict's ring position {position} does not fit its size {n} and capacity {self.capacity} "
                "(a ring that is not full writes next at its size)"
            )
        dims = {"obs": (self.obs_dim,), "action": (self.action_dim,), "next_obs": (self.obs_dim,)}
        loaded = {}
        for name in fields:
            value = state[name]
            want = (self.num_seeds, n, *dims.get(name, ()))
            if not isinstance(value, Tensor) or tuple(value.shape) != want:
                got = tuple(value.shape) if isinstance(value, Tensor) else type(value).__name__
                raise ValueError(f"state_dict's {name} has shape {got}, this buffer stores {want} (seeds, size, ...)")
            if not bool(torch.isfinite(value).all()):
                raise ValueError(f"state_dict's {name} contains NaN or inf; a replay buffer stores finite transitions")
            loaded[name] = value.to(self.device, torch.float32)
        for name, value in loaded.items():
            getattr(self, name)[:, :n] = value
        self.size, self.position = n, position
