"""The pieces the samplers and the training are built from, on Gaussian data where every score is exact:
ε ↔ score, Tweedie's x̂_0, the probability-flow velocity, one reverse-SDE step, the time embedding,
the ε-loss and its training loop, classifier-free guidance, and the registries' entries."""

import math
import re

import pytest
import torch

from saddle.diffusion import (
    PROCESSES,
    SAMPLERS,
    SDE,
    SDE_PROCESSES,
    SPACINGS,
    VPSDE,
    ClassifierFreeGuidance,
    DDPMSchedule,
    EulerMaruyama,
    ProbabilityFlowHeun,
    SamplerInfo,
    SamplerState,
    ScoreMLP,
    SinusoidalTimeEmbedding,
    drop_labels,
    eps_from_score,
    epsilon_loss,
    guided_eps_fn,
    model_eps_fn,
    sample,
    train_epsilon_model,
    uniform_timesteps,
)
from saddle.diffusion.samplers import call_eps, ode_velocity, predict_x0, reverse_sde_step, score_from_eps
from saddle.diffusion.samplers.base import coefs

DT = torch.float64


def _gaussian_eps(process, s2):
    """The exact ε-model of data N(0, s2 I): p_t = N(0, v_t I), v_t = α_t² s2 + σ_t², score −x/v_t, ε̂ = σ_t x / v_t."""

    def eps(x, t):
        a, s = process.marginal(t.to(DT))
        v = (a**2 * s2 + s**2)[:, None]
        return (s[:, None] * x / v).to(x.dtype)

    return eps


def test_coefs_are_the_marginal_as_floats():
    vp = VPSDE()
    a, s = coefs(vp, 0.5)
    b = 0.1 * 0.5 + 0.5 * 19.9 * 0.25
    assert isinstance(a, float) and isinstance(s, float)
    assert a == pytest.approx(math.exp(-b / 2), rel=1e-14) and s == pytest.approx(
        math.sqrt(1 - math.exp(-b)), rel=1e-14
    )


def test_score_and_eps_convert_into_each_other():
    vp = VPSDE()
    x = torch.randn(5, 3, generator=torch.Generator().manual_seed(0), dtype=DT)
    # data N(0, I) under the VP SDE stays N(0, I): score −x, so ε̂ = −σ_t · (−x) = σ_t x
    eps_fn = eps_from_score(vp, lambda x, t: -x)
    t = torch.full((5,), 0.3, dtype=DT)
    _, sigma = coefs(vp, 0.3)
    torch.testing.assert_close(eps_fn(x, t), sigma * x)
    torch.testing.assert_close(score_from_eps(vp, eps_fn(x, t), 0.3), -x)


def test_call_eps_broadcasts_the_time_and_checks_the_shape():
    seen = {}

    def model(x, t):
        seen["t"] = t
        return torch.zeros_like(x)

    x = torch.ones(4, 2, dtype=torch.float32)
    assert torch.equal(call_eps(model, x, 0.25), torch.zeros(4, 2))
    assert seen["t"].shape == (4,) and seen["t"].dtype == torch.float32 and bool((seen["t"] == 0.25).all())
    with pytest.raises(ValueError, match=re.escape("the ε-model must return a tensor of x's shape (4, 2), got (4,)")):
        call_eps(lambda x, t: t, x, 0.25)
    with pytest.raises(ValueError, match="got float"):
        call_eps(lambda x, t: 1.0, x, 0.25)


@pytest.mark.parametrize("name", list(PROCESSES))
def test_predict_x0_inverts_the_forward_perturbation(name):
    process = PROCESSES[name]()
    g = torch.Generator().manual_seed(1)
    x0, noise = torch.randn(6, 3, generator=g, dtype=DT), torch.randn(6, 3, generator=g, dtype=DT)
    t = 0.5 * process.T if not process.discrete else float(int(process.T) // 2)
    xt = process.perturb(x0, torch.full((6,), t, dtype=DT), noise)
    torch.testing.assert_close(predict_x0(process, xt, noise, t), x0)  # the true noise gives back x_0
    assert float(predict_x0(process, xt, noise, t, clip=0.5).abs().max()) <= 0.5


def test_probability_flow_velocity_vanishes_on_the_stationary_marginal():
    # data N(0, I) under VP: p_t = N(0, I) for all t, so v = f − ½ g² s = −½βx + ½β x = 0
    vp = VPSDE()
    x = torch.randn(8, 2, generator=torch.Generator().manual_seed(2), dtype=DT)
    for t in (0.1, 0.5, 1.0):
        torch.testing.assert_close(ode_velocity(_gaussian_eps(vp, 1.0), vp, x, t), torch.zeros_like(x))


def test_probability_flow_heun_is_second_order_on_the_gaussian_flow():
    # data N(0, s2): the probability-flow ODE is linear, x_s = x_t · sqrt(v_s / v_t); Heun's error is O(h²)
    vp, s2 = VPSDE(), 0.09
    x1 = torch.randn(16, 2, generator=torch.Generator().manual_seed(3), dtype=DT)
    errors = []
    for n in (100, 200):
        ts = uniform_timesteps(vp, n, to_data=False)  # Heun's order on the ODE down to t_min, no step to the data
        out = sample(_gaussian_eps(vp, s2), vp, ProbabilityFlowHeun(), ts, x1, progress=False)
        a1, sg1 = coefs(vp, float(ts[0]))
        a0, sg0 = coefs(vp, float(ts[-1]))
        exact = x1 * math.sqrt((a0**2 * s2 + sg0**2) / (a1**2 * s2 + sg1**2))
        errors.append(float(((out - exact) / exact).abs().max()))
    assert errors[1] < 1e-3
    assert errors[0] / errors[1] == pytest.approx(4.0, rel=0.1)  # halving h quarters the error


def test_euler_maruyama_step_is_the_reverse_sde_formula():
    # x_s = x − (f − g² ŝ) h + g √h z, z from the generator
    vp, t, s = VPSDE(), 0.6, 0.55
    x = torch.randn(4, 3, generator=torch.Generator().manual_seed(4), dtype=DT)
    eps = _gaussian_eps(vp, 0.25)
    drift, g = vp.sde(x, t)
    score = score_from_eps(vp, call_eps(eps, x, t), t)
    z = torch.randn(x.shape, generator=torch.Generator().manual_seed(5), dtype=DT)
    expected = x - (drift - g**2 * score) * (t - s) + g * math.sqrt(t - s) * z
    torch.testing.assert_close(reverse_sde_step(eps, vp, x, t, s, torch.Generator().manual_seed(5)), expected)
    state = EulerMaruyama().step(eps, vp, SamplerState(x, 0, 1), t, s, torch.Generator().manual_seed(5))
    torch.testing.assert_close(state.x, expected)
    assert state.index == 1


def test_registry_entries_and_nfe_budget():
    assert set(SDE_PROCESSES) == {"vp", "subvp", "ve"} and set(SDE_PROCESSES) < set(PROCESSES)
    assert all(issubclass(PROCESSES[k], SDE) for k in SDE_PROCESSES) and not issubclass(PROCESSES["ddpm"], SDE)
    for info in SAMPLERS.values():
        assert isinstance(info, SamplerInfo)
        # a sampler that needs an SDE runs on exactly the SDE processes
        assert info.factory().requires_sde == (set(info.processes) == set(SDE_PROCESSES))
    assert type(SAMPLERS["euler_maruyama"].factory()) is EulerMaruyama
    assert type(SAMPLERS["probability_flow_heun"].factory()) is ProbabilityFlowHeun
    heun = SAMPLERS["probability_flow_heun"]
    assert heun.steps_for_nfe(10) == 5 and heun.steps_for_nfe(11) == 5 and heun.steps_for_nfe(1) == 1


@pytest.mark.parametrize("spacing", SPACINGS)
def test_every_spacing_gives_a_decreasing_grid_on_a_discrete_schedule(spacing):
    ddpm = DDPMSchedule()
    ts = uniform_timesteps(ddpm, 10, spacing=spacing)
    assert ts.shape == (11,) and bool((ts[1:] < ts[:-1]).all()) and ts[-1] == 0
    assert float(ts[0]) <= ddpm.T and bool((ts == ts.round()).all())
    if spacing != "linspace":
        with pytest.raises(ValueError, match="needs a discrete schedule"):
            uniform_timesteps(VPSDE(), 10, spacing=spacing)


def test_sinusoidal_time_embedding_pairs_lie_on_the_unit_circle():
    emb = SinusoidalTimeEmbedding(8)
    t = torch.tensor([0.0, 0.001, 0.5])
    e = emb(t)
    assert e.shape == (3, 8)
    torch.testing.assert_close(e[:, :4] ** 2 + e[:, 4:] ** 2, torch.ones(3, 4))
    torch.testing.assert_close(e[0], torch.tensor([0.0] * 4 + [1.0] * 4))  # t = 0: sin 0, cos 0
    # first frequency ω_0 = 1 on t' = 1000 t: sin(1) at t = 0.001
    assert float(e[1, 0]) == pytest.approx(math.sin(1.0), rel=1e-6)
    with pytest.raises(ValueError, match="dim must be an even integer >= 2, got 7"):
        SinusoidalTimeEmbedding(7)


def test_epsilon_loss_is_zero_for_the_oracle_and_the_noise_power_for_zero():
    vp = VPSDE()
    g = torch.Generator().manual_seed(6)
    x0, noise = torch.randn(32, 2, generator=g, dtype=DT), torch.randn(32, 2, generator=g, dtype=DT)
    t = vp.sample_times(32, g)

    def oracle(xt, tt):  # knows x0: ε = (x_t − α_t x_0)/σ_t, with tt = t/T
        a, s = vp.marginal(tt * vp.T)
        return (xt - a[:, None] * x0) / s[:, None]

    assert float(epsilon_loss(oracle, vp, x0, t, noise)) == pytest.approx(0.0, abs=1e-20)
    zero = epsilon_loss(lambda xt, tt: torch.zeros_like(xt), vp, x0, t, noise)
    assert float(zero) == pytest.approx(float(noise.pow(2).mean()))
    labels = torch.arange(32)
    seen = epsilon_loss(lambda xt, tt, y: torch.zeros_like(xt) + y[:, None], vp, x0, t, noise, labels)
    assert float(seen) == pytest.approx(float((labels[:, None] - noise).pow(2).mean()))


def test_train_epsilon_model_is_deterministic_and_learns_the_gaussian_eps():
    vp = VPSDE()
    data = torch.randn(512, 1, generator=torch.Generator().manual_seed(7)) * 0.5 + 1.0

    def train():
        torch.manual_seed(0)  # the network's initial weights
        net = ScoreMLP(dim=1, hidden=32, depth=3, embed_dim=16)
        losses = train_epsilon_model(net, vp, data, steps=80, batch_size=64, lr=5e-3, seed=3)
        return net, losses

    net, losses = train()
    _, again = train()
    assert losses == again and len(losses) == 80
    # On fresh noisy data of N(μ = 1, s² = 1/4), against the Bayes predictor E[z | x_t] = σ(x_t − αμ)/(α²s² + σ²),
    # whose expected ε-loss given t is α²s²/(α²s² + σ²) (Gaussian conditioning); per-sample paired differences.
    g = torch.Generator().manual_seed(8)
    x0 = torch.randn(4096, 1, generator=g) * 0.5 + 1.0
    t, z = vp.sample_times(4096, g), torch.randn(4096, 1, generator=g)
    alpha, sigma = (c[:, None].float() for c in vp.marginal(t))
    xt, var = vp.perturb(x0, t, z), alpha**2 * 0.25 + sigma**2
    bayes = (sigma * (xt - alpha) / var - z).pow(2)
    with torch.no_grad():
        trained = (net(xt, (t / vp.T).float()) - z).pow(2)
        assert float(epsilon_loss(net, vp, x0, t, z)) == pytest.approx(float(trained.mean()), rel=1e-6)

    def mean_se(d):
        return float(d.mean()), float(d.std() / len(d) ** 0.5)

    m, se = mean_se(bayes - alpha**2 * 0.25 / var)
    assert abs(m) < 3 * se  # the Bayes predictor's loss is the closed form
    m, se = mean_se(trained - bayes)
    assert m > -3 * se  # no network beats the Bayes predictor
    # and after 80 steps it has closed 90% of the gap from predicting zero (loss E z² = 1) to the optimum
    assert m < 0.1 * float((z.pow(2) - bayes).mean())
    with pytest.raises(ValueError, match="p_uncond > 0 needs a null_label"):
        train_epsilon_model(net, vp, data, labels=torch.zeros(512, dtype=torch.long), steps=1, p_uncond=0.1)


def test_drop_labels_probability_and_determinism():
    y = torch.arange(10).repeat(1000)
    assert torch.equal(drop_labels(y, 0.0, 10), y)
    assert bool((drop_labels(y, 1.0, 10) == 10).all())
    dropped = drop_labels(y, 0.3, 10, torch.Generator().manual_seed(0))
    frac = float((dropped == 10).double().mean())
    assert abs(frac - 0.3) < 4 * math.sqrt(0.3 * 0.7 / len(y))
    assert torch.equal(dropped[dropped != 10], y[dropped != 10])  # kept labels are unchanged
    assert torch.equal(dropped, drop_labels(y, 0.3, 10, torch.Generator().manual_seed(0)))
    with pytest.raises(ValueError, match="p_uncond"):
        drop_labels(y, 1.5, 10)


def test_model_eps_fn_scales_time_and_passes_labels():
    calls = []

    def net(x, t, y=None):
        calls.append((t.clone(), None if y is None else y.clone()))
        return x

    ddpm = DDPMSchedule()
    x, t = torch.ones(3, 2), torch.full((3,), 500.0)
    fn = model_eps_fn(net, ddpm)
    fn(x, t)
    assert torch.equal(calls[-1][0], t / ddpm.T) and calls[-1][1] is None
    labelled = model_eps_fn(net, ddpm, y=torch.tensor([1, 2, 3]))
    labelled(x, t)
    assert calls[-1][1].tolist() == [1, 2, 3]
    labelled(x, t, torch.tensor([4, 5, 6]))  # labels given at the call win
    assert calls[-1][1].tolist() == [4, 5, 6]


def test_classifier_free_guidance_combines_the_two_predictions():
    # ε(x, t, y) = x · (y + 1): ε_c = x(y + 1), ε_∅ = x(null + 1); ε̃ = (1 + w) ε_c − w ε_∅
    def model(x, t, y):
        return x * (y[:, None].to(x.dtype) + 1)

    x, t, y = torch.ones(2, 3, dtype=DT), torch.zeros(2, dtype=DT), torch.tensor([0, 2])
    w, null = 2.0, 9
    guided = ClassifierFreeGuidance(y, w, null).wrap(model)
    expected = (1 + w) * model(x, t, y) - w * model(x, t, torch.full_like(y, null))
    torch.testing.assert_close(guided(x, t), expected)
    torch.testing.assert_close(ClassifierFreeGuidance(y, 0.0, null).wrap(model)(x, t), model(x, t, y))
    # guided_eps_fn = the same guidance around model_eps_fn (time scaled by T)
    ddpm = DDPMSchedule()
    via_net = guided_eps_fn(lambda x, tt, labels: model(x, tt, labels), ddpm, y, w, null)
    torch.testing.assert_close(via_net(x, t), expected)
    with pytest.raises(ValueError, match=re.escape("guidance scale must be a finite number >= 0, got -1.0")):
        ClassifierFreeGuidance(y, -1.0, null)
