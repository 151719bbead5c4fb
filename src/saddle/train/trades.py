"""TRADES (Zhang et al. ICML 2019): CE(h(x), y) + β KL(p(x) ‖ p(x')), x' = argmax_{‖x'−x‖≤ε} KL(p(x) ‖ p(x')).

The inner maximiser is an `Attack`, by default `saddle.attacks.KLDivergenceAttack` (the authors' K-step KL
ascent from x + 0.001 N(0, I)); β = 0 is ERM exactly (the adversary is not run).
"""

from __future__ import annotations

import torch.nn.functional as F
from torch import Tensor, nn

from saddle.attacks import Attack
from saddle.attacks.kl import kl_to_clean
from saddle.train.adversarial import check_attack
from saddle.train.distributed import unwrap_model
from saddle.validation import check_classification_batch, check_labels, check_real, model_output

__all__ = ["TRADES"]


class TRADES:
    """TRADES objective around `attack` (x' = attack(model, x, y), detached) with trade-off `beta` (default 6).

    Returns (CE(h(x), y) + β · mean KL(p(x) ‖ p(x')), {"ce", "kl"}); the KL's gradient flows through both
    p(x) and p(x') as in the authors' code. Example: `TRADES(KLDivergenceAttack(8/255, steps=10), beta=6)`.
    """

    def __init__(self, attack: Attack, beta: float = 6.0) -> None:
        self.attack = check_attack(attack)
        self.beta = check_real("beta", beta, low_open=False, high_open=True)

    def __repr__(self) -> str:
        return f"TRADES({self.attack!r}, beta={self.beta:g})"

    def __call__(self, model: nn.Module, x: Tensor, y: Tensor) -> tuple[Tensor, dict[str, float]]:
        y = check_classification_batch(x, y)  # (the attack checks its inputs only when it runs: not at beta = 0)
        logits = model_output(model, x, "model", "x", ("B", "K"))
        check_labels("y", y, logits.shape[-1])
        ce = F.cross_entropy(logits, y)
        if self.beta == 0:
            return ce, {"ce": float(ce.detach()), "kl": 0.0}
        x_adv = self.attack(unwrap_model(model), x.detach(), y).detach()
        kl = kl_to_clean(model(x_adv), F.softmax(logits, -1)).mean()
        return ce + self.beta * kl, {"ce": float(ce.detach()), "kl": float(kl.detach())}
