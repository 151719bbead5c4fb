"""FGSM adversarial training: CE at x + ε sign ∇_x L from δ = 0 (Goodfellow et al. ICLR 2015; seed 001).

The zero-initialised single step of Wong, Rice & Kolter (ICLR 2020, "Fast is better than free"), which
shows catastrophic overfitting at large ε (robust accuracy against PGD collapsing within a few epochs).
"""

from __future__ import annotations

from saddle.attacks import FastGradientSignAttack
from saddle.train.adversarial import AdversarialCrossEntropy, check_attack

__all__ = ["FGSMAdversarialTraining"]


class FGSMAdversarialTraining(AdversarialCrossEntropy):
    """FGSM-AT around `attack`, a `FastGradientSignAttack` (l∞, step ε from δ = 0). Cost per batch: 2 passes."""

    def __init__(self, attack: FastGradientSignAttack) -> None:
        super().__init__(check_attack(attack, FastGradientSignAttack, "a FastGradientSignAttack"))
