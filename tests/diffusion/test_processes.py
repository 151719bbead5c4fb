"""Forward processes: SDE marginals against simulation, DDPM against float64 numpy references,
the general Gaussian posterior against brute-force conditioning."""

import math

import numpy as np
import pytest
import torch

from saddle.diffusion import VESDE, VPSDE, DDPMSchedule, SubVPSDE
from saddle.diffusion.samplers import check_timesteps

SDES = [VESDE(), VPSDE(), SubVPSDE()]


@pytest.mark.parametrize("sde", SDES, ids=lambda s: type(s).__name__)
def test_marginals_match_forward_euler_maruyama(sde):
    # Simulate dx = f(t)x dt + g(t) dw from a fixed x0 with coefficients at step midpoints (weak order 2 for
    # additive noise; at 500 steps the bias is far below the Monte-Carlo error), compare mean and variance.
    n, steps, g = 4000, 500, torch.Generator().manual_seed(0)
    x0 = torch.tensor([1.5, -0.5], dtype=torch.float64)
    h = 1.0 / steps
    x = x0.expand(n, 2).clone()
    for i in range(steps):
        tm = torch.tensor((i + 0.5) * h, dtype=torch.float64)
        f, gg = sde.drift_coef(tm), sde.diffusion(tm)
        x = x + f * x * h + gg * math.sqrt(h) * torch.randn(n, 2, generator=g, dtype=torch.float64)
        if i + 1 in (steps // 5, steps):
            a, s = sde.marginal(torch.tensor((i + 1) * h, dtype=torch.float64))
            mean_se = s / math.sqrt(n)
            assert bool(((x.mean(0) - a * x0).abs() < 5 * mean_se).all()), (i, x.mean(0), a * x0)
            var_se = s**2 * math.sqrt(2 / (n - 1))
            assert bool(((x.var(0) - s**2).abs() < 5 * var_se).all()), (i, x.var(0), s**2)


@pytest.mark.parametrize("sde", SDES, ids=lambda s: type(s).__name__)
def test_marginal_variance_solves_the_moment_ode(sde):
    # For dx = f x dt + g dw: α' = f α and v' = 2 f v + g², v = σ_t² (central differences in float64).
    t = torch.linspace(0.05, 0.95, 19, dtype=torch.float64)
    h = 1e-6
    a, s = sde.marginal(t)
    ap, sp = sde.marginal(t + h)
    am, sm = sde.marginal(t - h)
    da = (ap - am) / (2 * h)
    dv = (sp**2 - sm**2) / (2 * h)
    f, g = sde.drift_coef(t), sde.diffusion(t)
    assert torch.allclose(da, f * a, rtol=1e-6, atol=1e-9)
    assert torch.allclose(dv, 2 * f * s**2 + g**2, rtol=1e-5)


def test_closed_form_marginals():
    t = torch.tensor([0.0, 0.5, 1.0], dtype=torch.float64)
    a, s = VPSDE().marginal(t)
    b = 0.1 * t + 0.5 * 19.9 * t**2
    assert torch.allclose(a, torch.exp(-b / 2)) and torch.allclose(s, torch.sqrt(1 - torch.exp(-b)))
    a2, s2 = SubVPSDE().marginal(t)
    assert torch.allclose(a2, a)  # the sub-VP SDE has the VP drift, hence the same mean
    assert torch.allclose(s2, 1 - torch.exp(-b)) and bool((s2 <= s).all())
    a3, s3 = VESDE().marginal(t)
    assert torch.allclose(a3, torch.ones(3, dtype=torch.float64))
    assert torch.allclose(s3, torch.sqrt((0.01 * 5000.0**t) ** 2 - 0.01**2))


@pytest.mark.parametrize("proc", [*SDES, DDPMSchedule()], ids=lambda s: type(s).__name__)
def test_prior_logp_and_sampling(proc):
    from scipy.stats import norm

    x = proc.prior_sample((20_000, 2), torch.Generator().manual_seed(1), dtype=torch.float64)
    std = proc.prior_std()
    assert abs(float(x.std()) - std) < 5 * std / math.sqrt(2 * x.numel())
    ref = norm(scale=std).logpdf(x[:5].numpy()).sum(1)
    assert np.allclose(proc.prior_logp(x[:5]).numpy(), ref, rtol=1e-10)


def test_ddpm_alphas_cumprod_against_numpy_float64():
    sched = DDPMSchedule()
    betas = np.linspace(1e-4, 0.02, 1000)
    ref = np.cumprod(1 - betas)  # ᾱ_t for t = 1..1000
    a, s = sched.marginal(torch.arange(1, 1001, dtype=torch.float64))
    assert np.allclose((a**2).numpy(), ref, rtol=1e-12)
    assert np.allclose((s**2).numpy(), 1 - ref, rtol=1e-12)
    # Reference values (numpy float64): ᾱ_1 = 0.9999, ᾱ_500 = 0.0785872…, ᾱ_1000 = 4.03583e-05.
    assert math.isclose(float(a[-1] ** 2), 4.035829765375676e-05, rel_tol=1e-9)
    assert math.isclose(float(a[499] ** 2), 0.07858724288177824, rel_tol=1e-9)
    assert float(sched.marginal(torch.tensor(0.0))[0]) == 1.0


def test_ddpm_posterior_is_ho_eq_7():
    sched = DDPMSchedule()
    betas = np.concatenate([[0.0], np.linspace(1e-4, 0.02, 1000)])
    abar = np.cumprod(1 - betas)
    g = torch.Generator().manual_seed(0)
    xt, x0 = torch.randn(4, 3, generator=g, dtype=torch.float64), torch.randn(4, 3, generator=g, dtype=torch.float64)
    for t in (1, 2, 10, 500, 1000):
        c0 = math.sqrt(abar[t - 1]) * betas[t] / (1 - abar[t])
        ct = math.sqrt(1 - betas[t]) * (1 - abar[t - 1]) / (1 - abar[t])
        var = (1 - abar[t - 1]) / (1 - abar[t]) * betas[t]
        mean, v = sched.posterior(xt, x0, float(t), float(t - 1))
        assert torch.allclose(mean, c0 * x0 + ct * xt, rtol=1e-10, atol=1e-12)
        assert math.isclose(float(v.reshape(-1)[0]), var, rel_tol=1e-9, abs_tol=1e-15)


@pytest.mark.parametrize(
    "proc, t, s",
    [(VPSDE(), 0.8, 0.3), (SubVPSDE(), 0.6, 0.05), (VESDE(), 0.9, 0.2), (DDPMSchedule(), 700.0, 350.0)],
    ids=["vp", "subvp", "ve", "ddpm"],
)
def test_posterior_equals_brute_force_gaussian_conditioning(proc, t, s):
    # Joint of (x_0, x_s, x_t) for scalar x_0 ~ N(0, τ²): x_s = α_s x_0 + σ_s z_1, x_t = α_{t|s} x_s + σ_{t|s} z_2.
    # Condition x_s on (x_t, x_0) with the Schur complement; compare coefficients and variance.
    (a_t, s_t), (a_s, s_s) = [tuple(float(v) for v in proc.marginal(torch.tensor(u))) for u in (t, s)]
    a_ts = a_t / a_s
    v_ts = s_t**2 - a_ts**2 * s_s**2
    tau2 = 2.0
    cov = np.array(
        [
            [tau2, a_s * tau2, a_t * tau2],
            [a_s * tau2, a_s**2 * tau2 + s_s**2, a_ts * (a_s**2 * tau2 + s_s**2)],
            [a_t * tau2, a_ts * (a_s**2 * tau2 + s_s**2), a_t**2 * tau2 + s_t**2],
        ]
    )
    assert math.isclose(cov[2, 2], a_ts**2 * cov[1, 1] + v_ts, rel_tol=1e-10)
    c = cov[1, [2, 0]] @ np.linalg.inv(cov[np.ix_([2, 0], [2, 0])])  # coefficients on (x_t, x_0)
    var = cov[1, 1] - c @ cov[[2, 0], 1]
    mean, v = proc.posterior(
        torch.tensor([[1.0]], dtype=torch.float64), torch.tensor([[0.0]], dtype=torch.float64), t, s
    )
    mean0, _ = proc.posterior(
        torch.tensor([[0.0]], dtype=torch.float64), torch.tensor([[1.0]], dtype=torch.float64), t, s
    )
    assert math.isclose(float(mean), c[0], rel_tol=1e-6) and math.isclose(float(mean0), c[1], rel_tol=1e-6)
    assert math.isclose(float(v), var, rel_tol=1e-6)


def test_training_times_lie_in_the_process_range():
    sched = DDPMSchedule()
    t = sched.sample_times(1000, torch.Generator().manual_seed(0))
    assert t.min() >= 1 and t.max() <= 1000 and bool((t == t.round()).all())
    vp = VPSDE()
    tc = vp.sample_times(1000, torch.Generator().manual_seed(0))
    assert tc.min() >= vp.t_min and tc.max() <= 1.0


@pytest.mark.parametrize(
    "call, message",
    [
        (lambda: VPSDE(beta_min=2.0, beta_max=1.0), "beta_min"),
        (lambda: VESDE(sigma_min=-1.0), "sigma_min"),
        (lambda: VPSDE(t_min=1.5), "t_min"),
        (lambda: DDPMSchedule(beta_start=0.5, beta_end=0.1), "beta_start"),
        (lambda: DDPMSchedule(num_steps=0), "num_steps"),
        (lambda: DDPMSchedule().marginal(torch.tensor(2.5)), "integers"),
        (lambda: VPSDE().perturb(torch.zeros(2, 2), torch.tensor([0.5, 1.5]), torch.zeros(2, 2)), r"\[0, 1"),
        (lambda: check_timesteps(VPSDE(), torch.tensor([0.1, 0.5])), "decreasing"),
        (lambda: check_timesteps(VPSDE(), torch.tensor([2.0, 0.5])), r"\[0, 1"),
        (lambda: check_timesteps(VPSDE(), torch.tensor([0.5])), "at least 2"),
    ],
)
def test_bad_input_raises(call, message):
    with pytest.raises(ValueError, match=message):
        call()
