"""SphereNoiseField: seed 003's perturbation ξ uniform on the unit sphere (of all players jointly, per point)."""

import math

import pytest
import torch

from saddle.optim import SphereNoiseField, paired_field


def zero_field(p):
    return [torch.zeros_like(u) for u in p]


def test_each_point_gets_a_perturbation_of_exactly_the_radius_over_all_players():
    z = [torch.zeros(50, 2, dtype=torch.float64), torch.zeros(50, 3, dtype=torch.float64)]
    noise = SphereNoiseField(zero_field, 0.7, torch.Generator().manual_seed(0))(z)
    joint = torch.cat(noise, -1).norm(dim=-1)
    torch.testing.assert_close(joint, torch.full((50,), 0.7, dtype=torch.float64), rtol=0, atol=1e-14)


def test_batch_dims_zero_normalises_all_parameters_together():
    z = [torch.zeros(4, 3), torch.zeros(2)]
    noise = SphereNoiseField(zero_field, 1.0, torch.Generator().manual_seed(0), batch_dims=0)(z)
    assert abs(math.sqrt(sum(float((u * u).sum()) for u in noise)) - 1.0) < 1e-6


def test_uniform_on_the_sphere_has_zero_mean_and_covariance_identity_over_d():
    """E ξ = 0 and E ξξᵀ = I/d for ξ uniform on S^{d−1} (d = 4 here), within 5 Monte-Carlo standard errors."""
    n, d = 40000, 4
    z = [torch.zeros(n, d, dtype=torch.float64)]
    xi = SphereNoiseField(zero_field, 1.0, torch.Generator().manual_seed(3))(z)[0]
    se_mean = math.sqrt(1 / d / n)
    assert xi.mean(0).abs().max() < 5 * se_mean
    cov = xi.T @ xi / n
    # Var(ξ_i²) = 2(d − 1)/(d²(d + 2)) and Var(ξ_iξ_j) = 1/(d(d + 2)), both ≤ 2/(d(d + 2))
    se_cov = math.sqrt(2 / (d * (d + 2)) / n)
    assert (cov - torch.eye(d, dtype=torch.float64) / d).abs().max() < 5 * se_cov


def test_field_is_added_and_paired_calls_share_one_draw():
    def field(p):
        return [2 * p[0]]

    a = [torch.ones(3, 2, dtype=torch.float64)]
    b = [torch.zeros(3, 2, dtype=torch.float64)]
    va, vb = paired_field(SphereNoiseField(field, 1.0, torch.Generator().manual_seed(1)), a, b)
    torch.testing.assert_close(va[0] - vb[0], field(a)[0] - field(b)[0], rtol=0, atol=1e-14)
    torch.testing.assert_close((vb[0]).norm(dim=-1), torch.ones(3, dtype=torch.float64), rtol=0, atol=1e-14)


def test_bad_arguments_are_refused():
    with pytest.raises(ValueError, match="noise_std"):
        SphereNoiseField(zero_field, -1.0, torch.Generator())
    with pytest.raises(ValueError, match="batch_dims"):
        SphereNoiseField(zero_field, 1.0, torch.Generator(), batch_dims=-1)
    with pytest.raises(ValueError, match=r"torch\.Generator"):
        SphereNoiseField(zero_field, 1.0, 3)
