"""Ascent rules: the direction d(g) an attack moves along, given the input gradient g (B, ...).

Each steepest-ascent rule solves d = argmax_{‖d‖ ≤ 1} ⟨g, d⟩ for its norm, so the step size is
measured in that norm: sign(g) for l∞, g/‖g‖₂ for l2, and for l1 a sparse sign vector on the
largest |g_i| (SLIDE, Tramèr & Boneh 2019). `GradientAscent` is the plain proximal-gradient step
η g of seed 001 ("PGA").
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Protocol

import torch
from torch import Tensor

from saddle.broadcast import per_point_broadcast
from saddle.sets import parse_norm
from saddle.validation import check_real

__all__ = ["AscentRule", "GradientAscent", "L2Ascent", "SignAscent", "SparseL1Ascent", "steepest_ascent"]


class AscentRule(Protocol):
    def __call__(self, grad: Tensor) -> Tensor: ...


@dataclass(frozen=True)
class GradientAscent:
    """d = g (proximal gradient ascent, seed 001: η^{k+1} = π_N(η^k + α ∇f(η^k)))."""

    def __call__(self, grad: Tensor) -> Tensor:
        return grad


@dataclass(frozen=True)
class SignAscent:
    """d = sign(g): steepest ascent for l∞ (FGSM / multi-step FGSM, seed 001)."""

    def __call__(self, grad: Tensor) -> Tensor:
        return grad.sign()


@dataclass(frozen=True)
class L2Ascent:
    """d = g / ‖g‖₂ per sample (0 where g = 0): steepest ascent for l2."""

    def __call__(self, grad: Tensor) -> Tensor:
        norm = torch.linalg.vector_norm(grad.reshape(grad.shape[0], -1), dim=-1)
        return grad / per_point_broadcast(norm.clamp_min(torch.finfo(grad.dtype).tiny), grad)


@dataclass(frozen=True)
class SparseL1Ascent:
    """d = sign(g) on the `fraction` of coordinates with largest |g|, scaled to ‖d‖₁ = 1 (SLIDE, Tramèr & Boneh 2019).

    fraction → 0 gives the exact l1 steepest ascent (one coordinate); default 0.05.
    """

    fraction: float = 0.05

    def __post_init__(self) -> None:
        check_real("fraction", self.fraction, 0.0, 1.0)

    def __call__(self, grad: Tensor) -> Tensor:
        flat = grad.reshape(grad.shape[0], -1)
        k = max(1, math.ceil(self.fraction * flat.shape[1]))
        idx = flat.abs().topk(k, dim=-1).indices
        d = torch.zeros_like(flat).scatter(-1, idx, flat.gather(-1, idx).sign() / k)
        return d.reshape(grad.shape)


def steepest_ascent(norm: float | str) -> AscentRule:
    """The steepest-ascent rule of a norm: SignAscent (l∞), L2Ascent (l2), SparseL1Ascent (l1)."""
    p = parse_norm(norm)
    return SignAscent() if p == math.inf else L2Ascent() if p == 2.0 else SparseL1Ascent()
