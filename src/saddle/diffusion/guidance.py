"""Classifier-free guidance (Ho & Salimans, 2022): one network trained with and without labels.

Training drops each label to the null label (= num_classes) with probability p_uncond. Sampling
combines the conditional and unconditional predictions with Ho & Salimans' convention (their eq. 6)
ε̃ = (1 + w) ε(x, t, c) − w ε(x, t, ∅): w = 0 is the plain conditional model, w = −1 the unconditional
one. (The other common convention ε_∅ + s(ε_c − ε_∅) is s = 1 + w.)
"""

from __future__ import annotations

from collections.abc import Callable

import torch
from torch import Tensor, nn

from saddle.diffusion.process import NoiseProcess
from saddle.diffusion.samplers.base import EpsFn


def drop_labels(y: Tensor, p_uncond: float, null_label: int, generator: torch.Generator | None = None) -> Tensor:
    """Replace each label by `null_label` independently with probability p_uncond ∈ [0, 1]."""
    if not (0 <= p_uncond <= 1):
        raise ValueError(f"p_uncond must lie in [0, 1], got {p_uncond}")
    drop = torch.rand(y.shape, generator=generator).to(y.device) < p_uncond
    return torch.where(drop, torch.full_like(y, null_label), y)


def model_eps_fn(net: nn.Module | Callable[..., Tensor], process: NoiseProcess, y: Tensor | None = None) -> EpsFn:
    """The sampler-facing ε-model x, t ↦ net(x, t / T, y) for a network taking time scaled to [0, 1]."""

    def eps_fn(x: Tensor, t: Tensor) -> Tensor:
        return net(x, t / process.T, y) if y is not None else net(x, t / process.T)

    return eps_fn


def guided_eps_fn(net: nn.Module | Callable[..., Tensor], process: NoiseProcess, y: Tensor, w: float,
                  null_label: int) -> EpsFn:
    """Classifier-free guided ε̃ = (1 + w) ε(x, t, y) − w ε(x, t, ∅), both in one batched forward pass.

    w ≥ 0 strengthens the condition (w = 0: conditional sampling). Counts as one network evaluation
    of a doubled batch (two when w ≠ 0 in terms of per-sample cost).
    """
    if w == 0:
        return model_eps_fn(net, process, y)

    def eps_fn(x: Tensor, t: Tensor) -> Tensor:
        null = torch.full_like(y, null_label)
        out = net(torch.cat([x, x]), torch.cat([t, t]) / process.T, torch.cat([y, null]))
        eps_c, eps_u = out.chunk(2)
        return (1 + w) * eps_c - w * eps_u

    return eps_fn
