"""GameOptimizer on nn.Module players: the Dirac-GAN (Mescheder et al. 2018) near its equilibrium.

L(θ, ψ) = f(ψθ) + f(0), f(t) = −log(1 + e^{−t}); the generator θ minimises, the discriminator ψ
maximises. At (0, 0) the field's Jacobian is [[0, f'(0)], [−f'(0), 0]] with f'(0) = 1/2, so near
the equilibrium simultaneous GD multiplies ‖(θ, ψ)‖ by sqrt(1 + h² f'(0)²) per step (Mescheder et
al., Lemma 2.2) and extragradient by sqrt(1 − a² + a⁴), a = h f'(0).
"""

import math

import pytest
import torch
from torch import nn
from torch.nn import functional as F

from saddle.optim import ExtraGradient, GameOptimizer, SimultaneousGDA


class Generator(nn.Module):
    def __init__(self, theta):
        super().__init__()
        self.theta = nn.Parameter(torch.tensor([theta], dtype=torch.float64))


class Discriminator(nn.Module):
    def __init__(self, psi):
        super().__init__()
        self.lin = nn.Linear(1, 1, bias=False).double()
        with torch.no_grad():
            self.lin.weight.fill_(psi)


@pytest.mark.parametrize(
    "method,ratio",
    [
        (SimultaneousGDA(0.5), math.sqrt(1 + 0.25**2)),
        (ExtraGradient(0.5), math.sqrt(1 - 0.25**2 + 0.25**4)),
    ],
)
def test_dirac_gan_rates_through_game_optimizer(method, ratio):
    gen, disc = Generator(1e-6), Discriminator(-2e-6)
    opt = GameOptimizer([gen, disc], method)

    def closure():
        value = -F.softplus(-disc.lin(gen.theta.view(1, 1))).sum() - math.log(2.0)  # f(ψθ) + f(0)
        return [value, -value]

    def norm():
        return math.hypot(gen.theta.item(), disc.lin.weight.item())

    for _ in range(5):
        before = norm()
        opt.zero_grad()
        opt.step(closure)
        assert norm() / before == pytest.approx(ratio, rel=1e-9)
