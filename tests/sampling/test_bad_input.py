"""Issue 24's repros for saddle.sampling: scalar or NaN potentials, indefinite covariances, zero-length chains."""

import math

import pytest
import torch

from saddle.sampling import MALA, SGLD, autocovariance, effective_sample_size, gaussian_w2


def test_sgld_refuses_a_scalar_prior():
    # a prior summed over the chains had its gradient multiplied by the number of chains
    data = torch.randn(10, 2, generator=torch.Generator().manual_seed(0))
    kernel = SGLD(0.01, lambda x: 0.5 * x.pow(2).sum(), lambda x, z: (x[:, None] - z).pow(2).sum(-1), data, 5)
    with pytest.raises(ValueError, match=r"prior_potential must return shape \(4,\) \(one value per chain\), got \(\)"):
        kernel.init(torch.zeros(4, 2))


def test_mala_refuses_a_nan_potential_at_the_start():
    # a NaN potential made every Metropolis test reject: the chains never moved
    with pytest.raises(ValueError, match=r"the potential is NaN or inf at the position of chains \[0, 1, 2\]"):
        MALA(0.1, potential=lambda x: x.sum(-1) * math.nan).init(torch.zeros(3, 2))


def test_gaussian_w2_refuses_a_negative_definite_covariance():
    eye = torch.eye(2, dtype=torch.float64)
    with pytest.raises(ValueError, match=r"cov1 .* must be positive semidefinite, got smallest eigenvalue -1"):
        gaussian_w2(torch.zeros(2), -eye, torch.zeros(2), eye)
    assert gaussian_w2(torch.zeros(2), eye, torch.ones(2), eye) == pytest.approx(math.sqrt(2))  # ‖m1 − m2‖ for C1 = C2


def test_zero_length_chains_are_a_value_error_not_an_fft_error():
    with pytest.raises(ValueError, match=r"x is empty \(shape \(0, 3\)\)"):
        autocovariance(torch.zeros(0, 3))
    with pytest.raises(ValueError, match="samples need at least 4 draws per chain"):
        effective_sample_size(torch.zeros(0, 3))
