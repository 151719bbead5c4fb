"""Evaluation of a deterministic policy: returns under action perturbations and changed pendulum dynamics.

Perturbations (applied to the policy's action a = μ(s) at every step, then clipped to the action box):
  'random_action': with probability p the action is replaced by a uniform random action (Tessler et al. 2019's
                   PR-style test perturbation);
  'action_noise':  a + p · half-range · ξ, ξ ~ N(0, I) (NR-style additive noise);
  'mass', 'length': the pendulum's m or l is set to p (env.unwrapped.m / .l, which PendulumEnv.step reads).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

import numpy as np
import torch

from saddle.rl.env import action_bounds, episode_seed, make_env, reset_checked, set_pendulum_dynamics, step_checked
from saddle.validation import check_choice, check_int, check_real

__all__ = ["PERTURBATIONS", "evaluate_returns", "perturbation_grid", "perturbation_sweep"]

PERTURBATIONS = ("random_action", "action_noise", "mass", "length")

Policy = Callable[[np.ndarray], np.ndarray]


def evaluate_returns(
    policy: Policy,
    env_id: str = "Pendulum-v1",
    episodes: int = 20,
    seed: int = 0,
    random_action_prob: float = 0.0,
    action_noise: float = 0.0,
    mass: float | None = None,
    length: float | None = None,
) -> np.ndarray:
    """Undiscounted returns of `policy` (obs (d,) → action (k,)) over `episodes` episodes. Shape (episodes,).

    Episode i starts from reset(seed=episode_seed(seed, i)); perturbation draws come from a torch.Generator
    seeded with `seed` (same seed → same numbers). See the module doc for the perturbations.
    """
    episodes = check_int("episodes", episodes)
    p = check_real("random_action_prob", random_action_prob, 0.0, 1.0, low_open=False)
    sigma = check_real("action_noise", action_noise, 0.0, math.inf, low_open=False, high_open=True)
    env = make_env(env_id)
    try:
        if mass is not None or length is not None:
            set_pendulum_dynamics(env, mass, length)
        low, high = action_bounds(env)
        half = (high - low) / 2
        gen = torch.Generator().manual_seed(check_int("seed", seed, 0))
        returns = np.zeros(episodes)
        for i in range(episodes):
            obs = reset_checked(env, episode_seed(seed, i))
            done, total = False, 0.0
            while not done:
                action = np.asarray(policy(obs), dtype=np.float32)
                if p > 0 and torch.rand((), generator=gen).item() < p:
                    action = low + torch.rand(low.shape, generator=gen).numpy() * (high - low)
                if sigma > 0:
                    action = action + sigma * half * torch.randn(low.shape, generator=gen).numpy()
                obs, reward, terminated, truncated = step_checked(env, np.clip(action, low, high))
                total += reward
                done = terminated or truncated
            returns[i] = total
        return returns
    finally:
        env.close()


def _keyword(kind: str) -> str:
    check_choice("perturbation kind", kind, PERTURBATIONS)
    return {"random_action": "random_action_prob"}.get(kind, kind)


def perturbation_sweep(
    policy: Policy, kind: str, levels: Sequence[float], env_id: str = "Pendulum-v1", episodes: int = 20, seed: int = 0
) -> np.ndarray:
    """Returns at each perturbation level, shape (len(levels), episodes); kind one of PERTURBATIONS.

    The same episode starts and the same seed are used at every level (common random numbers).
    """
    keyword = _keyword(kind)
    return np.stack([evaluate_returns(policy, env_id, episodes, seed, **{keyword: float(v)}) for v in levels])


def perturbation_grid(
    policy: Policy,
    rows: tuple[str, Sequence[float]],
    cols: tuple[str, Sequence[float]],
    env_id: str = "Pendulum-v1",
    episodes: int = 20,
    seed: int = 0,
) -> np.ndarray:
    """Returns on a grid of two perturbations (e.g. rows ('mass', masses), cols ('random_action', probs)).

    Shape (len(row levels), len(col levels), episodes); common random numbers as in perturbation_sweep.
    """
    (kr, lr), (kc, lc) = rows, cols
    a, b = _keyword(kr), _keyword(kc)
    if a == b:
        raise ValueError(f"grid needs two different perturbations, got {kr!r} twice")
    return np.stack(
        [
            np.stack([evaluate_returns(policy, env_id, episodes, seed, **{a: float(u), b: float(v)}) for v in lc])
            for u in lr
        ]
    )
