"""Timestep grids: diffusers' spacings (against DDIMScheduler), the Karras ρ-grid (its eq. 5), time_at as the
inverse of σ/α, and bad input."""

import pytest
import torch
from diffusers import DDIMScheduler

from saddle.diffusion import PROCESSES, VPSDE, DDPMSchedule, karras_timesteps, uniform_timesteps


@pytest.mark.parametrize("spacing, offset", [("leading", 0), ("leading", 1), ("trailing", 0), ("linspace", 0)])
@pytest.mark.parametrize("n", [10, 50, 333])
def test_uniform_grids_are_diffusers_plus_one(spacing, offset, n):
    ref = DDIMScheduler(num_train_timesteps=1000, timestep_spacing=spacing, steps_offset=offset)
    ref.set_timesteps(n)
    ts = uniform_timesteps(DDPMSchedule(), n, spacing, offset)
    assert torch.equal(ts[:-1], ref.timesteps.double() + 1) and ts[-1] == 0 and len(ts) == n + 1


def test_continuous_uniform_grid_is_linspace_then_the_data_and_refuses_discrete_spacings():
    vp = VPSDE()
    ts = uniform_timesteps(vp, 20)
    assert torch.equal(ts[:-1], torch.linspace(1.0, vp.t_min, 20, dtype=torch.float64)) and ts[-1] == 0
    assert torch.equal(uniform_timesteps(vp, 1), torch.tensor([1.0, 0.0], dtype=torch.float64))
    # without the step to the data: 20 steps from T down to t_min (the grid of earlier versions)
    assert torch.equal(uniform_timesteps(vp, 20, to_data=False), torch.linspace(1.0, vp.t_min, 21, dtype=torch.float64))
    with pytest.raises(ValueError, match="discrete schedule"):
        uniform_timesteps(vp, 20, "leading")


@pytest.mark.parametrize("n", [2, 10, 25])
def test_uniform_vp_grid_is_k_diffusion_get_sigmas_vp(n):
    # k-diffusion's get_sigmas_vp(n, beta_d=19.9, beta_min=0.1, eps_s=1e-3): t = linspace(1, eps_s, n),
    # σ = sqrt(exp(beta_d t²/2 + beta_min t) − 1), then σ = 0 appended
    t = torch.linspace(1, 1e-3, n, dtype=torch.float64)
    expected = torch.cat([torch.sqrt(torch.exp(19.9 * t**2 / 2 + 0.1 * t) - 1), torch.zeros(1, dtype=torch.float64)])
    vp = VPSDE()
    assert torch.allclose(vp.noise_to_signal(uniform_timesteps(vp, n)), expected, rtol=1e-12, atol=0)


@pytest.mark.parametrize("proc", ["vp", "subvp", "ve"])
def test_time_at_inverts_noise_to_signal(proc):
    process = PROCESSES[proc]()
    t = torch.linspace(process.t_min, 1.0, 17, dtype=torch.float64)
    assert torch.allclose(process.time_at(process.noise_to_signal(t)), t, atol=1e-12)


@pytest.mark.parametrize("proc", ["vp", "subvp", "ve"])
@pytest.mark.parametrize("rho", [7.0, 1.0])
@pytest.mark.parametrize("to_data", [True, False])
def test_karras_grid_follows_eq_5(proc, rho, to_data):
    # k-diffusion's get_sigmas_karras(n, σ_min, σ_max): n levels by eq. 5 then σ = 0; to_data=False: n + 1 levels
    process = PROCESSES[proc]()
    ts = karras_timesteps(process, 12, rho, to_data=to_data)
    assert ts[0] == 1.0 and len(ts) == 13
    on_grid = ts[:-1] if to_data else ts
    assert on_grid[-1] == process.t_min and (ts[-1] == 0) == to_data
    sig = process.noise_to_signal(on_grid)
    s_max, s_min = float(sig[0]), float(sig[-1])
    i = torch.arange(len(sig), dtype=torch.float64) / (len(sig) - 1)
    expected = (s_max ** (1 / rho) + i * (s_min ** (1 / rho) - s_max ** (1 / rho))) ** rho
    assert torch.allclose(sig, expected, rtol=1e-9)


@pytest.mark.parametrize("process", [VPSDE(), DDPMSchedule()], ids=["vp", "ddpm"])
def test_one_step_karras_grid_goes_from_the_prior_to_the_data(process):
    # k-diffusion: get_sigmas_karras(1, σ_min, σ_max) = [σ_max, 0]
    assert torch.equal(karras_timesteps(process, 1), torch.tensor([float(process.T), 0.0], dtype=torch.float64))


def test_karras_grid_on_ddpm_is_integer_strictly_decreasing_and_ends_at_the_data():
    sched = DDPMSchedule()
    for n in (5, 25, 200):
        ts = karras_timesteps(sched, n)
        assert len(ts) == n + 1 and ts[0] == 1000 and ts[-2] == 1 and ts[-1] == 0
        assert bool((ts == ts.round()).all()) and bool((ts[1:] < ts[:-1]).all())
    # away from rounding, σ/α follows the ρ = 7 law: nearest integer time in log σ/α
    ts = karras_timesteps(sched, 10)
    sig = sched.noise_to_signal(ts[:-1])
    assert torch.equal(sched.time_at(sig), ts[:-1])


@pytest.mark.parametrize(
    "call, message",
    [
        (lambda: uniform_timesteps(DDPMSchedule(), 0), "n_steps"),
        (lambda: uniform_timesteps(DDPMSchedule(), 2000), "n_steps"),
        (lambda: uniform_timesteps(DDPMSchedule(), 10, "cosine"), "spacing"),
        (lambda: uniform_timesteps(DDPMSchedule(), 10, "leading", -1), "steps_offset"),
        (lambda: uniform_timesteps(DDPMSchedule(), 10, final_time=5000), "final_time"),
        (lambda: karras_timesteps(VPSDE(), 10, rho=0.0), "rho"),
        (lambda: karras_timesteps(DDPMSchedule(), 1001), "n_steps"),
        (lambda: karras_timesteps(DDPMSchedule(), 10, to_data=False), "needs an SDE"),
        (lambda: uniform_timesteps(DDPMSchedule(), 10, to_data=False), "needs an SDE"),
        (lambda: uniform_timesteps(VPSDE(), 10, to_data=1), "to_data"),
        (lambda: uniform_timesteps(VPSDE(), 10, final_time=0.01), "to_data=False"),
    ],
)
def test_bad_input_raises(call, message):
    with pytest.raises(ValueError, match=message):
        call()
