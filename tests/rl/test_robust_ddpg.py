"""The action-robust agents play the game they claim: Tessler et al.'s schedule (Adam, one adversary step per
`adversary_every` policy steps, each against the other's target), GAD = RMSProp descent-ascent on Φ at the current
point, the critic bootstraps the value of the executed mixed action; the registry builds every agent."""

import numpy as np
import pytest
import torch

from saddle.rl import (
    AGENTS,
    ALGORITHMS,
    DDPG,
    ROBUST_FORMS,
    ActionRobustDDPG,
    DDPGConfig,
    RobustGameConfig,
    make_agent,
    robust_value,
)
from saddle.rl.replay import Batch

LOW, HIGH = np.array([-2.0], dtype=np.float32), np.array([2.0], dtype=np.float32)
SMALL = DDPGConfig(hidden=(8,), batch_size=16, buffer_size=100, learning_starts=0)


def batch(seed=0, n=16, seeds=2):
    g = torch.Generator().manual_seed(seed)
    return Batch(
        torch.randn(seeds, n, 3, generator=g),
        4 * torch.rand(seeds, n, 1, generator=g) - 2,
        torch.randn(seeds, n, generator=g),
        torch.randn(seeds, n, 3, generator=g),
        (torch.rand(seeds, n, generator=g) < 0.3).float(),
    )


def phi(agent, obs, actor, adversary):
    """Φ summed over seeds with the given actor and adversary weights (the critic as it is now)."""
    q = agent.critics[0]
    return (
        robust_value(
            agent.game.form, q, obs, agent.actor(obs, actor), agent.adversary(obs, adversary), agent.game.alpha
        )
        .mean(1)
        .sum()
    )


@pytest.mark.parametrize("form", ["nr", "pr"])
def test_tessler_schedule_moves_one_player_with_adam_against_the_others_target(form):
    game = RobustGameConfig(form=form, alpha=0.3, algorithm="tessler", step_size=0.01, adversary_every=3)
    agent = ActionRobustDDPG(3, LOW, HIGH, SMALL, game, generator=[0, 1])
    adv = agent.adversary.params.detach().clone().requires_grad_()
    act = agent.actor.params.detach().clone().requires_grad_()
    opt_adv, opt_act = torch.optim.Adam([adv], lr=0.01), torch.optim.Adam([act], lr=0.01)
    for k in range(6):
        obs = batch(k).obs
        if k % 3 == 0:  # the adversary descends Φ(μ', ν): the actor's TARGET network as opponent
            opt_adv.zero_grad()
            phi(agent, obs, agent.targets["actor"], adv).backward()
            opt_adv.step()
            frozen, moving = "actor", "adversary"
        else:  # the actor ascends Φ(μ, ν') against the adversary's target
            opt_act.zero_grad()
            (-phi(agent, obs, act, agent.targets["adversary"])).backward()
            opt_act.step()
            frozen, moving = "adversary", "actor"
        before = {k2: t.clone() for k2, t in agent.targets.items()}
        agent.policy_step(obs)
        agent.soft_update_targets()
        torch.testing.assert_close(agent.adversary.params, adv)
        torch.testing.assert_close(agent.actor.params, act)
        assert torch.equal(agent.targets[frozen], before[frozen])  # only the mover's target is averaged
        assert not torch.equal(agent.targets[moving], before[moving])


def test_gad_is_rmsprop_descent_ascent_on_the_payoff_at_the_current_point():
    game = RobustGameConfig(algorithm="gad", alpha=0.2, step_size=0.01, rmsprop_alpha=0.9)
    agent = ActionRobustDDPG(3, LOW, HIGH, SMALL, game, generator=[0, 1])
    act = agent.actor.params.detach().clone().requires_grad_()
    adv = agent.adversary.params.detach().clone().requires_grad_()
    opt = [torch.optim.RMSprop([act], lr=0.01, alpha=0.9), torch.optim.RMSprop([adv], lr=0.01, alpha=0.9)]
    for k in range(4):
        obs = batch(k).obs
        value = phi(agent, obs, act, adv)
        g_act, g_adv = torch.autograd.grad(value, [act, adv])
        act.grad, adv.grad = -g_act, g_adv  # simultaneous: both gradients at the same point
        for o in opt:
            o.step()
        agent.policy_step(obs)
        torch.testing.assert_close(agent.actor.params, act)
        torch.testing.assert_close(agent.adversary.params, adv)


@pytest.mark.parametrize("form", ["nr", "pr"])
def test_critic_target_bootstraps_the_value_of_the_executed_target_action(form):
    game = RobustGameConfig(form=form, alpha=0.2, algorithm="tessler")
    agent = ActionRobustDDPG(3, LOW, HIGH, SMALL, game, generator=[0, 1])
    b = batch(3)
    t = agent.targets
    mu, nu = agent.actor(b.next_obs, t["actor"]), agent.adversary(b.next_obs, t["adversary"])
    with torch.no_grad():
        q = lambda s, a: agent.critics[0](s, a, t["critic0"])  # noqa: E731
        value = (
            0.8 * q(b.next_obs, mu) + 0.2 * q(b.next_obs, nu) if form == "pr" else q(b.next_obs, 0.8 * mu + 0.2 * nu)
        )
    torch.testing.assert_close(agent.critic_targets(b), b.reward + 0.99 * (1 - b.terminated) * value)


def test_every_agent_of_the_registry_builds_with_its_entry():
    for name, (td3, game) in AGENTS.items():
        agent = make_agent(name, "Pendulum-v1", SMALL, generator=[0, 1])
        assert agent.config.td3 == td3 and agent.num_seeds == 2
        assert isinstance(agent, ActionRobustDDPG) == (game is not None)
    with pytest.raises(ValueError, match="agent must be one of"):
        make_agent("sac", "Pendulum-v1")
    with pytest.raises(ValueError, match="plays no game"):
        make_agent("ddpg", "Pendulum-v1", alpha=0.3)
    assert make_agent("nr_mdp", "Pendulum-v1", alpha=0.3).game.alpha == 0.3
    assert isinstance(make_agent("td3", "Hopper-v5"), DDPG)


def test_bad_game_configs_raise_with_the_value():
    for kwargs, text in [
        ({"algorithm": "sgd"}, "'sgd'"),
        ({"form": "xr"}, "'xr'"),
        ({"alpha": 1.5}, "1.5"),
        ({"adversary_every": 1}, "adversary_every"),
        ({"beta": 0.0}, "beta"),
        ({"temperature": -1.0}, "temperature"),
        ({"step_size": 0.0}, "step_size"),
    ]:
        with pytest.raises(ValueError, match=text):
            ActionRobustDDPG(3, LOW, HIGH, SMALL, RobustGameConfig(**kwargs))


def test_every_algorithm_and_form_is_a_valid_choice_and_nothing_else():
    for algorithm in ALGORITHMS:
        for form in ROBUST_FORMS:
            assert RobustGameConfig(form=form, algorithm=algorithm).validate().algorithm == algorithm
    assert set(ALGORITHMS) == {g.algorithm for _, g in AGENTS.values() if g is not None}
    with pytest.raises(ValueError, match="algorithm must be one of"):
        RobustGameConfig(algorithm="adam").validate()
    with pytest.raises(ValueError, match="robust form must be one of"):
        RobustGameConfig(form="xr").validate()
