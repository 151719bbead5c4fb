"""The Dirac-GAN (Mescheder, Geiger & Nowozin 2018) as nn.Modules, so the GAN trainer and its regularisers run on it.

Data δ_0, generator p_θ = δ_θ (`DiracGenerator`: every latent maps to θ), critic d_ψ(x) = ψx (`DiracCritic`).
With the vanilla loss of `saddle.gans.losses`, V(θ, ψ) = f(d(0)) + f(−d(θ)) = f(0) + f(−ψθ), f(t) = −log(1 + e^{−t}):
the paper's Φ(θ, ψ) = f(ψθ) + f(0) with ψ ↦ −ψ (`saddle.games.DiracGAN` is the closed form).
R1 adds (γ/2)ψ² to the critic's loss (∇_x d = ψ), which makes (0, 0) locally attractive for small steps
(their Thm 4.1); instance noise N(0, σ²) on both batches too (their §3.1); WGAN-GP pulls |ψ| to 1.
"""

from __future__ import annotations

import torch
from torch import Tensor, nn

__all__ = ["DiracCritic", "DiracGenerator"]


class DiracGenerator(nn.Module):
    """p_θ = δ_θ: latents (B, ...) -> θ repeated, shape (B, 1)."""

    def __init__(self, theta: float = 1.0, dtype: torch.dtype = torch.float64) -> None:
        super().__init__()
        self.theta = nn.Parameter(torch.tensor([theta], dtype=dtype))

    def forward(self, z: Tensor) -> Tensor:
        return self.theta.expand(len(z), 1)


class DiracCritic(nn.Module):
    """d_ψ(x) = ψ x: x (B, 1) -> (B,)."""

    def __init__(self, psi: float = 1.0, dtype: torch.dtype = torch.float64) -> None:
        super().__init__()
        self.psi = nn.Parameter(torch.tensor([psi], dtype=dtype))

    def forward(self, x: Tensor) -> Tensor:
        return self.psi * x.reshape(len(x))
