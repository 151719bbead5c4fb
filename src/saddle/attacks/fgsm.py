"""Fast gradient sign method: x_adv = box(x + ε sign(∇_x L(h(x), y))) (Goodfellow et al. ICLR 2015; seed 001)."""

from __future__ import annotations

import math
from collections.abc import Callable

from torch import Tensor, nn

from saddle.attacks.base import AttackBase, ThreatModel, input_gradient
from saddle.attacks.objectives import Objective, get_objective
from saddle.sets import Box

__all__ = ["FastGradientSignAttack"]


class FastGradientSignAttack(AttackBase):
    """FGSM in l∞: one signed-gradient step of size ε from x (no random start), clipped to the box.

    Equals one PGD step from δ = 0 with any step size η with η|∂_i f| ≥ ε for all i (seed 001,
    "FGSM as one step of PGA"). Args: eps ≥ 0; loss 'ce' (default) / 'margin' / 'dlr' / callable;
    targeted (y = targets); box (default (0, 1)). Shapes: x (B, ...), y (B,) -> x_adv like x.
    """

    def __init__(
        self,
        eps: float,
        loss: str | Objective | Callable = "ce",
        targeted: bool = False,
        box: tuple[float, float] | Box | None = (0.0, 1.0),
    ) -> None:
        self.threat_model = ThreatModel(eps, math.inf, box)
        self.objective = get_objective(loss, targeted)
        self.targeted = self.objective.targeted

    def __repr__(self) -> str:
        return f"FastGradientSignAttack(eps={self.eps:g}, loss={self.objective.name})"

    def perturb(self, model: nn.Module, x: Tensor, y: Tensor) -> Tensor:
        _, grad = input_gradient(model, x, y, self.objective)
        return self.box.project(x + self.eps * grad.sign())
