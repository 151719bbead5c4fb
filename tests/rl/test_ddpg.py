"""DDPG/TD3 updates follow their formulas: soft targets follow τ, the critic target, the actor loss on the
current state, TD3's clipped double-Q; the action-robust game goes through GameOptimizer."""

import copy
import re

import numpy as np
import pytest
import torch

from saddle.rl import DDPG, ActionRobustDDPG, DDPGConfig, RobustGameConfig, soft_update
from saddle.rl.replay import Batch

LOW, HIGH = np.array([-2.0], dtype=np.float32), np.array([2.0], dtype=np.float32)
SMALL = DDPGConfig(hidden=(8,), batch_size=16, buffer_size=100, learning_starts=0)


def batch(seed=0, n=16):
    g = torch.Generator().manual_seed(seed)
    return Batch(
        torch.randn(n, 3, generator=g),
        4 * torch.rand(n, 1, generator=g) - 2,
        torch.randn(n, generator=g),
        torch.randn(n, 3, generator=g),
        (torch.rand(n, generator=g) < 0.3).float(),
    )


def test_soft_update_follows_tau_in_closed_form():
    agent = DDPG(3, LOW, HIGH, SMALL, seed=0)
    source, target = agent.actor, copy.deepcopy(agent.actor)
    with torch.no_grad():
        for p in target.parameters():
            p.add_(1.0)
    start = [p.clone() for p in target.parameters()]
    tau, k = 0.1, 7
    for _ in range(k):
        soft_update(target, source, tau)
    for t, s, t0 in zip(target.parameters(), source.parameters(), start):  # θ'_k = θ + (1 − τ)^k (θ'_0 − θ)
        torch.testing.assert_close(t, s + (1 - tau) ** k * (t0 - s))
    soft_update(target, source, 1.0)
    assert all(torch.equal(t, s) for t, s in zip(target.parameters(), source.parameters()))
    with pytest.raises(ValueError, match=re.escape("1.5")):
        soft_update(target, source, 1.5)


def reference_update(agent, b, actor_states):
    """One DDPG update written out by hand on copies: critic MSE step, then Adam on −mean Q(s_used, μ(s_used))."""
    actor, critic = copy.deepcopy(agent.actor), copy.deepcopy(agent.critics[0])
    c_opt = torch.optim.Adam(critic.parameters(), lr=agent.config.critic_lr)
    a_opt = torch.optim.Adam(actor.parameters(), lr=agent.config.actor_lr)
    with torch.no_grad():
        y = b.reward + agent.config.gamma * (1 - b.terminated) * agent.critics_target[0](
            b.next_obs, agent.actor_target(b.next_obs)
        )
    c_opt.zero_grad()
    ((critic(b.obs, b.action) - y) ** 2).mean().backward()
    c_opt.step()
    a_opt.zero_grad()
    s = b.obs if actor_states == "current" else b.next_obs
    (-critic(s, actor(s)).mean()).backward()
    a_opt.step()
    return actor, critic


def test_critic_target_and_actor_loss_on_the_current_state():
    agent = DDPG(3, LOW, HIGH, SMALL, seed=0)
    b = batch()
    with torch.no_grad():
        y = b.reward + 0.99 * (1 - b.terminated) * agent.critics_target[0](b.next_obs, agent.actor_target(b.next_obs))
    torch.testing.assert_close(agent.critic_targets(b), y)
    actor, critic = reference_update(agent, b, "current")
    wrong, _ = reference_update(agent, b, "next")  # the defect of the public research code: Q(s', μ(s'))
    agent.update(b)
    for p, r in zip(agent.critics[0].parameters(), critic.parameters()):
        torch.testing.assert_close(p, r)
    for p, r in zip(agent.actor.parameters(), actor.parameters()):
        torch.testing.assert_close(p, r)
    assert max((p - w).abs().max().item() for p, w in zip(agent.actor.parameters(), wrong.parameters())) > 1e-6


def test_td3_target_uses_the_smaller_critic_and_delays_the_policy():
    cfg = DDPGConfig(hidden=(8,), td3=True, target_noise=0.0, policy_delay=2, learning_starts=0)
    agent = DDPG(3, LOW, HIGH, cfg, seed=0)
    b = batch(1)
    with torch.no_grad():
        a2 = agent.actor_target(b.next_obs)
        q = torch.minimum(agent.critics_target[0](b.next_obs, a2), agent.critics_target[1](b.next_obs, a2))
    torch.testing.assert_close(agent.critic_targets(b), b.reward + 0.99 * (1 - b.terminated) * q)
    before = [p.clone() for p in agent.actor.parameters()]
    assert "actor_loss" not in agent.update(b)  # update 1: critics only
    assert all(torch.equal(p, q) for p, q in zip(agent.actor.parameters(), before))
    assert "actor_loss" in agent.update(b)  # update 2: policy and targets
    assert not all(torch.equal(p, q) for p, q in zip(agent.actor.parameters(), before))


def test_td3_target_smoothing_noise_is_clipped():
    cfg = DDPGConfig(hidden=(8,), td3=True, target_noise=5.0, target_noise_clip=0.25, learning_starts=0)
    agent = DDPG(3, LOW, HIGH, cfg, seed=0)
    a = torch.zeros(2000, 1)
    smoothed = agent.smoothed(a)
    assert smoothed.abs().max().item() == pytest.approx(0.25 * 2.0)  # clip c times the half-range 2


@pytest.mark.parametrize("form", ["nr", "pr"])
def test_game_step_is_gda_on_the_payoff_through_game_optimizer(form):
    game = RobustGameConfig(form=form, alpha=0.3, method="gda", lr=0.05)
    agent = ActionRobustDDPG(3, LOW, HIGH, SMALL, game, seed=0)
    obs = batch(2).obs
    actor, adversary = copy.deepcopy(agent.actor), copy.deepcopy(agent.adversary)
    phi = agent.payoff(obs)
    ga = torch.autograd.grad(phi, list(agent.actor.parameters()), retain_graph=True)
    gw = torch.autograd.grad(phi, list(agent.adversary.parameters()))
    agent.policy_step(obs)
    for p, p0, g in zip(agent.actor.parameters(), actor.parameters(), ga):  # actor ascends Φ
        torch.testing.assert_close(p, p0 + 0.05 * g)
    for p, p0, g in zip(agent.adversary.parameters(), adversary.parameters(), gw):  # adversary descends Φ
        torch.testing.assert_close(p, p0 - 0.05 * g)


def test_nr_mdp_critic_target_bootstraps_the_mixed_target_action():
    game = RobustGameConfig(form="nr", alpha=0.2, method="extra_adam", lr=1e-3)
    agent = ActionRobustDDPG(3, LOW, HIGH, SMALL, game, seed=0)
    b = batch(3)
    with torch.no_grad():
        a2 = 0.8 * agent.actor_target(b.next_obs) + 0.2 * agent.adversary_target(b.next_obs)
        y = b.reward + 0.99 * (1 - b.terminated) * agent.critics_target[0](b.next_obs, a2)
    torch.testing.assert_close(agent.critic_targets(b), y)


def test_bad_configs_raise_with_the_value():
    for kwargs, text in [
        ({"tau": 0.0}, "0.0"),
        ({"gamma": 1.0}, "1.0"),
        ({"batch_size": 0}, "0"),
        ({"hidden": (8, -1)}, "-1"),
        ({"critic_lr": float("nan")}, "nan"),
    ]:
        with pytest.raises(ValueError, match=text):
            DDPG(3, LOW, HIGH, DDPGConfig(**kwargs))
    with pytest.raises(ValueError, match="'sgd'"):
        ActionRobustDDPG(3, LOW, HIGH, SMALL, RobustGameConfig(method="sgd"))
    with pytest.raises(ValueError, match="low < high"):
        DDPG(3, HIGH, LOW)


def test_soft_update_refuses_a_module_mixed_with_a_tensor_list():
    agent = DDPG(3, LOW, HIGH, SMALL, seed=0)
    source, target = agent.actor, copy.deepcopy(agent.actor)
    with pytest.raises(ValueError, match="two modules or two lists"):
        soft_update(target, list(source.parameters()), 0.5)
    with pytest.raises(ValueError, match="two modules or two lists"):
        soft_update(list(target.parameters()), source, 0.5)
    targets = [p.detach().clone() for p in target.parameters()]
    soft_update(targets, [p.detach() for p in source.parameters()], 1.0)  # two lists: θ' ← θ at τ = 1
    assert all(torch.equal(t, s) for t, s in zip(targets, source.parameters()))
