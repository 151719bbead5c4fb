"""MART (Wang et al. ICLR 2020): BCE(p(x'), y) + λ KL(p(x) ‖ p(x')) (1 − p_y(x)), x' from an attack (PGD on CE).

BCE(p, y) = −log p_y − log(1 − max_{k≠y} p_k) (boosted CE on the adversarial example); the KL term is
weighted by the clean misclassification confidence 1 − p_y(x) (the authors' code; λ = 6 on CIFAR-10).
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from saddle.attacks import Attack
from saddle.attacks.kl import kl_to_clean
from saddle.train.adversarial import check_attack
from saddle.train.distributed import unwrap_model
from saddle.validation import check_real

__all__ = ["MART"]


class MART:
    """MART objective around `attack` (the authors': K-step PGD on CE with a random start) with weight `lam` (default 6)."""

    def __init__(self, attack: Attack, lam: float = 6.0) -> None:
        self.attack = check_attack(attack)
        self.lam = check_real("lam", lam, low_open=False)

    def __repr__(self) -> str:
        return f"MART({self.attack!r}, lam={self.lam:g})"

    def __call__(self, model: nn.Module, x: Tensor, y: Tensor) -> tuple[Tensor, dict[str, float]]:
        x_adv = self.attack(unwrap_model(model), x, y).detach()
        logits, logits_adv = model(x), model(x_adv)
        p_adv = F.softmax(logits_adv, -1)
        wrong = p_adv.scatter(-1, y[:, None], 0.0).amax(-1)  # max_{k≠y} p_k(x')
        bce = F.cross_entropy(logits_adv, y) - torch.log(1.0001 - wrong).mean()
        p = F.softmax(logits, -1)
        p_true = p.gather(-1, y[:, None]).squeeze(-1)
        kl = (kl_to_clean(logits_adv, p) * (1.0000001 - p_true)).mean()
        with torch.no_grad():
            adv_acc = (logits_adv.argmax(-1) == y).float().mean()
        return bce + self.lam * kl, {"bce": float(bce.detach()), "kl": float(kl.detach()), "adv_acc": float(adv_acc)}
