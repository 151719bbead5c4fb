"""GAN losses: the optimal vanilla discriminator gives −log 4 + 2·JSD; loss definitions on hand values."""

import math

import pytest
import torch

from saddle.gans import GAN_LOSSES, minimax_losses, non_saturating_losses, vanilla_value


def jsd(p, q):
    m = 0.5 * (p + q)
    kl = lambda a, b: float((a * (a / b).log()).sum())  # noqa: E731
    return 0.5 * kl(p, m) + 0.5 * kl(q, m)


@pytest.mark.parametrize(
    "p,q",
    [
        ([0.5, 0.25, 0.25], [0.25, 0.25, 0.5]),
        ([0.125, 0.375, 0.25, 0.25], [0.5, 0.25, 0.125, 0.125]),
    ],
)
def test_optimal_discriminator_value_is_minus_log4_plus_2_jsd(p, q):
    """Goodfellow et al. 2014, Thm 1: with D*(x) = p(x)/(p(x) + q(x)), V(D*, G) = −log 4 + 2 JSD(p ‖ q).

    Discrete densities with dyadic masses: samples replicate each point 8·mass times, so the empirical
    means are exact expectations; D* enters as its logit log p − log q.
    """
    p, q = torch.tensor(p, dtype=torch.float64), torch.tensor(q, dtype=torch.float64)
    logit = p.log() - q.log()
    real = torch.repeat_interleave(logit, (8 * p).long())
    fake = torch.repeat_interleave(logit, (8 * q).long())
    assert float(vanilla_value(real, fake)) == pytest.approx(-math.log(4) + 2 * jsd(p, q), abs=1e-12)
    # any other discriminator does worse (D* maximises V pointwise)
    assert float(vanilla_value(real + 0.3, fake + 0.3)) < float(vanilla_value(real, fake))


def test_identical_densities_give_minus_log4_and_zero_gradient_for_the_discriminator():
    logit = torch.zeros(5, dtype=torch.float64, requires_grad=True)
    v = vanilla_value(logit, logit)
    assert float(v.detach()) == pytest.approx(-math.log(4), abs=1e-12)
    (g,) = torch.autograd.grad(v, logit)
    assert float(g.abs().max()) == pytest.approx(0.0, abs=1e-15)


def test_loss_pairs_on_hand_values():
    d_real, d_fake = torch.tensor([2.0, -1.0]), torch.tensor([0.5, -3.0])
    sp = torch.nn.functional.softplus
    v = float(-sp(-d_real).mean() - sp(d_fake).mean())
    lg, ld = minimax_losses(d_real, d_fake)
    assert (float(lg), float(ld)) == pytest.approx((v, -v))
    lg, ld = non_saturating_losses(d_real, d_fake)
    assert (float(lg), float(ld)) == pytest.approx((float(sp(-d_fake).mean()), -v))
    lg, ld = GAN_LOSSES["wasserstein"](d_real, d_fake)
    assert (float(lg), float(ld)) == pytest.approx((1.25, -1.25 - 0.5))
    lg, ld = GAN_LOSSES["hinge"](d_real, d_fake)
    # relu(1 − d_real) = (0, 2), relu(1 + d_fake) = (1.5, 0)
    assert (float(lg), float(ld)) == pytest.approx((1.25, 1.0 + 0.75))


def test_non_saturating_generator_gradient_does_not_vanish_where_minimax_saturates():
    """At D(G(z)) ≈ 0 (logit −10) the min-max generator loss is flat, the non-saturating one is not (seed 004)."""
    d_fake = torch.tensor([-10.0], requires_grad=True)
    (g_mm,) = torch.autograd.grad(minimax_losses(torch.zeros(1), d_fake)[0], d_fake)
    (g_ns,) = torch.autograd.grad(non_saturating_losses(torch.zeros(1), d_fake)[0], d_fake)
    assert abs(float(g_mm)) < 1e-4 and abs(float(g_ns)) > 0.99
