"""TRADES (Zhang et al. ICML 2019): CE(h(x), y) + β KL(p(x) ‖ p(x')), x' = argmax_{‖x'−x‖≤ε} KL(p(x) ‖ p(x')).

The inner maximiser is saddle's projected gradient ascent (`projected_gradient_ascent`) on the KL objective,
started at x + 0.001 N(0, I) as in the authors' code; β = 0 is ERM exactly (the adversary is not run).
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from saddle.attacks import projected_gradient_ascent, steepest_ascent
from saddle.attacks.base import attacking, default_schedule
from saddle.attacks.objectives import Objective
from saddle.sets import ThreatModel
from saddle.train.distributed import unwrap_model
from saddle.validation import as_generator, check_int, check_real

__all__ = ["TRADES", "kl_to_clean"]


def kl_to_clean(logits_adv: Tensor, p_clean: Tensor) -> Tensor:
    """(B,) KL(p_clean ‖ softmax(logits_adv)) = Σ_k p_k (log p_k − log q_k); p_clean (B, K) probabilities."""
    return (torch.xlogy(p_clean, p_clean) - p_clean * F.log_softmax(logits_adv, -1)).sum(-1)


KL_TO_CLEAN = Objective("kl-to-clean", kl_to_clean, targeted=False)


class TRADES:
    """TRADES objective with trade-off `beta` (default 6), `steps` KL-ascent steps of `step_size` (default 2.5 ε/steps).

    Returns (CE(h(x), y) + β · mean KL(p(x) ‖ p(x')), {"ce", "kl"}); the KL's gradient flows through both
    p(x) and p(x') as in the authors' code; x' is detached (Danskin).
    """

    def __init__(
        self,
        eps: float,
        beta: float = 6.0,
        norm: str = "linf",
        steps: int = 10,
        step_size: float | None = None,
        generator: torch.Generator | int | None = None,
        box: tuple[float, float] | None = (0.0, 1.0),
    ) -> None:
        self.beta = check_real("beta", beta, low_open=False)
        self.threat = ThreatModel(eps, norm, box)
        self.steps = check_int("steps", steps)
        self.schedule = default_schedule(step_size, self.threat.eps, self.steps)
        self.ascent = steepest_ascent(self.threat.norm)
        self.generator = as_generator(generator, default_seed=0)

    def __repr__(self) -> str:
        return f"TRADES(eps={self.threat.eps:g}, beta={self.beta:g}, steps={self.steps})"

    def adversary(self, model: nn.Module, x: Tensor) -> Tensor:
        """x' ≈ argmax_{x' ∈ ball(x) ∩ box} KL(p(x) ‖ p(x')) by projected ascent from x + 0.001 ξ."""
        with attacking(model):
            with torch.no_grad():  # the "labels" of the ascent are the clean probabilities (B, K)
                p_clean = F.softmax(model(x), -1)
            noise = torch.randn(x.shape, generator=self.generator, dtype=x.dtype).to(x.device)
            x0 = self.threat.project(x, x + 0.001 * noise)
            return projected_gradient_ascent(
                model, x, p_clean, x0, KL_TO_CLEAN, self.threat, self.ascent, self.steps, self.schedule
            ).detach()

    def __call__(self, model: nn.Module, x: Tensor, y: Tensor) -> tuple[Tensor, dict[str, float]]:
        logits = model(x)
        ce = F.cross_entropy(logits, y)
        if self.beta == 0:
            return ce, {"ce": float(ce.detach()), "kl": 0.0}
        x_adv = self.adversary(unwrap_model(model), x.detach())
        kl = kl_to_clean(model(x_adv), F.softmax(logits, -1)).mean()
        return ce + self.beta * kl, {"ce": float(ce.detach()), "kl": float(kl.detach())}
