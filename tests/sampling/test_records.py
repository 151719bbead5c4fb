"""The records and small pieces of the sampling package: Energy, Trace, each kernel's Info, the proposal density,
and every effective-sample-size method on independent draws."""

import math

import pytest
import torch
from scipy.stats import multivariate_normal

from saddle.sampling import (
    ESS_METHODS,
    HMC,
    MALA,
    SGLD,
    ULA,
    Energy,
    Trace,
    as_energy,
    effective_sample_size,
    gaussian_proposal_logdensity,
    hmc,
    mala,
    sample,
    sgld,
    ula,
)

DT = torch.float64


def half_square(x):
    return 0.5 * x.pow(2).sum(-1)


def test_energy_by_autograd_and_by_a_given_gradient():
    x = torch.randn(5, 3, generator=torch.Generator().manual_seed(0), dtype=DT)
    auto = Energy(half_square)
    f, g = auto.value_and_grad(x)
    torch.testing.assert_close(f, half_square(x))
    torch.testing.assert_close(g, x)  # ∇ ½‖x‖² = x
    torch.testing.assert_close(auto.grad(x), x)
    assert not f.requires_grad and not g.requires_grad
    given = Energy(half_square, grad=lambda x: 2 * x)  # a given gradient is used as is, never re-derived
    torch.testing.assert_close(given.grad(x), 2 * x)
    torch.testing.assert_close(given.value(x), half_square(x))
    assert given.check(x) is x
    # logdensity_fn = −f
    torch.testing.assert_close(as_energy(logdensity_fn=lambda x: -half_square(x)).grad(x), x)
    with pytest.raises(ValueError, match="an Energy needs a potential or its gradient"):
        Energy(None)
    with pytest.raises(ValueError, match=r"one value per chain, shape \(n_chains,\) = \(5,\), got \(\)"):
        Energy(lambda x: x.pow(2).sum()).check(x)
    with pytest.raises(ValueError, match=r"the shape of the positions \(5, 3\), got \(5,\)"):
        Energy(half_square, grad=lambda x: x.sum(-1)).check(x)


def test_sample_returns_a_trace_of_kept_positions_infos_and_the_final_state():
    kernel = MALA(0.3, potential=half_square)
    tr = sample(kernel, torch.zeros(4, 2, dtype=DT), n_steps=12, generator=0, thin=3, burn_in=5)
    assert isinstance(tr, Trace)
    assert tr.positions.shape == (4, 4, 2)  # steps 3, 6, 9, 12 after burn-in
    assert torch.equal(tr.positions[-1], tr.state.position)
    assert isinstance(tr.info, mala.Info) and tr.info.accepted.shape == (12, 4)  # every post-burn-in step
    again = sample(kernel, torch.zeros(4, 2, dtype=DT), n_steps=12, generator=0, thin=3, burn_in=5)
    assert torch.equal(tr.positions, again.positions)  # same seed, same chains


def test_hmc_info_acceptance_is_min_one_exp_minus_energy_change():
    kernel = HMC(0.4, 1.2, potential=half_square)
    state = kernel.init(torch.randn(64, 2, generator=torch.Generator().manual_seed(1), dtype=DT))
    _, info = kernel.step(state, torch.Generator().manual_seed(2))
    assert isinstance(info, hmc.Info) and info.accepted.dtype == torch.bool
    torch.testing.assert_close(info.acceptance_prob, torch.exp(-info.energy_change).clamp(max=1.0))
    # leapfrog on a quadratic with h = 0.4 keeps |ΔH| small but not zero
    assert 0 < float(info.energy_change.abs().max()) < 0.5


def test_mala_info_reports_the_metropolis_hastings_probability():
    # on f = ½‖x‖² with h → 0 the MH ratio → 1; for a large h it drops
    x0 = torch.randn(256, 2, generator=torch.Generator().manual_seed(3), dtype=DT)
    probs = {}
    for h in (1e-4, 1.5):
        kernel = MALA(h, potential=half_square)
        _, info = kernel.step(kernel.init(x0), torch.Generator().manual_seed(4))
        assert isinstance(info, mala.Info) and bool(((info.acceptance_prob >= 0) & (info.acceptance_prob <= 1)).all())
        probs[h] = float(info.acceptance_prob.mean())
    assert probs[1e-4] > 0.999 and probs[1.5] < 0.9


def test_sgld_info_holds_the_scheduled_step_and_ula_reports_nothing():
    data = torch.randn(20, 2, generator=torch.Generator().manual_seed(5), dtype=DT)
    kernel = SGLD(
        lambda t: 0.1 / (1 + t), half_square, lambda x, batch: 0.5 * (x[:, None] - batch).pow(2).sum(-1), data, 5
    )
    state = kernel.init(torch.zeros(3, 2, dtype=DT))
    g = torch.Generator().manual_seed(6)
    for t in range(3):
        state, info = kernel.step(state, g)
        assert isinstance(info, sgld.Info)
        torch.testing.assert_close(info.step_size, torch.full((3,), 0.1 / (1 + t), dtype=info.step_size.dtype))
    u = ULA(0.1, potential=half_square)
    _, info = u.step(u.init(torch.zeros(3, 2)), g)
    assert isinstance(info, ula.Info) and len(info) == 0


def test_gaussian_proposal_logdensity_is_the_normal_logpdf_up_to_its_constant():
    g = torch.Generator().manual_seed(7)
    y, mean = torch.randn(6, 3, generator=g, dtype=DT), torch.randn(6, 3, generator=g, dtype=DT)
    ours = gaussian_proposal_logdensity(y, mean, 0.7)
    ref = torch.tensor(
        [multivariate_normal(mean[i].numpy(), 0.7 * torch.eye(3).numpy()).logpdf(y[i].numpy()) for i in range(6)],
        dtype=DT,
    )
    const = -1.5 * math.log(2 * math.pi * 0.7)
    torch.testing.assert_close(ours + const, ref)


@pytest.mark.parametrize("method", ESS_METHODS)
def test_every_ess_method_gives_about_n_on_independent_draws(method):
    # iid draws: the ESS of every variant is the number of draws, up to the estimator's noise (a few %)
    x = torch.randn(1000, 4, generator=torch.Generator().manual_seed(8), dtype=DT)
    ess = float(effective_sample_size(x, method=method))
    assert 0.85 * 4000 < ess < 1.15 * 4000
    with pytest.raises(ValueError, match=r"method must be one of \('bulk', 'tail', 'mean'\), got 'median'"):
        effective_sample_size(x, method="median")
