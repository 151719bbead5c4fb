"""Generated 2-D toy distributions: 8 Gaussians on a ring, 25 Gaussians on a grid, swiss roll, two moons.

The mode centres are exposed (`ring_centers`, `grid_centers`) so that mode-coverage metrics
use the same geometry as the sampler.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import torch
from torch import Tensor


def ring_centers(n_modes: int = 8, radius: float = 2.0) -> Tensor:
    """Centres of `n_modes` Gaussians evenly spaced on a circle; shape (n_modes, 2)."""
    angles = torch.arange(n_modes, dtype=torch.float64) * (2 * math.pi / n_modes)
    return (radius * torch.stack([angles.cos(), angles.sin()], dim=1)).float()


def grid_centers(per_side: int = 5, spacing: float = 2.0) -> Tensor:
    """Centres of a per_side × per_side grid of Gaussians centred at the origin; shape (per_side², 2)."""
    offs = (torch.arange(per_side, dtype=torch.float32) - (per_side - 1) / 2) * spacing
    gx, gy = torch.meshgrid(offs, offs, indexing="ij")
    return torch.stack([gx.reshape(-1), gy.reshape(-1)], dim=1)


def sample_mixture(
    means: Tensor,
    stds: Tensor | float,
    n: int,
    generator: torch.Generator | None = None,
    weights: Tensor | None = None,
) -> Tensor:
    """n draws of Σ_k w_k N(μ_k, τ_k² I): the one mixture sampler (the toys, `sampling.GaussianMixture.sample`).

    means (K, d); stds τ a scalar or (K,); weights (K,) summing to 1, None for equal weights. The component index
    is `torch.randint` for equal weights (a uniform draw) and `torch.multinomial` otherwise, then ξ ~ N(0, I) of
    the means' dtype: x = μ_k + τ_k ξ. Drawn on the generator's device (CPU by default), returned on the means'.
    Arguments are trusted (validated by the callers: the toys' fixed centres, `GaussianMixture`'s constructor).
    """
    dev = generator.device if generator is not None else torch.device("cpu")
    k, d = means.shape
    if weights is None:
        idx = torch.randint(0, k, (n,), generator=generator, device=dev)
    else:
        idx = torch.multinomial(weights.to(dev), n, replacement=True, generator=generator)
    xi = torch.randn(n, d, generator=generator, dtype=means.dtype, device=dev)
    tau = torch.as_tensor(stds, dtype=means.dtype, device=dev).expand(k)
    return (means.to(dev)[idx] + tau[idx, None] * xi).to(means.device)


def eight_gaussians(n: int, generator: torch.Generator | None = None, std: float = 0.02 * 2**0.5 * 2) -> Tensor:
    """Equal mixture of 8 isotropic Gaussians (std 0.0566) on the circle of radius 2."""
    return sample_mixture(ring_centers(8, 2.0), std, n, generator)


def twenty_five_gaussians(n: int, generator: torch.Generator | None = None, std: float = 0.05) -> Tensor:
    """Equal mixture of 25 Gaussians (std 0.05) on the grid {−4, −2, 0, 2, 4}² (Hsieh et al. 2019)."""
    return sample_mixture(grid_centers(5, 2.0), std, n, generator)


def swiss_roll(n: int, generator: torch.Generator | None = None, noise: float = 0.25) -> Tensor:
    """2-D swiss roll t·(cos t, sin t), t ∈ [1.5π, 4.5π], scaled by 1/5 to unit scale, plus Gaussian noise."""
    t = 1.5 * math.pi * (1 + 2 * torch.rand(n, generator=generator))
    x = torch.stack([t * t.cos(), t * t.sin()], dim=1)
    return (x + noise * torch.randn(n, 2, generator=generator)) / 5.0


def two_moons(n: int, generator: torch.Generator | None = None, noise: float = 0.05) -> Tensor:
    """Two interleaving half circles (the shapes of scikit-learn's make_moons), centred and scaled.

    Each point picks its moon by a fair coin, so samples are i.i.d. from the mixture (make_moons
    instead puts exactly n/2 points on each moon, which is not an i.i.d. sample: two such draws are
    closer in W2 than a generative model's i.i.d. output can ever be).
    """
    t = math.pi * torch.rand(n, generator=generator)
    upper = torch.stack([t.cos(), t.sin()], dim=1)
    lower = torch.stack([1 - t.cos(), 0.5 - t.sin()], dim=1)
    which = torch.rand(n, generator=generator) < 0.5
    x = torch.where(which[:, None], upper, lower)
    x = x + noise * torch.randn(n, 2, generator=generator)
    return (x - torch.tensor([0.5, 0.25])) * 2.0


TOY_DISTRIBUTIONS: dict[str, Callable[..., Tensor]] = {
    "8gaussians": eight_gaussians,
    "25gaussians": twenty_five_gaussians,
    "swissroll": swiss_roll,
    "moons": two_moons,
}


def sample_toy(name: str, n: int, generator: torch.Generator | None = None) -> Tensor:
    """n samples (float32, shape (n, 2)) from a named toy distribution: one of TOY_DISTRIBUTIONS."""
    if name not in TOY_DISTRIBUTIONS:
        raise ValueError(f"unknown toy distribution {name!r}; choose from {sorted(TOY_DISTRIBUTIONS)}")
    if n <= 0:
        raise ValueError(f"number of samples must be > 0, got {n}")
    return TOY_DISTRIBUTIONS[name](n, generator)
