"""The environment helpers, the actor and critic networks, the agent and perturbation registries of saddle.rl."""

import math

import numpy as np
import pytest
import torch

from saddle.rl import (
    AGENTS,
    GAME_METHODS,
    PERTURBATIONS,
    ROBUST_FORMS,
    ActionRobustDDPG,
    Actor,
    Critic,
    RobustGameConfig,
    action_bounds,
    check_observation,
    episode_seed,
    evaluate_returns,
    make_agent,
    make_env,
    perturbation_grid,
    perturbation_sweep,
    robust_action,
)
from saddle.rl.env import reset_checked


def test_check_observation_returns_float32_and_refuses_non_finite():
    obs = check_observation(np.array([0.5, -1.0], dtype=np.float64))
    assert obs.dtype == np.float32 and obs.tolist() == [0.5, -1.0]
    with pytest.raises(ValueError, match=r"the simulator returned a non-finite observation \[1.0, nan\]"):
        check_observation(np.array([1.0, math.nan]), "the simulator")


def test_action_bounds_and_reset_of_the_pendulum():
    env = make_env("Pendulum-v1")
    try:
        low, high = action_bounds(env)
        assert low.dtype == np.float32 and low.tolist() == [-2.0] and high.tolist() == [2.0]
        a, b = reset_checked(env, 3), reset_checked(env, 3)
        assert a.dtype == np.float32 and np.array_equal(a, b)  # same seed, same start
        # the pendulum starts at (cos θ, sin θ, θ̇): a point of the unit circle
        assert a[0] ** 2 + a[1] ** 2 == pytest.approx(1.0, rel=1e-6)
    finally:
        env.close()


def test_episode_seeds_are_reproducible_and_distinct():
    seeds = {(s, e): episode_seed(s, e) for s in range(3) for e in range(50)}
    assert len(set(seeds.values())) == len(seeds)  # every (seed, episode) its own stream
    assert all(episode_seed(s, e) == v for (s, e), v in seeds.items())
    assert all(0 <= v < 2**32 for v in seeds.values())


def test_actor_acts_inside_the_box_and_at_the_centre_for_a_zero_network():
    low, high = torch.tensor([-2.0, 0.0]), torch.tensor([2.0, 1.0])
    actor = Actor(3, low, high, hidden=(8,), generator=torch.Generator().manual_seed(0))
    obs = 100 * torch.randn(64, 3, generator=torch.Generator().manual_seed(1))
    a = actor(obs)
    assert a.shape == (64, 2) and bool(((a >= low) & (a <= high)).all())
    with torch.no_grad():
        actor.net[-1].weight.zero_()
        actor.net[-1].bias.zero_()
    torch.testing.assert_close(actor(obs), ((low + high) / 2).expand(64, 2))  # tanh(0) = 0: the centre


def test_critic_is_the_network_on_the_concatenated_state_and_action():
    critic = Critic(3, 2, hidden=(8, 8), generator=torch.Generator().manual_seed(2))
    obs, act = torch.randn(5, 3), torch.randn(5, 2)
    q = critic(obs, act)
    assert q.shape == (5,)
    torch.testing.assert_close(q, critic.net(torch.cat([obs, act], -1))[:, 0])
    again = Critic(3, 2, hidden=(8, 8), generator=torch.Generator().manual_seed(2))
    torch.testing.assert_close(again(obs, act), q)  # the generator fixes the initial weights


def test_every_agent_of_the_registry_builds_with_its_entry():
    env = make_env("Pendulum-v1")
    try:
        for name, (td3, game) in AGENTS.items():
            agent = make_agent(name, env, seed=0)
            assert agent.config.td3 == td3
            if game is None:
                assert not isinstance(agent, ActionRobustDDPG)
            else:
                assert isinstance(agent, ActionRobustDDPG)
                assert game.method in GAME_METHODS and game.form in ROBUST_FORMS
        with pytest.raises(ValueError, match="agent must be one of"):
            make_agent("sac", env)
    finally:
        env.close()


def test_game_methods_and_robust_forms_are_exactly_the_valid_choices():
    for method in GAME_METHODS:
        assert RobustGameConfig(method=method).validate().method == method
    with pytest.raises(ValueError, match="game method must be one of"):
        RobustGameConfig(method="adam").validate()
    mu, nu = torch.zeros(1000, 1), torch.ones(1000, 1)
    for form in ROBUST_FORMS:
        a = robust_action(form, mu, nu, 0.25, torch.Generator().manual_seed(0))
        # both forms execute the adversary's action with weight α on average
        assert float(a.mean()) == pytest.approx(0.25, abs=4 * math.sqrt(0.25 * 0.75 / 1000))
    with pytest.raises(ValueError, match="robust form must be one of"):
        RobustGameConfig(form="xr").validate()


def _push(obs):
    # a constant torque u = 1: the mass enters θ̈ only through 3u/(m l²), so a zero torque would hide it
    return np.ones(1, dtype=np.float32)


@pytest.mark.parametrize("kind", PERTURBATIONS)
def test_a_zero_perturbation_is_the_unperturbed_evaluation(kind):
    base = evaluate_returns(_push, episodes=1, seed=4)
    level0 = 1.0 if kind in ("mass", "length") else 0.0  # the pendulum's own m = l = 1
    sweep = perturbation_sweep(_push, kind, [level0, 0.5 if level0 == 0 else 2.0], episodes=1, seed=4)
    assert sweep.shape == (2, 1)
    np.testing.assert_array_equal(sweep[0], base)  # common random numbers: same starts, same draws
    assert sweep[1, 0] != base[0]


def test_perturbation_grid_is_the_evaluation_at_both_levels():
    grid = perturbation_grid(_push, ("mass", [1.0, 1.5]), ("action_noise", [0.0, 0.3]), episodes=1, seed=5)
    assert grid.shape == (2, 2, 1)
    np.testing.assert_array_equal(grid[0, 0], evaluate_returns(_push, episodes=1, seed=5))
    np.testing.assert_array_equal(grid[1, 1], evaluate_returns(_push, episodes=1, seed=5, mass=1.5, action_noise=0.3))
    with pytest.raises(ValueError, match="grid needs two different perturbations, got 'mass' twice"):
        perturbation_grid(_push, ("mass", [1.0]), ("mass", [2.0]), episodes=1)
