"""FGSM adversarial training: CE at x + ε sign ∇_x L from δ = 0 (Goodfellow et al. ICLR 2015; seed 001).

The zero-initialised single step of Wong, Rice & Kolter (ICLR 2020, "Fast is better than free"), which
shows catastrophic overfitting at large ε (robust accuracy against PGD collapsing within a few epochs).
"""

from __future__ import annotations

from saddle.attacks import FastGradientSignAttack
from saddle.train.adversarial import AdversarialCrossEntropy

__all__ = ["FGSMAdversarialTraining"]


class FGSMAdversarialTraining(AdversarialCrossEntropy):
    """FGSM-AT at l∞ radius `eps` (inputs in `box`, default (0, 1))."""

    def __init__(self, eps: float, box: tuple[float, float] | None = (0.0, 1.0)) -> None:
        super().__init__(FastGradientSignAttack(eps, box=box))
