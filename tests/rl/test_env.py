"""Environment construction and checks; the physical parameters (pendulum mass and length, MuJoCo relative mass and
friction) really change the dynamics; a simulator's state round-trips exactly."""

import gymnasium as gym
import numpy as np
import pytest

from saddle.rl import (
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
from saddle.rl.env import reset_checked, step_checked


def test_bad_env_id_and_discrete_action_space_raise():
    with pytest.raises(ValueError, match="NoSuchEnv-v0"):
        make_env("NoSuchEnv-v0")
    with pytest.raises(ValueError, match="Discrete"):
        make_env("CartPole-v1")
    with pytest.raises(ValueError, match="None"):
        make_env(None)


def test_check_observation_returns_float32_and_refuses_non_finite():
    obs = check_observation(np.array([0.5, -1.0], dtype=np.float64))
    assert obs.dtype == np.float32 and obs.tolist() == [0.5, -1.0]
    with pytest.raises(ValueError, match=r"the simulator returned a non-finite observation \[1.0, nan\]"):
        check_observation(np.array([1.0, np.nan]), "the simulator")


def test_spaces_bounds_and_seeded_reset():
    env = make_env("Pendulum-v1")
    obs_space, action_space = box_spaces(env)  # obs (cos θ, sin θ, θ̇), torque in [−2, 2]
    assert obs_space.shape == (3,) and action_space.shape == (1,)
    low, high = action_bounds(env)
    assert low.dtype == np.float32 and (low[0], high[0]) == (-2.0, 2.0)
    a, b = reset_checked(env, 3), reset_checked(env, 3)
    assert np.array_equal(a, b) and a[0] ** 2 + a[1] ** 2 == pytest.approx(1.0, rel=1e-6)
    vec = make_vector_env("Hopper-v5", 2)
    assert box_spaces(vec)[1].shape == (3,)
    with pytest.raises(ValueError, match="Discrete"):
        box_spaces(gym.make("CartPole-v1"))


def test_episode_seeds_are_reproducible_and_distinct():
    seeds = {(s, e): episode_seed(s, e) for s in range(3) for e in range(50)}
    assert len(set(seeds.values())) == len(seeds)
    assert all(0 <= v < 2**32 for v in seeds.values())


def one_step(mass=None, length=None, torque=1.5):
    env = set_dynamics(make_env("Pendulum-v1"), mass=mass, length=length)
    env.reset(seed=0)
    env.unwrapped.state = np.array([0.4, -0.3])
    obs, *_ = step_checked(env, np.array([torque], dtype=np.float32))
    return np.arctan2(obs[1], obs[0]), obs[2]


@pytest.mark.parametrize("mass,length", [(1.0, 1.0), (2.5, 1.0), (1.0, 0.6), (0.5, 1.7)])
def test_pendulum_mass_and_length_change_one_step_as_its_equation(mass, length):
    # θ̇⁺ = θ̇ + (3g/(2l) sin θ + 3/(m l²) u) dt, θ⁺ = θ + θ̇⁺ dt  (gymnasium Pendulum-v1, g = 10, dt = 0.05)
    th, thdot, u = 0.4, -0.3, 1.5
    new_thdot = thdot + (3 * 10.0 / (2 * length) * np.sin(th) + 3.0 / (mass * length**2) * u) * 0.05
    got_th, got_thdot = one_step(mass, length)
    assert got_thdot == pytest.approx(new_thdot, rel=1e-5)
    assert got_th == pytest.approx(th + new_thdot * 0.05, rel=1e-5)


def test_mujoco_relative_mass_and_friction_scale_the_model_from_its_defaults():
    env = make_env("Hopper-v5")
    model = env.unwrapped.model
    mass0, friction0 = model.body_mass.copy(), model.geom_friction.copy()
    set_dynamics(env, mass=1.5, friction=0.5)
    set_dynamics(env, mass=1.5)  # relative to the defaults: calls do not compound
    np.testing.assert_allclose(model.body_mass, 1.5 * mass0)
    np.testing.assert_allclose(model.geom_friction, 0.5 * friction0)
    assert get_dynamics(env) == pytest.approx({"mass": 1.5, "friction": 0.5})
    assert set(get_dynamics(env)) <= set(DYNAMICS)
    for kwargs in ({"mass": 0.5}, {"friction": 2.0}):  # both reach the simulated trajectory of a hopping Hopper
        assert dynamics_change("Hopper-v5", steps=30, **kwargs) > 1e-3
    assert dynamics_change("Hopper-v5", mass=1.0, friction=1.0) == 0.0
    assert dynamics_change("Pendulum-v1", mass=1.0, length=1.0) == 0.0
    assert dynamics_change("Pendulum-v1", mass=2.0) > 1e-3 and dynamics_change("Pendulum-v1", length=0.5) > 1e-3


def test_parameters_an_env_does_not_have_are_refused():
    with pytest.raises(ValueError, match="no friction"):
        set_dynamics(make_env("Pendulum-v1"), friction=2.0)
    with pytest.raises(ValueError, match="no length"):
        set_dynamics(make_env("InvertedPendulum-v5"), length=2.0)
    with pytest.raises(ValueError, match="mass/friction/length"):
        set_dynamics(make_env("MountainCarContinuous-v0"), mass=2.0)
    with pytest.raises(ValueError, match="-1"):
        set_dynamics(make_env(), mass=-1.0)


@pytest.mark.parametrize("env_id", ["Pendulum-v1", "Hopper-v5"])
def test_a_saved_simulator_state_continues_exactly(env_id):
    env, other = make_env(env_id), make_env(env_id)
    env.reset(seed=1)
    rng = np.random.default_rng(0)
    actions = rng.uniform(env.action_space.low, env.action_space.high, size=(20, env.action_space.shape[0]))
    for a in actions[:7]:
        env.step(a.astype(np.float32))
    saved = env_state(env)
    other.reset(seed=99)  # a different start: everything comes from the saved state
    set_env_state(other, saved)
    for a in actions[7:]:
        o1, r1, t1, u1, _ = env.step(a.astype(np.float32))
        o2, r2, t2, u2, _ = other.step(a.astype(np.float32))
        assert np.array_equal(o1, o2) and r1 == r2 and (t1, u1) == (t2, u2)
    with pytest.raises(ValueError, match="MuJoCo and Pendulum only"):
        env_state(make_env("MountainCarContinuous-v0"))


def test_non_finite_observation_or_reward_raises():
    env = make_env("Pendulum-v1")
    env.reset(seed=0)
    env.unwrapped.state = np.array([np.nan, 0.0])
    with pytest.raises(ValueError, match="non-finite observation"):
        step_checked(env, np.array([0.0], dtype=np.float32))
