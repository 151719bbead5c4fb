"""Adversarial training with cross-entropy at the attack's output: min_θ E max_{δ∈S} L(h_θ(a + δ), b).

Danskin's theorem (seed 003; Madry et al. ICLR 2018): when the maximiser δ* is unique,
∇_θ max_δ L = ∇_θ L(h_θ(a + δ*), b), so the attack's output is detached and the gradient is taken there.
FGSM-AT, RS-FGSM, PGD-AT and BETA-AT are this objective with different attacks (one file each); every
objective takes its `Attack`, which carries the threat model (ε, norm, box) — built once, by the caller.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from saddle.attacks import Attack
from saddle.sets import ThreatModel
from saddle.train.distributed import unwrap_model
from saddle.validation import check_classification_batch

__all__ = ["AdversarialCrossEntropy", "check_attack"]


def check_attack(attack: object, kind: type | None = None, what: str = "an attack") -> Attack:
    """`attack` when it is a saddle Attack (callable with a `threat_model`; an instance of `kind` when given),
    else ValueError naming what was expected."""
    ok = callable(attack) and isinstance(getattr(attack, "threat_model", None), ThreatModel)
    if not ok or (kind is not None and not isinstance(attack, kind)):
        raise ValueError(f"expected {what} (a saddle.attacks Attack carrying its threat_model), got {attack!r}")
    return attack  # type: ignore[return-value]


class AdversarialCrossEntropy:
    """Objective `(model, x, y) -> (CE(h(x_adv), y), {"adv_acc"})` with x_adv = attack(model, x, y), detached.

    Extras: adv_acc, the training accuracy on x_adv (catastrophic overfitting shows as adv_acc → 1
    while the test robust accuracy collapses).
    """

    def __init__(self, attack: Attack) -> None:
        self.attack = check_attack(attack)

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.attack!r})"

    def __call__(self, model: nn.Module, x: Tensor, y: Tensor) -> tuple[Tensor, dict[str, float]]:
        y = check_classification_batch(x, y)  # (int32 labels are labels; an empty batch has no mean loss)
        x_adv = self.attack(unwrap_model(model), x, y).detach()
        logits = model(x_adv)
        with torch.no_grad():
            adv_acc = (logits.argmax(-1) == y).float().mean()
        return F.cross_entropy(logits, y), {"adv_acc": float(adv_acc)}
