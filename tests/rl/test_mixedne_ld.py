"""MixedNE-LD (Kamalaruban et al. 2020, Alg. 3) is LangevinMirrorDescent × RMSProp on the one Langevin step: at
temperature 0 with one inner step (β = 1) it is RMSProp descent-ascent; its damped average is the closed form
Σ β(1 − β)^{K−k} x_k + (1 − β)^K z_t; the thermal noise follows its schedule; a run resumed mid-inner-loop is exact;
S seeds batched draw each seed's noise from its own stream."""

import math

import numpy as np
import pytest
import torch

from saddle.optim import GameOptimizer, LangevinMirrorDescent, RMSPropDirection, SimultaneousGDA
from saddle.rl import (
    ActionRobustDDPG,
    DDPGConfig,
    RobustGameConfig,
    Runner,
    SeedStreams,
    inner_steps_schedule,
    make_agent,
    temperature_schedule,
)
from saddle.rl.replay import Batch

LOW, HIGH = np.array([-2.0], dtype=np.float32), np.array([2.0], dtype=np.float32)
SMALL = DDPGConfig(hidden=(8,), batch_size=16, buffer_size=100, learning_starts=0)


def game_field(params):
    """A non-linear two-player game, batched over a leading axis: Φ(x, y) = Σ tanh(x)·y + x²/4 − y²/8 (x minimises)."""
    x, y = params
    return [(1 - torch.tanh(x) ** 2) * y + x / 2, -(torch.tanh(x) - y / 4)]


def start(seed=0, rows=3, dim=5):
    g = torch.Generator().manual_seed(seed)
    return [torch.randn(rows, dim, generator=g, dtype=torch.float64) for _ in range(2)]


def test_temperature_zero_and_one_inner_step_is_rmsprop_descent_ascent():
    mixed = LangevinMirrorDescent(0.05, 0.0, 0, inner_steps=1, beta=1.0, direction=RMSPropDirection(0.9))
    gda = SimultaneousGDA(0.05, direction=RMSPropDirection(0.9))
    z1 = z2 = start()
    s1, s2 = mixed.init(z1), gda.init(z2)
    for _ in range(20):
        z1, s1 = mixed.step(z1, s1, game_field)
        z2, s2 = gda.step(z2, s2, game_field)
    for a, b in zip(z1, z2):
        torch.testing.assert_close(a, b, rtol=0, atol=1e-14)


def test_the_damped_average_is_its_closed_form():
    eta, beta, k_inner, alpha = 0.1, 0.6, 4, 0.9
    method = LangevinMirrorDescent(eta, 0.0, 0, inner_steps=k_inner, beta=beta, direction=RMSPropDirection(alpha))
    z = start(1)
    state = method.init(z)
    params = z
    for _ in range(k_inner):
        params, state = method.step(params, state, game_field)
    # the chains by hand: RMSProp-preconditioned steps, each player against the other's outer iterate z_t
    v = [torch.zeros_like(p) for p in z]
    chains, x = [], list(z)
    for k in range(k_inner):
        grads = game_field(x) if k == 0 else [game_field([x[0], z[1]])[0], game_field([z[0], x[1]])[1]]
        for i in range(2):
            v[i] = alpha * v[i] + (1 - alpha) * grads[i] ** 2
            x[i] = x[i] - eta * grads[i] / (v[i].sqrt() + 1e-8)
        chains.append(list(x))
    for i in range(2):  # z̄ = Σ_k β(1 − β)^{K−k} x_k + (1 − β)^K z_t;  z_{t+1} = (1 − β) z_t + β z̄
        average = (1 - beta) ** k_inner * z[i] + sum(
            beta * (1 - beta) ** (k_inner - 1 - k) * chains[k][i] for k in range(k_inner)
        )
        torch.testing.assert_close(params[i], (1 - beta) * z[i] + beta * average, rtol=0, atol=1e-12)
    assert state.inner == 0 and state.count == 1


def test_thermal_noise_follows_its_schedule():
    eps0, decay = 0.3, 0.01  # the paper's thermal noise ε_t = ε_0 (1 − d)^t is √T_t
    temperature = temperature_schedule(eps0**2, decay)
    assert temperature(0) == pytest.approx(eps0**2) and temperature(100) == pytest.approx((eps0 * 0.99**100) ** 2)
    # K_t = min(15, ⌊(1 + 1e-5)^t⌋): 2 from t = ⌈ln 2 / ln(1 + 1e-5)⌉ = 69,316 on, 15 from ⌈ln 15 / ln(1 + 1e-5)⌉
    schedule = inner_steps_schedule(15, 1e-5)
    assert [schedule(t) for t in (0, 69_315, 69_316, 270_806, 270_807, 10**7)] == [1, 1, 2, 14, 15, 15]
    eta, n = 0.01, 200_000
    method = LangevinMirrorDescent(eta, temperature, 0, inner_steps=1, beta=1.0)
    z = [torch.zeros(n, 1, dtype=torch.float64)]
    state = method.init(z)
    for t in range(101):  # a zero field: each step adds sqrt(2 η T_t) ξ
        before = z[0]
        z, state = method.step(z, state, lambda p: [torch.zeros_like(p[0])])
        if t in (0, 100):
            var = float((z[0] - before).var())
            se = var * math.sqrt(2 / n)
            assert abs(var - 2 * eta * temperature(t)) < 4 * se


def test_resume_mid_inner_loop_is_exact(tmp_path):
    def build(seed):
        g = torch.Generator().manual_seed(seed)
        players = [torch.nn.Linear(3, 2), torch.nn.Linear(3, 2)]
        with torch.no_grad():
            for p in (q for m in players for q in m.parameters()):
                p.copy_(torch.randn(p.shape, generator=g))
        method = LangevinMirrorDescent(0.05, 1e-3, 7, inner_steps=4, beta=0.9, direction=RMSPropDirection(0.99))
        return players, GameOptimizer(players, method)

    data = torch.randn(16, 3, generator=torch.Generator().manual_seed(3))

    def losses(players):
        phi = (players[0](data) * players[1](data)).mean() + 0.1 * players[0](data).pow(2).mean()
        return [phi, -phi]

    def run(players, opt, steps):
        for _ in range(steps):
            opt.step(lambda: losses(players))
        return [p.detach().clone() for m in players for p in m.parameters()]

    players, opt = build(0)
    straight = run(players, opt, 7)
    players, opt = build(0)
    run(players, opt, 2)  # mid-way through the first outer step (K = 4)
    assert opt.method_state.inner == 2
    torch.save({"players": [m.state_dict() for m in players], "opt": opt.state_dict()}, tmp_path / "c.pt")
    players, opt = build(5)  # other weights, a fresh generator
    saved = torch.load(tmp_path / "c.pt", weights_only=True)
    for m, s in zip(players, saved["players"]):
        m.load_state_dict(s)
    opt.load_state_dict(saved["opt"])
    resumed = run(players, opt, 5)
    assert all(torch.equal(a, b) for a, b in zip(straight, resumed))


def batch(seed=0, n=16, seeds=2):
    g = torch.Generator().manual_seed(seed)
    return Batch(
        torch.randn(seeds, n, 3, generator=g),
        4 * torch.rand(seeds, n, 1, generator=g) - 2,
        torch.randn(seeds, n, generator=g),
        torch.randn(seeds, n, 3, generator=g),
        (torch.rand(seeds, n, generator=g) < 0.3).float(),
    )


def test_the_agent_at_temperature_zero_one_step_and_beta_one_is_the_gad_agent():
    common = {"alpha": 0.2, "step_size": 0.01, "rmsprop_alpha": 0.9}
    mixed = ActionRobustDDPG(
        3,
        LOW,
        HIGH,
        SMALL,
        RobustGameConfig(algorithm="mixedne_ld", temperature=0.0, inner_steps=1, beta=1.0, **common),
        generator=[0, 1],
    )
    gad = ActionRobustDDPG(3, LOW, HIGH, SMALL, RobustGameConfig(algorithm="gad", **common), generator=[0, 1])
    for k in range(5):
        mixed.update(batch(k))
        gad.update(batch(k))
    for name, p in gad.online().items():
        torch.testing.assert_close(mixed.online()[name], p, rtol=0, atol=1e-6)


def test_agent_resumes_exactly_mid_inner_loop(tmp_path):
    game = RobustGameConfig(algorithm="mixedne_ld", step_size=0.01, temperature=0.0025, inner_steps=3, inner_growth=1.0)
    straight = ActionRobustDDPG(3, LOW, HIGH, SMALL, game, generator=[0, 1])
    for k in range(7):
        straight.update(batch(k))
    first = ActionRobustDDPG(3, LOW, HIGH, SMALL, game, generator=[0, 1])
    for k in range(4):  # outer steps 0 (K_0 = 1), 1 (K_1 = 2), then one inner step of outer step 2 (K_2 = 3)
        first.update(batch(k))
    assert first.inner_pending()
    torch.save(first.state_dict(), tmp_path / "a.pt")
    resumed = ActionRobustDDPG(3, LOW, HIGH, SMALL, game, generator=[0, 1])
    resumed.update(batch(99))  # a different history, overwritten by the checkpoint
    resumed.load_state_dict(torch.load(tmp_path / "a.pt", weights_only=True))
    for k in range(4, 7):
        resumed.update(batch(k))
    for name, p in straight.online().items():
        assert torch.equal(resumed.online()[name], p)


def test_the_agent_and_its_langevin_method_share_one_generator_saved_once():
    game = RobustGameConfig(algorithm="mixedne_ld", step_size=0.01, temperature=0.0025)
    agent = ActionRobustDDPG(3, LOW, HIGH, SMALL, game, generator=[0, 1])
    assert agent.actor_optimizer.method.generator == tuple(agent.generator)  # the same Generator objects
    agent.update(batch(0))
    state = agent.state_dict()
    assert state["actor_optimizer"]["generator_state"] is None  # not a second copy of state["generator"]
    assert all(torch.equal(a, g.get_state()) for a, g in zip(state["generator"]["states"], agent.generator))
    with pytest.raises(ValueError, match="seeds"):
        ActionRobustDDPG(3, LOW, HIGH, SMALL, game, generator=[0, 2]).load_state_dict(state)


def test_batched_seeds_draw_each_seeds_noise_from_its_own_stream():
    cfg = DDPGConfig(hidden=(16,), batch_size=8, buffer_size=500, learning_starts=30)
    batched = Runner(
        make_agent("mixedne_ld", "Pendulum-v1", cfg, [4, 9], temperature=0.0025), "Pendulum-v1", max_episode_steps=25
    )
    batched.run(70)
    for i, seed in enumerate([4, 9]):
        alone = Runner(
            make_agent("mixedne_ld", "Pendulum-v1", cfg, seed, temperature=0.0025), "Pendulum-v1", max_episode_steps=25
        )
        alone.run(70)
        assert torch.equal(batched.agent.actor.params[i], alone.agent.actor.params[0])
        assert torch.equal(batched.agent.adversary.params[i], alone.agent.adversary.params[0])
    assert not torch.equal(batched.agent.adversary.params[0], batched.agent.adversary.params[1])
    streams = SeedStreams([4, 9])
    assert len(streams) == 2


def test_batched_game_optimizer_rows_are_independent_copies_with_their_own_noise():
    from saddle.langevin import check_noise_source, gaussian_noise

    def make(rows, seeds):
        g = torch.Generator().manual_seed(11)
        x = torch.randn(3, 4, generator=g)[list(rows)].clone().requires_grad_()
        y = torch.randn(3, 4, generator=g)[list(rows)].clone().requires_grad_()
        method = LangevinMirrorDescent(
            0.05, 0.01, SeedStreams(seeds), inner_steps=3, beta=0.8, direction=RMSPropDirection(0.9)
        )
        return x, y, GameOptimizer([x, y], method, rows=len(rows))

    def play(x, y, opt, steps=7):
        for _ in range(steps):
            opt.step(
                lambda: [((torch.tanh(x) * y).sum(1) + (x**2).sum(1) / 4).sum(), -((torch.tanh(x) * y).sum(1)).sum()]
            )
        return x.detach(), y.detach()

    xb, yb = play(*make([0, 1, 2], [5, 6, 7]))
    for r, seed in enumerate([5, 6, 7]):
        x1, y1 = play(*make([r], [seed]))
        assert torch.equal(xb[r], x1[0]) and torch.equal(yb[r], y1[0])
    with pytest.raises(ValueError, match="first axis must split into 2 rows"):
        GameOptimizer(
            [torch.zeros(2, 3, requires_grad=True), torch.zeros(3, 3, requires_grad=True)],
            LangevinMirrorDescent(0.1, 0.0, 0),
            rows=2,
        )
    with pytest.raises(ValueError, match=r"one torch\.Generator per row"):
        check_noise_source([torch.Generator(), 3])
    with pytest.raises(ValueError, match="got None"):
        check_noise_source(None)
    with pytest.raises(ValueError, match=r"need 3 torch\.Generators for shape \(3, 2\), got 2"):
        gaussian_noise(torch.zeros(3, 2), SeedStreams([0, 1]))
    assert isinstance(check_noise_source(4), torch.Generator)
