"""GAN loss pairs in closed form and every critic penalty on a linear critic."""

import pytest
import torch
from torch import nn

from saddle.gans import PENALTIES, GANGame, hinge_losses, wasserstein_losses

DT = torch.float64


def test_wasserstein_and_hinge_losses_in_closed_form():
    d_real, d_fake = torch.tensor([2.0, 0.5]), torch.tensor([-2.0, 0.0])
    lg, ld = wasserstein_losses(d_real, d_fake)
    assert float(lg) == pytest.approx(1.0) and float(ld) == pytest.approx(-1.0 - 1.25)
    # hinge: L_D = E relu(1 − d(x)) + E relu(1 + d(G(z))) = (0 + 0.5)/2 + (0 + 1)/2
    lg, ld = hinge_losses(d_real, d_fake)
    assert float(lg) == pytest.approx(1.0) and float(ld) == pytest.approx(0.75)
    # a critic outside the margins pays nothing in the hinge loss, but the WGAN critic keeps gaining
    lg, ld = hinge_losses(torch.tensor([5.0]), torch.tensor([-5.0]))
    assert float(ld) == 0.0 and float(wasserstein_losses(torch.tensor([5.0]), torch.tensor([-5.0]))[1]) == -10.0


def test_every_penalty_adds_its_closed_form_to_the_critic_loss_only():
    """d(x) = ⟨w, x⟩ + b: ∇d = w, so GP = λ(‖w‖ − 1)², R1 = R2 = (γ/2)‖w‖² (defaults λ = 10, γ = 1)."""
    critic = nn.Linear(2, 1).double()
    with torch.no_grad():
        critic.weight.copy_(torch.tensor([[1.5, 2.0]], dtype=DT))  # ‖w‖ = 2.5
    generator_net = nn.Linear(2, 2).double()
    g = torch.Generator().manual_seed(0)
    real, z = torch.randn(16, 2, generator=g, dtype=DT), torch.randn(16, 2, generator=g, dtype=DT)
    expected = {"none": 0.0, "gp": 10 * 1.5**2, "r1": 0.5 * 6.25, "r2": 0.5 * 6.25}
    assert set(PENALTIES) == set(expected)
    base_g, base_d = (v.detach() for v in GANGame(generator_net, critic, loss="wasserstein").losses(real, z))
    for penalty in PENALTIES:
        lg, ld = (
            v.detach()
            for v in GANGame(generator_net, critic, loss="wasserstein", penalty=penalty, generator=g).losses(real, z)
        )
        assert float(lg) == pytest.approx(float(base_g))
        assert float(ld - base_d) == pytest.approx(expected[penalty], rel=1e-12, abs=1e-12)
    with pytest.raises(ValueError, match=r"penalty must be one of \['none', 'gp', 'r1', 'r2'\], got 'l2'"):
        GANGame(generator_net, critic, penalty="l2")
