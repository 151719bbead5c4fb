"""BETA adversarial training (Robey, Latorre, Pappas, Hassani, Cevher 2023; seed 003 "Bilevel Optimization").

min_θ (1/n) Σ_i L_CE(θ, a_i + δ*_{i,j*}, b_i) with δ*_{i,j} ∈ argmax_{‖δ‖≤ε} h(a_i + δ)_j − h(a_i + δ)_{b_i}
and j* the class with the largest margin: the inner problem is `saddle.attacks.MarginAttack`.
"""

from __future__ import annotations

import torch

from saddle.attacks import MarginAttack
from saddle.train.adversarial import AdversarialCrossEntropy

__all__ = ["BETAAdversarialTraining"]


class BETAAdversarialTraining(AdversarialCrossEntropy):
    """BETA-AT: margin ascent per wrong class (`steps`, default 10), CE at the best class's perturbation.

    Cost per batch: steps × (K − 1) + 1 forward-backward passes (n_targets < K − 1 restricts the classes).
    """

    def __init__(
        self,
        eps: float,
        norm: str = "linf",
        steps: int = 10,
        step_size: float | None = None,
        n_targets: int | None = None,
        generator: torch.Generator | int | None = None,
        box: tuple[float, float] | None = (0.0, 1.0),
    ) -> None:
        super().__init__(
            MarginAttack(eps, norm, steps=steps, step_size=step_size, n_targets=n_targets, generator=generator, box=box)
        )
