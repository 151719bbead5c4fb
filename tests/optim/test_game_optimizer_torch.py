"""GameOptimizer as a torch.optim.Optimizer: SGD equivalence, lr schedulers, per-player steps, state_dict."""

import io

import pytest
import torch
from torch import nn

from saddle.optim import (
    ExtraAdam,
    ExtraGradient,
    GameOptimizer,
    OptimisticAdam,
    OptimisticGDA,
    SimultaneousGDA,
    StochasticSEGPlus,
)


def two_nets(seed=0):
    g = torch.Generator().manual_seed(seed)
    gen = nn.Sequential(nn.Linear(2, 8), nn.Tanh(), nn.Linear(8, 2))
    disc = nn.Sequential(nn.Linear(2, 8), nn.Tanh(), nn.Linear(8, 1))
    with torch.no_grad():
        for p in list(gen.parameters()) + list(disc.parameters()):
            p.copy_(torch.randn(p.shape, generator=g) * 0.5)
    return gen, disc


def game_losses(gen, disc, z, x):
    """Non-zero-sum WGAN-style losses: L_G = −E D(G(z)), L_D = E D(G(z)) − E D(x) + 0.1 E D(x)²."""
    fake = disc(gen(z)).mean()
    real = disc(x)
    return [-fake, fake - real.mean() + 0.1 * real.pow(2).mean()]


def data(seed=1):
    g = torch.Generator().manual_seed(seed)
    return torch.randn(16, 2, generator=g), torch.randn(16, 2, generator=g) + 1.0


def torch_step(gen, disc, z, x, *optimisers):
    """The reference update: each network's gradient of its own loss at the same point, then every optimiser steps."""
    loss_g, loss_d = game_losses(gen, disc, z, x)
    for p, gr in zip(gen.parameters(), torch.autograd.grad(loss_g, list(gen.parameters()), retain_graph=True)):
        p.grad = gr
    for p, gr in zip(disc.parameters(), torch.autograd.grad(loss_d, list(disc.parameters()))):
        p.grad = gr
    for opt in optimisers:
        opt.step()


def test_is_a_torch_optimizer_with_one_group_per_player():
    gen, disc = two_nets()
    opt = GameOptimizer([gen, {"params": disc.parameters(), "lr": 0.3}], SimultaneousGDA(0.1))
    assert isinstance(opt, torch.optim.Optimizer)
    assert [g["lr"] for g in opt.param_groups] == [0.1, 0.3]
    assert [len(g["params"]) for g in opt.param_groups] == [4, 4]


@pytest.mark.parametrize("lrs", [(0.1, 0.1), (0.05, 0.2)])
def test_simultaneous_gda_equals_two_sgd_optimisers(lrs):
    gen, disc = two_nets()
    gen2, disc2 = two_nets()
    z, x = data()
    opt = GameOptimizer(
        [{"params": gen.parameters(), "lr": lrs[0]}, {"params": disc.parameters(), "lr": lrs[1]}], SimultaneousGDA(0.1)
    )
    sgd_g, sgd_d = torch.optim.SGD(gen2.parameters(), lr=lrs[0]), torch.optim.SGD(disc2.parameters(), lr=lrs[1])
    for _ in range(20):
        opt.step(lambda: game_losses(gen, disc, z, x))
        torch_step(gen2, disc2, z, x, sgd_g, sgd_d)
    for a, b in zip(
        list(gen.parameters()) + list(disc.parameters()), list(gen2.parameters()) + list(disc2.parameters())
    ):
        torch.testing.assert_close(a, b, rtol=1e-6, atol=1e-7)


def test_step_lr_scheduler_changes_the_methods_step():
    """StepLR(opt, 3, 0.5): the displacement of GDA halves every 3 steps, exactly like SGD with the same scheduler."""
    gen, disc = two_nets()
    gen2, disc2 = two_nets()
    z, x = data()
    opt = GameOptimizer([gen, disc], SimultaneousGDA(0.2))
    sched = torch.optim.lr_scheduler.StepLR(opt, 3, gamma=0.5)
    sgd = torch.optim.SGD([{"params": gen2.parameters()}, {"params": disc2.parameters()}], lr=0.2)
    sched2 = torch.optim.lr_scheduler.StepLR(sgd, 3, gamma=0.5)
    for _ in range(10):
        opt.step(lambda: game_losses(gen, disc, z, x))
        sched.step()
        torch_step(gen2, disc2, z, x, sgd)
        sched2.step()
    assert opt.param_groups[0]["lr"] == pytest.approx(0.2 * 0.5**3)
    for a, b in zip(gen.parameters(), gen2.parameters()):
        torch.testing.assert_close(a, b, rtol=1e-6, atol=1e-7)


def test_extragradient_with_per_player_steps_matches_the_formula():
    """EG with lr (a, b): z_half_i = z_i − lr_i V_i(z), z⁺_i = z_i − lr_i V_i(z_half) on a bilinear game x^T B y."""
    g = torch.Generator().manual_seed(0)
    B = torch.randn(3, 3, generator=g, dtype=torch.float64)
    x = nn.Parameter(torch.randn(3, generator=g, dtype=torch.float64))
    y = nn.Parameter(torch.randn(3, generator=g, dtype=torch.float64))
    lr = torch.tensor([0.05, 0.2], dtype=torch.float64)
    opt = GameOptimizer([{"params": [x], "lr": 0.05}, {"params": [y], "lr": 0.2}], ExtraGradient(0.1))
    zx, zy = x.detach().clone(), y.detach().clone()
    for _ in range(10):
        opt.step(lambda: [x @ B @ y, -(x @ B @ y)])
        hx, hy = zx - lr[0] * (B @ zy), zy + lr[1] * (B.T @ zx)
        zx, zy = zx - lr[0] * (B @ hy), zy + lr[1] * (B.T @ hx)
    torch.testing.assert_close(x.detach(), zx, rtol=1e-12, atol=1e-13)
    torch.testing.assert_close(y.detach(), zy, rtol=1e-12, atol=1e-13)


@pytest.mark.parametrize("factory", [ExtraAdam, OptimisticAdam, ExtraGradient, OptimisticGDA, StochasticSEGPlus])
def test_per_player_lr_on_a_decoupled_game_equals_each_player_alone(factory):
    """L_1(x) and L_2(y) independent: player i with group lr_i moves exactly like the method run alone with lr_i."""
    g = torch.Generator().manual_seed(1)
    x0 = torch.randn(4, generator=g, dtype=torch.float64)
    y0 = torch.randn(3, generator=g, dtype=torch.float64)
    loss_x = lambda x: (x.pow(2) * torch.arange(1, 5, dtype=torch.float64)).sum() + x.pow(4).sum()  # noqa: E731
    loss_y = lambda y: (y - 1).pow(2).sum() + torch.sin(y).sum()  # noqa: E731
    x, y = nn.Parameter(x0.clone()), nn.Parameter(y0.clone())
    opt = GameOptimizer([{"params": [x], "lr": 0.01}, {"params": [y], "lr": 0.04}], factory(0.02))
    xa, ya = nn.Parameter(x0.clone()), nn.Parameter(y0.clone())
    alone_x, alone_y = GameOptimizer([[xa]], factory(0.01)), GameOptimizer([[ya]], factory(0.04))
    for _ in range(12):
        opt.step(lambda: [loss_x(x), loss_y(y)])
        alone_x.step(lambda: [loss_x(xa)])
        alone_y.step(lambda: [loss_y(ya)])
    torch.testing.assert_close(x.detach(), xa.detach(), rtol=1e-12, atol=1e-13)
    torch.testing.assert_close(y.detach(), ya.detach(), rtol=1e-12, atol=1e-13)


def test_state_dict_is_torch_format_and_resumes_with_scheduler():
    z, x = data()

    def make():
        gen, disc = two_nets()
        opt = GameOptimizer([gen, disc], ExtraAdam(0.01))
        return gen, disc, opt, torch.optim.lr_scheduler.StepLR(opt, 2, gamma=0.7)

    gen, disc, opt, sched = make()
    for _ in range(5):
        opt.step(lambda: game_losses(gen, disc, z, x))
        sched.step()
    buf = io.BytesIO()
    torch.save(
        {"opt": opt.state_dict(), "sched": sched.state_dict(), "g": gen.state_dict(), "d": disc.state_dict()}, buf
    )
    sd = opt.state_dict()
    assert set(sd["state"]) == {0, 1} and {"direction.m", "direction.v"} <= set(sd["state"][0])
    assert sd["param_groups"][1]["params"] == [4, 5, 6, 7]
    for _ in range(5):
        opt.step(lambda: game_losses(gen, disc, z, x))
        sched.step()
    buf.seek(0)
    saved = torch.load(buf, weights_only=True)
    gen2, disc2, opt2, sched2 = make()
    gen2.load_state_dict(saved["g"])
    disc2.load_state_dict(saved["d"])
    opt2.load_state_dict(saved["opt"])
    sched2.load_state_dict(saved["sched"])
    for _ in range(5):
        opt2.step(lambda: game_losses(gen2, disc2, z, x))
        sched2.step()
    assert opt2.param_groups[0]["lr"] == opt.param_groups[0]["lr"]
    for a, b in zip(
        list(gen.parameters()) + list(disc.parameters()), list(gen2.parameters()) + list(disc2.parameters())
    ):
        assert torch.equal(a, b)


def test_load_state_dict_refuses_wrong_shapes_and_players():
    z, x = data()
    gen, disc = two_nets()
    opt = GameOptimizer([gen, disc], OptimisticGDA(0.1))
    opt.step(lambda: game_losses(gen, disc, z, x))
    sd = opt.state_dict()
    wider = nn.Sequential(nn.Linear(2, 9), nn.Tanh(), nn.Linear(9, 2))
    with pytest.raises(ValueError, match="shape"):
        GameOptimizer([wider, disc], OptimisticGDA(0.1)).load_state_dict(sd)
    with pytest.raises(ValueError, match="players"):
        GameOptimizer([gen], OptimisticGDA(0.1)).load_state_dict(sd)
    with pytest.raises(ValueError, match="parameters"):
        GameOptimizer([gen, list(disc.parameters())[:2]], OptimisticGDA(0.1)).load_state_dict(sd)
    bad = opt.state_dict()
    bad["state"][1]["past_direction"] = bad["state"][1]["past_direction"][:, :-1]
    with pytest.raises(ValueError, match="past_direction"):
        GameOptimizer([gen, disc], OptimisticGDA(0.1)).load_state_dict(bad)


def test_bad_lr_is_refused():
    gen, disc = two_nets()
    with pytest.raises(ValueError, match="lr of player 1"):
        GameOptimizer([gen, {"params": disc.parameters(), "lr": -1.0}], SimultaneousGDA(0.1))
    with pytest.raises(ValueError, match="lr"):
        GameOptimizer([gen, disc], SimultaneousGDA(0.1), lr=float("nan"))


def test_simultaneous_adam_equals_two_torch_adam_optimisers():
    """SimultaneousAdam through GameOptimizer (lrs 1e-2, 3e-2) = torch.optim.Adam on each network, same losses."""
    from saddle.optim import SimultaneousAdam

    gen, disc = two_nets()
    gen2, disc2 = two_nets()
    z, x = data()
    opt = GameOptimizer([gen, {"params": disc.parameters(), "lr": 3e-2}], SimultaneousAdam(1e-2))
    adam_g, adam_d = torch.optim.Adam(gen2.parameters(), lr=1e-2), torch.optim.Adam(disc2.parameters(), lr=3e-2)
    for _ in range(25):
        opt.step(lambda: game_losses(gen, disc, z, x))
        torch_step(gen2, disc2, z, x, adam_g, adam_d)
    for a, b in zip(
        list(gen.parameters()) + list(disc.parameters()), list(gen2.parameters()) + list(disc2.parameters())
    ):
        torch.testing.assert_close(a, b, rtol=1e-5, atol=1e-6)


def test_state_dict_saves_every_rows_noise_generator_and_resumes_exactly():
    """rows=2 with one generator per row (the seed-batched agents and stacked GANs): a resumed run from a saved
    state_dict draws the same noise in every row as the uninterrupted one (mid outer step of K = 3 SGLD steps)."""
    from saddle.optim import LangevinMirrorDescent, RMSPropDirection

    def make(seeds, generators=None):
        x = torch.tensor([[0.5, -1.0], [2.0, 0.3]], dtype=torch.float64, requires_grad=True)
        y = torch.tensor([[1.0, 0.2, -0.4], [0.0, 1.5, 0.7]], dtype=torch.float64, requires_grad=True)
        gens = [torch.Generator().manual_seed(s) for s in seeds] if generators is None else generators
        method = LangevinMirrorDescent(0.05, 0.1, gens, inner_steps=3, beta=0.8, direction=RMSPropDirection(0.9))
        return x, y, GameOptimizer([x, y], method, rows=2)

    def losses(x, y):
        inner = (torch.tanh(x) @ torch.ones(2, 3, dtype=torch.float64) * y).sum()
        return [inner + (x**2).sum() / 4, -inner]

    x, y, opt = make([3, 4])
    for _ in range(4):
        opt.step(lambda: losses(x, y))
    buf = io.BytesIO()
    torch.save({"opt": opt.state_dict(), "x": x.detach().clone(), "y": y.detach().clone()}, buf)
    for _ in range(5):
        opt.step(lambda: losses(x, y))
    buf.seek(0)
    saved = torch.load(buf, weights_only=True)
    x2, y2, opt2 = make([8, 9])  # other seeds: every row's stream must come from the state_dict
    with torch.no_grad():
        x2.copy_(saved["x"])
        y2.copy_(saved["y"])
    opt2.load_state_dict(saved["opt"])
    for _ in range(5):
        opt2.step(lambda: losses(x2, y2))
    assert torch.equal(x, x2) and torch.equal(y, y2)
    with pytest.raises(ValueError, match="one generator state per row"):
        make([], generators=torch.Generator())[2].load_state_dict(saved["opt"])
    with pytest.raises(ValueError, match="3 row generators, the players have rows=2"):
        make([1, 2, 5])  # three streams for two rows
