"""BETA adversarial training (Robey, Latorre, Pappas, Hassani, Cevher 2023; seed 003 "Bilevel Optimization").

min_θ (1/n) Σ_i L_CE(θ, a_i + δ*_{i,j*}, b_i) with δ*_{i,j} ∈ argmax_{‖δ‖≤ε} h(a_i + δ)_j − h(a_i + δ)_{b_i}
and j* the class with the largest margin: the inner problem is `saddle.attacks.MarginAttack`.
"""

from __future__ import annotations

from saddle.attacks import MarginAttack
from saddle.train.adversarial import AdversarialCrossEntropy, check_attack

__all__ = ["BETAAdversarialTraining"]


class BETAAdversarialTraining(AdversarialCrossEntropy):
    """BETA-AT^K around `attack`, a `MarginAttack` (K margin-ascent steps per wrong class), CE at the best class.

    Cost per batch: K × (C − 1) + 1 forward-backward passes for C classes (k instead of C − 1 with the attack's
    n_targets = k). Seed 003's table: BETA-AT^5 / ^10 / ^20 on CIFAR-10 (PreActResNet-18, ε = 8/255).
    """

    def __init__(self, attack: MarginAttack) -> None:
        super().__init__(check_attack(attack, MarginAttack, "a MarginAttack"))
