"""DDPG/TD3 updates follow their formulas: soft targets follow τ, the critic target, the actor loss on the current
state (checked against a hand-written update with torch.nn layers), TD3's clipped double-Q and delayed policy."""

import re

import numpy as np
import pytest
import torch
from torch import nn

from saddle.rl import DDPG, DDPGConfig, soft_update
from saddle.rl.replay import Batch

LOW, HIGH = np.array([-2.0], dtype=np.float32), np.array([2.0], dtype=np.float32)
SMALL = DDPGConfig(hidden=(8,), batch_size=16, buffer_size=100, learning_starts=0)


def batch(seed=0, n=16, seeds=1):
    g = torch.Generator().manual_seed(seed)
    return Batch(
        torch.randn(seeds, n, 3, generator=g),
        4 * torch.rand(seeds, n, 1, generator=g) - 2,
        torch.randn(seeds, n, generator=g),
        torch.randn(seeds, n, 3, generator=g),
        (torch.rand(seeds, n, generator=g) < 0.3).float(),
    )


def as_module(net, params=None, s=0):
    """Seed s's network (weights `params` or its own) as torch.nn layers: an independent forward."""
    layers: list[nn.Module] = []
    for w, b in net.layers(params):
        lin = nn.Linear(w.shape[2], w.shape[1])
        with torch.no_grad():
            lin.weight.copy_(w[s])
            lin.bias.copy_(b[s, 0])
        layers += [lin, nn.ReLU()]
    return nn.Sequential(*layers[:-1])


def test_soft_update_follows_tau_in_closed_form():
    g = torch.Generator().manual_seed(0)
    source, target = [torch.randn(3, 4, generator=g)], [torch.randn(3, 4, generator=g)]
    start = target[0].clone()
    tau, k = 0.1, 7
    for _ in range(k):
        soft_update(target, source, tau)
    torch.testing.assert_close(target[0], source[0] + (1 - tau) ** k * (start - source[0]))  # θ'_k
    soft_update(target, source, 1.0)
    assert torch.equal(target[0], source[0])
    with pytest.raises(ValueError, match=re.escape("1.5")):
        soft_update(target, source, 1.5)
    with pytest.raises(ValueError, match="matching lists"):
        soft_update(target, [torch.zeros(2)], 0.5)


def test_critic_target_and_actor_loss_on_the_current_state():
    agent = DDPG(3, LOW, HIGH, SMALL, generator=0)
    b = batch()
    s, a, r, s2, d = (x[0] for x in b)
    actor, critic = as_module(agent.actor.net), as_module(agent.critics[0].net)
    actor_t = as_module(agent.actor.net, agent.targets["actor"])
    critic_t = as_module(agent.critics[0].net, agent.targets["critic0"])

    def mu(net, obs):
        return 2.0 * torch.tanh(net(obs))  # centre 0, half-range 2

    with torch.no_grad():
        y = r + 0.99 * (1 - d) * critic_t(torch.cat([s2, mu(actor_t, s2)], -1))[:, 0]
    torch.testing.assert_close(agent.critic_targets(b)[0], y)
    c_opt, a_opt = torch.optim.Adam(critic.parameters(), lr=1e-3), torch.optim.Adam(actor.parameters(), lr=1e-3)
    ((critic(torch.cat([s, a], -1))[:, 0] - y) ** 2).mean().backward()
    c_opt.step()
    (-critic(torch.cat([s, mu(actor, s)], -1)).mean()).backward()  # Q(s, μ(s)) on the CURRENT states
    a_opt.step()
    agent.update(b)
    for mine, ref in ((agent.critics[0].net, critic), (agent.actor.net, actor)):
        for (w, bias), lin in zip(mine.layers(), [m for m in ref if isinstance(m, nn.Linear)]):
            torch.testing.assert_close(w[0], lin.weight)
            torch.testing.assert_close(bias[0, 0], lin.bias)
    # after the policy step the targets moved by τ towards the online networks
    online = agent.online()
    assert all(not torch.equal(agent.targets[k], online[k]) for k in online)


def test_td3_target_uses_the_smaller_critic_and_delays_the_policy():
    cfg = DDPGConfig(hidden=(8,), td3=True, target_noise=0.0, policy_delay=2, learning_starts=0)
    agent = DDPG(3, LOW, HIGH, cfg, generator=[0, 1])
    b = batch(1, seeds=2)
    with torch.no_grad():
        a2 = agent.actor(b.next_obs, agent.targets["actor"])
        q = torch.minimum(
            agent.critics[0](b.next_obs, a2, agent.targets["critic0"]),
            agent.critics[1](b.next_obs, a2, agent.targets["critic1"]),
        )
    torch.testing.assert_close(agent.critic_targets(b), b.reward + 0.99 * (1 - b.terminated) * q)
    before = agent.actor.params.detach().clone()
    info = agent.update(b)
    assert "actor_loss" not in info and info["critic_loss"].shape == (2,)  # update 1: critics only
    assert torch.equal(agent.actor.params, before)
    assert "actor_loss" in agent.update(b)  # update 2: policy and targets
    assert not torch.equal(agent.actor.params, before)


def test_td3_target_smoothing_noise_is_clipped():
    cfg = DDPGConfig(hidden=(8,), td3=True, target_noise=5.0, target_noise_clip=0.25, learning_starts=0)
    agent = DDPG(3, LOW, HIGH, cfg, generator=[0, 1])
    smoothed = agent.smoothed(torch.zeros(2, 2000, 1))
    assert smoothed.abs().max().item() == pytest.approx(0.25 * 2.0)  # clip c times the half-range 2
    assert not torch.equal(smoothed[0], smoothed[1])  # each seed its own noise


def test_exploration_and_warm_up_actions_stay_in_the_box_per_seed():
    agent = DDPG(3, LOW, HIGH, DDPGConfig(hidden=(8,), exploration_noise=10.0), generator=[0, 1, 2])
    obs = np.zeros((3, 3), dtype=np.float32)
    a = agent.explore(obs)
    assert a.shape == (3, 1) and np.all(np.abs(a) <= 2.0)
    assert agent.random_action().shape == (3, 1)
    assert agent.act(np.zeros((3, 5, 3))).shape == (3, 5, 1)
    with pytest.raises(ValueError, match=r"shape \(S, d\) with S = 3"):
        agent.explore(np.zeros((2, 3)))


def test_bad_configs_raise_with_the_value():
    for kwargs, text in [
        ({"tau": 0.0}, "0.0"),
        ({"gamma": 1.0}, "1.0"),
        ({"batch_size": 0}, "0"),
        ({"hidden": (8, -1)}, "-1"),
        ({"critic_lr": float("nan")}, "nan"),
        ({"train_freq": 0}, "train_freq"),
        ({"critic_weight_decay": -1.0}, "critic_weight_decay"),
    ]:
        with pytest.raises(ValueError, match=text):
            DDPG(3, LOW, HIGH, DDPGConfig(**kwargs))
    with pytest.raises(ValueError, match="low < high"):
        DDPG(3, HIGH, LOW)
    with pytest.raises(ValueError, match="distinct"):
        DDPG(3, LOW, HIGH, generator=[1, 1])


def test_policies_refuse_non_finite_observations():
    agent = DDPG(3, LOW, HIGH, SMALL, generator=[0, 1])
    obs = np.zeros((2, 3), dtype=np.float32)
    obs[1, 2] = np.nan
    with pytest.raises(ValueError, match="NaN or inf"):
        agent.explore(obs)
    with pytest.raises(ValueError, match="NaN or inf"):
        agent.act(np.full((2, 4, 3), np.inf, dtype=np.float32))
    assert agent.act(np.zeros((2, 4, 3), dtype=np.float32)).shape == (2, 4, 1)
