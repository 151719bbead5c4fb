"""Evaluation of S deterministic policies at once: returns under action perturbations and changed physics.

The papers' robustness tests (Tessler, Efroni & Mannor 2019, `test.py` of their code; Kamalaruban et al. 2020):
  'random_action': with probability p the executed action is a uniform random action of the box (Tessler et al.'s
                   "probability of a random action", the PR-MDP perturbation at test time);
  'action_noise':  a + p · half-range · ξ, ξ ~ N(0, I), then clipped to the box (the NR-style additive noise);
  'mass':          every body mass × p (relative mass, MuJoCo; Pendulum: its mass m = p);
  'friction':      every geom friction × p (relative friction, MuJoCo only);
  'length':        Pendulum's length l = p.
Episode e of every policy starts from reset(seed=episode_seed(seed, e)) and draws its perturbations from a generator
seeded by (seed, e) alone: every agent, seed and level sees the same starts and the same random stream (common
random numbers), so differences between agents are not differences of luck in the test.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import torch

from saddle.rl.env import action_bounds, box_spaces, episode_seed, make_env, reset_checked, set_dynamics, step_checked
from saddle.validation import check_choice, check_int, check_real

__all__ = ["PERTURBATIONS", "evaluate_returns", "perturbation_grid", "perturbation_sweep"]

PERTURBATIONS = ("random_action", "action_noise", "mass", "friction", "length")

#: S policies at once: observations (S, N, d) → actions (S, N, k) (e.g. `DDPG.act`)
Policy = Callable[[np.ndarray], np.ndarray]


def evaluate_returns(
    policy: Policy,
    env_id: str = "Pendulum-v1",
    num_policies: int = 1,
    episodes: int = 10,
    seed: int = 0,
    *,
    random_action_prob: float = 0.0,
    action_noise: float = 0.0,
    mass: float | None = None,
    friction: float | None = None,
    length: float | None = None,
    env_kwargs: dict[str, Any] | None = None,
) -> np.ndarray:
    """Undiscounted returns of S = num_policies policies over `episodes` episodes each. Shape (S, episodes).

    policy maps observations (S, N, d) to actions (S, N, k) (N = episodes; a finished episode's slot is ignored).
    The S·episodes episodes run side by side, one environment each (see the module doc for the perturbations and
    the common random numbers); env_kwargs go to `make_env`.
    """
    num_policies, episodes = check_int("num_policies", num_policies), check_int("episodes", episodes)
    seed = check_int("seed", seed, 0)
    p = check_real("random_action_prob", random_action_prob, 0.0, 1.0, low_open=False)
    sigma = check_real("action_noise", action_noise, 0.0, math.inf, low_open=False, high_open=True)
    envs = [make_env(env_id, **(env_kwargs or {})) for _ in range(num_policies * episodes)]
    try:
        low, high = action_bounds(envs[0])
        half = (high - low) / 2
        obs = np.zeros((num_policies, episodes, box_spaces(envs[0])[0].shape[0]), dtype=np.float32)
        generators = []
        for j, env in enumerate(envs):
            set_dynamics(env, mass=mass, friction=friction, length=length)
            e = j % episodes
            obs[j // episodes, e] = reset_checked(env, episode_seed(seed, e))
            generators.append(torch.Generator().manual_seed(episode_seed(seed + 1, e)))
        returns = np.zeros((num_policies, episodes))
        active = np.ones(num_policies * episodes, dtype=bool)
        while active.any():
            actions = np.asarray(policy(obs), dtype=np.float32)
            if actions.shape != (num_policies, episodes, low.size):
                raise ValueError(
                    f"policy must map observations {obs.shape} to actions {(num_policies, episodes, low.size)}, "
                    f"got {actions.shape}"
                )
            if not np.all(np.isfinite(actions)):
                raise ValueError("policy returned a NaN or inf action; a diverged policy cannot be evaluated")
            actions = actions.reshape(num_policies * episodes, -1)
            for j in np.flatnonzero(active).tolist():
                action, gen = actions[j], generators[j]
                if p > 0 and torch.rand((), generator=gen).item() < p:
                    action = low + torch.rand(low.shape, generator=gen).numpy() * (high - low)
                if sigma > 0:
                    action = action + sigma * half * torch.randn(low.shape, generator=gen).numpy()
                s, e = divmod(j, episodes)
                obs[s, e], reward, terminated, truncated = step_checked(envs[j], np.clip(action, low, high))
                returns[s, e] += reward
                active[j] = not (terminated or truncated)
        return returns
    finally:
        for env in envs:
            env.close()


def _keyword(kind: str, levels: Sequence[float]) -> str:
    """The evaluate_returns keyword of a perturbation kind; ValueError for an unknown kind or no levels."""
    check_choice("perturbation kind", kind, PERTURBATIONS)
    if isinstance(levels, str) or len(levels) == 0:
        raise ValueError(f"{kind} needs a non-empty sequence of levels, got {levels!r}")
    return {"random_action": "random_action_prob"}.get(kind, kind)


def perturbation_sweep(
    policy: Policy,
    kind: str,
    levels: Sequence[float],
    env_id: str = "Pendulum-v1",
    num_policies: int = 1,
    episodes: int = 10,
    seed: int = 0,
    env_kwargs: dict[str, Any] | None = None,
) -> np.ndarray:
    """Returns at each perturbation level, shape (len(levels), S, episodes); kind one of PERTURBATIONS.

    The same episode starts and random streams at every level (common random numbers)."""
    keyword = _keyword(kind, levels)
    return np.stack(
        [
            evaluate_returns(policy, env_id, num_policies, episodes, seed, env_kwargs=env_kwargs, **{keyword: float(v)})
            for v in levels
        ]
    )


def perturbation_grid(
    policy: Policy,
    rows: tuple[str, Sequence[float]],
    cols: tuple[str, Sequence[float]],
    env_id: str = "Pendulum-v1",
    num_policies: int = 1,
    episodes: int = 10,
    seed: int = 0,
    env_kwargs: dict[str, Any] | None = None,
) -> np.ndarray:
    """Returns on a grid of two perturbations (e.g. rows ('mass', masses), cols ('random_action', probs), the
    papers' heat maps). Shape (len(row levels), len(col levels), S, episodes); common random numbers throughout."""
    (kr, lr), (kc, lc) = rows, cols
    a, b = _keyword(kr, lr), _keyword(kc, lc)
    if a == b:
        raise ValueError(f"grid needs two different perturbations, got {kr!r} twice")
    return np.stack(
        [
            np.stack(
                [
                    evaluate_returns(
                        policy,
                        env_id,
                        num_policies,
                        episodes,
                        seed,
                        env_kwargs=env_kwargs,
                        **{a: float(u), b: float(v)},
                    )
                    for v in lc
                ]
            )
            for u in lr
        ]
    )
