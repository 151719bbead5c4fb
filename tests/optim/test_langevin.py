"""LangevinGDA: Langevin game dynamics on the one step of saddle.langevin (GDA plus thermal noise)."""

import math

import pytest
import torch

from saddle.langevin import langevin_step
from saddle.optim import METHODS, LangevinGDA, PolynomialDecay, SimultaneousGDA, per_player
from saddle.sets import Box

DT = torch.float64


def trap_like(p):
    """V of Φ(x, y) = Σ_i −y_i²x_i² + y_i x_i (the trap game's payoff per coordinate); x minimises, y maximises."""
    x, y = p
    return [-2 * y * y * x + y, -(-2 * y * x * x + x)]


def starts(seed=0, b=5):
    g = torch.Generator().manual_seed(seed)
    return [torch.randn(b, 3, generator=g, dtype=DT), torch.randn(b, 3, generator=g, dtype=DT)]


def run(method, z, field, steps):
    state = method.init(z)
    for _ in range(steps):
        z, state = method.step(z, state, field)
    return z


@pytest.mark.parametrize("step_size", [0.05, PolynomialDecay(0.1, power=0.6)])
def test_zero_temperature_is_simultaneous_gda_bit_for_bit(step_size):
    box = Box(-1.0, 1.0)
    for projection in (None, per_player(box, box)):
        gda = run(SimultaneousGDA(step_size, projection=projection), starts(), trap_like, 40)
        lgda = run(
            LangevinGDA(step_size, 0.0, torch.Generator().manual_seed(0), projection=projection),
            starts(),
            trap_like,
            40,
        )
        assert all(torch.equal(a, b) for a, b in zip(gda, lgda))


def test_one_step_is_the_langevin_step_per_player_in_player_order():
    z = starts()
    eta, temp = 0.03, 0.7
    new, state = LangevinGDA(eta, temp, torch.Generator().manual_seed(4)).step(
        z, LangevinGDA(eta, temp, torch.Generator()).init(z), trap_like
    )
    g = torch.Generator().manual_seed(4)
    expected = [langevin_step(p, v, eta, g, temp) for p, v in zip(z, trap_like(z))]
    assert all(torch.equal(a, b) for a, b in zip(new, expected)) and state.count == 1


def test_noise_follows_the_schedule_and_temperature():
    # zero field: z_K − z_0 = Σ_k sqrt(2 η_k T) ξ_k, so Var = 2 T Σ_k η_k per coordinate (SE of a sample variance)
    sched, temp, steps, n = PolynomialDecay(0.2, power=0.7), 0.3, 30, 20_000
    z0 = [torch.zeros(n, 1, dtype=DT)]
    z = run(LangevinGDA(sched, temp, torch.Generator().manual_seed(1)), z0, lambda p: [torch.zeros_like(p[0])], steps)
    var = 2 * temp * sum(sched(k) for k in range(steps))
    assert abs(z[0].var().item() - var) < 5 * var * math.sqrt(2 / (n - 1))


def test_same_generator_seed_same_trajectory():
    a = run(LangevinGDA(0.05, 0.1, torch.Generator().manual_seed(3)), starts(), trap_like, 10)
    b = run(LangevinGDA(0.05, 0.1, torch.Generator().manual_seed(3)), starts(), trap_like, 10)
    c = run(LangevinGDA(0.05, 0.1, torch.Generator().manual_seed(4)), starts(), trap_like, 10)
    assert all(torch.equal(x, y) for x, y in zip(a, b)) and not torch.equal(a[0], c[0])


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"step_size": 0.0, "temperature": 1.0}, "step_size must be a finite number > 0, got 0.0"),
        ({"step_size": 0.1, "temperature": -0.5}, "temperature must be a finite number >= 0, got -0.5"),
        ({"step_size": 0.1, "temperature": math.inf}, "temperature must be a finite number >= 0, got inf"),
        (
            {"step_size": 0.1, "temperature": 1.0, "generator": "3"},
            "generator must be a torch.Generator, an int seed or None, got '3'",
        ),
        (
            {"step_size": 0.1, "temperature": 1.0, "generator": None},
            "generator must be a torch.Generator, an int seed or one generator per row, got None",
        ),
        ({"step_size": 0.1, "temperature": 1.0, "projection": "box"}, "projection"),
    ],
)
def test_bad_arguments_raise(kwargs, message):
    kwargs.setdefault("generator", torch.Generator())
    with pytest.raises(ValueError) as err:
        LangevinGDA(**kwargs)
    assert message in str(err.value)


def test_registered_as_stochastic():
    info = METHODS["langevin_gda"]
    assert info.stochastic and isinstance(info.factory(0.1), LangevinGDA)


def test_int_seed_is_the_generator_seeded_with_it():
    z = [torch.ones(3, 2, dtype=torch.float64), torch.zeros(3, 2, dtype=torch.float64)]

    def field(p):
        return [p[1], -p[0]]

    a, b = LangevinGDA(0.1, 0.5, 11), LangevinGDA(0.1, 0.5, torch.Generator().manual_seed(11))
    za, sa = z, a.init(z)
    zb, sb = z, b.init(z)
    for _ in range(5):
        za, sa = a.step(za, sa, field)
        zb, sb = b.step(zb, sb, field)
    assert all(torch.equal(u, v) for u, v in zip(za, zb))
