"""Action-robust DDPG: actor μ_θ and adversary ν_ω play max_θ min_ω E_s Φ through `saddle.optim.GameOptimizer`.

Φ(θ, ω) = E_s Q(s, (1 − α) μ_θ(s) + α ν_ω(s)) (NR-MDP) or E_s [(1 − α) Q(s, μ_θ(s)) + α Q(s, ν_ω(s))] (PR-MDP)
(Tessler, Efroni & Mannor 2019; seeds 000/002 "Noisy action robust reinforcement learning").
The game Method decides the algorithm: MixedNE-LD (Kamalaruban et al., NeurIPS 2020) is RMSProp-preconditioned
Langevin GDA on both players; GDA and ExtraAdam are the baselines. MixedNE-LD's Algorithm 1 also runs K inner
Langevin steps per player with iterate averaging; saddle takes K = 1 without averaging (one game step per
critic step, as the baselines), and says so in the experiment's numbers.
"""

from __future__ import annotations

import copy
import math
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
from torch import Tensor, nn

from saddle.optim import METHODS, GameOptimizer
from saddle.rl.ddpg import DDPG, DDPGConfig
from saddle.rl.networks import Actor
from saddle.rl.robust_action import check_robust_form, robust_action, robust_value
from saddle.validation import check_choice, check_real

__all__ = ["GAME_METHODS", "ActionRobustDDPG", "RobustGameConfig"]

GAME_METHODS = ("langevin", "gda", "extra_adam")


@dataclass
class RobustGameConfig:
    """The action-robust game: form 'nr' or 'pr', adversary weight α (default 0.1, the paper's NR-MDP setting),
    method: 'langevin' (MixedNE-LD: RMSProp-preconditioned SGLD), 'gda' or 'extra_adam'; lr: actor and adversary
    step size (paper 1e-4); temperature: thermal noise T of 'langevin' (paper sweeps 1e-2…1e-5)."""

    form: str = "nr"
    alpha: float = 0.1
    method: str = "langevin"
    lr: float = 1e-4
    temperature: float = 1e-4

    def validate(self) -> RobustGameConfig:
        check_robust_form(self.form, self.alpha)
        check_choice("game method", self.method, GAME_METHODS)
        check_real("lr", self.lr, 0.0, math.inf, high_open=True)
        check_real("temperature", self.temperature, 0.0, math.inf, low_open=False, high_open=True)
        return self


class ActionRobustDDPG(DDPG):
    """DDPG whose policy step is one step of the actor/adversary game (see module doc); the critic learns the
    value of the executed (mixed) action, y = r + γ (1 − terminated) Φ'(s') with target networks.

    Args: as DDPG, plus game (RobustGameConfig). `act(obs)` is the actor alone (the adversary is a training
    device); `explore(obs)` executes the mixed action of the game's form plus Gaussian noise.
    """

    def __init__(
        self,
        obs_dim: int,
        low: Sequence[float] | np.ndarray,
        high: Sequence[float] | np.ndarray,
        config: DDPGConfig | None = None,
        game: RobustGameConfig | None = None,
        seed: int = 0,
    ) -> None:
        self.game = (game or RobustGameConfig()).validate()
        super().__init__(obs_dim, low, high, config, seed)

    def make_policy_optimizer(self) -> GameOptimizer:
        self.adversary = Actor(self.obs_dim, self.low, self.high, self.config.hidden, self.generator)
        self.adversary_target = copy.deepcopy(self.adversary).requires_grad_(False)
        g = self.game
        table: dict[str, tuple[str, dict[str, Any]]] = {  # game method -> (METHODS entry, its settings here)
            "langevin": ("preconditioned_langevin_gda", {"temperature": g.temperature, "generator": self.generator}),
            "gda": ("sim_gda", {}),
            "extra_adam": ("extra_adam", {}),
        }
        entry, settings = table[g.method]
        return GameOptimizer([self.actor, self.adversary], METHODS[entry].build(g.lr, **settings))

    def behaviour_mean(self, obs: Tensor) -> Tensor:
        return robust_action(self.game.form, self.actor(obs), self.adversary(obs), self.game.alpha, self.generator)

    def target_value(self, critic: nn.Module, next_obs: Tensor) -> Tensor:
        mu = self.smoothed(self.actor_target(next_obs))
        return robust_value(self.game.form, critic, next_obs, mu, self.adversary_target(next_obs), self.game.alpha)

    def payoff(self, obs: Tensor) -> Tensor:
        """Φ on the minibatch of current states: the actor maximises it, the adversary minimises it."""
        return robust_value(
            self.game.form, self.critics[0], obs, self.actor(obs), self.adversary(obs), self.game.alpha
        ).mean()

    def policy_step(self, obs: Tensor) -> dict[str, float]:
        def closure() -> list[Tensor]:
            phi = self.payoff(obs)
            return [-phi, phi]

        losses = self.actor_optimizer.step(closure)
        return {"actor_loss": losses[0].item(), "adversary_loss": losses[1].item()}

    def modules(self) -> dict[str, nn.Module]:
        return super().modules() | {"adversary": self.adversary, "adversary_target": self.adversary_target}

    def state_dict(self) -> dict[str, Any]:
        return super().state_dict() | {"game": asdict(self.game)}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        if state.get("game") != asdict(self.game):
            raise ValueError(f"state_dict was saved with game {state.get('game')}, this agent has {asdict(self.game)}")
        super().load_state_dict(state)
