"""Critic regularisers: gradient penalty (WGAN-GP), R1 and R2 (Mescheder et al. 2018).

All act on the input gradient ∇_x d(x) of the critic's summed output, per sample: shape (B, *input).
"""

from __future__ import annotations

import torch
from torch import Tensor, nn

from saddle.validation import check_real

__all__ = ["gradient_penalty", "input_gradient_norms", "interpolates", "r1_penalty", "r2_penalty"]


def input_gradient_norms(critic: nn.Module, x: Tensor) -> Tensor:
    """‖∇_x d(x_i)‖₂ for each sample, shape (B,), with a graph so the penalty trains the critic."""
    x = x.detach().requires_grad_(True)
    (grad,) = torch.autograd.grad(critic(x).sum(), x, create_graph=True)
    return grad.reshape(len(x), -1).norm(dim=1)


def interpolates(real: Tensor, fake: Tensor, generator: torch.Generator | None = None) -> Tensor:
    """x̂ = t x + (1 − t) x̃ with t ~ U[0, 1] per sample (Gulrajani et al. 2017, Alg. 1; seed 001 eq. 13's ν)."""
    if real.shape != fake.shape:
        raise ValueError(f"real and fake batches differ in shape: {tuple(real.shape)} vs {tuple(fake.shape)}")
    t = torch.rand((len(real),) + (1,) * (real.ndim - 1), generator=generator, dtype=real.dtype, device=real.device)
    return t * real.detach() + (1 - t) * fake.detach()


def gradient_penalty(
    critic: nn.Module, real: Tensor, fake: Tensor, generator: torch.Generator | None = None, target: float = 1.0
) -> Tensor:
    """WGAN-GP penalty E_{x̂ ~ ν}(‖∇d(x̂)‖₂ − 1)² on random interpolates (seed 001 eq. 13; multiply by λ = 10)."""
    target = check_real("target", target, 0.0, float("inf"))
    return (input_gradient_norms(critic, interpolates(real, fake, generator)) - target).pow(2).mean()


def r1_penalty(critic: nn.Module, real: Tensor) -> Tensor:
    """R1 = E_{x ~ p_data} ‖∇d(x)‖² (Mescheder et al. 2018, eq. 9; add γ/2 · R1 to the critic's loss)."""
    return input_gradient_norms(critic, real).pow(2).mean()


def r2_penalty(critic: nn.Module, fake: Tensor) -> Tensor:
    """R2 = E_{x ~ p_G} ‖∇d(x)‖² (Mescheder et al. 2018, eq. 10), on generated samples (detached from G)."""
    return input_gradient_norms(critic, fake.detach()).pow(2).mean()
