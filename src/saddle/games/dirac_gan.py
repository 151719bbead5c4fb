"""The Dirac-GAN (Mescheder, Geiger, Nowozin, ICML 2018, "Which training methods for GANs do actually converge?").

Data distribution δ_0, generator p_θ = δ_θ, linear discriminator D_ψ(a) = ψa. With f(t) = −log(1 + e^{−t}),
the GAN objective is Φ(θ, ψ) = f(ψθ) + f(0), minimised by the generator θ and maximised by ψ (seed 002,
Lemmas 2.4-2.5). The unique equilibrium is (0, 0); there ∇V = [[0, f'(0)], [−f'(0), 0]] with f'(0) = 1/2.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
import torch.nn.functional as F
from torch import Tensor

from saddle.games.base import ZeroSumGame


class DiracGAN(ZeroSumGame):
    """Φ(θ, ψ) = f(ψθ) + f(0), f(t) = −log(1 + e^{−t}); V = [ψ f'(ψθ), −θ f'(ψθ)] with f'(t) = sigmoid(−t).

    Players: θ (generator, first, shape (B, 1)) and ψ (discriminator, second, shape (B, 1)).
    """

    dims = (1, 1)
    names = ("theta", "psi")
    #: f'(0) for f(t) = −log(1 + e^{−t})
    f_prime_0 = 0.5

    @staticmethod
    def f(t: Tensor) -> Tensor:
        """f(t) = −log(1 + e^{−t}) = −softplus(−t)."""
        return -F.softplus(-t)

    def phi(self, theta: Tensor, psi: Tensor) -> Tensor:
        return (self.f(psi * theta) + self.f(torch.zeros_like(theta))).sum(-1)

    def field(self, params: Sequence[Tensor]) -> list[Tensor]:
        theta, psi = params
        fp = torch.sigmoid(-psi * theta)
        return [psi * fp, -theta * fp]

    def critical_points(self, dtype: torch.dtype = torch.float64) -> list[list[Tensor]]:
        return [[torch.zeros(1, dtype=dtype), torch.zeros(1, dtype=dtype)]]
