"""Critic regularisers: gradient penalty (WGAN-GP), R1 and R2 (Mescheder et al. 2018).

All act on the input gradient ∇_x d(x) of the critic's summed output, per sample. A batch has `sample_dims`
leading axes that index samples (1: (B, *input); 2: (S, B, *input) for S stacked networks, see
`saddle.gans.StackedModules`); the norm is over the remaining (input) axes. The input gradient is taken with
`torch.func.vjp`, so the penalties train the critic under ordinary autograd and compose with torch.func.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import Tensor, nn

from saddle.validation import check_int, check_real, random_rows

__all__ = ["gradient_penalty", "input_gradient_norms", "interpolates", "r1_penalty", "r2_penalty"]

Generators = torch.Generator | Sequence[torch.Generator] | None


def _input_gradients(critic: nn.Module, x: Tensor, sample_dims: int) -> Tensor:
    """∇_x d(x_i) per sample, shape x.shape[:sample_dims] + (input size,), differentiable in the critic's parameters;
    x is detached first: a penalty trains the critic only (the generator gets no gradient through it)."""
    sample_dims = check_int("sample_dims", sample_dims)
    vjp_out = torch.func.vjp(critic, x.detach())
    out, pullback = vjp_out[0], vjp_out[1]
    (grad,) = pullback(torch.ones_like(out))
    return grad.reshape(*x.shape[:sample_dims], -1)


def input_gradient_norms(critic: nn.Module, x: Tensor, sample_dims: int = 1) -> Tensor:
    """‖∇_x d(x_i)‖₂ for each sample, shape x.shape[:sample_dims], differentiable in the critic's parameters."""
    return _input_gradients(critic, x, sample_dims).norm(dim=-1)


def interpolates(
    real: Tensor, fake: Tensor, generator: Generators = None, sample_dims: int = 1, t: Tensor | None = None
) -> Tensor:
    """x̂ = t x + (1 − t) x̃ with t ~ U[0, 1] per sample (Gulrajani et al. 2017, Alg. 1; seed 001 eq. 13's ν).

    t (shape real.shape[:sample_dims] + (1, ...)) is drawn from `generator` (one generator per row of the first
    axis when given a sequence) unless given.
    """
    if real.shape != fake.shape:
        raise ValueError(f"real and fake batches differ in shape: {tuple(real.shape)} vs {tuple(fake.shape)}")
    shape = tuple(real.shape[: check_int("sample_dims", sample_dims)]) + (1,) * (real.ndim - sample_dims)
    if t is None:
        t = random_rows(shape, generator, uniform=True, dtype=real.dtype, device=real.device)
    elif tuple(t.shape) != shape:
        raise ValueError(f"t must have shape {shape}, got {tuple(t.shape)}")
    return t * real.detach() + (1 - t) * fake.detach()


def gradient_penalty(
    critic: nn.Module,
    real: Tensor,
    fake: Tensor,
    generator: Generators = None,
    target: float = 1.0,
    sample_dims: int = 1,
    t: Tensor | None = None,
) -> Tensor:
    """WGAN-GP penalty E_{x̂ ~ ν}(‖∇d(x̂)‖₂ − 1)² on random interpolates (seed 001 eq. 13; multiply by λ = 10)."""
    target = check_real("target", target, 0.0, float("inf"))
    x_hat = interpolates(real, fake, generator, sample_dims, t)
    return (input_gradient_norms(critic, x_hat, sample_dims) - target).pow(2).mean()


def r1_penalty(critic: nn.Module, real: Tensor, sample_dims: int = 1) -> Tensor:
    """R1 = E_{x ~ p_data} ‖∇d(x)‖² (Mescheder et al. 2018, eq. 9; add γ/2 · R1 to the critic's loss); the squared
    norm as a sum of squares, smooth at ∇d = 0."""
    return _input_gradients(critic, real, sample_dims).pow(2).sum(-1).mean()


def r2_penalty(critic: nn.Module, fake: Tensor, sample_dims: int = 1) -> Tensor:
    """R2 = E_{x ~ p_G} ‖∇d(x)‖² (Mescheder et al. 2018, eq. 10), on generated samples (detached from G)."""
    return _input_gradients(critic, fake.detach(), sample_dims).pow(2).sum(-1).mean()
