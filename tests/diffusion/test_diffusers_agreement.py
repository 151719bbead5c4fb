"""Agreement with diffusers' schedulers (an independent implementation) on Gaussian data, no training needed.

Conventions (documented in the sampler docstrings): diffusers' timestep k is saddle's t = k + 1; diffusers'
`set_alpha_to_one` / final sigma "zero" is saddle's final time 0; clipping off on both sides. diffusers keeps its
schedule in float32, so ᾱ agrees to float32 round-off; the DDPM and DDIM steps are compared with diffusers' ᾱ set
to saddle's float64 values (float64 round-off), DPM-Solver++ in float32 (its `step` casts the sample to float32).
"""

import pytest
import torch
from diffusers import DDIMScheduler, DDPMScheduler, DPMSolverMultistepScheduler, EDMDPMSolverMultistepScheduler

from saddle.diffusion import DDIM, VESDE, DDPMSchedule, DPMSolverPP2M, karras_timesteps, sample, uniform_timesteps

F32 = torch.finfo(torch.float32).eps


def _float64_schedule(scheduler, sched):
    scheduler.alphas_cumprod = sched.alphas_cumprod[1:].clone()
    scheduler.final_alpha_cumprod = torch.tensor(1.0, dtype=torch.float64)
    return scheduler


def test_ddpm_alpha_bar_is_diffusers_shifted_by_one():
    sched, ref = DDPMSchedule(), DDPMScheduler(num_train_timesteps=1000, beta_schedule="linear")
    abar = sched.alphas_cumprod  # ᾱ_0 = 1, ᾱ_1, …, ᾱ_1000
    assert float(abar[0]) == 1.0
    # float32 products over 1000 factors: relative error ≲ 1000 · eps32
    assert torch.allclose(abar[1:], ref.alphas_cumprod.double(), rtol=1000 * F32, atol=0)
    assert torch.allclose(sched.betas[1:], ref.betas.double(), rtol=F32, atol=0)


@pytest.mark.parametrize("k", [999, 500, 1])
def test_one_ancestral_step_equals_diffusers_ddpm_step_fixed_small(gaussian, k):
    sched = DDPMSchedule()
    ref = _float64_schedule(
        DDPMScheduler(num_train_timesteps=1000, variance_type="fixed_small", clip_sample=False), sched
    )
    ref.betas, ref.alphas = sched.betas[1:].clone(), 1 - sched.betas[1:]
    x = gaussian.draw(sched, k + 1, 64, 0)
    model = gaussian.eps_model(sched)
    eps = model(x, torch.full((64,), float(k + 1), dtype=torch.float64))
    expected = ref.step(eps, k, x, generator=torch.Generator().manual_seed(5)).prev_sample
    out = sample(model, sched, DDIM(eta=1.0), torch.tensor([k + 1.0, float(k)]), x, torch.Generator().manual_seed(5))
    assert torch.allclose(out, expected, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("eta", [0.0, 1.0])
@pytest.mark.parametrize(
    "spacing, offset, alpha_to_one",
    [("leading", 0, True), ("leading", 1, False), ("trailing", 0, True), ("trailing", 0, False)],
)
def test_ddim_50_steps_equals_diffusers(gaussian, eta, spacing, offset, alpha_to_one):
    sched = DDPMSchedule()
    ref = DDIMScheduler(
        num_train_timesteps=1000,
        beta_schedule="linear",
        clip_sample=False,
        set_alpha_to_one=alpha_to_one,
        timestep_spacing=spacing,
        steps_offset=offset,
    )
    ref.alphas_cumprod = sched.alphas_cumprod[1:].clone()
    ref.final_alpha_cumprod = sched.alphas_cumprod[0 if alpha_to_one else 1].clone()
    ref.set_timesteps(50)
    ts = uniform_timesteps(sched, 50, spacing, offset, final_time=0 if alpha_to_one else 1)
    assert torch.equal(ts[:-1], ref.timesteps.double() + 1)
    model = gaussian.eps_model(sched)
    x_T = gaussian.draw(sched, 1000, 256, 1)
    g = torch.Generator().manual_seed(7)
    x = x_T.clone()
    for k in ref.timesteps:
        eps = model(x, torch.full((len(x),), float(k) + 1, dtype=torch.float64))
        x = ref.step(eps, int(k), x, eta=eta, generator=g).prev_sample
    out = sample(model, sched, DDIM(eta=eta), ts, x_T, torch.Generator().manual_seed(7))
    assert torch.allclose(out, x, rtol=1e-10, atol=1e-10), float((out - x).abs().max())


@pytest.mark.parametrize(
    "n_steps, lower_order_final, final",
    [(50, True, "zero"), (20, False, "sigma_min"), (10, True, "sigma_min"), (10, False, "sigma_min")],
)
def test_dpm_solver_pp_2m_equals_diffusers(gaussian, n_steps, lower_order_final, final):
    sched = DDPMSchedule()
    ref = DPMSolverMultistepScheduler(
        num_train_timesteps=1000,
        beta_schedule="linear",
        algorithm_type="dpmsolver++",
        solver_order=2,
        solver_type="midpoint",
        lower_order_final=lower_order_final,
        final_sigmas_type=final,
    )
    ref.set_timesteps(n_steps)
    # final sigma "zero" is saddle's t = 0; "sigma_min" ends at diffusers' k = 0, saddle's t = 1 (σ > 0, so the
    # second-order update runs there unless lower_order_final applies)
    end = torch.tensor([0.0 if final == "zero" else 1.0], dtype=torch.float64)
    ts = torch.cat([ref.timesteps.double() + 1, end])
    model = gaussian.eps_model(sched)
    x_T = gaussian.draw(sched, 1000, 256, 2, dtype=torch.float32)
    x = x_T.clone()
    for k in ref.timesteps:
        x = ref.step(model(x, torch.full((len(x),), float(k) + 1)), k, x).prev_sample
    out = sample(model, sched, DPMSolverPP2M(lower_order_final), ts, x_T)
    # diffusers' sigmas and sample are float32: measured ≤ 7 float32 ulps of max|x|, except 62 ulps on the 10-step
    # grid ending at σ > 0 without lower_order_final, whose last extrapolation weight 1/(2r) is large and amplifies
    # the rounding; the tolerance (200 ulps ≈ 7e-5) is still 1000× below the DPM-Solver++ − DDIM gap (≈ 0.1).
    assert torch.allclose(out, x, rtol=0, atol=200 * F32 * float(x.abs().max())), float((out - x).abs().max())


@pytest.mark.parametrize("n_steps", [10, 15, 25])
def test_dpm_solver_pp_2m_on_the_default_ve_karras_grid_equals_diffusers_edm_scheduler(gaussian, n_steps):
    # The SDE grids end with a step to σ = 0 by default: on the VE SDE (α = 1, σ/α = σ) saddle's Karras grid is
    # diffusers' EDM Karras sigmas from σ(T) to σ(t_min) followed by final_sigmas_type="zero", and DPM-Solver++(2M)
    # with lower_order_final is its EDMDPMSolverMultistepScheduler. diffusers' network output F is EDM-preconditioned
    # (x̂_0 = c_skip x + c_out F): it is fed the F whose x̂_0 is saddle's x − σ ε̂.
    ve = VESDE()
    s_max, s_min = (float(ve.noise_to_signal(t)) for t in (ve.T, ve.t_min))
    ref = EDMDPMSolverMultistepScheduler(sigma_min=s_min, sigma_max=s_max, final_sigmas_type="zero")
    ref.set_timesteps(n_steps)
    ts = karras_timesteps(ve, n_steps)
    # diffusers evaluates eq. 5 in float32: the power ρ = 7 multiplies the rounding of σ^(1/ρ) (a few ulps) by 7
    # (measured ≤ 14 ulps at these sizes)
    assert torch.allclose(ve.noise_to_signal(ts).float(), ref.sigmas, rtol=8 * 7 * F32, atol=0)
    model = gaussian.eps_model(ve)
    x_T = gaussian.draw(ve, ve.T, 256, 3, dtype=torch.float32)
    x = x_T.clone()
    sd = ref.config.sigma_data
    for t, k, sigma in zip(ts[:-1], ref.timesteps, ref.sigmas[:-1], strict=True):
        sigma = float(sigma)
        c_skip, c_out = sd**2 / (sigma**2 + sd**2), sigma * sd / (sigma**2 + sd**2) ** 0.5
        x0 = x - sigma * model(x, torch.full((len(x),), float(t)))
        x = ref.step((x0 - c_skip * x) / c_out, k, x).prev_sample
    out = sample(model, ve, DPMSolverPP2M(), ts, x_T)
    assert torch.allclose(out, x, rtol=0, atol=200 * F32 * float(x.abs().max())), float((out - x).abs().max())
