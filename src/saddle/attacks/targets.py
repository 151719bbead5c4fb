"""Run a targeted attack against each of the k most likely wrong classes (APGD-T style; Croce & Hein 2020)."""

from __future__ import annotations

import torch
from torch import Tensor, nn

from saddle.attacks.base import Attack, AttackBase
from saddle.validation import check_int

__all__ = ["TopClassesTargeted"]


class TopClassesTargeted(AttackBase):
    """Untargeted attack from a targeted one: try targets t_1, t_2, … (the classes ranked 2nd, 3rd, … by the
    clean logits), each only on the points no earlier target broke; a point counts as broken when it is
    misclassified. Args: `attack` must be targeted (y = targets); n_targets k ≥ 1 (default 9).
    Its threat model is the wrapped attack's. Shapes: x (B, ...), y (B,) true labels -> x_adv like x.
    """

    targeted = False

    def __init__(self, attack: Attack, n_targets: int = 9) -> None:
        if not isinstance(attack, Attack) or not attack.targeted:
            raise ValueError(f"TopClassesTargeted needs a targeted attack with a threat_model, got {attack!r}")
        self.attack = attack
        self.threat_model = attack.threat_model
        self.n_targets = check_int("n_targets", n_targets)

    def __repr__(self) -> str:
        return f"TopClassesTargeted({self.attack!r}, n_targets={self.n_targets})"

    def perturb(self, model: nn.Module, x: Tensor, y: Tensor) -> Tensor:
        with torch.no_grad():
            logits = model(x)
        ranked = logits.scatter(-1, y[:, None], float("-inf")).argsort(-1, descending=True)
        x_adv = x.clone()
        todo = (logits.argmax(-1) == y).nonzero()[:, 0]
        for i in range(min(self.n_targets, logits.shape[-1] - 1)):
            if todo.numel() == 0:
                break
            cand = self.attack(model, x[todo], ranked[todo, i])
            with torch.no_grad():
                broken = model(cand).argmax(-1) != y[todo]
            x_adv[todo[broken]] = cand[broken]
            todo = todo[~broken]
        return x_adv
