"""Langevin kernels and HMC: closed-form stationary laws, exactness of Metropolis-corrected kernels, constraints.

Statistical tolerances are Z standard errors of the Monte-Carlo estimate (independent chains ⇒ iid draws),
checked over several seeds.
"""

import math
import re

import numpy as np
import pytest
import scipy.linalg
import torch

from saddle.sampling import (
    BAOAB,
    HMC,
    MALA,
    SGLD,
    ULA,
    Banana,
    Dirichlet,
    Gaussian,
    MirroredLangevin,
    PolynomialDecay,
    ProjectedLangevin,
    UnderdampedEulerMaruyama,
    project_simplex_corner,
    sample,
)
from saddle.sets import Ball, Box

Z = 5.0  # standard errors allowed
SEEDS = [0, 1, 2]
DT = torch.float64


def var_se(v: float, n: int) -> float:
    """Standard error of the sample variance of n iid Gaussian draws with variance v."""
    return v * math.sqrt(2.0 / (n - 1))


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("h", [0.2, 1.0, 2.0])
def test_ula_stationary_variance_matches_closed_form(seed, h):
    # x⁺ = x − h x/s² + √(2h) ξ  ⇒  v = (1 − h/s²)² v + 2h  ⇒  v = s² / (1 − h/(2s²))
    s2, n = 2.25, 20_000
    v_exact = s2 / (1 - h / (2 * s2))
    target = Gaussian(torch.zeros(1, dtype=DT), s2)
    steps = math.ceil(40 / -math.log((1 - h / s2) ** 2))  # contraction factor^steps < e^{-40}
    trace = sample(
        ULA(h, potential=target), torch.zeros(n, 1, dtype=DT), steps, torch.Generator().manual_seed(seed), thin=steps
    )
    v = trace.positions[-1, :, 0].var().item()
    assert abs(v - v_exact) < Z * var_se(v_exact, n)
    if h >= 1.0:  # the bias is resolved: the samples are NOT from N(0, s²)
        assert abs(v - s2) > Z * var_se(v_exact, n)


def _stationary_cov(T: np.ndarray, q: np.ndarray) -> np.ndarray:
    """Σ = T Σ Tᵀ + q qᵀ for the linear recursion z⁺ = T z + q ξ (scipy's discrete Lyapunov solver)."""
    return scipy.linalg.solve_discrete_lyapunov(T, q @ q.T)


def _baoab_linear_map(h, gamma):
    # f(x) = x²/2: B = kick, A = drift, O = Ornstein–Uhlenbeck; state z = (x, v)
    B = np.array([[1, 0], [-h / 2, 1]])
    A = np.array([[1, h / 2], [0, 1]])
    c = math.exp(-gamma * h)
    OU = np.array([[1, 0], [0, c]])
    return B @ A @ OU @ A @ B, B @ A @ np.array([[0.0], [math.sqrt(1 - c * c)]])


def _euler_linear_map(h, gamma):
    return np.array([[1, h], [-h, 1 - h * gamma]]), np.array([[0.0], [math.sqrt(2 * gamma * h)]])


def test_baoab_position_variance_is_exact_closed_form():
    # Leimkuhler & Matthews (2013): BAOAB samples the configurational marginal of a harmonic oscillator exactly.
    for h in (0.3, 1.0, 1.9):
        for gamma in (0.5, 2.0):
            cov = _stationary_cov(*_baoab_linear_map(h, gamma))
            assert cov[0, 0] == pytest.approx(1.0, rel=1e-10)
            assert cov[1, 1] == pytest.approx(
                1 - h * h / 4, rel=1e-10
            )  # the velocity after the last kick is O(h²)-biased
    # Euler–Maruyama is biased in position
    assert _stationary_cov(*_euler_linear_map(0.3, 1.0))[0, 0] > 1.05


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize(
    "kernel_cls, map_fn", [(BAOAB, _baoab_linear_map), (UnderdampedEulerMaruyama, _euler_linear_map)]
)
def test_underdamped_stationary_covariance_matches_lyapunov(seed, kernel_cls, map_fn):
    h, gamma, n = 0.5, 1.0, 20_000
    target = Gaussian(torch.zeros(1, dtype=DT), 1.0)
    trace = sample(
        kernel_cls(h, gamma, potential=target),
        torch.zeros(n, 1, dtype=DT),
        200,
        torch.Generator().manual_seed(seed),
        thin=200,
    )
    x, v = trace.state.position[:, 0], trace.state.velocity[:, 0]
    cov = _stationary_cov(*map_fn(h, gamma))
    assert abs(x.var().item() - cov[0, 0]) < Z * var_se(cov[0, 0], n)
    assert abs(v.var().item() - cov[1, 1]) < Z * var_se(cov[1, 1], n)
    if kernel_cls is BAOAB:
        assert cov[0, 0] == pytest.approx(1.0)
    else:  # the Euler bias (≈ +27 % at h = 0.5) is resolved
        assert abs(x.var().item() - 1.0) > Z * var_se(cov[0, 0], n)


CORR_MEAN = torch.tensor([1.0, -1.0, 0.5], dtype=DT)
CORR_COV = torch.tensor([[2.0, 0.9, 0.3], [0.9, 1.0, 0.2], [0.3, 0.2, 0.5]], dtype=DT)


def _check_moments(x: torch.Tensor, mean: torch.Tensor, cov: torch.Tensor) -> None:
    n = len(x)
    se_mean = (cov.diagonal() / n).sqrt()
    assert ((x.mean(0) - mean).abs() < Z * se_mean).all(), (x.mean(0), mean)
    emp = torch.cov(x.T)
    # Var of the sample covariance of Gaussian draws: (Σ_ij² + Σ_ii Σ_jj) / (n − 1)
    se_cov = ((cov**2 + torch.outer(cov.diagonal(), cov.diagonal())) / (n - 1)).sqrt()
    assert ((emp - cov).abs() < Z * se_cov).all(), (emp, cov)


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize(
    "make",
    [
        lambda t: MALA(0.4, potential=t),
        lambda t: MALA(0.4, logdensity_fn=t.logdensity),  # autograd path
        lambda t: HMC(0.3, 1.2, potential=t),
        lambda t: HMC(0.3, 1.2, potential=t, inverse_mass=torch.tensor([0.5, 1.0, 2.0], dtype=DT)),
    ],
    ids=["mala", "mala-logdensity", "hmc", "hmc-mass"],
)
def test_metropolis_kernels_are_unbiased_on_correlated_gaussian(seed, make):
    target = Gaussian(CORR_MEAN, CORR_COV)
    kernel = make(target)
    if isinstance(kernel, HMC):
        # fixed-path HMC on a Gaussian contracts the mean by |cos(ω_i T)| per iteration (ω_i² = eigenvalues of
        # M^{-1/2} Σ⁻¹ M^{-1/2}); at ω T ≈ π it only reflects and never forgets its start (T = 1.5 with this mass
        # gives cos = −0.999), so check the chosen T is far from resonance.
        im = torch.ones(3, dtype=DT) if kernel.inverse_mass is None else kernel.inverse_mass
        omega = torch.linalg.eigvalsh(im.sqrt()[:, None] * torch.linalg.inv(CORR_COV) * im.sqrt()).sqrt()
        assert torch.cos(omega * kernel.path_length).abs().max() < 0.9
    n = 4000
    init = 3.0 * torch.randn(n, 3, generator=torch.Generator().manual_seed(100 + seed), dtype=DT)
    trace = sample(kernel, init, 150, torch.Generator().manual_seed(seed), thin=150)
    _check_moments(trace.positions[-1], CORR_MEAN, CORR_COV)
    assert 0.3 < trace.info.accepted.double().mean() < 1.0


def test_ula_at_the_same_step_is_visibly_biased():
    # the contrast to the MALA test above: without the Metropolis test h = 0.4 inflates the variance
    target = Gaussian(CORR_MEAN, CORR_COV)
    n = 4000
    trace = sample(
        ULA(0.4, potential=target), torch.zeros(n, 3, dtype=DT), 150, torch.Generator().manual_seed(0), thin=150
    )
    emp_var = trace.positions[-1].var(0)
    se = CORR_COV.diagonal() * math.sqrt(2 / (n - 1))
    assert ((emp_var - CORR_COV.diagonal()) > Z * se).any()


def test_hmc_energy_error_is_second_order_in_step_size():
    # leapfrog's global energy error over a fixed path is O(h²): halving h divides |ΔH| by ≈ 4
    target = Gaussian(CORR_MEAN, CORR_COV)
    x = torch.randn(500, 3, generator=torch.Generator().manual_seed(0), dtype=DT)
    errs = []
    for h in (0.1, 0.05):
        kernel = HMC(h, 1.0, potential=target)
        _, info = kernel.step(kernel.init(x), torch.Generator().manual_seed(1))
        errs.append(info.energy_change.abs().mean().item())
    assert 3.5 < errs[0] / errs[1] < 4.5


def _inside_at_every_step(kernel, x0, steps, g, inside):
    """Whether all chains lie in the set (`inside` of the positions) after each of the `steps` steps."""
    ok = []
    sample(kernel, x0, steps, g, callback=lambda i, s, info: ok.append(bool(inside(s.position).all())))
    return ok


@pytest.mark.parametrize("seed", SEEDS)
def test_projected_langevin_stays_in_the_set(seed):
    g = torch.Generator().manual_seed(seed)
    target = Gaussian(torch.tensor([2.0, 0.0], dtype=DT), 1.0)  # mass outside the unit ball
    for constraint, inside in [
        (Ball(1.0, "l2"), lambda x: x.norm(dim=-1) <= 1 + 1e-12),
        (Box(-0.5, 0.5), lambda x: x.abs().amax(-1) <= 0.5),
        (
            lambda z: project_simplex_corner(z, 0.01),
            lambda x: (x >= 0.01 - 1e-12).all(-1) & (x.sum(-1) <= 0.99 + 1e-12),
        ),
    ]:
        kernel = ProjectedLangevin(0.05, constraint, potential=target)
        ok = _inside_at_every_step(kernel, 3 * torch.randn(500, 2, generator=g, dtype=DT), 100, g, inside)
        assert all(ok) and len(ok) == 100


def test_projected_langevin_bias_on_truncated_gaussian_shrinks_like_sqrt_h():
    # N(0, 1) restricted to [−1, 1] has variance v = 1 − 2φ(1)/(2Φ(1) − 1). Projected Euler schemes for reflected
    # diffusions have an O(√h) weak error at the boundary (Gobet 2001; Bubeck, Eldan, Lehec 2018 for the rate of
    # projected LMC), so the variance bias b(h) should halve when h is divided by 4.
    from scipy.stats import norm

    v_exact = 1 - 2 * norm.pdf(1) / (2 * norm.cdf(1) - 1)
    n = 20_000
    bias, se = [], []
    for h in (0.02, 0.005):
        kernel = ProjectedLangevin(h, Box(-1.0, 1.0), potential=Gaussian(torch.zeros(1, dtype=DT), 1.0))
        steps = round(3 / h)  # time 3: the OU contraction e^{−2·3} at the start is far below the noise
        trace = sample(kernel, torch.zeros(n, 1, dtype=DT), steps, torch.Generator().manual_seed(0), thin=steps)
        x = trace.positions[-1, :, 0]
        bias.append(x.var().item() - v_exact)
        se.append((x - x.mean()).pow(2).std().item() / math.sqrt(n))
    assert bias[0] > Z * se[0] and bias[1] > 0  # biased upwards (mass piles up on the boundary)
    ratio = bias[0] / bias[1]
    ratio_se = ratio * math.hypot(se[0] / bias[0], se[1] / bias[1])
    assert abs(ratio - 2.0) < Z * ratio_se, (ratio, ratio_se)


@pytest.mark.parametrize("seed", SEEDS)
def test_mirrored_langevin_stays_in_simplex_and_matches_dirichlet_mean(seed):
    target = Dirichlet(torch.tensor([2.0, 3.0, 5.0], dtype=DT))
    n = 4000
    kernel = MirroredLangevin(0.02, potential=target)
    ok = []
    trace = sample(
        kernel,
        torch.full((n, 3), 1 / 3, dtype=DT),
        500,
        torch.Generator().manual_seed(seed),
        thin=500,
        callback=lambda i, s, info: ok.append(
            bool((s.position > 0).all()) and bool(torch.allclose(s.position.sum(-1), torch.ones(n, dtype=DT)))
        ),
    )
    assert all(ok)
    x = trace.positions[-1]
    se = (target.cov.diagonal() / n).sqrt()
    assert ((x.mean(0) - target.mean).abs() < Z * se).all()


def test_mirrored_generic_potential_equals_closed_form_dirichlet():
    target = Dirichlet(torch.tensor([0.5, 2.0, 3.0, 1.0], dtype=DT))
    generic = MirroredLangevin(0.01, potential=target.potential)  # W = f ∘ ∇h* − log det, autograd
    closed = MirroredLangevin(0.01, potential=target)
    x = target.sample(50, torch.Generator().manual_seed(0))
    s1, s2 = generic.init(x), closed.init(x)
    torch.testing.assert_close(s1.position, x)
    torch.testing.assert_close(s1.grad, s2.grad)
    a, b = generic.step(s1, torch.Generator().manual_seed(3))[0], closed.step(s2, torch.Generator().manual_seed(3))[0]
    torch.testing.assert_close(a.position, b.position)


@pytest.mark.parametrize("seed", SEEDS)
def test_sgld_constant_step_matches_closed_form(seed):
    # Posterior of a Gaussian mean: prior N(0, τ²), z_i ~ N(θ, σ²). A = 1/τ² + N/σ², posterior mean Σz/σ² / A.
    # With replacement minibatches the gradient noise is additive with variance c² = N² s_z² / (b σ⁴),
    # s_z² = (1/N)Σ(z_i − z̄)², so θ⁺ = (1 − hA) θ + h·const − h·noise + √(2h) ξ has stationary
    # mean the posterior mean and variance (2h + h² c²) / (1 − (1 − hA)²).
    tau2, sigma2, N, b, h = 4.0, 1.0, 200, 10, 0.002
    data = 1.5 + torch.randn(N, 1, generator=torch.Generator().manual_seed(42), dtype=DT)
    A = 1 / tau2 + N / sigma2
    mean_exact = (data.sum() / sigma2 / A).item()
    c2 = N**2 * data.var(unbiased=False).item() / (b * sigma2**2)
    v_exact = (2 * h + h * h * c2) / (1 - (1 - h * A) ** 2)
    kernel = SGLD(
        h,
        prior_potential=lambda th: 0.5 * th[:, 0] ** 2 / tau2,
        data_potential=lambda th, z: 0.5 * (z[..., 0] - th) ** 2 / sigma2,
        data=data,
        batch_size=b,
    )
    n = 10_000
    trace = sample(kernel, torch.zeros(n, 1, dtype=DT), 100, torch.Generator().manual_seed(seed), thin=100)
    x = trace.positions[-1, :, 0]
    assert abs(x.mean().item() - mean_exact) < Z * math.sqrt(v_exact / n)
    assert abs(x.var().item() - v_exact) < Z * var_se(v_exact, n)
    assert abs(x.var().item() - 1 / A) > Z * var_se(v_exact, n)  # the minibatch noise inflates the variance


def test_sgld_schedule_and_counter():
    sched = PolynomialDecay.welling_teh(a=0.1, b=1.0, gamma=0.55)
    assert sched(0) == pytest.approx(0.1) and sched(9) == pytest.approx(0.1 * 10**-0.55)
    data = torch.randn(20, 1, dtype=DT)
    kernel = SGLD(sched, lambda th: 0.5 * (th**2).sum(-1), lambda th, z: 0.5 * (z[..., 0] - th) ** 2, data, 5)
    trace = sample(kernel, torch.zeros(3, 1, dtype=DT), 10, torch.Generator().manual_seed(0))
    assert int(trace.state.count) == 10
    torch.testing.assert_close(trace.info.step_size[:, 0], torch.tensor([sched(t) for t in range(10)], dtype=DT))


ALL_KERNELS = {
    "ula": lambda t: ULA(0.1, potential=t),
    "mala": lambda t: MALA(0.1, potential=t),
    "hmc": lambda t: HMC(0.1, 0.5, potential=t),
    "baoab": lambda t: BAOAB(0.1, 1.0, potential=t),
    "euler": lambda t: UnderdampedEulerMaruyama(0.1, 1.0, potential=t),
    "projected": lambda t: ProjectedLangevin(0.1, Ball(2.0), potential=t),
}


@pytest.mark.parametrize("name", ALL_KERNELS)
def test_same_seed_same_chains_and_input_state_untouched(name):
    target = Gaussian(CORR_MEAN, CORR_COV)
    init = torch.randn(7, 3, generator=torch.Generator().manual_seed(0), dtype=DT)
    kernel = ALL_KERNELS[name](target)
    state = kernel.init(init)
    before = [t.clone() for t in state]
    a = sample(kernel, state, 20, torch.Generator().manual_seed(5), thin=2, burn_in=3)
    b = sample(kernel, state, 20, torch.Generator().manual_seed(5), thin=2, burn_in=3)
    c = sample(kernel, state, 20, torch.Generator().manual_seed(6), thin=2, burn_in=3)
    assert a.positions.shape == (10, 7, 3)
    assert torch.equal(a.positions, b.positions) and not torch.equal(a.positions, c.positions)
    assert all(torch.equal(x, y) for x, y in zip(before, state))
    assert torch.isfinite(a.positions).all()


def test_float32_and_dtype_kept():
    target = Gaussian(torch.zeros(2), 1.0)
    for kernel in (ULA(0.1, potential=target), MALA(0.1, potential=target), HMC(0.1, 0.3, potential=target)):
        trace = sample(kernel, torch.zeros(4, 2), 3, torch.Generator().manual_seed(0))
        assert trace.positions.dtype == torch.float32


@pytest.mark.parametrize(
    "build, message",
    [
        (lambda: ULA(0.0, potential=lambda x: x.sum(-1)), "step_size must be a finite number > 0, got 0.0"),
        (lambda: ULA(float("nan"), potential=lambda x: x.sum(-1)), "step_size"),
        (lambda: MALA(-1, potential=lambda x: x.sum(-1)), "got -1"),
        (lambda: ULA(0.1), "exactly one of potential= or logdensity_fn="),
        (lambda: ULA(0.1, potential=lambda x: x, logdensity_fn=lambda x: x), "exactly one"),
        (lambda: ULA(0.1, potential=3.0), "potential must be callable"),
        (lambda: HMC(0.1, 0.05, potential=lambda x: x.sum(-1)), "path_length must be >= step_size"),
        (lambda: HMC(0.1, -1.0, potential=lambda x: x.sum(-1)), "path_length must be a finite number > 0, got -1.0"),
        (
            lambda: SGLD(float("inf"), lambda t: t, lambda t, z: z, torch.zeros(5, 1), 2),
            "step_size must be a finite number > 0",
        ),
        (lambda: HMC(0.1, 1.0, potential=lambda x: x.sum(-1), inverse_mass=torch.tensor([1.0, -1.0])), "inverse_mass"),
        (
            lambda: BAOAB(0.1, friction=0.0, potential=lambda x: x.sum(-1)),
            "friction must be a finite number > 0, got 0.0",
        ),
        (lambda: ProjectedLangevin(0.1, "ball", potential=lambda x: x.sum(-1)), "constraint must be"),
        (lambda: MirroredLangevin(0.1), "give potential="),
        (lambda: PolynomialDecay.welling_teh(0.1, gamma=0.3), "gamma must be in (0.5, 1], got 0.3"),
        (
            lambda: SGLD(0.1, lambda t: t, lambda t, z: z, torch.zeros(5, 1), batch_size=6),
            "batch_size must be an integer in [1, 5], got 6",
        ),
        (lambda: project_simplex_corner(torch.zeros(2, 3), 0.3), "margin must be in [0, 0.25), got 0.3"),
    ],
)
def test_bad_arguments_raise(build, message):
    with pytest.raises(ValueError, match=None) as err:
        build()
    assert message in str(err.value)


def test_bad_positions_and_sample_arguments_raise():
    kernel = ULA(0.1, potential=Gaussian(torch.zeros(2), 1.0))
    for bad, message in [
        (torch.zeros(3), "shape (n_chains, d)"),
        (torch.zeros(2, 2, dtype=torch.long), "floating"),
        (torch.full((2, 2), float("nan")), "NaN"),
    ]:
        with pytest.raises(ValueError, match=None) as err:
            kernel.init(bad)
        assert message in str(err.value)
    for kwargs, message in [
        ({"n_steps": 0}, "n_steps must be an integer >= 1, got 0"),
        ({"n_steps": 5, "thin": 0}, "thin must be an integer >= 1"),
        ({"n_steps": 5, "thin": 6}, "thin must be <= n_steps"),
        ({"n_steps": 5, "burn_in": -1}, "burn_in must be an integer >= 0"),
    ]:
        with pytest.raises(ValueError) as err:
            sample(kernel, torch.zeros(2, 2), generator=None, **kwargs)
        assert message in str(err.value)
    with pytest.raises(ValueError, match="open simplex"):
        MirroredLangevin(0.1, potential=Dirichlet(torch.ones(3))).init(torch.tensor([[0.5, 0.5, 0.0]]))


@pytest.mark.parametrize("seed", [0, 1])
@pytest.mark.parametrize(
    "make", [lambda t: HMC(0.2, 1.2, potential=t), lambda t: MALA(0.2, potential=t)], ids=["hmc", "mala"]
)
def test_metropolis_kernels_on_banana_match_exact_moments(seed, make):
    # non-Gaussian target: Var x₂ = 1 + 2b²a⁴ = 1.5; SEs of the second moments from the draws' own 4th moments
    target = Banana(a=1.0, b=0.5, dtype=DT)
    n = 4000
    x = sample(make(target), torch.zeros(n, 2, dtype=DT), 200, torch.Generator().manual_seed(seed), thin=200).positions[
        -1
    ]
    assert ((x.mean(0) - target.mean).abs() < Z * (target.cov.diagonal() / n).sqrt()).all()
    sq = (x - target.mean) ** 2
    assert ((sq.mean(0) - target.cov.diagonal()).abs() < Z * sq.std(0) / math.sqrt(n)).all()


def test_mirrored_and_sgld_same_seed_same_chains():
    target = Dirichlet(torch.tensor([0.5, 2.0, 3.0], dtype=DT))
    data = torch.randn(30, 1, generator=torch.Generator().manual_seed(0), dtype=DT)
    cases = [
        (MirroredLangevin(0.05, potential=target), torch.full((4, 3), 1 / 3, dtype=DT)),
        (
            SGLD(0.01, lambda th: 0.5 * (th**2).sum(-1), lambda th, z: 0.5 * (z[..., 0] - th) ** 2, data, 5),
            torch.zeros(4, 1, dtype=DT),
        ),
    ]
    for kernel, init in cases:
        a = sample(kernel, init, 10, torch.Generator().manual_seed(5)).positions
        b = sample(kernel, init, 10, torch.Generator().manual_seed(5)).positions
        c = sample(kernel, init, 10, torch.Generator().manual_seed(6)).positions
        assert torch.equal(a, b) and not torch.equal(a, c)


def test_sample_burn_in_thin_and_info_layout_match_a_manual_loop():
    target = Gaussian(CORR_MEAN, CORR_COV)
    kernel = MALA(0.3, potential=target)
    init = torch.zeros(5, 3, dtype=DT)
    seen = []
    trace = sample(
        kernel, init, 6, torch.Generator().manual_seed(0), thin=2, burn_in=3, callback=lambda i, s, info: seen.append(i)
    )
    g = torch.Generator().manual_seed(0)
    state, positions, probs = kernel.init(init), [], []
    for i in range(9):
        state, info = kernel.step(state, g)
        if i >= 3:
            probs.append(info.acceptance_prob)
            if (i - 3 + 1) % 2 == 0:
                positions.append(state.position)
    assert seen == list(range(9))
    assert torch.equal(trace.positions, torch.stack(positions))  # kept: steps 5, 7, 9 (1-based)
    assert trace.info.acceptance_prob.shape == (6, 5) and torch.equal(trace.info.acceptance_prob, torch.stack(probs))
    assert torch.equal(trace.state.position, state.position)


def test_sgld_decaying_schedule_follows_the_exact_moment_recursion():
    # Same Gaussian-mean model as above. With step α_t, θ⁺ = (1 − α_t A) θ + α_t B − α_t·noise + √(2α_t) ξ, so
    # m⁺ = (1 − α_t A) m + α_t B and v⁺ = (1 − α_t A)² v + 2α_t + α_t² c², from m = v = 0.
    tau2, sigma2, N, b = 4.0, 1.0, 200, 10
    data = 1.5 + torch.randn(N, 1, generator=torch.Generator().manual_seed(42), dtype=DT)
    A, B = 1 / tau2 + N / sigma2, data.sum().item() / sigma2
    c2 = N**2 * data.var(unbiased=False).item() / (b * sigma2**2)
    sched = PolynomialDecay.welling_teh(a=0.004, b=10.0, gamma=0.55)
    m = v = 0.0
    for t in range(300):
        a = sched(t)
        m, v = (1 - a * A) * m + a * B, (1 - a * A) ** 2 * v + 2 * a + a * a * c2
    kernel = SGLD(
        sched,
        prior_potential=lambda th: 0.5 * th[:, 0] ** 2 / tau2,
        data_potential=lambda th, z: 0.5 * (z[..., 0] - th) ** 2 / sigma2,
        data=data,
        batch_size=b,
    )
    n = 10_000
    x = sample(kernel, torch.zeros(n, 1, dtype=DT), 300, torch.Generator().manual_seed(0), thin=300).positions[-1, :, 0]
    assert abs(x.mean().item() - m) < Z * math.sqrt(v / n)
    assert abs(x.var().item() - v) < Z * var_se(v, n)


def test_leapfrog_is_time_reversible():
    from saddle.sampling import as_energy, leapfrog

    target = Banana(a=1.0, b=0.5, dtype=DT)
    energy = as_energy(potential=target)
    g = torch.Generator().manual_seed(0)
    x, p = torch.randn(10, 2, generator=g, dtype=DT), torch.randn(10, 2, generator=g, dtype=DT)
    y, q, _, gy = leapfrog(energy, x, p, energy.grad(x), 0.05, 20)
    x2, p2, _, _ = leapfrog(energy, y, -q, gy, 0.05, 20)
    torch.testing.assert_close(x2, x)
    torch.testing.assert_close(-p2, p)


def test_leapfrog_refuses_zero_steps():
    from saddle.sampling import as_energy, leapfrog

    energy = as_energy(potential=Gaussian(torch.zeros(2, dtype=DT), 1.0))
    x = torch.zeros(3, 2, dtype=DT)
    with pytest.raises(ValueError, match="n_steps"):
        leapfrog(energy, x, x, energy.grad(x), 0.1, 0)


def test_energy_given_only_its_gradient_refuses_to_evaluate_the_potential():
    from saddle.sampling import Energy

    energy = Energy(None, lambda x: 2.0 * x)  # f = ‖x‖², known only through ∇f
    x = torch.tensor([[1.0, -2.0], [0.5, 0.0]], dtype=DT)
    torch.testing.assert_close(energy.grad(x), 2.0 * x)
    for evaluate in (energy.value, energy.value_and_grad):
        with pytest.raises(ValueError, match="only the gradient"):
            evaluate(x)


def test_mirrored_target_with_only_the_dual_gradient_equals_passing_that_gradient():
    dirichlet = Dirichlet(torch.tensor([0.5, 2.0, 3.0], dtype=DT))

    class DualGradientOnly:  # a target object bringing ∇W but not W, which the Langevin step does not need
        grad_dual_potential = staticmethod(dirichlet.grad_dual_potential)

    init = torch.full((4, 3), 1 / 3, dtype=DT)
    a = sample(MirroredLangevin(0.05, potential=DualGradientOnly()), init, 10, 5).positions
    b = sample(MirroredLangevin(0.05, grad_dual_potential=dirichlet.grad_dual_potential), init, 10, 5).positions
    c = sample(MirroredLangevin(0.05, potential=dirichlet), init, 10, 5).positions
    assert torch.equal(a, b)
    torch.testing.assert_close(a, c)


def test_project_simplex_corner_matches_cvxpy():
    import cvxpy as cp

    z = 0.8 * torch.randn(12, 3, generator=torch.Generator().manual_seed(0), dtype=DT) + 0.3
    delta = 0.02
    ours = project_simplex_corner(z, delta)
    for i in range(len(z)):
        u = cp.Variable(3)
        cp.Problem(cp.Minimize(cp.sum_squares(u - z[i].numpy())), [u >= delta, cp.sum(u) <= 1 - delta]).solve()
        np.testing.assert_allclose(ours[i].numpy(), u.value, atol=1e-5)


POTENTIAL_KERNELS = {**ALL_KERNELS, "mala-logdensity": lambda f: MALA(0.1, logdensity_fn=lambda x: -f(x))}


@pytest.mark.parametrize("name", POTENTIAL_KERNELS)
@pytest.mark.parametrize(
    "potential, got",
    [(lambda x: x.pow(2).sum(), "()"), (lambda x: x.pow(2).sum(-1, keepdim=True), "(4, 1)")],
    ids=["scalar", "column"],
)
def test_potential_with_the_wrong_output_shape_is_refused_at_init(name, potential, got):
    # a scalar potential used to freeze MALA (acceptance 0); (n, 1) broadcast deep inside the MH test
    kernel = POTENTIAL_KERNELS[name](potential)
    with pytest.raises(ValueError) as err:
        kernel.init(torch.zeros(4, 2, dtype=DT))
    assert f"one value per chain, shape (n_chains,) = (4,), got {got}" in str(err.value)


def test_gradient_with_the_wrong_shape_is_refused_at_init():
    kernel = ULA(0.1, potential=lambda x: x.pow(2).sum(-1), grad_potential=lambda x: 2 * x.sum(-1))
    with pytest.raises(ValueError, match=r"gradient of the potential must have the shape of the positions \(4, 2\)"):
        kernel.init(torch.zeros(4, 2, dtype=DT))
    with pytest.raises(ValueError, match="one value per chain"):
        MirroredLangevin(0.1, potential=lambda x: x.sum()).init(torch.full((4, 3), 1 / 3, dtype=DT))


def test_int_seed_accepted_by_sample_and_refused_by_step():
    target = Gaussian(CORR_MEAN, CORR_COV)
    init = torch.zeros(5, 3, dtype=DT)
    for make in ALL_KERNELS.values():
        kernel = make(target)
        by_seed = sample(kernel, init, 4, 7).positions  # converted once: the same chains as a Generator seeded 7
        assert torch.equal(by_seed, sample(kernel, init, 4, torch.Generator().manual_seed(7)).positions)
        with pytest.raises(ValueError, match=re.escape("generator must be a torch.Generator, got the int 7")):
            kernel.step(kernel.init(init), 7)


@pytest.mark.parametrize("seed", SEEDS)
def test_mala_proposal_is_the_one_langevin_step_and_its_mh_ratio_matches_a_direct_formula(seed):
    from saddle.langevin import langevin_step

    target = Gaussian(CORR_MEAN, CORR_COV)
    kernel, h = MALA(0.3, potential=target), 0.3
    x = target.sample(6, torch.Generator().manual_seed(10 + seed))
    state = kernel.init(x)
    new, info = kernel.step(state, torch.Generator().manual_seed(seed))
    g = torch.Generator().manual_seed(seed)
    y = langevin_step(x, target.grad_potential(x), h, g)
    u = torch.rand(6, generator=g, dtype=DT)

    # the Hastings ratio written out: π(y) q(x|y) / (π(x) q(y|x)) with q(·|z) = N(z − h∇f(z), 2h I)
    def log_q(to, frm):
        return torch.distributions.MultivariateNormal(
            frm - h * target.grad_potential(frm), 2 * h * torch.eye(3, dtype=DT)
        ).log_prob(to)

    log_r = target.logdensity(y) - target.logdensity(x) + log_q(x, y) - log_q(y, x)
    torch.testing.assert_close(info.acceptance_prob, log_r.exp().clamp(max=1.0))
    accepted = torch.log(u) < log_r
    assert torch.equal(info.accepted, accepted)
    torch.testing.assert_close(new.position, torch.where(accepted[:, None], y, x), rtol=0, atol=0)


def test_ula_projected_mirrored_sgld_steps_equal_the_one_langevin_step():
    from saddle.langevin import langevin_step

    target = Gaussian(CORR_MEAN, CORR_COV)
    x = target.sample(5, torch.Generator().manual_seed(0))
    ula = ULA(0.2, potential=target)
    assert torch.equal(
        ula.step(ula.init(x), torch.Generator().manual_seed(1))[0].position,
        langevin_step(x, target.grad_potential(x), 0.2, torch.Generator().manual_seed(1)),
    )
    proj = ProjectedLangevin(0.2, Ball(1.0), potential=target)
    s = proj.init(x)
    assert torch.equal(
        proj.step(s, torch.Generator().manual_seed(1))[0].position,
        Ball(1.0).project(langevin_step(s.position, s.grad, 0.2, torch.Generator().manual_seed(1))),
    )
    dirichlet = Dirichlet(torch.tensor([0.5, 2.0, 3.0], dtype=DT))
    mir = MirroredLangevin(0.05, potential=dirichlet)
    s = mir.init(torch.full((4, 3), 1 / 3, dtype=DT))
    assert torch.equal(
        mir.step(s, torch.Generator().manual_seed(2))[0].dual,
        langevin_step(s.dual, s.grad, 0.05, torch.Generator().manual_seed(2)),
    )
    data = torch.randn(30, 1, generator=torch.Generator().manual_seed(0), dtype=DT)
    sgld = SGLD(0.01, lambda th: 0.5 * (th**2).sum(-1), lambda th, z: 0.5 * (z[..., 0] - th) ** 2, data, 5)
    s = sgld.init(torch.zeros(4, 1, dtype=DT))
    g = torch.Generator().manual_seed(3)
    grad = sgld.stochastic_grad(s.position, g)
    assert torch.equal(
        sgld.step(s, torch.Generator().manual_seed(3))[0].position, langevin_step(s.position, grad, 0.01, g)
    )


def test_select_accepted_and_metropolis_accept():
    from saddle.sampling import metropolis_accept, select_accepted
    from saddle.sampling.mala import State

    cur = State(torch.zeros(3, 2), torch.zeros(3), torch.zeros(3, 2))
    new = State(torch.ones(3, 2), torch.ones(3), torch.ones(3, 2))
    out = select_accepted(torch.tensor([True, False, True]), new, cur)
    assert isinstance(out, State) and out.position[:, 0].tolist() == [1, 0, 1] and out.potential.tolist() == [1, 0, 1]
    # log-ratio ≥ 0 always accepted, −inf and NaN never; P(accept) = e^r otherwise (binomial SE)
    r = torch.tensor([0.0, 3.0, -math.inf, math.nan])
    prob, acc = metropolis_accept(r, torch.Generator().manual_seed(0))
    assert prob.tolist() == [1.0, 1.0, 0.0, 0.0] and acc.tolist() == [True, True, False, False]
    n = 20_000
    prob, acc = metropolis_accept(torch.full((n,), math.log(0.3), dtype=DT), torch.Generator().manual_seed(1))
    assert abs(acc.double().mean().item() - 0.3) < Z * math.sqrt(0.3 * 0.7 / n)
