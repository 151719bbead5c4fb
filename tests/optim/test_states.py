"""Each Method's explicit state: its type, its start, and what one step stores in it, in closed form."""

import re

import pytest
import torch

from saddle.optim import (
    METHODS,
    AdamDirection,
    AdamState,
    CEGPlus,
    CEGPlusState,
    CountState,
    ExtraAdam,
    MethodInfo,
    MirrorDescent,
    MirrorProx,
    MirrorState,
    OptimisticAdam,
    OptimisticGDA,
    OptimisticState,
    PreconditionedLangevinGDA,
    ReflectedForwardBackward,
    ReflectedState,
    RMSPropDirection,
    RMSPropState,
    SEGPlusState,
    SimultaneousAdam,
    SimultaneousGDA,
    StochasticSEGPlus,
)

DT = torch.float64
ETA = 0.1


def bilinear(z):
    """V(x, y) = [∇_x xy, −∇_y xy] = [y, −x] for min_x max_y xy."""
    x, y = z
    return [y.clone(), -x.clone()]


def _z0():
    return [torch.tensor([[0.6, -0.2]], dtype=DT), torch.tensor([[0.3, 0.8]], dtype=DT)]


def _close(a, b):
    assert len(a) == len(b)
    for p, q in zip(a, b):
        torch.testing.assert_close(p, q)


def test_memoryless_and_optimistic_states():
    z0, g0 = _z0(), bilinear(_z0())
    gda = SimultaneousGDA(ETA)
    state = gda.init(z0)
    assert state == CountState(0)
    _, state = gda.step(z0, state, bilinear)
    assert isinstance(state, CountState) and state.count == 1

    ogda = OptimisticGDA(ETA)
    state = ogda.init(z0)
    assert isinstance(state, OptimisticState) and state == OptimisticState(0, [])
    z1, state = ogda.step(z0, state, bilinear)
    assert state.count == 1
    _close(state.past_direction, g0)  # V(z_0), reused by the next step
    _close(z1, [p - ETA * g for p, g in zip(z0, g0)])  # no past yet: 2g − g = g, a GDA step


def test_reflected_and_seg_plus_states_store_the_previous_iterate():
    z0, g0 = _z0(), bilinear(_z0())
    rfbs = ReflectedForwardBackward(ETA)
    state = rfbs.init(z0)
    assert isinstance(state, ReflectedState) and state == ReflectedState(0, [])
    z1, state = rfbs.step(z0, state, bilinear)
    _close(state.previous, z0)
    z2, state = rfbs.step(z1, state, bilinear)
    # z_2 = z_1 − η V(2 z_1 − z_0)
    _close(z2, [p - ETA * g for p, g in zip(z1, bilinear([2 * a - b for a, b in zip(z1, z0)]))])

    seg = StochasticSEGPlus(ETA, alpha=0.5)
    state = seg.init(z0)
    assert isinstance(state, SEGPlusState) and state == SEGPlusState(0, [], [])
    z1, state = seg.step(z0, state, bilinear)
    assert state.count == 1
    _close(state.previous, z0)
    _close(state.estimate, g0)  # at k = 0 the running estimate is the field itself
    mid = [p - ETA * g for p, g in zip(z0, g0)]
    _close(z1, [p - 0.5 * ETA * g for p, g in zip(z0, bilinear(mid))])


def test_mirror_state_is_the_step_weighted_ergodic_average():
    u0 = [torch.tensor([[0.2, 0.3, 0.5]], dtype=DT), torch.tensor([[0.6, 0.2, 0.2]], dtype=DT)]
    A = torch.tensor([[0.0, 1.0, -1.0], [-1.0, 0.0, 1.0], [1.0, -1.0, 0.0]], dtype=DT)

    def rps(u):
        x, y = u
        return [y @ A.T, -(x @ A)]

    md = MirrorDescent(ETA)
    state = md.init(u0)
    assert isinstance(state, MirrorState) and state == MirrorState(0, [], [0.0, 0.0])
    u1, state = md.step(u0, state, rps)
    _close(state.average, u0)
    assert state.weight == pytest.approx([ETA, ETA])  # Σ η per player
    _, state = md.step(u1, state, rps)
    _close(state.average, [(a + b) / 2 for a, b in zip(u0, u1)])  # equal steps: the plain mean of u_0, u_1
    assert state.weight == pytest.approx([2 * ETA, 2 * ETA])

    mp = MirrorProx(ETA)
    _, state = mp.step(u0, mp.init(u0), rps)
    # mirror-prox averages the extrapolated point ū = u ⊙ exp(−η V(u)) / Σ
    mid = [u * torch.exp(-ETA * g) for u, g in zip(u0, rps(u0))]
    _close(state.average, [m / m.sum(-1, keepdim=True) for m in mid])


def test_adam_direction_moments_and_direction_in_closed_form():
    adam = AdamDirection(betas=(0.8, 0.9), eps=1e-8)
    g = [torch.tensor([[2.0, -0.5, 0.0]], dtype=DT)]
    state = adam.init(g)
    assert state.count == 0
    assert torch.equal(state.m[0], torch.zeros(1, 3, dtype=DT)) and torch.equal(state.v[0], torch.zeros(1, 3, dtype=DT))
    d, state = adam(g, state)
    assert state.count == 1
    torch.testing.assert_close(state.m[0], 0.2 * g[0])
    torch.testing.assert_close(state.v[0], 0.1 * g[0] ** 2)
    # after one update the bias correction gives m̂ = g, v̂ = g²: the direction is g / (|g| + ε) ≈ sign(g)
    torch.testing.assert_close(d[0], g[0] / (g[0].abs() + 1e-8))
    d2, state2 = adam(g, state)
    torch.testing.assert_close(state2.m[0], (0.8 * 0.2 + 0.2) * g[0])
    torch.testing.assert_close(d2[0], g[0] / (g[0].abs() + 1e-8))  # constant g: same
    with pytest.raises(ValueError, match=r"betas must be a pair \(beta1, beta2\), got 0.9"):
        AdamDirection(betas=0.9)
    with pytest.raises(ValueError, match=re.escape("betas=(0.9, 1.0): beta2 must be in [0, 1), got 1.0")):
        AdamDirection(betas=(0.9, 1.0))


@pytest.mark.parametrize("cls", [SimultaneousAdam, ExtraAdam, OptimisticAdam])
def test_adam_methods_are_templates_with_the_adam_direction_and_start_with_zero_moments(cls):
    method = cls(ETA, betas=(0.8, 0.9))
    assert isinstance(method.direction, AdamDirection) and (method.direction.beta1, method.direction.beta2) == (
        0.8,
        0.9,
    )
    z0 = _z0()
    state = method.init(z0)
    assert isinstance(state, OptimisticState if cls is OptimisticAdam else CountState)
    assert isinstance(state.direction, AdamState)
    assert state.count == 0 and all(float(t.abs().sum()) == 0 for t in [*state.direction.m, *state.direction.v])


def test_simultaneous_and_optimistic_adam_states_after_one_step():
    z0, g0 = _z0(), bilinear(_z0())
    sim = SimultaneousAdam(ETA, betas=(0.8, 0.9))
    _, state = sim.step(z0, sim.init(z0), bilinear)
    assert isinstance(state, CountState) and state.count == 1 and state.direction.count == 1
    _close(state.direction.m, [0.2 * g for g in g0])
    _close(state.direction.v, [0.1 * g * g for g in g0])

    opt = OptimisticAdam(ETA, betas=(0.8, 0.9))
    state = opt.init(z0)
    assert state.past_direction == []
    z1, state = opt.step(z0, state, bilinear)
    d = [g / (g.abs() + 1e-8) for g in g0]
    _close(state.past_direction, d)
    _close(z1, [p - ETA * di for p, di in zip(z0, d)])  # no past: 2d − d = d


def test_rmsprop_state_of_preconditioned_langevin_gda():
    z0, g0 = _z0(), bilinear(_z0())
    method = PreconditionedLangevinGDA(ETA, alpha=0.9)  # temperature 0: deterministic
    assert isinstance(method.direction, RMSPropDirection)
    state = method.init(z0)
    assert state.count == 0 and all(float(v.abs().sum()) == 0 for v in state.direction.v)
    z1, state = method.step(z0, state, bilinear)
    assert isinstance(state.direction, RMSPropState) and state.count == 1
    _close(state.direction.v, [0.1 * g * g for g in g0])
    _close(z1, [p - ETA * g / ((0.1 * g * g).sqrt() + 1e-8) for p, g in zip(z0, g0)])


def test_ceg_plus_state_holds_a_curvature_only_when_adaptive():
    z0 = _z0()
    fixed = CEGPlus(ETA)
    state = fixed.init(z0)
    assert isinstance(state, CEGPlusState) and state == CEGPlusState(0, None)
    _, state = fixed.step(z0, state, bilinear)
    assert state.count == 1 and state.curvature is None
    adaptive = CEGPlus(ETA, adaptive=True)
    _, state = adaptive.step(z0, adaptive.init(z0), bilinear)
    assert state.count == 1 and isinstance(state.curvature, torch.Tensor)
    assert bool(torch.isfinite(state.curvature).all()) and bool((state.curvature > 0).all())


def test_every_registry_entry_is_a_method_info_whose_factory_builds_a_method():
    assert all(isinstance(info, MethodInfo) and info.name == name for name, info in METHODS.items())
    for info in METHODS.values():
        method = info.factory(info.step_size)
        assert callable(method.init) and callable(method.step)
        assert info.field_calls_per_step in (None, 1, 2) and info.domain in ("euclidean", "simplex")
