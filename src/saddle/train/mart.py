"""MART (Wang et al. ICLR 2020): BCE(p(x'), y) + λ KL(p(x) ‖ p(x')) (1 − p_y(x)), x' from PGD on CE.

BCE(p, y) = −log p_y − log(1 − max_{k≠y} p_k) (boosted CE on the adversarial example); the KL term is
weighted by the clean misclassification confidence 1 − p_y(x) (the authors' code; λ = 6 on CIFAR-10).
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from saddle.attacks import ProjectedGradientAttack
from saddle.train.distributed import unwrap_model
from saddle.train.trades import kl_to_clean
from saddle.validation import check_real

__all__ = ["MART"]


class MART:
    """MART objective with weight `lam` (default 6) and a K-step PGD adversary (random start, CE)."""

    def __init__(
        self,
        eps: float,
        lam: float = 6.0,
        norm: str = "linf",
        steps: int = 10,
        step_size: float | None = None,
        generator: torch.Generator | int | None = None,
        box: tuple[float, float] | None = (0.0, 1.0),
    ) -> None:
        self.lam = check_real("lam", lam, low_open=False)
        self.attack = ProjectedGradientAttack(
            eps, norm, steps=steps, step_size=step_size, random_start=True, generator=generator, box=box
        )

    def __repr__(self) -> str:
        return f"MART(eps={self.attack.eps:g}, lam={self.lam:g}, steps={self.attack.steps})"

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
