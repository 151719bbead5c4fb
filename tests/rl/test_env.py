"""Environment construction and checks; pendulum mass/length really change the dynamics."""

import re

import gymnasium as gym
import numpy as np
import pytest

from saddle.rl import (
    DDPG,
    DDPGConfig,
    EpisodeRunner,
    evaluate_returns,
    make_env,
    pendulum_dynamics,
    set_pendulum_dynamics,
)
from saddle.rl.env import step_checked


def test_bad_env_id_and_discrete_action_space_raise():
    with pytest.raises(ValueError, match="NoSuchEnv-v0"):
        make_env("NoSuchEnv-v0")
    with pytest.raises(ValueError, match="Discrete"):
        make_env("CartPole-v1")
    with pytest.raises(ValueError, match="None"):
        make_env(None)


def one_step(mass=None, length=None, torque=1.5):
    env = make_env("Pendulum-v1")
    set_pendulum_dynamics(env, mass, length)
    env.reset(seed=0)
    env.unwrapped.state = np.array([0.4, -0.3])
    obs, *_ = step_checked(env, np.array([torque], dtype=np.float32))
    return np.arctan2(obs[1], obs[0]), obs[2]


@pytest.mark.parametrize("mass,length", [(1.0, 1.0), (2.5, 1.0), (1.0, 0.6), (0.5, 1.7)])
def test_mass_and_length_change_one_step_as_the_pendulum_equation(mass, length):
    # θ̇⁺ = θ̇ + (3g/(2l) sin θ + 3/(m l²) u) dt, θ⁺ = θ + θ̇⁺ dt  (gymnasium Pendulum-v1, g = 10, dt = 0.05)
    th, thdot, u = 0.4, -0.3, 1.5
    new_thdot = thdot + (3 * 10.0 / (2 * length) * np.sin(th) + 3.0 / (mass * length**2) * u) * 0.05
    got_th, got_thdot = one_step(mass, length)
    assert got_thdot == pytest.approx(new_thdot, rel=1e-5)
    assert got_th == pytest.approx(th + new_thdot * 0.05, rel=1e-5)


def test_heavier_pendulum_gives_a_different_trajectory_and_return():
    assert one_step(2.0)[1] != pytest.approx(one_step(1.0)[1], rel=1e-3)
    env = set_pendulum_dynamics(make_env(), mass=1.7, length=0.8)
    assert pendulum_dynamics(env) == (1.7, 0.8)

    def policy(obs):
        return np.array([-2.0 * obs[2]], dtype=np.float32)

    base = evaluate_returns(policy, episodes=3, seed=4)
    heavy = evaluate_returns(policy, episodes=3, seed=4, mass=3.0)
    assert not np.allclose(base, heavy)
    with pytest.raises(ValueError, match="-1"):
        set_pendulum_dynamics(make_env(), mass=-1.0)
    with pytest.raises(ValueError, match="mass/length"):
        set_pendulum_dynamics(make_env("MountainCarContinuous-v0"), mass=2.0)


class NaNAfter(gym.ObservationWrapper):
    """Returns NaN observations from the k-th call on (a simulator that diverged)."""

    def __init__(self, env, k):
        super().__init__(env)
        self.k, self.calls = k, 0

    def observation(self, obs):
        self.calls += 1
        return obs * np.nan if self.calls > self.k else obs


def test_non_finite_observation_raises():
    env = make_env("Pendulum-v1")
    env.reset(seed=0)
    env.unwrapped.state = np.array([np.nan, 0.0])
    with pytest.raises(ValueError, match="non-finite observation"):
        step_checked(env, np.array([0.0], dtype=np.float32))
    env = NaNAfter(make_env("Pendulum-v1", max_episode_steps=20), k=5)
    agent = DDPG(3, env.action_space.low, env.action_space.high, DDPGConfig(hidden=(8,), learning_starts=100))
    with pytest.raises(ValueError, match="non-finite observation"):
        EpisodeRunner(agent, env).run_episode()


def test_evaluation_perturbations_are_seeded_and_validated():
    def policy(obs):
        return np.array([-2.0 * obs[2]], dtype=np.float32)

    a = evaluate_returns(policy, episodes=2, seed=1, random_action_prob=0.5, action_noise=0.3)
    b = evaluate_returns(policy, episodes=2, seed=1, random_action_prob=0.5, action_noise=0.3)
    assert np.array_equal(a, b)
    assert not np.array_equal(a, evaluate_returns(policy, episodes=2, seed=1))
    with pytest.raises(ValueError, match=re.escape("1.5")):
        evaluate_returns(policy, episodes=1, random_action_prob=1.5)


def test_dynamics_change_detects_a_real_change_only():
    from saddle.rl import dynamics_change

    assert dynamics_change(mass=1.0, length=1.0) == 0.0
    assert dynamics_change(mass=2.0) > 1e-3 and dynamics_change(length=0.5) > 1e-3


def test_unknown_agent_or_perturbation_kind_raises():
    from saddle.rl import make_agent, perturbation_sweep

    with pytest.raises(ValueError, match="'sac'"):
        make_agent("sac", make_env())
    with pytest.raises(ValueError, match="'wind'"):
        perturbation_sweep(lambda obs: obs[:1], "wind", [1.0])


def test_box_spaces_returns_both_boxes_and_refuses_a_discrete_action_space():
    from saddle.rl import action_bounds, box_spaces

    obs_space, action_space = box_spaces(make_env("Pendulum-v1"))  # obs (cos θ, sin θ, θ̇), torque in [−2, 2]
    assert obs_space.shape == (3,) and action_space.shape == (1,)
    np.testing.assert_array_equal(action_space.low, [-2.0])
    np.testing.assert_array_equal(action_space.high, [2.0])
    low, high = action_bounds(make_env("Pendulum-v1"))
    assert low.dtype == high.dtype == np.float32 and (low[0], high[0]) == (-2.0, 2.0)
    cartpole = gym.make("CartPole-v1")
    with pytest.raises(ValueError, match="Discrete"):
        box_spaces(cartpole)
    with pytest.raises(ValueError, match="Box observation and action"):
        EpisodeRunner(DDPG(4, np.array([-1.0]), np.array([1.0])), cartpole)
    cartpole.close()
