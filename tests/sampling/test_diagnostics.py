"""ESS and R-hat against ArviZ (to 1e-8) and the AR(1) closed form, R-hat on mixed and stuck chains,
autocovariance against a brute force."""

import math

import arviz
import numpy as np
import pytest
import torch

from saddle.metrics.transport import wasserstein
from saddle.sampling import (
    MALA,
    GaussianMixture,
    acceptance_rate,
    autocovariance,
    effective_sample_size,
    gaussian_w2,
    monte_carlo_se,
    sample,
    split_rhat,
    w2_to_reference,
)

Z = 5.0
DT = torch.float64


def ar1(phi: float, n: int, shape: tuple[int, ...], seed: int) -> torch.Tensor:
    """Stationary AR(1): x_t = φ x_{t−1} + √(1 − φ²) ε_t, x_0 ~ N(0, 1); returns (n, *shape)."""
    g = torch.Generator().manual_seed(seed)
    eps = torch.randn(n, *shape, generator=g, dtype=DT)
    x = torch.empty_like(eps)
    x[0] = eps[0]
    c = math.sqrt(1 - phi * phi)
    for t in range(1, n):
        x[t] = phi * x[t - 1] + c * eps[t]
    return x


@pytest.mark.parametrize("phi", [0.9, 0.5, -0.5])
def test_ess_of_ar1_matches_closed_form(phi):
    # ESS = n (1 − φ)/(1 + φ) for large n; 60 independent replicates give the estimator's mean and its SE.
    n, reps = 5000, 60
    x = ar1(phi, n, (1, reps), seed=0)  # (n, 1 chain, 60 replicates)
    ess = effective_sample_size(x, method="mean")
    exact = n * (1 - phi) / (1 + phi)
    se = ess.std() / math.sqrt(reps)
    assert abs(ess.mean() - exact) < Z * se, (ess.mean().item(), exact, se.item())
    assert (ess.std() / exact) < 0.2  # a useful estimator, not just an unbiased one


def test_multichain_ess_adds_up_and_mcse():
    n, m, reps, phi = 2000, 4, 30, 0.8
    x = ar1(phi, n, (m, reps), seed=1)
    ess = effective_sample_size(x, method="mean")
    exact = m * n * (1 - phi) / (1 + phi)
    assert abs(ess.mean() - exact) < Z * ess.std() / math.sqrt(reps)
    # the Monte-Carlo SE of the mean: sd/√ESS; the chain means across replicates really scatter by that much
    mcse = monte_carlo_se(x)
    spread = x.mean(dim=(0, 1)).std()
    assert abs(mcse.mean() - spread) < Z * spread / math.sqrt(2 * (reps - 1))


def _chain_sets() -> dict[str, np.ndarray]:
    """Chain sets (n_draws, n_chains): i.i.d., AR(1) with φ = 0.9 and −0.5, heavy-tailed (Student t₂), odd n,
    one chain, and the shortest allowed (4 draws)."""
    rng = np.random.default_rng(0)

    def ar(phi: float, n: int, m: int) -> np.ndarray:
        return ar1(phi, n, (m,), seed=int(rng.integers(1 << 30))).numpy()

    return {
        "iid": rng.normal(size=(100, 4)),
        "ar1_0.9": ar(0.9, 500, 4),
        "ar1_-0.5": ar(-0.5, 301, 3),
        "student_t2": rng.standard_t(2, size=(200, 4)),
        "one_chain": ar(0.5, 57, 1),
        "four_draws": rng.normal(size=(4, 2)),
        "short_sticky": ar(0.95, 7, 2),
    }


@pytest.mark.parametrize("name", list(_chain_sets()))
@pytest.mark.parametrize("method", ["bulk", "tail", "mean"])
def test_ess_agrees_with_arviz(name, method):
    x = _chain_sets()[name]
    expected = arviz.ess(np.ascontiguousarray(x.T), method=method)  # ArviZ wants (chain, draw)
    assert effective_sample_size(torch.tensor(x), method=method).item() == pytest.approx(expected, rel=1e-8)


def test_ess_of_iid_chains_is_not_inflated():
    # the audit's case: with ρ̂_0 = 1 − W/(n var⁺) instead of 1, 4 chains of 100 i.i.d. draws gave 417.4 vs 408.9
    x = torch.tensor(_chain_sets()["iid"])
    expected = arviz.ess(np.ascontiguousarray(x.numpy().T), method="mean")
    assert effective_sample_size(x, method="mean").item() == pytest.approx(expected, rel=1e-8)
    assert effective_sample_size(x[:, :, None]).shape == (1,)


@pytest.mark.parametrize("name", [k for k, v in _chain_sets().items() if v.shape[1] > 1])
def test_split_rhat_agrees_with_arviz(name):
    x = _chain_sets()[name]
    expected = arviz.rhat(np.ascontiguousarray(x.T), method="rank")
    assert split_rhat(torch.tensor(x)).item() == pytest.approx(expected, rel=1e-8)
    expected = arviz.rhat(np.ascontiguousarray(x.T), method="split")
    assert split_rhat(torch.tensor(x), rank_normalize=False).item() == pytest.approx(expected, rel=1e-8)


def test_constant_chains_have_a_defined_ess_and_rhat():
    # ESS of a constant quantity: the number of (split) draws, as ArviZ; R̂ = 1 (ArviZ: NaN); never an accidental NaN
    const = torch.full((100, 4), 2.5, dtype=DT)
    for method in ("bulk", "tail", "mean"):
        assert effective_sample_size(const, method=method).item() == 400.0
        assert arviz.ess(const.numpy().T.copy(), method=method) == 400
    assert split_rhat(const).item() == 1.0 and split_rhat(const, rank_normalize=False).item() == 1.0
    # chains stuck at different constants disagree infinitely; one constant coordinate leaves the others alone
    stuck = torch.cat([torch.zeros(100, 2, dtype=DT), torch.ones(100, 2, dtype=DT)], dim=1)
    assert split_rhat(stuck).item() == math.inf
    mixed = torch.stack([const, torch.randn(100, 4, generator=torch.Generator().manual_seed(0), dtype=DT)], -1)
    ess = effective_sample_size(mixed)
    assert ess[0] == 400.0 and torch.isfinite(ess[1])


def test_autocovariance_matches_brute_force():
    x = torch.randn(257, 3, generator=torch.Generator().manual_seed(0), dtype=DT)
    acov = autocovariance(x)
    xc = (x - x.mean(0)).numpy()
    for j in range(3):
        brute = np.array([np.dot(xc[: 257 - t, j], xc[t:, j]) / 257 for t in range(257)])
        np.testing.assert_allclose(acov[:, j].numpy(), brute, atol=1e-10)


def test_rhat_near_one_for_iid_chains():
    # For m chains of iid draws split into halves, R̂² − 1 + 1/n' ≈ (χ²_{2m−1}/(2m−1) − 1)/n' with n' = n/2;
    # 5 SE of the χ² term bounds R̂ − 1 by (5·√(2/7))/(2·500) < 0.003 here, so 1.01 is a safe threshold.
    x = torch.randn(1000, 4, 5, generator=torch.Generator().manual_seed(0), dtype=DT)
    assert (split_rhat(x) < 1.01).all()
    assert (split_rhat(x, rank_normalize=False) < 1.01).all()


def test_rhat_flags_chains_stuck_in_different_modes_and_not_mixed_ones():
    target = GaussianMixture(torch.tensor([[-5.0, 0.0], [5.0, 0.0]], dtype=DT), 0.5)
    init = torch.tensor([[-5.0, 0.0], [-5.0, 0.0], [5.0, 0.0], [5.0, 0.0]], dtype=DT)
    trace = sample(MALA(0.05, potential=target), init, 1000, torch.Generator().manual_seed(0), burn_in=100)
    stuck = split_rhat(trace.positions)
    assert stuck[0] > 1.1 and stuck[1] < 1.1  # the first coordinate separates the modes, the second does not
    assert acceptance_rate(trace.info) > 0.5
    # the same chains started in the same mode mix within it
    trace = sample(MALA(0.05, potential=target), init.abs(), 1000, torch.Generator().manual_seed(0), burn_in=100)
    assert (split_rhat(trace.positions) < 1.05).all()


def test_classic_split_rhat_matches_hand_computation():
    x = torch.randn(10, 2, generator=torch.Generator().manual_seed(3), dtype=DT) + torch.tensor([0.0, 1.0], dtype=DT)
    halves = np.concatenate([x[:5].numpy(), x[5:].numpy()], axis=1)  # 4 half-chains of 5 draws
    w = halves.var(0, ddof=1).mean()
    b = 5 * halves.mean(0).var(ddof=1)
    expected = math.sqrt(((5 - 1) / 5 * w + b / 5) / w)
    assert split_rhat(x, rank_normalize=False).item() == pytest.approx(expected, rel=1e-12)


def test_gaussian_w2_closed_forms():
    one = torch.ones(1, 1, dtype=DT)
    # 1-D: W2² = (m1 − m2)² + (s1 − s2)²
    assert gaussian_w2(torch.tensor([1.0]), 4 * one, torch.tensor([-2.0]), 9 * one) == pytest.approx(math.sqrt(9 + 1))
    # commuting covariances: Σ (√a_i − √b_i)²
    a, b = torch.tensor([1.0, 4.0, 9.0], dtype=DT), torch.tensor([4.0, 4.0, 1.0], dtype=DT)
    rot = torch.linalg.qr(torch.randn(3, 3, generator=torch.Generator().manual_seed(0), dtype=DT))[0]
    c1, c2 = rot @ torch.diag(a) @ rot.T, rot @ torch.diag(b) @ rot.T
    expected = math.sqrt(((a.sqrt() - b.sqrt()) ** 2).sum().item())
    assert gaussian_w2(torch.zeros(3), c1, torch.zeros(3), c2) == pytest.approx(expected, rel=1e-9)
    assert gaussian_w2(torch.zeros(3), c1, torch.zeros(3), c1) == pytest.approx(0.0, abs=1e-6)


def test_w2_to_reference_uses_pot_and_subsamples_reproducibly():
    g = torch.Generator().manual_seed(0)
    a, b = torch.randn(300, 2, generator=g, dtype=DT), torch.randn(200, 2, generator=g, dtype=DT) + 1.0
    assert w2_to_reference(a, b, max_points=None) == pytest.approx(wasserstein(a, b, 2))
    r1 = w2_to_reference(a, b, max_points=100, generator=torch.Generator().manual_seed(1))
    r2 = w2_to_reference(a, b, max_points=100, generator=torch.Generator().manual_seed(1))
    assert r1 == r2


def test_bad_inputs_raise():
    with pytest.raises(ValueError, match="shape"):
        effective_sample_size(torch.zeros(10))
    with pytest.raises(ValueError, match="at least 4 draws"):
        split_rhat(torch.zeros(3, 2))
    with pytest.raises(ValueError, match="NaN"):
        effective_sample_size(torch.full((10, 2), float("nan")))
    with pytest.raises(ValueError, match="method must be one of"):
        effective_sample_size(torch.zeros(10, 2), method="rank")
    with pytest.raises(ValueError, match="acceptance_prob"):
        acceptance_rate(None)
    with pytest.raises(ValueError, match="max_points must be an integer >= 1"):
        w2_to_reference(torch.zeros(3, 1), torch.zeros(3, 1), max_points=0)
