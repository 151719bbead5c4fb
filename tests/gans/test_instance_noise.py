"""Instance noise (Sønderby et al. 2016; Mescheder et al. 2018 §3.1): the critic sees real + σξ and G(z) + σξ'."""

import math

import numpy as np
import pytest
import torch

from saddle.gans import DiracCritic, DiracGenerator, GANGame


def _gaussian_mean(f, n=80):
    """E f(ξ), ξ ~ N(0, 1), by Gauss–Hermite quadrature (probabilists' weights)."""
    nodes, weights = np.polynomial.hermite_e.hermegauss(n)
    return float(np.sum(weights * f(nodes)) / math.sqrt(2 * math.pi))


def _softplus(t):
    return np.logaddexp(0.0, t)


@pytest.mark.parametrize("sigma", [0.5, 2.0])
def test_instance_noise_is_gaussian_of_std_sigma_on_both_batches(sigma):
    """Dirac GAN (data δ_0, generator δ_θ, critic d(x) = ψx) with the non-saturating losses: on a batch of B samples
    E L_D = E softplus(−ψσξ) + E softplus(ψ(θ + σξ')) and E L_G = E softplus(−ψ(θ + σξ')), ξ, ξ' ~ N(0, 1); the
    batch losses agree with the quadrature within 4 standard errors (their variances by quadrature too)."""
    theta, psi, batch = 0.7, 1.3, 200_000
    game = GANGame(
        DiracGenerator(theta),
        DiracCritic(psi),
        "non_saturating",
        instance_noise=sigma,
        generator=torch.Generator().manual_seed(0),
    )
    zeros = torch.zeros(batch, 1, dtype=torch.float64)
    with torch.no_grad():
        loss_g, loss_d = (float(v) for v in game.losses(zeros, zeros))
    real = lambda x: _softplus(-psi * sigma * x)  # noqa: E731
    fake = lambda x: _softplus(psi * (theta + sigma * x))  # noqa: E731
    gen = lambda x: _softplus(-psi * (theta + sigma * x))  # noqa: E731

    def mean_and_var(f):
        m = _gaussian_mean(f)
        return m, _gaussian_mean(lambda x: f(x) ** 2) - m**2

    (m_r, v_r), (m_f, v_f), (m_g, v_g) = mean_and_var(real), mean_and_var(fake), mean_and_var(gen)
    assert abs(loss_d - (m_r + m_f)) < 4 * math.sqrt((v_r + v_f) / batch)
    assert abs(loss_g - m_g) < 4 * math.sqrt(v_g / batch)
    # the noise matters at this batch size: without it the losses are far from these values
    no_noise_d = float(_softplus(np.array(0.0)) + _softplus(np.array(psi * theta)))
    assert abs(loss_d - no_noise_d) > 20 * math.sqrt((v_r + v_f) / batch)
