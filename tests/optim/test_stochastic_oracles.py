"""NoisyField moments and reproducibility; bias-corrected SEG+ under noise."""

import math
import re
import warnings

import pytest
import torch

from saddle.optim import (
    CEGPlus,
    ExtraGradient,
    NoisyField,
    PolynomialDecay,
    StochasticSEGPlus,
    paired_field,
    robbins_monro,
)


def strongly_monotone(p):
    return [p[0] + p[1], p[1] - p[0]]


@pytest.mark.parametrize("sigma", [0.5, 2.0])
def test_noisy_field_has_zero_mean_and_given_variance(sigma):
    n = 20000
    z = [torch.full((n, 1), 0.3, dtype=torch.float64), torch.full((n, 2), -0.2, dtype=torch.float64)]
    exact = lambda p: [p[0] * 2.0, p[1] + 1.0]  # noqa: E731
    field = NoisyField(exact, sigma, torch.Generator().manual_seed(0))
    for sample, mean in zip(field(z), exact(z)):
        u = (sample - mean).reshape(-1)
        se_mean = sigma / math.sqrt(u.numel())
        assert abs(u.mean().item()) < 5 * se_mean
        se_var = sigma**2 * math.sqrt(2 / (u.numel() - 1))  # SE of the sample variance of Gaussians
        assert abs(u.var().item() - sigma**2) < 5 * se_var


def test_noisy_field_same_seed_same_numbers_and_paired_shares_noise():
    z = [torch.zeros(4, 1, dtype=torch.float64), torch.ones(4, 1, dtype=torch.float64)]
    a = NoisyField(strongly_monotone, 1.0, torch.Generator().manual_seed(7))(z)
    b = NoisyField(strongly_monotone, 1.0, torch.Generator().manual_seed(7))(z)
    c = NoisyField(strongly_monotone, 1.0, torch.Generator().manual_seed(8))(z)
    assert all(torch.equal(u, v) for u, v in zip(a, b))
    assert not all(torch.equal(u, v) for u, v in zip(a, c))
    w = [torch.full((4, 1), 2.0, dtype=torch.float64), torch.zeros(4, 1, dtype=torch.float64)]
    va, vb = paired_field(NoisyField(strongly_monotone, 1.0, torch.Generator().manual_seed(1)), z, w)
    for u, v, eu, ev in zip(va, vb, strongly_monotone(z), strongly_monotone(w)):
        torch.testing.assert_close(u - v, eu - ev, rtol=0, atol=1e-12)  # the common noise cancels


def test_noisy_field_rejects_bad_arguments():
    with pytest.raises(ValueError, match=re.escape("-1.0")):
        NoisyField(strongly_monotone, -1.0, torch.Generator())
    with pytest.raises(ValueError, match="generator"):
        NoisyField(strongly_monotone, 1.0, 42)
    with pytest.raises(ValueError, match="callable"):
        NoisyField(None, 1.0, torch.Generator())


def test_seg_plus_with_alpha_one_is_extragradient():
    z0 = [torch.randn(3, 1, dtype=torch.float64, generator=torch.Generator().manual_seed(2)) for _ in range(2)]
    a, sa = z0, ExtraGradient(0.4).init(z0)
    b, sb = z0, StochasticSEGPlus(0.4, alpha=1.0).init(z0)
    for _ in range(10):
        a, sa = ExtraGradient(0.4).step(a, sa, strongly_monotone)
        b, sb = StochasticSEGPlus(0.4, alpha=1.0).step(b, sb, strongly_monotone)
    torch.testing.assert_close(a, b, rtol=1e-13, atol=0)


class _ListedSamples:
    """F̂(z, ξ) = M z + ξ with the samples ξ taken in call order; `paired` uses one ξ at both points."""

    def __init__(self, samples):
        self.samples = list(samples)

    def exact(self, z):
        return [0.3 * z[0] + z[1], -z[0] + 0.3 * z[1]]

    def __call__(self, z):
        xi = self.samples.pop(0)
        return [v + x for v, x in zip(self.exact(z), xi)]

    def paired(self, a, b):
        xi = self.samples.pop(0)
        return [v + x for v, x in zip(self.exact(a), xi)], [v + x for v, x in zip(self.exact(b), xi)]


def test_seg_plus_with_constant_alpha_is_the_papers_recursion_under_shared_samples():
    # Pethick et al. 2023, Alg. 1, written in the iterates (not through d_k):
    #   z̄_k = z_k − γ F̂(z_k, ξ_k) + (1 − α)(z̄_{k−1} − z_{k−1} + γ F̂(z_{k−1}, ξ_k)),  z_{k+1} = z_k − αγ F̂(z̄_k, ξ̄_k)
    gamma, alpha, steps = 0.4, 0.5, 6
    g = torch.Generator().manual_seed(3)
    samples = [[torch.randn(2, 1, dtype=torch.float64, generator=g) for _ in range(2)] for _ in range(2 * steps)]
    z0 = [torch.tensor([[1.0], [-0.5]], dtype=torch.float64), torch.tensor([[0.2], [0.7]], dtype=torch.float64)]
    method = StochasticSEGPlus(gamma, alpha=alpha)
    z, state, field = z0, method.init(z0), _ListedSamples(samples)
    for _ in range(steps):
        z, state = method.step(z, state, field)
    ref = _ListedSamples(samples)
    zk, prev, prev_bar = z0, None, None
    for k in range(steps):
        if k == 0:
            bar = [a - gamma * v for a, v in zip(zk, ref(zk))]
        else:
            now, back = ref.paired(zk, prev)
            bar = [
                a - gamma * v + (1 - alpha) * (pb - p + gamma * w)
                for a, v, pb, p, w in zip(zk, now, prev_bar, prev, back)
            ]
        prev, prev_bar = zk, bar
        zk = [a - alpha * gamma * v for a, v in zip(zk, ref(bar))]
    assert not ref.samples and not field.samples  # both used every sample, in the same order
    torch.testing.assert_close(z, zk, rtol=1e-12, atol=1e-14)


def _mean_sq(method, steps, checkpoints, b=1000, seed=0):
    field = NoisyField(strongly_monotone, 1.0, torch.Generator().manual_seed(seed))
    z = [torch.ones(b, 1, dtype=torch.float64), torch.ones(b, 1, dtype=torch.float64)]
    state = method.init(z)
    out = {}
    for k in range(1, steps + 1):
        z, state = method.step(z, state, field)
        if k in checkpoints:
            r = (z[0] ** 2 + z[1] ** 2).reshape(-1)
            out[k] = (r.mean().item(), r.std().item() / math.sqrt(b))
    return out


def test_bias_corrected_seg_plus_beats_the_noise_floor_of_constant_step_eg():
    # fixed extrapolation step, diminishing update factor: E‖z_k‖² → 0; constant-step EG stalls at a floor
    seg = _mean_sq(StochasticSEGPlus(0.5), 1000, {250, 1000})
    eg = _mean_sq(ExtraGradient(0.5), 1000, {250, 1000})
    (m250, s250), (m1000, s1000) = seg[250], seg[1000]
    assert m1000 + 5 * math.hypot(s250, s1000) < m250
    eg_mean, eg_se = eg[1000]
    assert m1000 + 5 * math.hypot(s1000, eg_se) < eg_mean
    assert abs(eg[250][0] - eg_mean) < 5 * math.hypot(eg[250][1], eg_se)  # EG is stationary already


def test_robbins_monro_is_gda_with_a_schedule():
    method = robbins_monro(PolynomialDecay(0.5))
    z = [torch.ones(1, 1, dtype=torch.float64), torch.zeros(1, 1, dtype=torch.float64)]
    z1, _ = method.step(z, method.init(z), strongly_monotone)
    torch.testing.assert_close(z1[0], torch.tensor([[0.5]], dtype=torch.float64))
    torch.testing.assert_close(z1[1], torch.tensor([[0.5]], dtype=torch.float64))


def test_bias_corrected_seg_plus_converges_on_a_noisy_weak_mvi_game():
    # V(z) = M z with M = [[a, b], [−b, a]], a = −0.3, b = 1: weak MVI with ρ = a/(a² + b²) ≈ −0.275 > −γ/2.
    # Pethick et al. 2023: BC-SEG+ (fixed γ, α_k → 0) converges without growing batches; EG diverges
    # and constant-step CEG+ (which converges without noise) stalls at a noise floor.
    a, b = -0.3, 1.0
    gamma = 0.9 / math.hypot(a, b)
    assert a / (a * a + b * b) > -gamma / 2

    def weak_mvi(p):
        return [a * p[0] + b * p[1], -b * p[0] + a * p[1]]

    def mean_sq(method, checkpoints, seed=0, n=1000):
        field = NoisyField(weak_mvi, 0.5, torch.Generator().manual_seed(seed))
        z = [torch.ones(n, 1, dtype=torch.float64), torch.ones(n, 1, dtype=torch.float64)]
        state, out = method.init(z), {}
        for k in range(1, max(checkpoints) + 1):
            z, state = method.step(z, state, field)
            if k in checkpoints:
                r = (z[0] ** 2 + z[1] ** 2).reshape(-1)
                out[k] = (r.mean().item(), r.std().item() / math.sqrt(n))
        return out

    seg = mean_sq(StochasticSEGPlus(gamma), {250, 1000})
    assert seg[1000][0] + 5 * math.hypot(seg[250][1], seg[1000][1]) < seg[250][0]
    with warnings.catch_warnings():  # noisy fields make the local estimate of α_k negative now and then
        warnings.simplefilter("ignore", RuntimeWarning)
        ceg = mean_sq(CEGPlus(gamma, rho=a / (a * a + b * b)), {1000})
    assert seg[1000][0] + 5 * math.hypot(seg[1000][1], ceg[1000][1]) < ceg[1000][0]
    eg = mean_sq(ExtraGradient(gamma), {200})
    assert not eg[200][0] < 1e10
