"""saddle.langevin: the one Langevin step, its closed-form stationary law, and the sampling ↔ game correspondence.

The step x⁺ = x − h P g + sqrt(2 h T P) ξ is shared by `saddle.sampling` (ULA, MALA's proposal, SGLD, projected
and mirrored Langevin) and `saddle.optim.LangevinGDA` (trap game, mixed-strategy particles): both must give the
same numbers for the same generator.
"""

import math

import pytest
import torch

from saddle.langevin import langevin_step, langevin_step_all
from saddle.optim import LangevinGDA
from saddle.sampling import ULA, Gaussian, sample

DT = torch.float64
Z = 5.0


@pytest.mark.parametrize("h", [0.1, 0.6, 1.2, 2.4])
@pytest.mark.parametrize("seed", [0, 1])
def test_stationary_variance_of_the_step_on_a_gaussian_is_the_closed_form(h, seed):
    # f = x²/(2s²): x⁺ = (1 − h/s²) x + √(2h) ξ ⇒ v = (1 − h/s²)² v + 2h ⇒ v = s²/(1 − h/(2s²)); from v₀ = 0 the
    # gap shrinks by (1 − h/s²)² per step. Tolerance: Z standard errors of a sample variance of n iid Gaussians.
    s2, n = 1.5, 20_000  # h < 2s² = 3 for stability
    v_exact = s2 / (1 - h / (2 * s2))
    steps = math.ceil(40 / -math.log((1 - h / s2) ** 2))
    g = torch.Generator().manual_seed(seed)
    x = torch.zeros(n, 1, dtype=DT)
    for _ in range(steps):
        x = langevin_step(x, x / s2, h, g)
    assert abs(x.var().item() - v_exact) < Z * v_exact * math.sqrt(2 / (n - 1))
    if h >= 1.2:  # the discretisation bias is resolved: not N(0, s²)
        assert abs(x.var().item() - s2) > Z * v_exact * math.sqrt(2 / (n - 1))


@pytest.mark.parametrize("temperature", [0.25, 2.0])
def test_temperature_and_preconditioner_scale_the_stationary_variance(temperature):
    # with P = diag(p) and T: x⁺ = (1 − h p) x + sqrt(2hTp) ξ ⇒ v = T / (1 − h p / 2) per coordinate (s² = 1)
    n, h = 20_000, 0.2
    p = torch.tensor([0.5, 1.0, 3.0], dtype=DT)
    g = torch.Generator().manual_seed(3)
    x = torch.zeros(n, 3, dtype=DT)
    for _ in range(200):
        x = langevin_step(x, x, h, g, temperature, preconditioner=p)
    v_exact = temperature / (1 - h * p / 2)
    assert ((x.var(0) - v_exact).abs() < Z * v_exact * math.sqrt(2 / (n - 1))).all()


def test_tensor_step_sizes_and_given_noise():
    x, grad = torch.ones(4, 2, dtype=DT), torch.full((4, 2), 2.0, dtype=DT)
    h = torch.tensor([[0.1], [0.2], [0.3], [0.4]], dtype=DT)
    xi = torch.randn(4, 2, generator=torch.Generator().manual_seed(0), dtype=DT)
    torch.testing.assert_close(langevin_step(x, grad, h, noise=xi, temperature=0.5), x - h * grad + (h).sqrt() * xi)


def test_ula_and_langevin_gda_give_the_same_trajectory_for_the_same_generator():
    # the correspondence: one player with V = ∇f and T = 1 is ULA on f with the same h
    target = Gaussian(torch.tensor([1.0, -2.0], dtype=DT), torch.tensor([[2.0, 0.5], [0.5, 1.0]], dtype=DT))
    x0 = torch.randn(50, 2, generator=torch.Generator().manual_seed(0), dtype=DT)
    h, steps = 0.1, 25
    trace = sample(ULA(h, potential=target), x0, steps, torch.Generator().manual_seed(7))
    game = LangevinGDA(h, temperature=1.0, generator=torch.Generator().manual_seed(7))
    z = [x0]
    state = game.init(z)
    for k in range(steps):
        z, state = game.step(z, state, lambda p: [target.grad_potential(p[0])])
        assert torch.equal(z[0], trace.positions[k])


def test_langevin_step_all_draws_player_by_player_from_one_generator():
    xs = [torch.zeros(3, 2, dtype=DT), torch.zeros(3, 1, dtype=DT)]
    out = langevin_step_all(xs, [torch.zeros_like(x) for x in xs], 0.5, torch.Generator().manual_seed(1), 2.0)
    g = torch.Generator().manual_seed(1)
    expected = [math.sqrt(2 * 0.5 * 2.0) * torch.randn(x.shape, generator=g, dtype=DT) for x in xs]
    assert all(torch.equal(a, b) for a, b in zip(out, expected))


@pytest.mark.parametrize(
    "call, message",
    [
        (
            lambda: langevin_step(torch.zeros(2, 2), torch.zeros(2, 3), 0.1),
            "grad has shape (2, 3) but position has shape (2, 2)",
        ),
        (
            lambda: langevin_step(torch.zeros(2), torch.zeros(2), -0.1),
            "step_size must be a finite number > 0, got -0.1",
        ),
        (
            lambda: langevin_step(torch.zeros(2), torch.zeros(2), 0.1, temperature=-1.0),
            "temperature must be a finite number >= 0, got -1.0",
        ),
        (lambda: langevin_step(torch.zeros(2), torch.zeros(2), 0.1, noise=torch.zeros(3)), "noise has shape (3,)"),
        (lambda: langevin_step_all([torch.zeros(2)], [], 0.1), "got 1 positions but 0 gradients"),
    ],
)
def test_bad_arguments_raise(call, message):
    with pytest.raises(ValueError) as err:
        call()
    assert message in str(err.value)
