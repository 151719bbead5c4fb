"""Gymnasium environments for saddle.rl: checked construction, checked steps, pendulum dynamics knobs.

Any gymnasium task with a Box action space works (Pendulum-v1 by default); a bad id, a discrete action
space or a non-finite observation raises ValueError naming the problem.
"""

from __future__ import annotations

import math
from typing import Any

import gymnasium as gym
import numpy as np

from saddle.validation import check_int, check_real

__all__ = [
    "action_bounds",
    "box_spaces",
    "check_observation",
    "dynamics_change",
    "episode_seed",
    "make_env",
    "pendulum_dynamics",
    "reset_checked",
    "set_pendulum_dynamics",
    "step_checked",
]


def make_env(env_id: str = "Pendulum-v1", **kwargs: Any) -> gym.Env:
    """gym.make(env_id) with a continuous (Box, finite bounds) action space, else ValueError.

    kwargs go to gym.make (e.g. max_episode_steps). The passive env checker is off (it only warns).
    """
    if not isinstance(env_id, str) or not env_id:
        raise ValueError(f"env_id must be a gymnasium environment id such as 'Pendulum-v1', got {env_id!r}")
    try:
        env = gym.make(env_id, disable_env_checker=True, **kwargs)
    except gym.error.Error as err:
        raise ValueError(f"unknown or unusable gymnasium environment id {env_id!r}: {err}") from None
    space = env.action_space
    if not isinstance(space, gym.spaces.Box):
        env.close()
        raise ValueError(
            f"environment {env_id!r} has a {type(space).__name__} action space; saddle.rl needs a "
            "continuous Box action space (e.g. Pendulum-v1)"
        )
    if not (np.all(np.isfinite(space.low)) and np.all(np.isfinite(space.high))):
        env.close()
        raise ValueError(
            f"environment {env_id!r} has an unbounded action space [{space.low}, {space.high}]; "
            "saddle.rl needs finite action bounds"
        )
    if not isinstance(env.observation_space, gym.spaces.Box) or len(env.observation_space.shape) != 1:
        env.close()
        raise ValueError(
            f"environment {env_id!r} has observation space {env.observation_space}; "
            "saddle.rl needs a flat Box observation space"
        )
    return env


def check_observation(obs: np.ndarray, where: str = "the environment") -> np.ndarray:
    """Return obs as float32 if every entry is finite, else raise ValueError (a diverged simulator)."""
    arr = np.asarray(obs, dtype=np.float32)
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"{where} returned a non-finite observation {arr.tolist()}")
    return arr


def box_spaces(env: gym.Env) -> tuple[gym.spaces.Box, gym.spaces.Box]:
    """(observation space, action space) of env, both gymnasium Boxes (what `make_env` checks), else ValueError."""
    obs_space, action_space = env.observation_space, env.action_space
    if not (isinstance(obs_space, gym.spaces.Box) and isinstance(action_space, gym.spaces.Box)):
        raise ValueError(f"saddle.rl needs Box observation and action spaces, got {obs_space} and {action_space}")
    return obs_space, action_space


def action_bounds(env: gym.Env) -> tuple[np.ndarray, np.ndarray]:
    """(low, high) of the Box action space as float32 arrays."""
    space = box_spaces(env)[1]
    return space.low.astype(np.float32), space.high.astype(np.float32)


def pendulum_dynamics(env: gym.Env) -> tuple[float, float]:
    """(mass m, length l) of a gymnasium Pendulum: the attributes `step` reads (env.unwrapped.m, .l)."""
    base: Any = env.unwrapped  # a PendulumEnv: its m, l are checked just below
    if not (hasattr(base, "m") and hasattr(base, "l")):
        raise ValueError(f"environment {base!r} has no pendulum mass/length attributes m, l")
    return float(base.m), float(base.l)


def set_pendulum_dynamics(env: gym.Env, mass: float | None = None, length: float | None = None) -> gym.Env:
    """Set the pendulum's mass m and/or length l in place (what PendulumEnv.step uses); returns env.

    θ̈ = 3g/(2l) sin θ + 3/(m l²) u (gymnasium Pendulum-v1); defaults m = l = 1.
    """
    pendulum_dynamics(env)
    base: Any = env.unwrapped  # a PendulumEnv (pendulum_dynamics checked m, l)
    if mass is not None:
        base.m = check_real("mass", mass, 0.0, math.inf, high_open=True)
    if length is not None:
        base.l = check_real("length", length, 0.0, math.inf, high_open=True)
    return env


def episode_seed(seed: int, episode: int) -> int:
    """The reset seed of episode `episode` of a run seeded `seed` (independent streams per episode, so an
    episode's start state depends only on (seed, episode) and a resumed run replays the same starts)."""
    return int(np.random.SeedSequence([seed, episode]).generate_state(1)[0])


def reset_checked(env: gym.Env, seed: int) -> np.ndarray:
    """env.reset(seed=seed) with the observation checked (float32)."""
    obs, _ = env.reset(seed=seed)
    return check_observation(obs, f"{env.spec.id if env.spec else env} reset")


def step_checked(env: gym.Env, action: np.ndarray) -> tuple[np.ndarray, float, bool, bool]:
    """env.step(action) → (next_obs float32 checked, reward, terminated, truncated); non-finite reward → ValueError."""
    obs, reward, terminated, truncated, _ = env.step(action)
    name = env.spec.id if env.spec else env
    obs = check_observation(obs, f"{name} step")
    if not math.isfinite(float(reward)):
        raise ValueError(f"{name} returned a non-finite reward {float(reward)!r}")
    return obs, float(reward), bool(terminated), bool(truncated)


def dynamics_change(
    env_id: str = "Pendulum-v1", mass: float | None = None, length: float | None = None, seed: int = 0, steps: int = 5
) -> float:
    """max |Δ observation| over `steps` steps of full torque between the unchanged pendulum and one with the
    given mass/length, from the same start (reset(seed)): > 0 exactly when the change reaches the dynamics."""
    envs = [make_env(env_id), set_pendulum_dynamics(make_env(env_id), mass, length)]
    try:
        obs = [reset_checked(e, seed) for e in envs]
        gap = float(np.abs(obs[0] - obs[1]).max())
        for _ in range(check_int("steps", steps)):
            obs = [step_checked(e, box_spaces(e)[1].high)[0] for e in envs]
            gap = max(gap, float(np.abs(obs[0] - obs[1]).max()))
        return gap
    finally:
        for e in envs:
            e.close()
