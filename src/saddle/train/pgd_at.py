"""PGD adversarial training (Madry et al. ICLR 2018): CE at the output of K-step PGD, gradient by Danskin."""

from __future__ import annotations

from saddle.attacks import ProjectedGradientAttack
from saddle.train.adversarial import AdversarialCrossEntropy, check_attack

__all__ = ["PGDAdversarialTraining"]


class PGDAdversarialTraining(AdversarialCrossEntropy):
    """PGD-AT around `attack`, a `ProjectedGradientAttack` (Madry et al.: K steps, random start; MNIST ε = 0.3,
    K = 40, step 0.01; CIFAR-10 ε = 8/255, K = 7-10, step 2/255).

    Cost per batch: K + 1 forward-backward passes (the floor of benchmarks/training.py (a)).
    Example: `PGDAdversarialTraining(ProjectedGradientAttack(0.3, steps=40, step_size=0.01, generator=0))`.
    """

    def __init__(self, attack: ProjectedGradientAttack) -> None:
        super().__init__(check_attack(attack, ProjectedGradientAttack, "a ProjectedGradientAttack"))
