"""The step size lives in the template, per player, and a GameOptimizer group's lr IS that player's step.

Driven by every entry of METHODS (float64): group lr c·η equals the method built with c·η; two players with
different lrs equal the method built with one step per player; a player of a decoupled game moves as the
method run on it alone; torch's StepLR equals the method's own StepDecay schedule (Langevin noise included,
same generator), and it halves the Langevin noise variance.
"""

import math

import pytest
import torch
from torch import nn

from saddle.optim import (
    METHODS,
    AdamDirection,
    CountState,
    Direction,
    ExtraGradient,
    GameOptimizer,
    Identity,
    LangevinGDA,
    PolynomialDecay,
    RMSPropDirection,
    SimultaneousAdam,
    SimultaneousGDA,
    StepDecay,
    Template,
)
from saddle.optim._common import axpy, graph_free, project
from saddle.optim.directions import check_direction

DT = torch.float64
B = torch.tensor([[1.0, 0.5, -0.3], [0.2, -1.0, 0.7], [0.4, 0.1, 1.0]], dtype=DT)
RPS = torch.tensor([[0.0, -1.0, 1.0], [1.0, 0.0, -1.0], [-1.0, 1.0, 0.0]], dtype=DT)
MU = 0.3


def starts(domain, seed=0):
    g = torch.Generator().manual_seed(seed)
    if domain == "simplex":
        return [torch.softmax(torch.randn(3, generator=g, dtype=DT), -1) for _ in range(2)]
    return [torch.randn(3, generator=g, dtype=DT) for _ in range(2)]


def losses(domain, x, y):
    """Per-player losses: Φ = xᵀBy + μ/2 (‖x‖² − ‖y‖²) on R³ × R³, or rock-paper-scissors xᵀAy on the simplices."""
    phi = x @ RPS @ y if domain == "simplex" else x @ B @ y + 0.5 * MU * (x @ x) - 0.5 * MU * (y @ y)
    return [phi, -phi]


def field(domain):
    if domain == "simplex":
        return lambda p: [p[1] @ RPS.T, -(p[0] @ RPS)]
    return lambda p: [p[1] @ B.T + MU * p[0], -(p[0] @ B) + MU * p[1]]


def through_optimizer(info, method_step, lrs, steps=4, scheduler=None):
    """Players (x, y) stepped by GameOptimizer with group lrs `lrs` and a method built with `method_step`."""
    x, y = (nn.Parameter(p.clone()) for p in starts(info.domain))
    opt = GameOptimizer([{"params": [x], "lr": lrs[0]}, {"params": [y], "lr": lrs[1]}], info.factory(method_step))
    sched = None if scheduler is None else scheduler(opt)
    for _ in range(steps):
        opt.step(lambda: losses(info.domain, x, y))
        if sched is not None:
            sched.step()
    return [x.detach(), y.detach()]


def through_tensors(info, step_size, steps=4):
    """The same players on the tensor path, the method built with `step_size` (a float, schedule or per-player)."""
    method = info.factory(step_size)
    z = [p.unsqueeze(0) for p in starts(info.domain)]
    state = method.init(z)
    for _ in range(steps):
        z, state = method.step(z, state, field(info.domain))
    return [p[0] for p in z]


def deviation(a, b):
    """max |a − b| / max(1, |b|) over both players."""
    return max(float(((u - v).abs() / v.abs().clamp_min(1.0)).max()) for u, v in zip(a, b))


@pytest.mark.parametrize("c", [0.01, 0.5, 3.0])
@pytest.mark.parametrize("name", list(METHODS))
def test_group_lr_is_the_step_of_the_method(name, c):
    # the closing note's script: 4 steps with group lr c·η equal 4 steps of the method built with c·η (Langevin
    # methods included: the noise sqrt(2 c η T) ξ follows lr, drawn from a generator with the same seed)
    info = METHODS[name]
    eta = info.step_size
    grouped = through_optimizer(info, eta, (c * eta, c * eta))
    built = through_tensors(info, c * eta)
    assert deviation(grouped, built) <= 1e-10
    unscaled = through_tensors(info, eta)
    assert deviation(grouped, unscaled) > 1e-6  # the lr was not ignored


@pytest.mark.parametrize("name", list(METHODS))
def test_two_players_with_different_lrs_are_the_per_player_step_method(name):
    info = METHODS[name]
    eta = info.step_size
    lrs = (0.5 * eta, 1.5 * eta)
    grouped = through_optimizer(info, eta, lrs)
    assert deviation(grouped, through_tensors(info, list(lrs))) <= 1e-10
    assert deviation(grouped, through_tensors(info, eta)) > 1e-6


@pytest.mark.parametrize("name", [n for n, i in METHODS.items() if i.players_decouple and not i.stochastic])
def test_on_a_decoupled_game_each_player_moves_as_the_method_run_alone(name):
    # an independent check of per-player steps: player i of [η_1, η_2] is player i of a one-player run with η_i
    info = METHODS[name]
    eta = info.step_size
    steps = [0.5 * eta, 1.5 * eta]
    c = [torch.tensor([1.0, -0.5, 0.2], dtype=DT), torch.tensor([-0.3, 0.8, 0.1], dtype=DT)]
    if info.domain == "simplex":
        own = [lambda u, i=i: c[i] + 0 * u for i in range(2)]
    else:
        own = [lambda u: c[0] + u + 4 * u**3, lambda u: c[1] - torch.sin(u) + 2 * u]
    z0 = [p.unsqueeze(0) for p in starts(info.domain, seed=1)]
    method = info.factory(steps)
    z, state = z0, method.init(z0)
    for _ in range(6):
        z, state = method.step(z, state, lambda p: [own[0](p[0]), own[1](p[1])])
    for i in range(2):
        alone = info.factory(steps[i])
        w, s = [z0[i]], alone.init([z0[i]])
        for _ in range(6):
            w, s = alone.step(w, s, lambda p, i=i: [own[i](p[0])])
        torch.testing.assert_close(z[i], w[0], rtol=0, atol=max(info.batch_atol, 1e-13))


@pytest.mark.parametrize("name", list(METHODS))
def test_step_lr_scheduler_is_the_methods_step_decay(name):
    # StepLR(every 2 steps, × 0.5) on the groups = the method built with StepDecay(η, 0.5, 2): the step after the
    # decay is half the step before, extrapolations, moments, mirror weights and Langevin noise included
    # (a method's schedule is indexed by its counter state.count: Langevin mirror descent counts outer steps, K
    # calls each, so StepLR's 2 calls are 2 / K of its counts — read from the state, not from the entry's name)
    info = METHODS[name]
    eta = info.step_size
    scheduled = through_optimizer(
        info, eta, (eta, eta), steps=6, scheduler=lambda o: torch.optim.lr_scheduler.StepLR(o, 2, gamma=0.5)
    )
    method, z = info.factory(eta), [p.unsqueeze(0) for p in starts(info.domain)]
    state = method.init(z)
    for _ in range(2):
        z, state = method.step(z, state, field(info.domain))
    assert deviation(scheduled, through_tensors(info, StepDecay(eta, 0.5, state.count), steps=6)) <= 1e-10
    assert deviation(scheduled, through_tensors(info, eta, steps=6)) > 1e-6


@pytest.mark.parametrize("name", [n for n, i in METHODS.items() if i.stochastic])
def test_step_lr_halves_the_langevin_noise_variance(name):
    # zero field: every displacement is noise sqrt(2 lr T P) ξ (P constant), so its variance is linear in lr;
    # two steps at lr, then StepLR halves lr: Var(next two steps) / Var(first two) = 1/2 (within 5 SE)
    info = METHODS[name]
    n = 40_000
    x = nn.Parameter(torch.zeros(n, dtype=DT))
    opt = GameOptimizer([[x], [nn.Parameter(torch.zeros(1, dtype=DT))]], info.factory(info.step_size))
    sched = torch.optim.lr_scheduler.StepLR(opt, 2, gamma=0.5)
    moves = []
    for _ in range(2):
        start = x.detach().clone()
        for _ in range(2):
            opt.step(lambda: [0 * x.sum(), torch.zeros((), dtype=DT, requires_grad=True)])
            sched.step()
        moves.append(x.detach() - start)
    ratio = float(moves[1].var() / moves[0].var())
    se = 0.5 * math.sqrt(4 / (n - 1))  # SE of a ratio of two independent sample variances around 1/2
    assert abs(ratio - 0.5) < 5 * se, ratio


def test_game_optimizer_refuses_a_method_schedule_and_points_to_lr_schedulers():
    x = nn.Parameter(torch.zeros(2))
    with pytest.raises(ValueError, match="LambdaLR"):
        GameOptimizer([[x]], SimultaneousGDA(PolynomialDecay(0.1)))
    with pytest.raises(ValueError, match="LambdaLR"):
        GameOptimizer([[x]], SimultaneousGDA(PolynomialDecay(0.1)), lr=0.1)  # it would be ignored: refused too
    with pytest.raises(ValueError, match="2 per-player steps for 1 players"):
        GameOptimizer([[x]], SimultaneousGDA([0.1, 0.2]))
    opt = GameOptimizer([[x], [nn.Parameter(torch.zeros(1))]], SimultaneousGDA([0.1, 0.2]))
    assert [g["lr"] for g in opt.param_groups] == [0.1, 0.2]


def test_per_player_steps_are_checked():
    z = [torch.zeros(1, 2), torch.zeros(1, 1)]
    with pytest.raises(ValueError, match=r"step_size=\[0.1, -1.0\]: player 1's step must be a finite number > 0"):
        SimultaneousGDA([0.1, -1.0])
    method = SimultaneousGDA([0.1, 0.2, 0.3])
    with pytest.raises(ValueError, match="3 per-player steps for 2 players"):
        method.step(z, method.init(z), lambda p: p)


def test_gda_with_the_rmsprop_direction_is_torch_rmsprop_with_per_player_lrs():
    # an independent library: each player's torch.optim.RMSprop with its own lr (no noise, T = 0)
    g = torch.Generator().manual_seed(2)
    x0 = [torch.randn(4, generator=g, dtype=DT), torch.randn(3, generator=g, dtype=DT)]
    ref = [p.clone().requires_grad_() for p in x0]
    opts = [torch.optim.RMSprop([r], lr=lr, alpha=0.9, eps=1e-6) for r, lr in zip(ref, (0.01, 0.03))]
    method = SimultaneousGDA([0.01, 0.03], direction=RMSPropDirection(0.9, 1e-6))
    z, state = x0, method.init(x0)
    quartic = lambda p: [4 * u**3 - u for u in p]  # noqa: E731  (∇ of Σ u⁴ − u²/2, each player its own)
    for _ in range(40):
        for r, o in zip(ref, opts):
            o.zero_grad()
            (r**4 - 0.5 * r**2).sum().backward()
            o.step()
        z, state = method.step(z, state, quartic)
    for a, b in zip(z, ref):
        torch.testing.assert_close(a, b.detach(), rtol=0, atol=1e-12)


def test_directions_compose_with_templates_and_langevin_needs_a_preconditioner():
    assert isinstance(Identity(), Direction) and isinstance(AdamDirection(), Direction)
    assert isinstance(RMSPropDirection(), Direction)
    z = [torch.tensor([[0.4, -0.2]], dtype=DT), torch.tensor([[0.1, 0.3]], dtype=DT)]
    bilinear = lambda p: [p[1], -p[0]]  # noqa: E731
    a, b = SimultaneousAdam(0.05), SimultaneousGDA(0.05, direction=AdamDirection())
    za, sa, zb, sb = z, a.init(z), z, b.init(z)
    for _ in range(5):
        za, sa = a.step(za, sa, bilinear)
        zb, sb = b.step(zb, sb, bilinear)
    assert all(torch.equal(u, v) for u, v in zip(za, zb))
    # extragradient × RMSProp: two field calls, two updates of v, both from z
    eg = ExtraGradient(0.1, direction=RMSPropDirection(alpha=0.5, eps=1e-8))
    new, state = eg.step(z, eg.init(z), bilinear)
    g = bilinear(z)
    v = [0.5 * u**2 for u in g]
    mid = [p - 0.1 * u / (w.sqrt() + 1e-8) for p, u, w in zip(z, g, v)]
    g = bilinear(mid)
    v = [0.5 * w + 0.5 * u**2 for w, u in zip(v, g)]
    torch.testing.assert_close(new, [p - 0.1 * u / (w.sqrt() + 1e-8) for p, u, w in zip(z, g, v)])
    torch.testing.assert_close(state.direction.v, v)
    with pytest.raises(ValueError, match="preconditioner"):
        LangevinGDA(0.1, 0.01, 0, direction=AdamDirection())
    with pytest.raises(ValueError, match="direction must have init"):
        check_direction(3)


class PastExtragradient(Template):
    """Popov's extrapolation from the past, written as the template docstring says (a user's new template)."""

    def __init__(self, step_size, projection=None, direction=None):
        super().__init__(step_size, projection, direction)

    def init(self, params):
        return CountState(0, (self.direction.init(params), None))

    @graph_free
    def update(self, params, state, field, step_sizes):
        dstate, past = state.direction
        neg = [-eta for eta in step_sizes]
        mid = project(self.projection, axpy(params, field(params) if past is None else past, neg))
        d, dstate = self.direction(field(mid), dstate)
        return project(self.projection, axpy(params, d, neg)), CountState(state.count + 1, (dstate, d))


def test_a_new_template_gets_per_player_steps_and_lr_from_the_base():
    x, y = nn.Parameter(torch.tensor([0.5], dtype=DT)), nn.Parameter(torch.tensor([-0.2], dtype=DT))
    opt = GameOptimizer([{"params": [x], "lr": 0.1}, {"params": [y], "lr": 0.3}], PastExtragradient(1.0))
    method = PastExtragradient([0.1, 0.3])
    z = [x.detach().clone().unsqueeze(0), y.detach().clone().unsqueeze(0)]
    state = method.init(z)
    for _ in range(5):
        opt.step(lambda: [x @ y, -(x @ y)])
        z, state = method.step(z, state, lambda p: [p[1], -p[0]])
    torch.testing.assert_close([x.detach(), y.detach()], [p[0] for p in z], rtol=1e-13, atol=1e-14)


def test_a_subclass_that_overrides_update_steps_with_its_own_update():
    # `step` follows `update` down the class tree, decorated with graph_free or not
    class Doubled(SimultaneousGDA):
        def update(self, params, state, field, step_sizes):
            return super().update(params, state, field, [2 * eta for eta in step_sizes])

    z = [torch.tensor([[1.0]], dtype=DT), torch.tensor([[0.0]], dtype=DT)]
    bilinear = lambda p: [p[1] + 1, -p[0]]  # noqa: E731
    new, _ = Doubled(0.1).step(z, Doubled(0.1).init(z), bilinear)
    ref, _ = SimultaneousGDA(0.2).step(z, SimultaneousGDA(0.2).init(z), bilinear)
    assert all(torch.equal(a, b) for a, b in zip(new, ref))
