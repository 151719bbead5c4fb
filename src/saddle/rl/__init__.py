"""saddle.rl: DDPG/TD3 on gymnasium continuous control, the action-robust game (NR-/PR-MDP) and MixedNE-LD.

    >>> from saddle.rl import DDPG, EpisodeRunner, make_env, evaluate_returns
    >>> env = make_env("Pendulum-v1")
    >>> agent = DDPG(env.observation_space.shape[0], env.action_space.low, env.action_space.high, seed=0)
    >>> runner = EpisodeRunner(agent, env, seed=0)
    >>> for _ in range(100): stats = runner.run_episode()          # doctest: +SKIP
    >>> evaluate_returns(agent.act, "Pendulum-v1", episodes=20)     # doctest: +SKIP

The actor/adversary game of `ActionRobustDDPG` goes through `saddle.optim.GameOptimizer` with a Method:
`PreconditionedLangevinGDA` (MixedNE-LD), `SimultaneousGDA` or `ExtraAdam`.
"""

from saddle.rl.action_robust import GAME_METHODS, ActionRobustDDPG, RobustGameConfig
from saddle.rl.agents import AGENTS, make_agent
from saddle.rl.ddpg import DDPG, DDPGConfig, soft_update
from saddle.rl.env import (
    action_bounds,
    box_spaces,
    check_observation,
    dynamics_change,
    episode_seed,
    make_env,
    pendulum_dynamics,
    set_pendulum_dynamics,
)
from saddle.rl.evaluation import PERTURBATIONS, evaluate_returns, perturbation_grid, perturbation_sweep
from saddle.rl.networks import Actor, Critic, mlp
from saddle.rl.replay import Batch, ReplayBuffer
from saddle.rl.robust_action import ROBUST_FORMS, nr_mdp_action, pr_mdp_action, robust_action, robust_value
from saddle.rl.training import EpisodeRunner, train_episodes

__all__ = [
    "AGENTS",
    "DDPG",
    "GAME_METHODS",
    "PERTURBATIONS",
    "ROBUST_FORMS",
    "ActionRobustDDPG",
    "Actor",
    "Batch",
    "Critic",
    "DDPGConfig",
    "EpisodeRunner",
    "ReplayBuffer",
    "RobustGameConfig",
    "action_bounds",
    "box_spaces",
    "check_observation",
    "dynamics_change",
    "episode_seed",
    "evaluate_returns",
    "make_agent",
    "make_env",
    "mlp",
    "nr_mdp_action",
    "pendulum_dynamics",
    "perturbation_grid",
    "perturbation_sweep",
    "pr_mdp_action",
    "robust_action",
    "robust_value",
    "set_pendulum_dynamics",
    "soft_update",
    "train_episodes",
]
