"""AGENTS: the named agents of saddle.rl (what experiments and the CLI build), as data, not branches.

'ddpg' plain DDPG; 'td3' TD3; action-robust agents (NR-MDP unless named 'pr_', α = 0.1, Tessler et al. 2019)
whose actor/adversary game is stepped by a Method through GameOptimizer: 'mixedne_ld' (RMSProp-preconditioned
Langevin GDA, Kamalaruban et al. 2020), 'nr_extra_adam' and 'pr_extra_adam' (ExtraAdam), 'nr_gda' (GDA).
"""

from __future__ import annotations

from dataclasses import replace

import gymnasium as gym

from saddle.rl.action_robust import ActionRobustDDPG, RobustGameConfig
from saddle.rl.ddpg import DDPG, DDPGConfig
from saddle.rl.env import box_spaces
from saddle.validation import check_choice

__all__ = ["AGENTS", "make_agent"]

#: name -> (td3 flag, game config or None for a non-robust agent). Game step sizes: MixedNE-LD the paper's 1e-4
#: (RMSProp-scaled steps have unit size, so 1e-4 moves as far as Adam's 1e-4); ExtraAdam DDPG's actor lr 1e-3.
AGENTS: dict[str, tuple[bool, RobustGameConfig | None]] = {
    "ddpg": (False, None),
    "td3": (True, None),
    "mixedne_ld": (False, RobustGameConfig(form="nr", method="langevin", lr=1e-4, temperature=1e-4)),
    "nr_extra_adam": (False, RobustGameConfig(form="nr", method="extra_adam", lr=1e-3)),
    "pr_extra_adam": (False, RobustGameConfig(form="pr", method="extra_adam", lr=1e-3)),
    "nr_gda": (False, RobustGameConfig(form="nr", method="gda", lr=1e-2)),
}


def make_agent(
    name: str,
    env: gym.Env,
    config: DDPGConfig | None = None,
    seed: int = 0,
    *,
    alpha: float = 0.1,
    game_lr: float | None = None,
    temperature: float | None = None,
) -> DDPG:
    """Build agent `name` (a key of AGENTS) for env's spaces. alpha: the adversary's weight (paper 0.1); game_lr,
    temperature (MixedNE-LD's thermal noise): override the entry's values when given."""
    td3, game = AGENTS[check_choice("agent", name, sorted(AGENTS))]
    config = replace(config or DDPGConfig(), td3=td3)
    obs_space, action_space = box_spaces(env)
    obs_dim, low, high = obs_space.shape[0], action_space.low, action_space.high
    if game is None:
        return DDPG(obs_dim, low, high, config, seed)
    game = replace(
        game,
        alpha=alpha,
        lr=game.lr if game_lr is None else game_lr,
        temperature=game.temperature if temperature is None else temperature,
    )
    return ActionRobustDDPG(obs_dim, low, high, config, game, seed)
