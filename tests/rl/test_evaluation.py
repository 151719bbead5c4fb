"""Evaluation of S policies side by side: common random numbers (same starts, same perturbation draws for every
policy and level), a zero perturbation is the clean evaluation, each perturbation does what it says."""

import re

import numpy as np
import pytest

from saddle.rl import PERTURBATIONS, evaluate_returns, perturbation_grid, perturbation_sweep
from saddle.rl.env import episode_seed, make_env, reset_checked, step_checked


def push(obs):
    # a constant torque u = 1 for every policy: the mass enters θ̈ only through 3u/(m l²)
    return np.ones((*obs.shape[:-1], 1), dtype=np.float32)


def damp(obs):
    # policy s applies −(s + 1) θ̇: S different policies
    gains = np.arange(1, obs.shape[0] + 1, dtype=np.float32)[:, None]
    return np.clip(-gains * obs[..., 2], -2, 2)[..., None]


def test_returns_are_those_of_one_episode_played_alone():
    returns = evaluate_returns(damp, "Pendulum-v1", num_policies=2, episodes=3, seed=5)
    assert returns.shape == (2, 3)
    for s in range(2):
        for e in range(3):
            env = make_env("Pendulum-v1")
            obs, total, done = reset_checked(env, episode_seed(5, e)), 0.0, False
            while not done:
                action = np.clip(-(s + 1) * obs[2], -2, 2)
                obs, r, term, trunc = step_checked(env, np.array([action], dtype=np.float32))
                total, done = total + r, term or trunc
            assert returns[s, e] == pytest.approx(total, rel=1e-6)


def test_common_random_numbers_across_policies_levels_and_runs():
    a = evaluate_returns(push, num_policies=3, episodes=2, seed=1, random_action_prob=0.5, action_noise=0.3)
    assert np.array_equal(a[0], a[1]) and np.array_equal(a[1], a[2])  # same policy, same starts, same draws
    assert np.array_equal(
        a, evaluate_returns(push, num_policies=3, episodes=2, seed=1, random_action_prob=0.5, action_noise=0.3)
    )
    assert not np.array_equal(a, evaluate_returns(push, num_policies=3, episodes=2, seed=1))
    # with probability 1 every action is the random one: the policy no longer matters
    r1 = evaluate_returns(push, num_policies=1, episodes=2, seed=2, random_action_prob=1.0)
    r2 = evaluate_returns(damp, num_policies=1, episodes=2, seed=2, random_action_prob=1.0)
    assert np.array_equal(r1, r2)


@pytest.mark.parametrize("kind", [k for k in PERTURBATIONS if k != "friction"])
def test_a_zero_perturbation_is_the_unperturbed_evaluation(kind):
    base = evaluate_returns(push, num_policies=2, episodes=1, seed=4)
    level0 = 1.0 if kind in ("mass", "length") else 0.0  # the pendulum's own m = l = 1
    sweep = perturbation_sweep(push, kind, [level0, 0.5 if level0 == 0 else 2.0], num_policies=2, episodes=1, seed=4)
    assert sweep.shape == (2, 2, 1)
    np.testing.assert_array_equal(sweep[0], base)
    assert sweep[1, 0, 0] != base[0, 0]


def test_mujoco_relative_friction_and_mass_sweeps():
    def zero(obs):
        return np.zeros((*obs.shape[:-1], 3), dtype=np.float32)

    sweep = perturbation_sweep(zero, "friction", [1.0, 0.3], "Hopper-v5", num_policies=1, episodes=1, seed=0)
    base = evaluate_returns(zero, "Hopper-v5", 1, 1, seed=0)
    np.testing.assert_array_equal(sweep[0], base)
    assert perturbation_sweep(zero, "mass", [2.0], "Hopper-v5", 1, 1, seed=0)[0, 0, 0] != base[0, 0]


def test_perturbation_grid_is_the_evaluation_at_both_levels():
    grid = perturbation_grid(push, ("mass", [1.0, 1.5]), ("action_noise", [0.0, 0.3]), episodes=1, seed=5)
    assert grid.shape == (2, 2, 1, 1)
    np.testing.assert_array_equal(grid[0, 0], evaluate_returns(push, episodes=1, seed=5))
    np.testing.assert_array_equal(grid[1, 1], evaluate_returns(push, episodes=1, seed=5, mass=1.5, action_noise=0.3))
    with pytest.raises(ValueError, match="grid needs two different perturbations, got 'mass' twice"):
        perturbation_grid(push, ("mass", [1.0]), ("mass", [2.0]), episodes=1)


def test_bad_perturbations_raise():
    with pytest.raises(ValueError, match=re.escape("1.5")):
        evaluate_returns(push, episodes=1, random_action_prob=1.5)
    with pytest.raises(ValueError, match="'wind'"):
        perturbation_sweep(push, "wind", [1.0])
    with pytest.raises(ValueError, match="no friction"):
        evaluate_returns(push, episodes=1, friction=2.0)


def test_a_policy_with_the_wrong_shape_or_a_non_finite_action_is_refused():
    with pytest.raises(ValueError, match=r"to actions \(2, 3, 1\), got \(2, 3\)"):
        evaluate_returns(lambda obs: obs[..., 0], num_policies=2, episodes=3)
    with pytest.raises(ValueError, match="NaN or inf action"):
        evaluate_returns(lambda obs: np.full((*obs.shape[:-1], 1), np.nan), episodes=2)


def test_sweeps_need_levels():
    with pytest.raises(ValueError, match="mass needs a non-empty sequence of levels"):
        perturbation_sweep(push, "mass", [])
    with pytest.raises(ValueError, match="random_action needs a non-empty"):
        perturbation_grid(push, ("mass", [1.0]), ("random_action", ()))
