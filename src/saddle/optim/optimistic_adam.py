"""Optimistic Adam (Daskalakis, Ilyas, Syrgkanis, Zeng, ICLR 2018, Algorithm 1)."""

from __future__ import annotations

from saddle.optim.base import Projection, StepSizes
from saddle.optim.directions import AdamDirection
from saddle.optim.optimistic import OptimisticGDA

__all__ = ["OptimisticAdam"]


class OptimisticAdam(OptimisticGDA):
    """The OGDA template × Adam's direction; one field call per step.

    Daskalakis et al. 2018, Alg. 1: m, v ← moments with g_t = V(θ_{t−1}), d_t = m̂_t/(sqrt(v̂_t) + ε),
    θ_t = P(θ_{t−1} − 2η d_t + η d_{t−1}). d_0 is undefined in the paper (m̂_0 = 0/(1 − β1⁰)); we set
    d_0 := d_1, so the first step is a plain Adam step θ_0 − η d_1, the same convention as OptimisticGDA
    (V(z_{−1}) := V(z_0)) and as common implementations of Alg. 1.
    Args: step_size η (float, schedule, or one per player), betas (0.9, 0.999), eps > 0 (1e-8), projection (None).
    """

    def __init__(
        self,
        step_size: StepSizes,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        projection: Projection | None = None,
    ) -> None:
        super().__init__(step_size, projection, AdamDirection(betas, eps))
