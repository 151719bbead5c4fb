"""Gymnasium environments for saddle.rl: checked construction and steps, vector envs for S seeds, and the physical
parameters the robustness evaluation changes.

Any gymnasium task with a Box action space works: Pendulum-v1 (the tour task) and the MuJoCo tasks of the papers
(InvertedPendulum-v5, Hopper-v5, ...; gymnasium's `mujoco` extra, pinned in pyproject). A bad id, a discrete action
space or a non-finite observation raises ValueError naming the problem.

Physical parameters (`set_dynamics`), relative to the environment's defaults as in Tessler, Efroni & Mannor
(ICML 2019, "relative mass") and Kamalaruban et al. (NeurIPS 2020, relative mass and friction):
  mass:     every body's mass × m (MuJoCo `model.body_mass`; Pendulum: its point mass m, default 1);
  friction: every geom's friction coefficients × f (MuJoCo `model.geom_friction`; Pendulum has none);
  length:   Pendulum's length l (default 1).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import gymnasium as gym
import numpy as np

from saddle.validation import check_int, check_real

__all__ = [
    "DYNAMICS",
    "action_bounds",
    "box_spaces",
    "check_observation",
    "dynamics_change",
    "env_state",
    "episode_seed",
    "get_dynamics",
    "make_env",
    "make_vector_env",
    "reset_checked",
    "set_dynamics",
    "set_env_state",
    "step_checked",
]

#: the physical parameters `set_dynamics` changes (relative to the environment's defaults)
DYNAMICS = ("mass", "friction", "length")


def make_env(env_id: str = "Pendulum-v1", **kwargs: Any) -> gym.Env:
    """gym.make(env_id) with a continuous (Box, finite bounds) action space and a flat Box observation, else ValueError.

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


def make_vector_env(env_id: str, num_envs: int, **kwargs: Any) -> gym.vector.SyncVectorEnv:
    """`num_envs` copies of `make_env(env_id, **kwargs)` in one gymnasium SyncVectorEnv without autoreset: the
    caller resets finished copies with `reset(seed=[...], options={"reset_mask": done})`, so every copy's episode
    starts from a seed of its own (`episode_seed`)."""
    num_envs = check_int("num_envs", num_envs)
    make_env(env_id, **kwargs).close()  # validate once, with the error messages of make_env
    return gym.vector.SyncVectorEnv(
        [lambda: make_env(env_id, **kwargs) for _ in range(num_envs)],
        autoreset_mode=gym.vector.AutoresetMode.DISABLED,
    )


def check_observation(obs: np.ndarray, where: str = "the environment") -> np.ndarray:
    """Return obs as float32 if every entry is finite, else raise ValueError (a diverged simulator)."""
    arr = np.asarray(obs, dtype=np.float32)
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"{where} returned a non-finite observation {arr.tolist()}")
    return arr


def box_spaces(env: gym.Env | gym.vector.VectorEnv) -> tuple[gym.spaces.Box, gym.spaces.Box]:
    """(observation space, action space) of one environment (a vector env: of one copy), both Boxes, else ValueError."""
    if isinstance(env, gym.vector.VectorEnv):
        obs_space, action_space = env.single_observation_space, env.single_action_space
    else:
        obs_space, action_space = env.observation_space, env.action_space
    if not (isinstance(obs_space, gym.spaces.Box) and isinstance(action_space, gym.spaces.Box)):
        raise ValueError(f"saddle.rl needs Box observation and action spaces, got {obs_space} and {action_space}")
    return obs_space, action_space


def action_bounds(env: gym.Env | gym.vector.VectorEnv) -> tuple[np.ndarray, np.ndarray]:
    """(low, high) of the Box action space as float32 arrays."""
    space = box_spaces(env)[1]
    return space.low.astype(np.float32), space.high.astype(np.float32)


def _mujoco_model(env: gym.Env) -> Any:
    return getattr(env.unwrapped, "model", None)


def _is_pendulum(env: gym.Env) -> bool:
    base = env.unwrapped
    return all(hasattr(base, k) for k in ("m", "l", "max_torque"))


def _defaults(env: gym.Env) -> dict[str, np.ndarray]:
    """The MuJoCo model's default masses and frictions, remembered on the env the first time they are needed."""
    base: Any = env.unwrapped
    saved = getattr(base, "_saddle_default_dynamics", None)
    if saved is None:
        model = base.model
        saved = {"mass": model.body_mass.copy(), "friction": model.geom_friction.copy()}
        base._saddle_default_dynamics = saved
    return saved


def set_dynamics(
    env: gym.Env, mass: float | None = None, friction: float | None = None, length: float | None = None
) -> gym.Env:
    """Set the physical parameters of env in place (module doc; relative to the defaults, None: unchanged); returns env.

    MuJoCo tasks take mass and friction (every `model.body_mass` and `model.geom_friction` entry times the factor,
    from the model's defaults: calls do not compound); Pendulum-v1 takes mass and length
    (θ̈ = 3g/(2l) sin θ + 3/(m l²) u, defaults m = l = 1). Anything else: ValueError naming the parameter.
    """
    values = {
        k: check_real(k, v, 0.0, math.inf, high_open=True)
        for k, v in (("mass", mass), ("friction", friction), ("length", length))
        if v is not None
    }
    base: Any = env.unwrapped
    if _mujoco_model(env) is not None:
        if "length" in values:
            raise ValueError(f"environment {env.spec.id if env.spec else env} has no length to set (MuJoCo task)")
        defaults = _defaults(env)
        if "mass" in values:
            base.model.body_mass[:] = defaults["mass"] * values["mass"]
        if "friction" in values:
            base.model.geom_friction[:] = defaults["friction"] * values["friction"]
    elif _is_pendulum(env):
        if "friction" in values:
            raise ValueError("Pendulum-v1 has no friction to set (its parameters: mass, length)")
        if "mass" in values:
            base.m = values["mass"]
        if "length" in values:
            base.l = values["length"]
    elif values:
        raise ValueError(
            f"environment {base!r} has no mass/friction/length parameters saddle can set "
            "(MuJoCo tasks and Pendulum-v1 have)"
        )
    return env


def get_dynamics(env: gym.Env) -> dict[str, float]:
    """The relative physical parameters of env (1.0 = default): MuJoCo {'mass', 'friction'}, Pendulum {'mass',
    'length'} (mass ratios are read from the first body with a nonzero default mass / the first geom)."""
    base: Any = env.unwrapped
    if _mujoco_model(env) is not None:
        defaults = _defaults(env)
        i = int(np.flatnonzero(defaults["mass"])[0])
        return {
            "mass": float(base.model.body_mass[i] / defaults["mass"][i]),
            "friction": float(base.model.geom_friction[0, 0] / defaults["friction"][0, 0]),
        }
    if _is_pendulum(env):
        return {"mass": float(base.m), "length": float(base.l)}
    raise ValueError(f"environment {base!r} has no mass/friction/length parameters saddle can read")


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


def _time_limit(env: gym.Env) -> gym.wrappers.TimeLimit | None:
    wrapped: Any = env
    while isinstance(wrapped, gym.Wrapper):
        if isinstance(wrapped, gym.wrappers.TimeLimit):
            return wrapped
        wrapped = wrapped.env
    return None


def env_state(env: gym.Env) -> dict[str, Any]:
    """The simulator state an exact resume mid-episode needs: the physics (MuJoCo: `mj_getState` with the full
    integration state, warm start included; Pendulum: (θ, θ̇)) and the time-limit counter. Other envs: ValueError."""
    base: Any = env.unwrapped
    limit = _time_limit(env)
    elapsed = None if limit is None else int(limit._elapsed_steps or 0)
    if _mujoco_model(env) is not None:
        import mujoco

        spec = mujoco.mjtState.mjSTATE_INTEGRATION
        physics = np.empty(mujoco.mj_stateSize(base.model, spec))
        mujoco.mj_getState(base.model, base.data, physics, spec)
        return {"physics": physics, "elapsed": elapsed}
    if _is_pendulum(env):
        return {"physics": np.array(base.state, dtype=np.float64), "elapsed": elapsed}
    raise ValueError(f"saddle cannot save the state of environment {base!r} mid-episode (MuJoCo and Pendulum only)")


def set_env_state(env: gym.Env, state: dict[str, Any]) -> None:
    """Restore a state of `env_state` into an env of the same task (reset it once before, so its wrappers run)."""
    base: Any = env.unwrapped
    physics = np.asarray(state["physics"], dtype=np.float64)
    if _mujoco_model(env) is not None:
        import mujoco

        mujoco.mj_setState(base.model, base.data, physics, mujoco.mjtState.mjSTATE_INTEGRATION)
    elif _is_pendulum(env):
        base.state = physics.copy()
    else:
        raise ValueError(f"saddle cannot restore the state of environment {base!r} (MuJoCo and Pendulum only)")
    limit: Any = _time_limit(env)
    if limit is not None and state.get("elapsed") is not None:
        limit._elapsed_steps = int(state["elapsed"])


def dynamics_change(
    env_id: str = "Pendulum-v1",
    seed: int = 0,
    steps: int = 5,
    actions: Sequence[float] | None = None,
    *,
    mass: float | None = None,
    friction: float | None = None,
    length: float | None = None,
) -> float:
    """max |Δ observation| over `steps` steps of the same actions (default: the upper bound of the box) between the
    default environment and one with the given mass/friction/length (`set_dynamics`), from the same start (reset(seed)): > 0
    exactly when the change reaches the simulated dynamics."""
    envs = [make_env(env_id), set_dynamics(make_env(env_id), mass=mass, friction=friction, length=length)]
    try:
        obs = [reset_checked(e, seed) for e in envs]
        gap = float(np.abs(obs[0] - obs[1]).max())
        high = box_spaces(envs[0])[1].high
        action = high if actions is None else np.asarray(actions, dtype=np.float32)
        for _ in range(check_int("steps", steps)):
            obs = [step_checked(e, action)[0] for e in envs]
            gap = max(gap, float(np.abs(obs[0] - obs[1]).max()))
        return gap
    finally:
        for e in envs:
            e.close()
