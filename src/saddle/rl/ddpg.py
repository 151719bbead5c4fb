"""DDPG (Lillicrap et al. 2016) and TD3 (Fujimoto et al. 2018) for S seeds at once: one batched network per role,
one random stream per seed (`SeedStreams`), so seed s of a batched agent computes exactly what an agent with seed s
alone computes.

Critic: min_φ E (Q_φ(s, a) − y)², y = r + γ (1 − terminated) Q_φ'(s', μ_θ'(s')).
Actor (deterministic policy gradient, seed 000 "Deterministic Policy Gradient"): max_θ E_s Q_φ(s, μ_θ(s)),
on the current states s of the minibatch. Targets: θ' ← τ θ + (1 − τ) θ' after every policy update.
TD3: clipped double-Q y = r + γ (1 − terminated) min_j Q_j'(s', clip(μ'(s') + clip(σ̃ξ, −c, c))), the policy
updated every d-th critic update. The seeds' losses are summed, so the gradient of row s is seed s's gradient.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
import torch
from torch import Tensor, nn

from saddle.rl.networks import Actor, Critic
from saddle.rl.replay import Batch
from saddle.rl.seeds import SeedStreams
from saddle.validation import check_int, check_real

__all__ = ["DDPG", "DDPGConfig", "soft_update"]


def soft_update(target: Sequence[Tensor], source: Sequence[Tensor], tau: float) -> None:
    """Polyak averaging in place: θ' ← τ θ + (1 − τ) θ' for each (target, source) pair of tensors."""
    tau = check_real("tau", tau, 0.0, 1.0)
    targets, sources = list(target), list(source)
    if len(targets) != len(sources) or any(t.shape != s.shape for t, s in zip(targets, sources)):
        raise ValueError(
            f"soft_update needs matching lists of tensors, got shapes {[tuple(t.shape) for t in targets]} and "
            f"{[tuple(s.shape) for s in sources]}"
        )
    with torch.no_grad():
        torch._foreach_lerp_(targets, [s.detach() for s in sources], tau)


@dataclass
class DDPGConfig:
    """Hyperparameters. Defaults: SB3's DDPG/TD3 lr 1e-3, γ, τ, batch and one update per step, on a 64×64 network
    (Tessler et al.'s and Kamalaruban et al.'s size) with a 100k buffer, 1000 warm-up steps and Gaussian exploration
    noise σ = 0.1 × half-range.

    hidden: hidden sizes of actor and critic; actor_lr, critic_lr: Adam step sizes; critic_weight_decay: Adam's L2
    term on the critic (Kamalaruban et al.'s code: 1e-2; default 0 as SB3); gamma: discount; tau: target averaging;
    batch_size; buffer_size; exploration_noise: σ of the Gaussian action noise as a fraction of the action
    half-range; learning_starts: environment steps with uniform random actions before the first update;
    train_freq, gradient_steps: `gradient_steps` updates every `train_freq` environment steps (SB3's names);
    td3: clipped double-Q + target smoothing + delayed policy updates; policy_delay, target_noise,
    target_noise_clip: TD3's d, σ̃, c (fractions of the half-range).
    """

    hidden: tuple[int, ...] = (64, 64)
    actor_lr: float = 1e-3
    critic_lr: float = 1e-3
    critic_weight_decay: float = 0.0
    gamma: float = 0.99
    tau: float = 0.005
    batch_size: int = 256
    buffer_size: int = 100_000
    exploration_noise: float = 0.1
    learning_starts: int = 1000
    train_freq: int = 1
    gradient_steps: int = 1
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
        check_real("critic_weight_decay", self.critic_weight_decay, 0.0, math.inf, low_open=False, high_open=True)
        check_real("gamma", self.gamma, 0.0, 1.0, low_open=False, high_open=True)
        check_real("tau", self.tau, 0.0, 1.0)
        check_int("batch_size", self.batch_size)
        check_int("buffer_size", self.buffer_size)
        check_real("exploration_noise", self.exploration_noise, 0.0, math.inf, low_open=False, high_open=True)
        check_int("learning_starts", self.learning_starts, 0)
        check_int("train_freq", self.train_freq)
        check_int("gradient_steps", self.gradient_steps)
        check_int("policy_delay", self.policy_delay)
        check_real("target_noise", self.target_noise, 0.0, math.inf, low_open=False, high_open=True)
        check_real("target_noise_clip", self.target_noise_clip, 0.0, math.inf, low_open=False, high_open=True)
        return self


class DDPG:
    """DDPG/TD3 agents for S seeds: networks, target networks, optimisers and one random stream per seed.

    Args: obs_dim d; low, high: action bounds (k,); config (DDPGConfig); generator: the agents' random source, one
    torch.Generator per seed (`SeedStreams`; an int seed or a sequence of S distinct int seeds is converted once by
    `SeedStreams.of`): seed s's initial weights, exploration noise, minibatches and target noise come from
    generator[s]. `agent.generator` is that SeedStreams, `agent.seeds` its int seeds.
    `act(obs)` is the deterministic policy μ(s) (evaluation) on obs (S, N, d) → (S, N, k); `explore(obs)` adds the
    exploration noise to the training action, obs (S, d) → (S, k); `update(batch)` does one critic step and, every
    `policy_delay` updates with TD3 (every update otherwise), one policy step and the soft target updates.
    """

    def __init__(
        self,
        obs_dim: int,
        low: Sequence[float] | np.ndarray,
        high: Sequence[float] | np.ndarray,
        config: DDPGConfig | None = None,
        generator: int | Sequence[int] | SeedStreams = 0,
    ) -> None:
        self.config = (config or DDPGConfig()).validate()
        self.generator = SeedStreams.of(generator)
        self.seeds = self.generator.seeds
        self.low = torch.as_tensor(np.asarray(low, dtype=np.float32)).reshape(-1)
        self.high = torch.as_tensor(np.asarray(high, dtype=np.float32)).reshape(-1)
        if not bool((self.high > self.low).all()):
            raise ValueError(f"action bounds need low < high, got low={self.low.tolist()} high={self.high.tolist()}")
        self.half_range = (self.high - self.low) / 2
        self.obs_dim, self.action_dim = check_int("obs_dim", obs_dim), self.low.numel()
        c = self.config
        self.actor = Actor(self.obs_dim, self.low, self.high, c.hidden, self.generator)
        self.critic_list = [
            Critic(self.obs_dim, self.action_dim, c.hidden, self.generator) for _ in range(2 if c.td3 else 1)
        ]
        self.critics = nn.ModuleList(self.critic_list)
        self.critic_optimizer = torch.optim.Adam(
            [q.params for q in self.critic_list], lr=c.critic_lr, weight_decay=c.critic_weight_decay, foreach=True
        )
        self.setup_players()
        self.targets = {name: p.detach().clone() for name, p in self.online().items()}
        self.updates = 0

    @property
    def num_seeds(self) -> int:
        return len(self.seeds)

    # --- the pieces a robust agent overrides -------------------------------------------------------------
    def setup_players(self) -> None:
        """Build the policy's optimiser (and, for a robust agent, the adversary)."""
        self.actor_optimizer: Any = torch.optim.Adam([self.actor.params], lr=self.config.actor_lr, foreach=True)

    def inner_pending(self) -> bool:
        """True while the policy's optimiser is inside an inner loop that the next update continues (MixedNE-LD's
        SGLD chain); a Runner updates again before it acts. Plain DDPG/TD3: never."""
        return False

    def online(self) -> dict[str, Tensor]:
        """The online parameters that have target copies, by name: 'actor', 'critic0', ('critic1', 'adversary')."""
        return {"actor": self.actor.params, **{f"critic{i}": q.params for i, q in enumerate(self.critic_list)}}

    def behaviour_mean(self, obs: Tensor) -> Tensor:
        """The action executed in training before exploration noise: μ(s). Shapes (S, B, d) → (S, B, k)."""
        return self.actor(obs)

    def target_value(self, critic: Critic, critic_params: Tensor, next_obs: Tensor) -> Tensor:
        """Q'(s', μ'(s')) (with TD3's smoothing noise on μ'(s')). Shape (S, B)."""
        return critic(next_obs, self.smoothed(self.actor(next_obs, self.targets["actor"])), critic_params)

    def policy_step(self, obs: Tensor) -> dict[str, np.ndarray]:
        """One Adam step on −E_s Q(s, μ(s)) (current states s), every seed at once."""
        per_seed = -self.critic_list[0](obs, self.actor(obs)).mean(dim=1)
        # the actor's gradient only: the critic's weight gradients of this loss are never used
        (self.actor.params.grad,) = torch.autograd.grad(per_seed.sum(), [self.actor.params])
        self.actor_optimizer.step()
        return {"actor_loss": per_seed.detach().numpy()}

    # --- shared --------------------------------------------------------------------------------------------
    def soft_update_targets(self) -> None:
        """θ' ← τ θ + (1 − τ) θ' for every target network (the actor's, the critics', the adversary's)."""
        online = self.online()
        soft_update([self.targets[k] for k in online], list(online.values()), self.config.tau)

    def clip(self, action: Tensor) -> Tensor:
        return torch.maximum(torch.minimum(action, self.high), self.low)

    def smoothed(self, action: Tensor) -> Tensor:
        """TD3 target smoothing: clip(a + clip(σ̃ ξ, −c, c)) (scaled by the half-range); identity for DDPG."""
        c = self.config
        if not c.td3 or c.target_noise == 0:
            return action
        noise = self.generator.randn(*action.shape[1:]) * c.target_noise
        noise = noise.clamp(-c.target_noise_clip, c.target_noise_clip) * self.half_range
        return self.clip(action + noise)

    def _obs(self, obs: np.ndarray | Tensor, ndim: int) -> Tensor:
        x = torch.as_tensor(np.asarray(obs, dtype=np.float32) if not isinstance(obs, Tensor) else obs)
        if x.ndim != ndim or x.shape[0] != self.num_seeds or x.shape[-1] != self.obs_dim:
            want = "(S, N, d)" if ndim == 3 else "(S, d)"
            raise ValueError(
                f"observations must have shape {want} with S = {self.num_seeds}, d = {self.obs_dim}, "
                f"got {tuple(x.shape)}"
            )
        if not bool(torch.isfinite(x).all()):
            raise ValueError("observations contain NaN or inf; a policy acts on finite observations")
        return x.to(torch.float32)

    @torch.no_grad()
    def act(self, obs: np.ndarray | Tensor) -> np.ndarray:
        """Deterministic policies μ_s on N observations per seed: (S, N, d) → (S, N, k)."""
        return self.actor(self._obs(obs, 3)).numpy()

    @torch.no_grad()
    def explore(self, obs: np.ndarray | Tensor) -> np.ndarray:
        """Training actions clip(behaviour_mean(s) + σ ξ · half-range), one observation per seed: (S, d) → (S, k)."""
        mean = self.behaviour_mean(self._obs(obs, 2).unsqueeze(1))[:, 0]
        noise = self.generator.randn(self.action_dim) * self.config.exploration_noise
        return self.clip(mean + noise * self.half_range).numpy()

    def random_action(self) -> np.ndarray:
        """Uniform actions in the box, one per seed (the warm-up before `learning_starts`): (S, k)."""
        u = self.generator.rand(self.action_dim)
        return (self.low + u * (self.high - self.low)).numpy()

    def critic_targets(self, batch: Batch) -> Tensor:
        """y = r + γ (1 − terminated) min_j Q'_j(s', ·) (one critic for DDPG). Shape (S, B)."""
        with torch.no_grad():
            values = [
                self.target_value(q, self.targets[f"critic{i}"], batch.next_obs) for i, q in enumerate(self.critic_list)
            ]
            value = values[0] if len(values) == 1 else torch.minimum(values[0], values[1])
            return batch.reward + self.config.gamma * (1.0 - batch.terminated) * value

    def update(self, batch: Batch) -> dict[str, np.ndarray]:
        """One critic step (and a policy step + soft target updates when due); returns the per-seed losses (S,)."""
        y = self.critic_targets(batch)
        per_seed = sum(((q(batch.obs, batch.action) - y) ** 2).mean(dim=1) for q in self.critic_list)
        assert isinstance(per_seed, Tensor)
        self.critic_optimizer.zero_grad(set_to_none=True)
        per_seed.sum().backward()
        self.critic_optimizer.step()
        self.updates += 1
        info = {"critic_loss": per_seed.detach().numpy()}
        if not self.config.td3 or self.updates % self.config.policy_delay == 0:
            info.update(self.policy_step(batch.obs))
            self.soft_update_targets()
        return info

    def modules(self) -> dict[str, nn.Module]:
        return {"actor": self.actor, "critics": self.critics}

    def state_dict(self) -> dict[str, Any]:
        """Everything needed to resume exactly: networks, targets, optimisers, random streams, update count."""
        return {
            "config": asdict(self.config),
            "updates": self.updates,
            "generator": self.generator.state_dict(),
            "modules": {k: m.state_dict() for k, m in self.modules().items()},
            "targets": {k: t.clone() for k, t in self.targets.items()},
            "critic_optimizer": self.critic_optimizer.state_dict(),
            "actor_optimizer": self.actor_optimizer.state_dict(),
        }

    def load_state_dict(self, state: dict[str, Any]) -> None:
        saved = dict(state["config"])
        saved["hidden"] = tuple(saved["hidden"])
        if saved != asdict(self.config) | {"hidden": tuple(self.config.hidden)}:
            raise ValueError(f"state_dict was saved with config {saved}, this agent has {asdict(self.config)}")
        self.generator.load_state_dict(state["generator"])
        for k, m in self.modules().items():
            m.load_state_dict(state["modules"][k])
        for k, t in self.targets.items():
            t.copy_(state["targets"][k])
        self.critic_optimizer.load_state_dict(state["critic_optimizer"])
        self.actor_optimizer.load_state_dict(state["actor_optimizer"])
        self.updates = int(state["updates"])
