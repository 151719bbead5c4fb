"""DDPG (Lillicrap et al. 2016) with target networks, a replay buffer and Gaussian exploration noise;
TD3's clipped double-Q, target smoothing and delayed policy updates (Fujimoto et al. 2018) as an option.

Critic: min_φ E (Q_φ(s, a) − y)², y = r + γ (1 − terminated) Q_φ'(s', μ_θ'(s')).
Actor (deterministic policy gradient, seed 000 "Deterministic Policy Gradient"): max_θ E_s Q_φ(s, μ_θ(s)),
on the current states s of the minibatch. Targets: θ' ← τ θ + (1 − τ) θ' after every actor update.
"""

from __future__ import annotations

import copy
import math
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
import torch
from torch import Tensor, nn

from saddle.rl.networks import Actor, Critic
from saddle.rl.replay import Batch
from saddle.validation import check_int, check_real

__all__ = ["DDPG", "DDPGConfig", "soft_update"]


def soft_update(target: nn.Module | Sequence[Tensor], source: nn.Module | Sequence[Tensor], tau: float) -> None:
    """Polyak averaging in place: θ' ← τ θ + (1 − τ) θ' for every parameter (modules' buffers are copied).

    target, source: two modules of the same architecture, or two lists of matching tensors (a module and a list:
    ValueError).
    """
    tau = check_real("tau", tau, 0.0, 1.0)
    with torch.no_grad():
        if isinstance(target, nn.Module) and isinstance(source, nn.Module):
            for tb, sb in zip(target.buffers(), source.buffers()):
                tb.copy_(sb)
            targets: list[Tensor] = list(target.parameters())
            sources: list[Tensor] = list(source.parameters())
        elif isinstance(target, nn.Module) or isinstance(source, nn.Module):
            raise ValueError(
                f"soft_update needs two modules or two lists of tensors, got {type(target).__name__} and "
                f"{type(source).__name__}"
            )
        else:
            targets, sources = list(target), list(source)
        torch._foreach_lerp_(targets, sources, tau)


@dataclass
class DDPGConfig:
    """Hyperparameters. Defaults: SB3's DDPG lr 1e-3, γ, τ, batch and one update per step, on a 64×64 network
    (the MixedNE-LD paper's size) with a 100k buffer, 1000 warm-up steps and Gaussian noise σ = 0.1 × half-range.

    hidden: hidden sizes of actor and critic; actor_lr, critic_lr: Adam step sizes; gamma: discount;
    tau: target averaging; batch_size; buffer_size; exploration_noise: σ of the Gaussian action noise as a
    fraction of the action half-range; learning_starts: environment steps with uniform random actions
    before the first update; td3: clipped double-Q + target smoothing + delayed policy updates;
    policy_delay, target_noise, target_noise_clip: TD3's d, σ̃, c (fractions of the half-range).
    """

    hidden: tuple[int, ...] = (64, 64)
    actor_lr: float = 1e-3
    critic_lr: float = 1e-3
    gamma: float = 0.99
    tau: float = 0.005
    batch_size: int = 256
    buffer_size: int = 100_000
    exploration_noise: float = 0.1
    learning_starts: int = 1000
    td3: bool = False
    policy_delay: int = 2
    target_noise: float = 0.2
    target_noise_clip: float = 0.5

    def validate(self) -> DDPGConfig:
        """Raise ValueError naming the first out-of-range field; returns self."""
        for h in self.hidden:
            check_int("hidden", h)
        check_real("actor_lr", self.actor_lr, 0.0, math.inf, high_open=True)
        check_real("critic_lr", self.critic_lr, 0.0, math.inf, high_open=True)
        check_real("gamma", self.gamma, 0.0, 1.0, low_open=False, high_open=True)
        check_real("tau", self.tau, 0.0, 1.0)
        check_int("batch_size", self.batch_size)
        check_int("buffer_size", self.buffer_size)
        check_real("exploration_noise", self.exploration_noise, 0.0, math.inf, low_open=False, high_open=True)
        check_int("learning_starts", self.learning_starts, 0)
        check_int("policy_delay", self.policy_delay)
        check_real("target_noise", self.target_noise, 0.0, math.inf, low_open=False, high_open=True)
        check_real("target_noise_clip", self.target_noise_clip, 0.0, math.inf, low_open=False, high_open=True)
        return self


class DDPG:
    """A DDPG/TD3 agent: networks, target networks, optimisers and its random generator (state_dict-able).

    Args: obs_dim d; low, high: action bounds (k,); config (DDPGConfig); seed (int; all of the agent's
    randomness — initial weights, exploration noise, minibatches — comes from one torch.Generator).
    `act(obs)` is the deterministic policy μ(s) (evaluation); `explore(obs)` adds the exploration noise;
    `update(batch)` does one critic step and, every `policy_delay` updates with TD3 (every update otherwise),
    one policy step and the soft target updates.
    """

    def __init__(
        self,
        obs_dim: int,
        low: Sequence[float] | np.ndarray,
        high: Sequence[float] | np.ndarray,
        config: DDPGConfig | None = None,
        seed: int = 0,
    ) -> None:
        self.config = (config or DDPGConfig()).validate()
        self.seed = check_int("seed", seed, 0)
        self.generator = torch.Generator().manual_seed(self.seed)
        self.low = torch.as_tensor(np.asarray(low, dtype=np.float32)).reshape(-1)
        self.high = torch.as_tensor(np.asarray(high, dtype=np.float32)).reshape(-1)
        if not bool((self.high > self.low).all()):
            raise ValueError(f"action bounds need low < high, got low={self.low.tolist()} high={self.high.tolist()}")
        self.half_range = (self.high - self.low) / 2
        self.obs_dim, self.action_dim = check_int("obs_dim", obs_dim), self.low.numel()
        c = self.config
        self.actor = Actor(self.obs_dim, self.low, self.high, c.hidden, self.generator)
        self.critics = nn.ModuleList(
            [Critic(self.obs_dim, self.action_dim, c.hidden, self.generator) for _ in range(2 if c.td3 else 1)]
        )
        self.actor_target = copy.deepcopy(self.actor).requires_grad_(False)
        self.critics_target = copy.deepcopy(self.critics).requires_grad_(False)
        self.critic_optimizer = torch.optim.Adam(self.critics.parameters(), lr=c.critic_lr, foreach=True)
        self.actor_optimizer = self.make_policy_optimizer()
        self.updates = 0
        # parameter lists of (target, online) pairs, gathered once: the soft update runs after every policy step
        pairs = [
            (m, getattr(self, name.removesuffix("_target")))
            for name, m in self.modules().items()
            if name.endswith("_target")
        ]
        self.target_params = [p for t, _ in pairs for p in t.parameters()]
        self.online_params = [p for _, o in pairs for p in o.parameters()]

    # --- the pieces a robust agent overrides -------------------------------------------------------------
    def make_policy_optimizer(self) -> Any:
        return torch.optim.Adam(self.actor.parameters(), lr=self.config.actor_lr, foreach=True)

    def behaviour_mean(self, obs: Tensor) -> Tensor:
        """The action executed in training before exploration noise: μ(s). Shape (B, k)."""
        return self.actor(obs)

    def target_value(self, critic: nn.Module, next_obs: Tensor) -> Tensor:
        """Q'(s', μ'(s')) (with TD3's smoothing noise on μ'(s')). Shape (B,)."""
        return critic(next_obs, self.smoothed(self.actor_target(next_obs)))

    def policy_step(self, obs: Tensor) -> dict[str, float]:
        """One Adam step on −E_s Q(s, μ(s)) (current states s)."""
        loss = -self.critics[0](obs, self.actor(obs)).mean()
        self.actor_optimizer.zero_grad(set_to_none=True)
        loss.backward()
        self.actor_optimizer.step()
        return {"actor_loss": loss.item()}

    def soft_update_targets(self) -> None:
        """θ' ← τ θ + (1 − τ) θ' for every target network (the actor's, the critics', the adversary's)."""
        soft_update(self.target_params, self.online_params, self.config.tau)

    # --- shared --------------------------------------------------------------------------------------------
    def clip(self, action: Tensor) -> Tensor:
        return torch.maximum(torch.minimum(action, self.high), self.low)

    def smoothed(self, action: Tensor) -> Tensor:
        """TD3 target smoothing: clip(a + clip(σ̃ ξ, −c, c)) (scaled by the half-range); identity for DDPG."""
        c = self.config
        if not c.td3 or c.target_noise == 0:
            return action
        noise = torch.randn(action.shape, generator=self.generator) * c.target_noise
        noise = noise.clamp(-c.target_noise_clip, c.target_noise_clip) * self.half_range
        return self.clip(action + noise)

    @torch.no_grad()
    def act(self, obs: np.ndarray) -> np.ndarray:
        """Deterministic policy μ(s) for one observation (d,) → (k,)."""
        return self.actor(torch.as_tensor(obs, dtype=torch.float32).unsqueeze(0))[0].numpy()

    @torch.no_grad()
    def explore(self, obs: np.ndarray) -> np.ndarray:
        """Training action clip(behaviour_mean(s) + σ ξ · half-range) for one observation (d,) → (k,)."""
        mean = self.behaviour_mean(torch.as_tensor(obs, dtype=torch.float32).unsqueeze(0))[0]
        noise = torch.randn(mean.shape, generator=self.generator) * self.config.exploration_noise
        return self.clip(mean + noise * self.half_range).numpy()

    def random_action(self) -> np.ndarray:
        """Uniform action in the box (the warm-up before `learning_starts`)."""
        u = torch.rand(self.action_dim, generator=self.generator)
        return (self.low + u * (self.high - self.low)).numpy()

    def critic_targets(self, batch: Batch) -> Tensor:
        """y = r + γ (1 − terminated) min_j Q'_j(s', ·) (one critic for DDPG). Shape (B,)."""
        with torch.no_grad():
            values = [self.target_value(q, batch.next_obs) for q in self.critics_target]
            value = values[0] if len(values) == 1 else torch.minimum(values[0], values[1])
            return batch.reward + self.config.gamma * (1.0 - batch.terminated) * value

    def update(self, batch: Batch) -> dict[str, float]:
        """One critic step (and a policy step + soft target updates when due); returns the losses."""
        y = self.critic_targets(batch)
        critic_loss = sum(((q(batch.obs, batch.action) - y) ** 2).mean() for q in self.critics)
        self.critic_optimizer.zero_grad(set_to_none=True)
        critic_loss.backward()
        self.critic_optimizer.step()
        self.updates += 1
        info = {"critic_loss": critic_loss.item()}
        if not self.config.td3 or self.updates % self.config.policy_delay == 0:
            info.update(self.policy_step(batch.obs))
            self.soft_update_targets()
        return info

    def modules(self) -> dict[str, nn.Module]:
        return {
            "actor": self.actor,
            "critics": self.critics,
            "actor_target": self.actor_target,
            "critics_target": self.critics_target,
        }

    def state_dict(self) -> dict[str, Any]:
        """Everything needed to resume exactly: networks, targets, optimisers, generator, update count."""
        return {
            "config": asdict(self.config),
            "updates": self.updates,
            "generator": self.generator.get_state(),
            "modules": {k: m.state_dict() for k, m in self.modules().items()},
            "critic_optimizer": self.critic_optimizer.state_dict(),
            "actor_optimizer": self.actor_optimizer.state_dict(),
        }

    def load_state_dict(self, state: dict[str, Any]) -> None:
        saved = dict(state["config"])
        saved["hidden"] = tuple(saved["hidden"])
        if saved != asdict(self.config) | {"hidden": tuple(self.config.hidden)}:
            raise ValueError(f"state_dict was saved with config {saved}, this agent has {asdict(self.config)}")
        for k, m in self.modules().items():
            m.load_state_dict(state["modules"][k])
        self.critic_optimizer.load_state_dict(state["critic_optimizer"])
        self.actor_optimizer.load_state_dict(state["actor_optimizer"])
        self.generator.set_state(state["generator"])
        self.updates = int(state["updates"])
