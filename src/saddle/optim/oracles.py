"""Stochastic oracles V(z, ζ) = V(z) + U(z, ζ) (seed 001, "Generalized Robbins–Monro schemes")."""

from __future__ import annotations

import math

import torch
from torch import Tensor

from saddle.broadcast import per_point_broadcast, per_point_dot
from saddle.optim._common import check_int, check_real
from saddle.optim.base import Field, Params, StepSize
from saddle.optim.gda import SimultaneousGDA
from saddle.validation import check_callable, check_generator

__all__ = ["NoisyField", "SphereNoiseField", "robbins_monro"]


class NoisyField:
    """V(z, ζ) = V(z) + σ ζ with ζ ~ N(0, I) drawn from an explicit generator: zero mean, variance σ² per coordinate.

    Args: field (the exact V), noise_std σ ≥ 0, generator (a torch.Generator on the params' device;
    same seed → same numbers). `paired(a, b)` returns V at two points with one shared draw ζ (needed
    by the bias correction of StochasticSEGPlus).
    """

    def __init__(self, field: Field, noise_std: float, generator: torch.Generator) -> None:
        self.field = check_callable("field", field, "callable params -> list of tensors")
        self.noise_std = check_real("noise_std", noise_std, 0.0, math.inf, low_open=False, high_open=True)
        self.generator = check_generator(generator)

    def _noise(self, like: Params) -> list[Tensor]:
        return [
            torch.randn(p.shape, generator=self.generator, dtype=p.dtype, device=p.device) * self.noise_std
            for p in like
        ]

    def __call__(self, params: Params) -> list[Tensor]:
        g = list(self.field(params))
        return list(torch._foreach_add(g, self._noise(g)))

    def paired(self, a: Params, b: Params) -> tuple[list[Tensor], list[Tensor]]:
        ga, gb = list(self.field(a)), list(self.field(b))
        noise = self._noise(ga)
        return list(torch._foreach_add(ga, noise)), list(torch._foreach_add(gb, noise))


class SphereNoiseField(NoisyField):
    """V(z) + r ξ with ξ uniform on the unit sphere of all players' coordinates jointly, one draw per point.

    Seed 003's perturbed SGD, "sample noise ξ uniformly from unit sphere; x⁺ = x − α_k(g + ξ)", is
    `SimultaneousGDA(α)` driven by this oracle with r = 1 (Jin, Ge, Netrapalli, Kakade, Jordan 2017 perturb
    only near stationary points, from a ball; Ge et al. 2015 at every step). ξ = ζ/‖ζ‖ with ζ ~ N(0, I) over
    the concatenated non-batch coordinates of all players; the leading `batch_dims` dimensions (default 1: a
    batch of toy-game plays; 0 for nn.Module parameters) index independent points. Zero mean, E‖ξ‖² = 1.
    Args: field, radius r ≥ 0, generator, batch_dims. `paired(a, b)` shares one draw (as `NoisyField`).
    """

    def __init__(self, field: Field, radius: float, generator: torch.Generator, batch_dims: int = 1) -> None:
        super().__init__(field, radius, generator)
        self.batch_dims = check_int("batch_dims", batch_dims, low=0)

    def _noise(self, like: Params) -> list[Tensor]:
        gauss = super()._noise(like)  # radius · ζ
        norm = per_point_dot(gauss, gauss, self.batch_dims).sqrt()
        scale = torch.where(norm > 0, self.noise_std / norm.clamp_min(torch.finfo(norm.dtype).tiny), 0.0)
        return [g * per_point_broadcast(scale, g) for g in gauss]


def robbins_monro(step_size: StepSize) -> SimultaneousGDA:
    """The Robbins–Monro template z_{k+1} = z_k − α_k V(z_k, ζ_k) of seed 001 (there written with +α_k and V ↦ −V).

    It is SimultaneousGDA with a schedule α_k (e.g. schedules.PolynomialDecay) driven by a stochastic
    oracle such as NoisyField; returned as that object so there is one implementation.
    """
    return SimultaneousGDA(step_size)
