"""EG+ (Diakonikolas, Daskalakis, Jordan, AISTATS 2021): extragradient with a shorter update step."""

from __future__ import annotations

from saddle.optim.base import Projection, StepSizes
from saddle.optim.extragradient import ExtraGradient

__all__ = ["EGPlus"]


class EGPlus(ExtraGradient):
    """EG+: z̄ = P(z − γ V(z)), z⁺ = P(z − αγ V(z̄)) with α ∈ (0, 1]; two field calls per step.

    Diakonikolas, Daskalakis & Jordan 2021, "Efficient methods for structured nonconvex-nonconcave
    min-max optimization": with γ = 1/L and α = 1/2 it converges under their weak Minty condition
    ⟨V(z), z − z*⟩ ≥ −(ρ/2)‖V(z)‖² with ρ < 1/(8L) (the paper's notation). It is the ExtraGradient template
    with extrapolation step γ and update step αγ (a param group's lr is γ). The paper is unconstrained; the
    projection is applied to both points as for EG (for the principled constrained variant use CEGPlus).
    Args: step_size γ (float, schedule, or one per player), alpha (default 0.5), projection (default None).
    """

    def __init__(self, step_size: StepSizes, alpha: float = 0.5, projection: Projection | None = None) -> None:
        super().__init__(step_size, projection=projection, alpha=alpha)
