"""RMSProp-preconditioned Langevin game dynamics (pSGLD on every player; MixedNE-LD's update rule).

z⁺ = P(z − η G V(z) + sqrt(2η T G) ξ), G = diag(1/(sqrt(v) + ε)), v ← a v + (1 − a) V(z)²
(Li, Chen, Carlson & Carin 2016, pSGLD, without their Γ correction term; Kamalaruban et al. NeurIPS 2020,
MixedNE-LD with RMSProp preconditioning; their "thermal noise" is taken as the temperature T of the Gibbs
measure exp(−f/T) that the dynamics sample, which is how seed 000 writes the Langevin step).
It is the Langevin template (`LangevinGDA`) × RMSProp's direction (`RMSPropDirection`).
"""

from __future__ import annotations

import math

import torch

from saddle.optim._common import check_real
from saddle.optim.base import Projection, StepSizes
from saddle.optim.directions import RMSPropDirection
from saddle.optim.langevin import LangevinGDA

__all__ = ["PreconditionedLangevinGDA"]


class PreconditionedLangevinGDA(LangevinGDA):
    """Simultaneous Langevin GDA with an RMSProp preconditioner on each player; one field call per step.

    v ← a v + (1 − a) g²;  G = 1/(sqrt(v) + ε);  z⁺ = P(z − η G g + sqrt(2 η T G) ξ), g = V(z).
    As in torch.optim.RMSprop, v starts at 0 with no bias correction and ε is added to sqrt(v), so with
    T = 0 the update is exactly torch.optim.RMSprop(lr=η, alpha=a, eps=ε) on each player's own loss.
    Args: step_size η > 0, a schedule, or one per player; temperature T ≥ 0 (default 0; the paper's thermal
    noise, swept over 1e-2…1e-5); generator (torch.Generator or int seed, required when T > 0; noise drawn
    player by player in player order); alpha a in [0, 1) (default 0.99); eps ε > 0 (default 1e-8); projection P.
    """

    def __init__(
        self,
        step_size: StepSizes,
        temperature: float = 0.0,
        generator: torch.Generator | int | None = None,
        alpha: float = 0.99,
        eps: float = 1e-8,
        projection: Projection | None = None,
    ) -> None:
        temperature = check_real("temperature", temperature, 0.0, math.inf, low_open=False, high_open=True)
        if generator is None and temperature > 0:
            raise ValueError(f"generator must be a torch.Generator when temperature > 0, got {generator!r}")
        direction = RMSPropDirection(alpha, eps)
        super().__init__(step_size, temperature, 0 if generator is None else generator, projection, direction)
        if generator is None:  # T = 0 draws no noise
            self.generator = None
