"""The BETA adversary: per class j ≠ b maximise the margin h_j − h_b, then keep the best class.

δ*_j ∈ argmax_{‖δ‖≤ε} h(a + δ)_j − h(a + δ)_b,   j* ∈ argmax_{j≠b} h(a + δ*_j)_j − h(a + δ*_j)_b
(Robey, Latorre, Pappas, Hassani, Cevher 2023; seed 003 "Bilevel Optimization (BETA)"). Maximising
max_{j≠b} h_j − h_b is exactly maximising the 0-1 loss (seed 003 "Reformulation of the Adversary's
problem"), unlike the cross-entropy surrogate.
"""

from __future__ import annotations

import torch
from torch import Tensor, nn

from saddle.attacks.ascent import AscentRule, steepest_ascent
from saddle.attacks.base import AttackBase, ThreatModel, default_schedule
from saddle.attacks.iterative import projected_gradient_ascent, random_start_point
from saddle.attacks.objectives import Objective, pairwise_margin
from saddle.schedules import Schedule
from saddle.sets import Box
from saddle.validation import as_generator, check_int

__all__ = ["PAIRWISE_MARGIN", "MarginAttack"]

PAIRWISE_MARGIN = Objective("pairwise-margin", pairwise_margin, targeted=False)


class MarginAttack(AttackBase):
    """BETA's adversary: one projected-ascent run per wrong class j on h_j − h_b, all classes batched together.

    Args: eps ≥ 0; norm 'linf' (default), 'l2', 'l1'; steps (default 10); step_size (default 2.5 ε/steps)
    or schedule; random_start (default True); n_targets: only the k classes ranked highest by the clean
    logits (default None = all K − 1); box (default (0, 1)); generator; ascent rule (default steepest).
    Shapes: x (B, ...), y (B,) true labels -> x_adv like x (the δ*_{j*} of the best class).
    `last_margins` holds the (B, K−1 or k) margins h_j − h_b reached for each class after a call.
    Cost: steps × (K−1) forward-backward passes per point (k instead of K−1 with n_targets), plus one forward.
    """

    def __init__(
        self,
        eps: float,
        norm: str | float = "linf",
        steps: int = 10,
        step_size: float | Schedule | None = None,
        random_start: bool = True,
        n_targets: int | None = None,
        box: tuple[float, float] | Box | None = (0.0, 1.0),
        generator: torch.Generator | int | None = None,
        ascent: AscentRule | None = None,
    ) -> None:
        self.threat_model = ThreatModel(eps, norm, box)
        self.steps = check_int("steps", steps)
        self.schedule = default_schedule(step_size, self.eps, self.steps)
        self.random_start = bool(random_start)
        self.n_targets = None if n_targets is None else check_int("n_targets", n_targets)
        self.generator = as_generator(generator, default_seed=0)
        self.ascent = ascent if ascent is not None else steepest_ascent(self.norm)
        self.objective = PAIRWISE_MARGIN
        self.last_margins: Tensor | None = None

    def __repr__(self) -> str:
        return f"MarginAttack(eps={self.eps:g}, norm={self.norm}, steps={self.steps}, n_targets={self.n_targets})"

    def __call__(self, model: nn.Module, x: Tensor, y: Tensor) -> Tensor:
        self.last_margins = None  # set by `perturb`; stays None when ε = 0
        return super().__call__(model, x, y)

    def perturb(self, model: nn.Module, x: Tensor, y: Tensor) -> Tensor:
        b = x.shape[0]
        with torch.no_grad():
            logits = model(x)
        n_classes = logits.shape[-1]
        ranked = logits.scatter(-1, y[:, None], float("-inf")).argsort(-1, descending=True)[:, : n_classes - 1]
        k = n_classes - 1 if self.n_targets is None else min(self.n_targets, n_classes - 1)
        targets = ranked[:, :k]  # (B, k)
        xr = x.repeat_interleave(k, 0)  # (B k, ...): class blocks per point
        pairs = torch.stack([y.repeat_interleave(k), targets.reshape(-1)], -1)
        x0 = random_start_point(xr, self.threat_model, self.generator) if self.random_start else xr
        cand = projected_gradient_ascent(
            model, xr, pairs, x0, PAIRWISE_MARGIN, self.threat_model, self.ascent, self.steps, self.schedule
        )
        with torch.no_grad():
            margins = pairwise_margin(model(cand), pairs).reshape(b, k)
        self.last_margins = margins
        best = margins.argmax(-1)
        return cand.reshape(b, k, *x.shape[1:])[torch.arange(b, device=x.device), best]
