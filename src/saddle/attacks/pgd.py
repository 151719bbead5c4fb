"""Projected gradient ascent (PGD) on the threat set {‖x' − x‖_p ≤ ε} ∩ box, with random start and restarts.

x^{k+1} = box(x + Π_ε(x^k − x + η_k d(∇_x f(x^k))))   (seed 001, "proximal gradient ascent";
Madry et al. ICLR 2018 with d = sign for l∞). Seed 004 writes the l2 step as η_{t+1} = ε Π(η_t + α∇ℓ) with
Π(z) = z/‖z‖₂, a projection onto the sphere; its own objective max_{‖η‖_p ≤ ε} ℓ(x + η) and Madry et al. 2018, §2.1,
x^{t+1} = Π_{x+S}(x^t + α sgn(∇_x L)) onto the set S of allowed perturbations (the ball) decide it: the ball. Built from pieces: the ball and box (`saddle.sets`),
an objective (`objectives`), an ascent rule (`ascent`) and a step-size schedule (`saddle.schedules`).
"""

from __future__ import annotations

from collections.abc import Callable

import torch
from torch import Tensor, nn

from saddle.attacks.ascent import AscentRule, steepest_ascent
from saddle.attacks.base import AttackBase, ThreatModel, default_schedule
from saddle.attacks.iterative import projected_gradient_ascent, random_start_point, select_worst
from saddle.attacks.objectives import Objective, get_objective
from saddle.schedules import Schedule
from saddle.sets import Box
from saddle.validation import as_generator, check_int

__all__ = ["ProjectedGradientAttack"]


class ProjectedGradientAttack(AttackBase):
    """PGD: steepest projected ascent in the l∞, l2 or l1 ball, intersected with the input box.

    Madry et al., "Towards deep learning models resistant to adversarial attacks", ICLR 2018.

    Args:
        eps: radius ε ≥ 0 of the ball. norm: 'linf' (default), 'l2' or 'l1'.
        steps: iterations (default 10). step_size: number or schedule k -> η_k; None = 2.5 ε / steps.
        random_start: start uniformly in the ball (default True). restarts: runs per call; the
            per-sample worst (success first, then objective) is returned.
        loss: 'ce' (default), 'margin', 'dlr' or an `Objective`/callable (logits, y) -> (B,).
        targeted: if True, y holds target classes and the attack maximises the targeted objective.
        box: input box (default (0, 1)); None for unbounded. generator: torch.Generator for the random
            start (default: a private one seeded with 0, advanced by every call).
        ascent: direction rule (default the steepest ascent of the norm: sign / g/‖g‖₂ / sparse l1).
        early_stop: freeze points at the first successful iterate (evaluation); default False.

    Shapes: x (B, ...) in the box, y (B,) integer; returns x_adv of x's shape with ‖x_adv − x‖ ≤ ε.
    Example: `x_adv = ProjectedGradientAttack(8/255, steps=20)(model, x, y)`.
    """

    def __init__(
        self,
        eps: float,
        norm: str | float = "linf",
        steps: int = 10,
        step_size: float | Schedule | None = None,
        random_start: bool = True,
        restarts: int = 1,
        loss: str | Objective | Callable = "ce",
        targeted: bool = False,
        box: tuple[float, float] | Box | None = (0.0, 1.0),
        generator: torch.Generator | int | None = None,
        ascent: AscentRule | None = None,
        early_stop: bool = False,
    ) -> None:
        self.threat_model = ThreatModel(eps, norm, box)
        self.steps = check_int("steps", steps)
        self.restarts = check_int("restarts", restarts)
        self.schedule = default_schedule(step_size, self.eps, self.steps)
        self.random_start = bool(random_start)
        self.objective = get_objective(loss, targeted)
        self.targeted = self.objective.targeted
        self.generator = as_generator(generator, default_seed=0)
        self.ascent = ascent if ascent is not None else steepest_ascent(self.norm)
        self.early_stop = bool(early_stop)

    def __repr__(self) -> str:
        return (
            f"ProjectedGradientAttack(eps={self.eps:g}, norm={self.norm}, steps={self.steps}, "
            f"restarts={self.restarts}, loss={self.objective.name})"
        )

    def perturb(self, model: nn.Module, x: Tensor, y: Tensor) -> Tensor:
        return self._restarts(model, x, y)

    def _run(self, model: nn.Module, x: Tensor, y: Tensor) -> Tensor:
        x0 = random_start_point(x, self.threat_model, self.generator) if self.random_start else x
        return projected_gradient_ascent(
            model, x, y, x0, self.objective, self.threat_model, self.ascent, self.steps, self.schedule, self.early_stop
        )

    def _restarts(self, model: nn.Module, x: Tensor, y: Tensor) -> Tensor:
        if self.restarts == 1:
            return self._run(model, x, y)
        best: Tensor | None = None
        key: tuple[Tensor, Tensor] | None = None
        todo = torch.arange(x.shape[0], device=x.device)
        for _ in range(self.restarts):
            cand = self._run(model, x[todo], y[todo])
            with torch.no_grad():
                logits = model(cand)
            succ, value = self.objective.success(logits, y[todo]), self.objective.value(logits, y[todo])
            if best is None or key is None:  # the first restart (both are set together)
                best, key = select_worst(None, None, cand, succ, value)
            else:
                b, k = select_worst(best[todo], (key[0][todo], key[1][todo]), cand, succ, value)
                best[todo], key[0][todo], key[1][todo] = b, k[0], k[1]
            if self.early_stop:  # later restarts only for points not yet broken
                todo = todo[~key[0][todo]]
                if todo.numel() == 0:
                    break
        assert best is not None  # restarts >= 2: the loop ran
        return best
