"""The TRADES adversary: x' ≈ argmax_{x' ∈ ball(x) ∩ box} KL(p(x) ‖ p(x')), labels not used.

Zhang et al., "Theoretically principled trade-off between robustness and accuracy" (ICML 2019), Alg. 1 and the
authors' code (yaodongyu/TRADES `trades.py`): start at x + 0.001 N(0, I), then K projected steepest-ascent steps on
the KL divergence from the clean prediction p(x) (held fixed) to p(x'). MART (Wang et al. ICLR 2020) weights the
same divergence `kl_to_clean` by the clean misclassification confidence.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from saddle.attacks.ascent import AscentRule, steepest_ascent
from saddle.attacks.base import AttackBase, ThreatModel, default_schedule
from saddle.attacks.iterative import projected_gradient_ascent
from saddle.attacks.objectives import Objective
from saddle.schedules import Schedule
from saddle.sets import Box
from saddle.validation import as_generator, check_int, check_real

__all__ = ["KL_TO_CLEAN", "KLDivergenceAttack", "kl_to_clean"]


def kl_to_clean(logits_adv: Tensor, p_clean: Tensor) -> Tensor:
    """(B,) KL(p_clean ‖ softmax(logits_adv)) = Σ_k p_k (log p_k − log q_k); p_clean (B, K) probabilities."""
    return (torch.xlogy(p_clean, p_clean) - p_clean * F.log_softmax(logits_adv, -1)).sum(-1)


#: the ascent objective: its "labels" are the clean probabilities (B, K)
KL_TO_CLEAN = Objective("kl-to-clean", kl_to_clean, targeted=False)


class KLDivergenceAttack(AttackBase):
    """TRADES's inner maximiser of KL(p(x) ‖ p(x')) over the threat set (untargeted; y is only checked, not used).

    Args: eps ≥ 0; norm 'linf' (default), 'l2', 'l1'; steps K (default 10); step_size (default 2.5 ε/K; the
    authors use 0.007 = ε/4.5 at ε = 8/255, K = 10) or schedule; init_scale (default 0.001, the Gaussian start);
    box (default (0, 1)); generator for the start. Cost: one forward and K forward-backward passes.
    Shapes: x (B, ...), y (B,) -> x' like x.
    """

    def __init__(
        self,
        eps: float,
        norm: str | float = "linf",
        steps: int = 10,
        step_size: float | Schedule | None = None,
        init_scale: float = 0.001,
        box: tuple[float, float] | Box | None = (0.0, 1.0),
        generator: torch.Generator | int | None = None,
        ascent: AscentRule | None = None,
    ) -> None:
        self.threat_model = ThreatModel(eps, norm, box)
        self.steps = check_int("steps", steps)
        self.schedule = default_schedule(step_size, self.eps, self.steps)
        self.init_scale = check_real("init_scale", init_scale, low_open=False, high_open=True)
        self.generator = as_generator(generator, default_seed=0)
        self.ascent = ascent if ascent is not None else steepest_ascent(self.norm)

    def __repr__(self) -> str:
        return f"KLDivergenceAttack(eps={self.eps:g}, norm={self.norm}, steps={self.steps})"

    def perturb(self, model: nn.Module, x: Tensor, y: Tensor) -> Tensor:
        with torch.no_grad():
            p_clean = F.softmax(model(x), -1)  # (B, K), fixed during the ascent
        noise = torch.randn(x.shape, generator=self.generator, device=self.generator.device, dtype=x.dtype)
        x0 = self.threat_model.project(x, x + self.init_scale * noise.to(x.device))
        return projected_gradient_ascent(
            model, x, p_clean, x0, KL_TO_CLEAN, self.threat_model, self.ascent, self.steps, self.schedule
        )
