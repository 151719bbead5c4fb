"""Generic tests over the SAMPLERS registry (Gaussian data: exact marginals and exact ε-model), then the
sampler-specific facts: convergence orders, the PC corrector as THE Langevin step, bad input.

The reference at the final grid time t_N is the exact marginal N(α m, (α²s² + σ²) I), not the data, so the only
errors are Monte-Carlo (5 SE) and the discretisation, made negligible by each entry's `moment_steps`.
"""

import itertools
import math
import re

import pytest
import torch

from saddle.diffusion import (
    ALL_PROCESSES,
    DDIM,
    PROCESSES,
    SAMPLERS,
    VESDE,
    VPSDE,
    DDPMSchedule,
    EDMHeun,
    EvaluationCounter,
    PredictorCorrector,
    karras_timesteps,
    probability_flow_rk45,
    sample,
    uniform_timesteps,
)
from saddle.diffusion.samplers import SamplerState, langevin_snr_step
from saddle.langevin import langevin_step

CASES = [(name, proc) for name in SAMPLERS for proc in ALL_PROCESSES]


@pytest.mark.parametrize("name, proc", CASES, ids=[f"{n}-{p}" for n, p in CASES])
def test_every_sampler_reproduces_gaussian_marginal_moments_or_refuses_the_process(gaussian, name, proc):
    info, process = SAMPLERS[name], PROCESSES[proc]()
    ts = uniform_timesteps(process, info.moment_steps)
    x_T = gaussian.draw(process, process.T, 4000, 2)
    if proc not in info.processes:
        with pytest.raises(ValueError, match="needs an SDE"):
            sample(gaussian.eps_model(process), process, info.factory(), ts, x_T)
        return
    out = sample(gaussian.eps_model(process), process, info.factory(), ts, x_T, torch.Generator().manual_seed(3))
    gaussian.assert_moments(out, process, float(ts[-1]), info.variance_inflation)


@pytest.mark.parametrize("name", list(SAMPLERS))
def test_network_evaluations_per_step_match_the_registry(gaussian, name):
    info = SAMPLERS[name]
    for proc in info.processes:
        process = PROCESSES[proc]()
        model = EvaluationCounter(gaussian.eps_model(process))
        ts = uniform_timesteps(process, 7)
        sample(
            model,
            process,
            info.factory(),
            ts,
            gaussian.draw(process, process.T, 10, 0),
            torch.Generator().manual_seed(0),
        )
        final_sigma_zero = float(process.marginal(ts[-1:].clone())[1]) == 0
        heun = name in ("edm", "edm_churn", "probability_flow_heun")  # their step to σ = 0 skips the correction
        heun_saving = 1 if (final_sigma_zero and heun) else 0
        assert model.calls == 7 * info.nfe_per_step - heun_saving, (proc, model.calls)
        assert info.steps_for_nfe(15) == 15 // info.nfe_per_step


@pytest.mark.parametrize("name", list(SAMPLERS))
def test_same_generator_same_samples_and_stochastic_flag_is_true(gaussian, name):
    info = SAMPLERS[name]
    process = PROCESSES[info.processes[0]]()
    ts, x_T = uniform_timesteps(process, 10), gaussian.draw(process, process.T, 50, 0)
    runs = [
        sample(gaussian.eps_model(process), process, info.factory(), ts, x_T, torch.Generator().manual_seed(s))
        for s in (9, 9, 10)
    ]
    assert torch.equal(runs[0], runs[1])
    assert (not torch.equal(runs[0], runs[2])) == info.stochastic
    seeded = sample(gaussian.eps_model(process), process, info.factory(), ts, x_T, 9)  # an int is a seed
    assert torch.equal(seeded, runs[0])


@pytest.mark.parametrize(
    "name, order", [("ddim", 1), ("probability_flow_heun", 2), ("dpm_solver_pp_2m", 2), ("edm", 2)]
)
@pytest.mark.parametrize("proc", ["vp", "ve"])
def test_deterministic_samplers_converge_to_the_exact_transport_map_at_their_order(gaussian, name, order, proc):
    # The probability-flow map between Gaussian marginals is affine: x ↦ α_1 m + sd_1/sd_0 (x − α_0 m).
    process = PROCESSES[proc]()
    t0, t1 = 1.0, 0.2
    x = gaussian.draw(process, t0, 32, 1)
    (m0, v0), (m1, v1) = gaussian.moments(process, t0), gaussian.moments(process, t1)
    exact = m1 + math.sqrt(v1 / v0) * (x - m0)
    errs = [
        float(
            (
                sample(
                    gaussian.eps_model(process),
                    process,
                    SAMPLERS[name].factory(),
                    torch.linspace(t0, t1, n + 1, dtype=torch.float64),
                    x,
                )
                - exact
            )
            .abs()
            .max()
        )
        for n in (40, 80)
    ]
    assert 0.75 * 2**order < errs[0] / errs[1] < 1.25 * 2**order, errs


def _dpm_error_to_the_exact_map(gaussian, process, ts, x):
    (m0, v0), (m1, v1) = gaussian.moments(process, float(ts[0])), gaussian.moments(process, float(ts[-1]))
    out = sample(gaussian.eps_model(process), process, SAMPLERS["dpm_solver_pp_2m"].factory(), ts, x)
    return float((out - (m1 + math.sqrt(v1 / v0) * (x - m0))).abs().max())


@pytest.mark.parametrize("grid", [uniform_timesteps, karras_timesteps], ids=["uniform", "karras"])
@pytest.mark.parametrize("proc", ["vp", "subvp", "ve"])
def test_dpm_solver_error_falls_with_every_budget_on_the_default_grids_ending_at_the_data(gaussian, grid, proc):
    # The default grids end with a first-order step to σ = 0 (x̂_0), as k-diffusion's: the error to the exact data
    # map falls from 10 to 100 steps, with no jump where lower_order_final stops applying (15 steps)
    process = PROCESSES[proc]()
    x = gaussian.draw(process, process.T, 256, 1)
    errs = [_dpm_error_to_the_exact_map(gaussian, process, grid(process, n), x) for n in (10, 14, 15, 20, 25, 50, 100)]
    assert all(b < a for a, b in itertools.pairwise(errs)), errs


@pytest.mark.parametrize("grid", [uniform_timesteps, karras_timesteps], ids=["uniform", "karras"])
@pytest.mark.parametrize("proc", ["vp", "ve"])
@pytest.mark.parametrize("name", ["ddim", "probability_flow_heun", "edm"])
def test_deterministic_samplers_error_falls_with_every_nfe_budget_on_the_default_grids(gaussian, grid, proc, name):
    # the benchmark's budgets (benchmarks/diffusion.py): error to the exact data map at 10, 15, 20, 25, 50, 100 NFE
    process, info = PROCESSES[proc](), SAMPLERS[name]
    x = gaussian.draw(process, process.T, 256, 1)
    (m0, v0), (m1, v1) = gaussian.moments(process, process.T), gaussian.moments(process, 0.0)
    exact = m1 + math.sqrt(v1 / v0) * (x - m0)
    errs = [
        float(
            (
                sample(gaussian.eps_model(process), process, info.factory(), grid(process, info.steps_for_nfe(nfe)), x)
                - exact
            )
            .abs()
            .max()
        )
        for nfe in (10, 15, 20, 25, 50, 100)
    ]
    assert all(b < a for a, b in itertools.pairwise(errs)), errs


def test_dpm_solver_on_the_grid_ending_at_t_min_jumps_where_lower_order_final_stops(gaussian):
    # to_data=False keeps the grids of earlier versions: the last step lands on t_min (σ > 0); below 15 steps it is
    # first order (lower_order_final), from 15 on second order with a small λ-ratio r, whose 1/(2r) extrapolation
    # overshoots: on the VP Karras grid 0.008 at 10 steps and 0.14 at 15 (measured)
    process = VPSDE()
    x = gaussian.draw(process, process.T, 256, 1)
    e10, e15 = (
        _dpm_error_to_the_exact_map(gaussian, process, karras_timesteps(process, n, to_data=False), x) for n in (10, 15)
    )
    assert e15 > 10 * e10, (e10, e15)


@pytest.mark.parametrize("name", ["ddim", "dpm_solver_pp_2m", "edm", "probability_flow_heun"])
@pytest.mark.parametrize("proc", ["vp", "ve"])
def test_deterministic_step_to_the_data_is_tweedies_denoiser(gaussian, name, proc):
    # one step from t to σ = 0: x̂_0 = (x − σ_t ε̂)/α_t with one network evaluation
    process = PROCESSES[proc]()
    t = 0.3
    x = gaussian.draw(process, t, 16, 4)
    model = EvaluationCounter(gaussian.eps_model(process))
    out = sample(model, process, SAMPLERS[name].factory(), torch.tensor([t, 0.0], dtype=torch.float64), x)
    a, s = (float(v) for v in process.marginal(torch.tensor(t, dtype=torch.float64)))
    eps = gaussian.eps_model(process)(x, torch.full((16,), t, dtype=torch.float64))
    assert torch.allclose(out, (x - s * eps) / a, rtol=1e-12, atol=1e-12) and model.calls == 1


@pytest.mark.parametrize("sde", [VPSDE(), VESDE()], ids=lambda s: type(s).__name__)
def test_probability_flow_rk45_maps_data_exactly_onto_the_prior_and_back(gaussian, sde):
    model = gaussian.eps_model(sde)
    x0 = gaussian.draw(sde, sde.t_min, 64, 0)
    xT, nfev = probability_flow_rk45(model, sde, x0, sde.t_min, 1.0, rtol=1e-8, atol=1e-8)
    (m0, v0), (m1, v1) = gaussian.moments(sde, sde.t_min), gaussian.moments(sde, 1.0)
    expected = m1 + math.sqrt(v1 / v0) * (x0 - m0)
    assert torch.allclose(xT, expected, atol=1e-5 * float(expected.abs().max())) and nfev > 0
    back, _ = probability_flow_rk45(model, sde, xT, 1.0, sde.t_min, rtol=1e-8, atol=1e-8)
    assert torch.allclose(back, x0, atol=1e-5 * float(x0.abs().max() + 1))


def test_pc_corrector_is_the_one_langevin_step():
    g = torch.Generator().manual_seed(0)
    x, score = torch.randn(6, 3, generator=g, dtype=torch.float64), torch.randn(6, 3, generator=g, dtype=torch.float64)
    out = langevin_snr_step(x, score, 0.16, 0.9, torch.Generator().manual_seed(4))
    z = torch.randn(6, 3, generator=torch.Generator().manual_seed(4), dtype=torch.float64)
    step = 2 * 0.9 * (0.16 * z.norm(dim=1).mean() / score.norm(dim=1).mean()) ** 2
    assert torch.allclose(out, x + step * score + (2 * step).sqrt() * z, atol=1e-12)
    assert torch.equal(out, langevin_step(x, -score, step, noise=z))


def test_ddim_eta_one_is_ho_algorithm_2(gaussian):
    # x_{t−1} = (x_t − β_t/sqrt(1−ᾱ_t) ε)/sqrt(α_t) + sqrt(β̃_t) z with the same z.
    sched = DDPMSchedule()
    g = torch.Generator().manual_seed(0)
    x, eps = torch.randn(5, 2, generator=g, dtype=torch.float64), torch.randn(5, 2, generator=g, dtype=torch.float64)
    t = 400
    beta, abar = float(sched.betas[t]), float(sched.alphas_cumprod[t])
    beta_tilde = (1 - float(sched.alphas_cumprod[t - 1])) / (1 - abar) * beta
    out = sample(
        lambda x_, t_: eps, sched, DDIM(eta=1.0), torch.tensor([t, t - 1.0]), x, torch.Generator().manual_seed(7)
    )
    z = torch.randn(5, 2, generator=torch.Generator().manual_seed(7), dtype=torch.float64)
    ref = (x - beta / math.sqrt(1 - abar) * eps) / math.sqrt(1 - beta) + math.sqrt(beta_tilde) * z
    assert torch.allclose(out, ref, atol=1e-10)


@pytest.mark.parametrize("proc", ALL_PROCESSES)
def test_ddim_eta_one_is_the_posterior_step(gaussian, proc):
    # η = 1: x_s ~ q(x_s | x_t, x̂_0) (NoiseProcess.posterior), same noise.
    process = PROCESSES[proc]()
    t, s = (700.0, 350.0) if process.discrete else (0.7, 0.3)
    g = torch.Generator().manual_seed(3)
    x, eps = torch.randn(5, 2, generator=g, dtype=torch.float64), torch.randn(5, 2, generator=g, dtype=torch.float64)
    out = sample(lambda x_, t_: eps, process, DDIM(eta=1.0), torch.tensor([t, s]), x, torch.Generator().manual_seed(5))
    a_t, s_t = [float(v) for v in process.marginal(torch.tensor(t))]
    mean, var = process.posterior(x, (x - s_t * eps) / a_t, t, s)
    z = torch.randn(5, 2, generator=torch.Generator().manual_seed(5), dtype=torch.float64)
    assert torch.allclose(out, mean + var.sqrt() * z, atol=1e-9)


def test_ddim_clipping_keeps_model_eps_unless_asked(gaussian):
    sched = DDPMSchedule()
    x = 3 * torch.ones(2, 2, dtype=torch.float64)
    eps = torch.zeros(2, 2, dtype=torch.float64)
    ts = torch.tensor([500.0, 400.0])
    (a_t, _), (a_s, s_s) = [[float(v) for v in sched.marginal(torch.tensor(u))] for u in (500.0, 400.0)]
    kept = sample(lambda x_, t_: eps, sched, DDIM(clip_x0=1.0), ts, x)
    recomputed = sample(lambda x_, t_: eps, sched, DDIM(clip_x0=1.0, use_clipped_model_output=True), ts, x)
    s_t = math.sqrt(1 - a_t**2)
    assert torch.allclose(kept, torch.full_like(x, a_s))  # x̂_0 = 1 after clipping, ε̂ = 0 kept
    assert torch.allclose(recomputed, torch.full_like(x, a_s + s_s * (3 - a_t) / s_t))


def test_edm_churn_adds_noise_only_inside_its_sigma_window(gaussian):
    process = VPSDE()
    x = gaussian.draw(process, 1.0, 20, 0)
    ts = karras_timesteps(process, 10)
    model = gaussian.eps_model(process)
    off = EDMHeun(s_churn=40.0, s_tmin=1e6, s_tmax=1e7)  # window above every σ/α: no churn
    assert torch.equal(
        sample(model, process, off, ts, x, torch.Generator().manual_seed(1)), sample(model, process, EDMHeun(), ts, x)
    )
    on = EDMHeun(s_churn=40.0)
    assert not torch.equal(
        sample(model, process, on, ts, x, torch.Generator().manual_seed(1)), sample(model, process, EDMHeun(), ts, x)
    )


@pytest.mark.parametrize(
    "call, message",
    [
        (
            lambda: sample(lambda x, t: x[:, :1], VPSDE(), DDIM(), torch.tensor([0.5, 0.1]), torch.zeros(4, 2)),
            "x's shape",
        ),
        (
            lambda: sample(
                lambda x, t: x,
                DDPMSchedule(),
                SAMPLERS["euler_maruyama"].factory(),
                torch.tensor([9.0, 1.0]),
                torch.zeros(2, 2),
            ),
            "needs an SDE",
        ),
        (
            lambda: sample(
                lambda x, t: x, DDPMSchedule(), PredictorCorrector(), torch.tensor([9.0, 1.0]), torch.zeros(2, 2)
            ),
            "needs an SDE",
        ),
        (lambda: sample(lambda x, t: x, VPSDE(), "ddim", torch.tensor([0.5, 0.1]), torch.zeros(2, 2)), "Sampler"),
        (
            lambda: sample(lambda x, t: x, VPSDE(), DDIM(), torch.tensor([0.5, 0.1]), torch.zeros(2, 2), "7"),
            "generator",
        ),
        (lambda: probability_flow_rk45(lambda x, t: x, VPSDE(), torch.zeros(2, 2), 1.0, 0.1, rtol=-1.0), "rtol"),
        (lambda: probability_flow_rk45(lambda x, t: x, VPSDE(), torch.zeros(2, 2), 1.0, 2.0), "t_end"),
        (lambda: probability_flow_rk45(lambda x, t: x, DDPMSchedule(), torch.zeros(2, 2), 9.0, 2.0), "needs an SDE"),
        (lambda: PredictorCorrector(snr=0.0), "snr"),
        (lambda: PredictorCorrector(n_corrector=-1), "n_corrector"),
        (lambda: DDIM(eta=2.0), "eta"),
        (lambda: DDIM(clip_x0=-1.0), "clip_x0"),
        (lambda: EDMHeun(s_churn=-1.0), "s_churn"),
        (lambda: EDMHeun(s_tmin=2.0, s_tmax=1.0), "s_tmax"),
        (lambda: EDMHeun(s_noise=float("nan")), "s_noise"),
    ],
)
def test_bad_input_raises(call, message):
    with pytest.raises(ValueError, match=message):
        call()


def test_generator_policy_of_sample_and_of_the_per_step_kernels(gaussian):
    # sample() owns the run: an int is a seed (tested above) but a bool/float/str is refused; a sampler's step is a
    # per-step kernel: an int would repeat the same noise at every step, so it is refused with the reason
    info = SAMPLERS["euler_maruyama"]
    process = PROCESSES[info.processes[0]]()
    ts, x_T = uniform_timesteps(process, 4), gaussian.draw(process, process.T, 5, 0)
    for bad in (True, 1.5, "9"):
        with pytest.raises(ValueError, match=re.escape("generator must be a torch.Generator, an int seed or None")):
            sample(gaussian.eps_model(process), process, info.factory(), ts, x_T, bad)
    with pytest.raises(ValueError, match="would repeat the same noise"):
        info.factory().step(
            gaussian.eps_model(process), process, SamplerState(x_T, 0, 3), float(ts[0]), float(ts[1]), 9
        )
