"""Gradient-free random search in the ε-ball: the reference a gradient attack must beat (gradient-masking check).

Athalye, Carlini & Wagner, ICML 2018: if queries at random points of the ball find adversarial
examples the gradient attack missed, the gradients are masked/obfuscated.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import torch
from torch import Tensor, nn

from saddle.attacks.base import AttackBase, ThreatModel, sphere_point
from saddle.attacks.objectives import Objective, get_objective
from saddle.sets import Box, sample_ball
from saddle.validation import as_generator, check_int

__all__ = ["RandomSearchAttack"]


class RandomSearchAttack(AttackBase):
    """Evaluate `queries` random points per input and keep the per-point worst (success first, then objective).

    Points: random vertices x + ε·(±1)^d of the l∞ ball, uniform on the l2 sphere, or uniform in the l1
    ball, clipped to the box. Args: eps ≥ 0; norm (default 'linf'); queries (default 100); loss (default
    'margin'); targeted; box; generator (default private, seeded 0). Shapes: x (B, ...), y (B,) -> x_adv.
    Cost: `queries` forward passes, no gradients.
    """

    def __init__(
        self,
        eps: float,
        norm: str | float = "linf",
        queries: int = 100,
        loss: str | Objective | Callable = "margin",
        targeted: bool = False,
        box: tuple[float, float] | Box | None = (0.0, 1.0),
        generator: torch.Generator | int | None = None,
    ) -> None:
        self.threat_model = ThreatModel(eps, norm, box)
        self.queries = check_int("queries", queries)
        self.objective = get_objective(loss, targeted)
        self.targeted = self.objective.targeted
        self.generator = as_generator(generator, default_seed=0)

    def __repr__(self) -> str:
        return f"RandomSearchAttack(eps={self.eps:g}, norm={self.norm}, queries={self.queries})"

    def _sample(self, x: Tensor) -> Tensor:
        n, shape, g = x.shape[0], tuple(x.shape[1:]), self.generator
        if self.norm == 2.0:
            return sphere_point(x, self.threat_model, g)
        if self.norm == math.inf:
            d = (torch.randint(0, 2, (n, *shape), generator=g, device=g.device) * 2 - 1).to(x.dtype) * self.eps
        else:
            d = sample_ball(n, shape, 1.0, self.eps, generator=g, dtype=x.dtype, device=g.device)
        return self.box.project(x + d.to(x.device))

    @torch.no_grad()
    def perturb(self, model: nn.Module, x: Tensor, y: Tensor) -> Tensor:
        logits = model(x)
        best, succ, value = x.clone(), self.objective.success(logits, y), self.objective.value(logits, y)
        for _ in range(self.queries):
            cand = self._sample(x)
            logits = model(cand)
            s, v = self.objective.success(logits, y), self.objective.value(logits, y)
            better = (s & ~succ) | ((s == succ) & (v > value))
            best[better], succ, value = cand[better], succ | s, torch.where(better, v, value)
        return best
