"""LangevinMirrorDescent: Mirror-GAN's loop (K SGLD steps against the frozen opponents, damped averages)."""

import pytest
import torch

from saddle.optim import (
    GameOptimizer,
    LangevinGDA,
    LangevinMirrorDescent,
    LangevinMirrorState,
    PolynomialDecay,
    per_player,
)
from saddle.sets import Box

DT = torch.float64


def bilinear(p):
    """min_x max_y xᵀy: V = (y, −x)."""
    return [p[1], -p[0]]


def trap_like(p):
    x, y = p
    return [-2 * y * y * x + y, -(-2 * y * x * x + x)]


def starts(seed=0, b=5, d=3):
    g = torch.Generator().manual_seed(seed)
    return [torch.randn(b, d, generator=g, dtype=DT), torch.randn(b, d, generator=g, dtype=DT)]


def run(method, z, field, steps):
    state = method.init(z)
    for _ in range(steps):
        z, state = method.step(z, state, field)
    return z, state


@pytest.mark.parametrize("step_size", [0.05, PolynomialDecay(0.1, power=0.6)])
def test_one_inner_step_without_damping_is_langevin_gda_bit_for_bit(step_size):
    box = Box(-1.0, 1.0)
    for projection in (None, per_player(box, box)):
        lgda, _ = run(
            LangevinGDA(step_size, 0.3, torch.Generator().manual_seed(2), projection), starts(), trap_like, 30
        )
        mirror, state = run(
            LangevinMirrorDescent(step_size, 0.3, torch.Generator().manual_seed(2), 1, 1.0, projection),
            starts(),
            trap_like,
            30,
        )
        assert all(torch.equal(a, b) for a, b in zip(lgda, mirror)) and state.count == 30


@pytest.mark.parametrize("inner_steps, beta", [(1, 1.0), (4, 1.0), (4, 0.6), (7, 0.9), (3, 0.25)])
def test_outer_step_on_bilinear_game_has_the_closed_form(inner_steps, beta):
    # T = 0, opponents frozen at z_t: the chain is x^(k+1) = x_t − k η y_t, so the damped average gives
    # x_{t+1} = x_t − c η y_t and y_{t+1} = y_t + c η x_t with c = β² Σ_{k=1..K} k (1 − β)^{K−k}
    eta, big_k = 0.07, inner_steps
    c = beta**2 * sum(k * (1 - beta) ** (big_k - k) for k in range(1, big_k + 1))
    assert LangevinMirrorDescent.drift_factor(big_k, beta) == pytest.approx(c, rel=1e-15)
    z = starts(1)
    method = LangevinMirrorDescent(eta, 0.0, 0, big_k, beta)
    state = method.init(z)
    for t in range(3):
        x, y = z
        for _ in range(big_k):
            z, state = method.step(z, state, bilinear)
        torch.testing.assert_close(z[0], x - c * eta * y, rtol=0, atol=1e-13)
        torch.testing.assert_close(z[1], y + c * eta * x, rtol=0, atol=1e-13)
        assert (state.count, state.inner) == (t + 1, 0)


def test_state_holds_the_outer_iterate_and_the_damped_averages():
    z0 = starts(2, b=2, d=1)
    method = LangevinMirrorDescent(0.1, 0.0, 0, 3, 0.5)
    state = method.init(z0)
    assert isinstance(state, LangevinMirrorState) and (state.count, state.inner) == (0, 0)
    z1, state = method.step(z0, state, bilinear)  # x^(2) = x_t − η y_t; z̄ = (z_t + x^(2)) / 2
    assert (state.count, state.inner) == (0, 1) and all(torch.equal(a, b) for a, b in zip(state.anchor, z0))
    torch.testing.assert_close(z1[0], z0[0] - 0.1 * z0[1], rtol=0, atol=1e-15)
    torch.testing.assert_close(state.average[0], (z0[0] + z1[0]) / 2, rtol=0, atol=1e-15)


def test_each_player_moves_against_the_opponents_iterate_of_the_outer_step():
    seen = []

    def recording(p):
        seen.append([t.clone() for t in p])
        return trap_like(p)

    z0 = starts(3)
    method = LangevinMirrorDescent(0.05, 0.1, 0, 3, 0.9)
    state = method.init(z0)
    z1, state = method.step(z0, state, recording)
    assert len(seen) == 1 and all(torch.equal(a, b) for a, b in zip(seen[0], z0))  # chains start at z_t
    for _ in range(2):
        seen.clear()
        chains = z1
        z1, state = method.step(z1, state, recording)
        assert len(seen) == 2  # one call per player
        assert torch.equal(seen[0][0], chains[0]) and torch.equal(seen[0][1], z0[1])  # x^(k) against y_t
        assert torch.equal(seen[1][0], z0[0]) and torch.equal(seen[1][1], chains[1])  # x_t against y^(k)
    assert (state.count, state.inner) == (1, 0)


def test_inner_step_schedule_sets_the_outer_boundaries():
    method = LangevinMirrorDescent(0.01, 0.0, 0, lambda t: t + 1, 0.5)  # K_t = 1, 2, 3, ...
    z = starts(b=2, d=1)
    state = method.init(z)
    counts = []
    for _ in range(10):
        z, state = method.step(z, state, bilinear)
        counts.append((state.count, state.inner))
    # outer step t closes after K_t = t + 1 inner steps: after steps 1, 3, 6, 10
    assert [c for c, k in counts if k == 0] == [1, 2, 3, 4] and counts[-1] == (4, 0)
    bad = LangevinMirrorDescent(0.01, 0.0, 0, lambda t: 0, 0.5)
    with pytest.raises(ValueError, match="inner_steps at outer step 0 must be an integer >= 1, got 0"):
        bad.step(z, bad.init(z), bilinear)


def test_the_noise_is_the_langevin_noise_of_the_temperature():
    # zero field, β = 1: the output is the last chain sample, a random walk with Var = 2 η T per step
    n, eta, temp, steps = 20_000, 0.05, 0.4, 12
    z0 = [torch.zeros(n, 1, dtype=DT), torch.zeros(n, 1, dtype=DT)]
    z, _ = run(LangevinMirrorDescent(eta, temp, 5, 4, 1.0), z0, lambda p: [torch.zeros_like(t) for t in p], steps)
    var = 2 * eta * temp * steps
    for p in z:
        assert abs(p.var().item() - var) < 5 * var * (2 / (n - 1)) ** 0.5


def test_game_optimizer_resumes_exactly_inside_an_outer_step():
    # state_dict mid-way through an outer step (k = 2 of K = 3): the anchor and averages are per-player state and
    # the generator's state travels with it, so the resumed run equals the uninterrupted one bit for bit
    b = torch.tensor([[1.0, 0.5], [-0.3, 0.8]], dtype=DT)

    def make():
        gen = torch.Generator().manual_seed(9)
        x = torch.nn.Parameter(torch.tensor([0.3, -0.2], dtype=DT))
        y = torch.nn.Parameter(torch.tensor([0.1, 0.4], dtype=DT))
        opt = GameOptimizer([[x], [y]], LangevinMirrorDescent(0.05, 0.01, gen, 3, 0.7))
        return x, y, gen, opt

    def losses(x, y):
        phi = x @ b @ y + 0.1 * (x @ x) - 0.1 * (y @ y)
        return [phi, -phi]

    x, y, gen, opt = make()
    for _ in range(5):
        opt.step(lambda: losses(x, y))
    saved = (opt.state_dict(), gen.get_state(), x.detach().clone(), y.detach().clone())
    assert opt.method_state.inner == 2
    for _ in range(7):
        opt.step(lambda: losses(x, y))
    x2, y2, gen2, opt2 = make()
    opt2.load_state_dict(saved[0])
    assert torch.equal(gen2.get_state(), saved[1])  # the optimizer restored the noise generator
    with torch.no_grad():
        x2.copy_(saved[2])
        y2.copy_(saved[3])
    for _ in range(7):
        opt2.step(lambda: losses(x2, y2))
    assert torch.equal(x, x2) and torch.equal(y, y2)


def test_with_the_rmsprop_direction_one_inner_step_is_preconditioned_langevin_gda():
    # MixedNE-LD's inner loop: the SGLD steps take RMSProp's preconditioner; with K = 1, β = 1 one outer step is
    # one step of PreconditionedLangevinGDA (the Langevin template × RMSProp), bit for bit
    from saddle.optim import PreconditionedLangevinGDA, RMSPropDirection

    plgda, _ = run(
        PreconditionedLangevinGDA(0.05, 0.3, torch.Generator().manual_seed(4), alpha=0.9), starts(), trap_like, 20
    )
    mirror, state = run(
        LangevinMirrorDescent(
            0.05, 0.3, torch.Generator().manual_seed(4), 1, 1.0, direction=RMSPropDirection(alpha=0.9)
        ),
        starts(),
        trap_like,
        20,
    )
    assert all(torch.equal(a, b) for a, b in zip(plgda, mirror)) and state.count == 20
    assert float(state.direction.v[0].abs().sum()) > 0
