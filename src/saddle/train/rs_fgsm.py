"""RS-FGSM adversarial training (Wong, Rice & Kolter ICLR 2020, "Fast is better than free", Alg. 3).

δ ~ U[−ε, ε]^d, δ ← Π_ε(δ + α sign ∇_δ L(h(x + δ), y)), x + δ clipped to the box, α = 1.25 ε by default:
one PGD step from a uniform random start (`ProjectedGradientAttack(steps=1, step_size=α)`).
"""

from __future__ import annotations

import torch

from saddle.attacks import ProjectedGradientAttack
from saddle.train.adversarial import AdversarialCrossEntropy
from saddle.validation import check_real

__all__ = ["RSFGSMAdversarialTraining"]


class RSFGSMAdversarialTraining(AdversarialCrossEntropy):
    """RS-FGSM at l∞ radius `eps`, step `alpha` (default 1.25 ε), random start drawn from `generator`."""

    def __init__(
        self,
        eps: float,
        alpha: float | None = None,
        generator: torch.Generator | int | None = None,
        box: tuple[float, float] | None = (0.0, 1.0),
    ) -> None:
        alpha = 1.25 * eps if alpha is None else check_real("alpha", alpha)
        super().__init__(
            ProjectedGradientAttack(
                eps, "linf", steps=1, step_size=alpha, random_start=True, generator=generator, box=box
            )
        )
