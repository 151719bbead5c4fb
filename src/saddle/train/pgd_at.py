"""PGD adversarial training (Madry et al. ICLR 2018): CE at the output of K-step PGD, gradient by Danskin."""

from __future__ import annotations

import torch

from saddle.attacks import ProjectedGradientAttack
from saddle.train.adversarial import AdversarialCrossEntropy

__all__ = ["PGDAdversarialTraining"]


class PGDAdversarialTraining(AdversarialCrossEntropy):
    """PGD-AT: `steps` (default 10) PGD steps of size `step_size` (default 2.5 ε/steps), random start.

    Cost per batch: steps + 1 forward-backward passes (the floor of benchmark (a)).
    """

    def __init__(
        self,
        eps: float,
        norm: str = "linf",
        steps: int = 10,
        step_size: float | None = None,
        generator: torch.Generator | int | None = None,
        box: tuple[float, float] | None = (0.0, 1.0),
    ) -> None:
        super().__init__(
            ProjectedGradientAttack(
                eps, norm, steps=steps, step_size=step_size, random_start=True, generator=generator, box=box
            )
        )
