"""saddle.rl: DDPG/TD3 on gymnasium continuous control for S seeds at once, the action-robust game (NR-/PR-MDP).

>>> from saddle.rl import DDPG, Runner, make_env, evaluate_returns
>>> env = make_env("Pendulum-v1")
>>> agent = DDPG(3, env.action_space.low, env.action_space.high, generator=[0, 1, 2, 3, 4])  # 5 seeds, one network
>>> runner = Runner(agent, "Pendulum-v1")                   # 5 copies of the task in one vector env
>>> runner.run(10_000)                                      # doctest: +SKIP
>>> evaluate_returns(agent.act, "Pendulum-v1", 5, episodes=10)   # (5 seeds, 10 episodes)  # doctest: +SKIP
"""

from saddle.rl.agents import AGENTS, make_agent
from saddle.rl.ddpg import DDPG, DDPGConfig, soft_update
from saddle.rl.env import (
    DYNAMICS,
    action_bounds,
    box_spaces,
    check_observation,
    dynamics_change,
    env_state,
    episode_seed,
    get_dynamics,
    make_env,
    make_vector_env,
    set_dynamics,
    set_env_state,
)
from saddle.rl.evaluation import PERTURBATIONS, evaluate_returns, perturbation_grid, perturbation_sweep
from saddle.rl.networks import Actor, Critic, SeedMLP
from saddle.rl.replay import Batch, ReplayBuffer
from saddle.rl.robust_action import ROBUST_FORMS, nr_mdp_action, pr_mdp_action, robust_action, robust_value
from saddle.rl.robust_ddpg import (
    ALGORITHMS,
    ActionRobustDDPG,
    RobustGameConfig,
    inner_steps_schedule,
    temperature_schedule,
)
from saddle.rl.seeds import SeedStreams
from saddle.rl.training import Runner, train

__all__ = [
    "AGENTS",
    "ALGORITHMS",
    "DDPG",
    "DYNAMICS",
    "PERTURBATIONS",
    "ROBUST_FORMS",
    "ActionRobustDDPG",
    "Actor",
    "Batch",
    "Critic",
    "DDPGConfig",
    "ReplayBuffer",
    "RobustGameConfig",
    "Runner",
    "SeedMLP",
    "SeedStreams",
    "action_bounds",
    "box_spaces",
    "check_observation",
    "dynamics_change",
    "env_state",
    "episode_seed",
    "evaluate_returns",
    "get_dynamics",
    "inner_steps_schedule",
    "make_agent",
    "make_env",
    "make_vector_env",
    "nr_mdp_action",
    "perturbation_grid",
    "perturbation_sweep",
    "pr_mdp_action",
    "robust_action",
    "robust_value",
    "set_dynamics",
    "set_env_state",
    "soft_update",
    "temperature_schedule",
    "train",
]
