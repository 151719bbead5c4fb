"""Run a targeted attack against each of the k most likely wrong classes (APGD-T style; Croce & Hein 2020)."""

from __future__ import annotations

import torch
from torch import Tensor, nn

from saddle.attacks.base import Attack, attacking, check_inputs, check_labels, check_positive_int, make_box

__all__ = ["TopClassesTargeted"]


class TopClassesTargeted:
    """Untargeted attack from a targeted one: try targets t_1, t_2, … (the classes ranked 2nd, 3rd, … by the
    clean logits), each only on the points no earlier target broke; a point counts as broken when it is
    misclassified. Args: `attack` must be targeted (y = targets); n_targets k ≥ 1 (default 9).
    Shapes: x (B, ...), y (B,) true labels -> x_adv like x.
    """

    def __init__(self, attack: Attack, n_targets: int = 9) -> None:
        if not getattr(getattr(attack, "objective", None), "targeted", False):
            raise ValueError(f"TopClassesTargeted needs a targeted attack, got {attack!r}")
        self.attack = attack
        self.n_targets = check_positive_int("n_targets", n_targets)

    def __repr__(self) -> str:
        return f"TopClassesTargeted({self.attack!r}, n_targets={self.n_targets})"

    @property
    def eps(self) -> float:
        return self.attack.eps

    @property
    def norm(self) -> float:
        return self.attack.norm

    def __call__(self, model: nn.Module, x: Tensor, y: Tensor) -> Tensor:
        check_inputs(x, y, getattr(self.attack, "box", make_box(None)))
        x = x.detach()
        with attacking(model), torch.no_grad():
            logits = model(x)
        check_labels(y, logits.shape[-1])
        ranked = logits.scatter(-1, y[:, None], float("-inf")).argsort(-1, descending=True)
        x_adv = x.detach().clone()
        todo = (logits.argmax(-1) == y).nonzero()[:, 0]
        for i in range(min(self.n_targets, logits.shape[-1] - 1)):
            if todo.numel() == 0:
                break
            cand = self.attack(model, x[todo], ranked[todo, i])
            with attacking(model), torch.no_grad():
                broken = model(cand).argmax(-1) != y[todo]
            x_adv[todo[broken]] = cand[broken]
            todo = todo[~broken]
        return x_adv
