"""RS-FGSM adversarial training (Wong, Rice & Kolter ICLR 2020, "Fast is better than free", Alg. 3).

δ ~ U[−ε, ε]^d, δ ← Π_ε(δ + α sign ∇_δ L(h(x + δ), y)), x + δ clipped to the box, α = 1.25 ε: one l∞ PGD step
from a uniform random start, `ProjectedGradientAttack(eps, steps=1, step_size=1.25 * eps, random_start=True)`.
"""

from __future__ import annotations

import math

from saddle.attacks import ProjectedGradientAttack
from saddle.train.adversarial import AdversarialCrossEntropy, check_attack

__all__ = ["RSFGSMAdversarialTraining"]


class RSFGSMAdversarialTraining(AdversarialCrossEntropy):
    """RS-FGSM around `attack`: an l∞ `ProjectedGradientAttack` with steps=1 and a random start. Cost: 2 passes."""

    def __init__(self, attack: ProjectedGradientAttack) -> None:
        check_attack(attack, ProjectedGradientAttack, "a ProjectedGradientAttack")
        if attack.steps != 1 or not attack.random_start or attack.norm != math.inf:
            raise ValueError(
                f"RS-FGSM is one l∞ step from a random start; got {attack!r} with random_start={attack.random_start}"
            )
        super().__init__(attack)
