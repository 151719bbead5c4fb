"""Sharpness-aware minimisation (Foret, Kleiner, Mobahi, Neyshabur ICLR 2021).

ε̂(θ) = ρ ∇L(θ)/‖∇L(θ)‖₂ and the update uses ∇L(θ + ε̂(θ)): one normalised ascent step of ε-stability
training (`EpsilonStabilityTraining(eps=ρ, steps=1, step_size=ρ)`), the same code.
"""

from __future__ import annotations

from saddle.train.fit import Objective
from saddle.train.weight_stability import EpsilonStabilityTraining

__all__ = ["SharpnessAwareMinimisation"]


class SharpnessAwareMinimisation(EpsilonStabilityTraining):
    """SAM with neighbourhood radius `rho` (default 0.05) around any base objective (default cross-entropy)."""

    def __init__(self, rho: float = 0.05, base: Objective | None = None) -> None:
        super().__init__(eps=rho, steps=1, step_size=rho, base=base)

    def __repr__(self) -> str:
        return f"SharpnessAwareMinimisation(rho={self.eps:g})"
