"""Auto-PGD: step-size-free PGD with momentum and checkpoint-based step halving (Croce & Hein, ICML 2020).

z = Π(x_k + η_k d(∇f(x_k))),   x_{k+1} = Π(x_k + α(z − x_k) + (1 − α)(x_k − x_{k−1})),  α = 0.75 (1 at k = 0),
η_0 = 2ε. At checkpoints w_j (first after ⌊0.22 N⌋ steps, then periods shrinking by ⌊0.03 N⌋ down to
⌊0.06 N⌋, as in the reference code) η is halved for a point, which restarts from its best iterate, if
(1) f increased on fewer than ρ = 0.75 of the steps since the last checkpoint, or (2) η was not halved
at the last checkpoint and the best value did not improve since. Deviation from the reference
`autopgd_base.py`: the first window compares with f(x_0) instead of wrapping around to an unset entry.
"""

from __future__ import annotations

from collections.abc import Callable

import torch
from torch import Tensor, nn

from saddle.attacks.ascent import steepest_ascent
from saddle.attacks.base import AttackBase, ThreatModel, input_gradient, sphere_point
from saddle.attacks.objectives import Objective, get_objective
from saddle.broadcast import per_point_broadcast
from saddle.sets import Box
from saddle.validation import as_generator, check_int, check_real

__all__ = ["AutoProjectedGradientAttack", "apgd_checkpoints"]


def apgd_checkpoints(steps: int) -> list[int]:
    """Iterations (1-based counts of steps done) after which the step-size conditions are checked."""
    period, shrink, minimum = max(int(0.22 * steps), 1), max(int(0.03 * steps), 1), max(int(0.06 * steps), 1)
    out, t = [], 0
    while t + period <= steps:
        t += period
        out.append(t)
        period = max(period - shrink, minimum)
    return out


class AutoProjectedGradientAttack(AttackBase):
    """APGD in l∞ or l2 with the CE or DLR loss, untargeted or targeted (y = targets).

    Croce & Hein, "Reliable evaluation of adversarial robustness with an ensemble of diverse
    parameter-free attacks", ICML 2020 (Algorithm 1). Returns, per point, the last iterate that
    succeeded if any, else the iterate with the highest objective. Restarts run only on points
    not yet broken; points already misclassified (or at the target) on x are returned unchanged.

    Args: eps ≥ 0; norm 'linf' (default) or 'l2'; steps N (default 100); restarts (default 1);
    loss 'ce' (default), 'dlr', 'margin' or an Objective; targeted; rho = 0.75; momentum α = 0.75;
    box (default (0, 1)); generator for the random start (default: private, seeded 0).
    Shapes: x (B, ...), y (B,) -> x_adv like x. Cost: N forward-backward passes per restart.
    """

    def __init__(
        self,
        eps: float,
        norm: str | float = "linf",
        steps: int = 100,
        restarts: int = 1,
        loss: str | Objective | Callable = "ce",
        targeted: bool = False,
        rho: float = 0.75,
        momentum: float = 0.75,
        box: tuple[float, float] | Box | None = (0.0, 1.0),
        generator: torch.Generator | int | None = None,
    ) -> None:
        self.threat_model = ThreatModel(eps, norm, box)
        if self.norm == 1.0:
            raise ValueError("AutoProjectedGradientAttack supports norm 'linf' or 'l2', got 'l1'")
        self.steps = check_int("steps", steps)
        self.restarts = check_int("restarts", restarts)
        self.rho = check_real("rho", rho, 0.0, 1.0)
        self.momentum = check_real("momentum", momentum, 0.0, 1.0)
        self.objective = get_objective(loss, targeted)
        self.targeted = self.objective.targeted
        self.generator = as_generator(generator, default_seed=0)
        self.ascent = steepest_ascent(self.norm)

    def __repr__(self) -> str:
        return f"AutoProjectedGradientAttack(eps={self.eps:g}, norm={self.norm}, steps={self.steps}, loss={self.objective.name})"

    def perturb(self, model: nn.Module, x: Tensor, y: Tensor) -> Tensor:
        with torch.no_grad():
            logits = model(x)
        x_adv = x.clone()
        todo = (~self.objective.success(logits, y)).nonzero()[:, 0]
        for _ in range(self.restarts):
            if todo.numel() == 0:
                break
            cand, succ = self._single_run(model, x[todo], y[todo])
            x_adv[todo] = cand
            todo = todo[~succ]
        return x_adv

    def _step(self, x: Tensor, x_k: Tensor, x_prev: Tensor, grad: Tensor, eta: Tensor, alpha: float) -> Tensor:
        z = self.threat_model.project(x, x_k + eta * self.ascent(grad))
        return self.threat_model.project(x, x_k + alpha * (z - x_k) + (1 - alpha) * (x_k - x_prev))

    def _single_run(self, model: nn.Module, x: Tensor, y: Tensor) -> tuple[Tensor, Tensor]:
        n, obj = x.shape[0], self.objective
        x_k = sphere_point(x, self.threat_model, self.generator)
        logits, grad = input_gradient(model, x_k, y, obj)
        f = obj.value(logits, y).detach()
        succ = obj.success(logits, y)
        x_succ = x_k.clone()
        x_best, grad_best, f_best = x_k.clone(), grad.clone(), f.clone()
        history = [f]
        eta = torch.full((n,), 2.0 * self.eps, dtype=x.dtype, device=x.device)
        checkpoints = set(apgd_checkpoints(self.steps))
        last_check, f_best_last = 0, f_best.clone()
        halved_last = torch.ones(n, dtype=torch.bool, device=x.device)
        x_prev = x_k
        for k in range(self.steps):
            alpha = 1.0 if k == 0 else self.momentum
            x_next = self._step(x, x_k, x_prev, grad, per_point_broadcast(eta, x), alpha)
            x_prev, x_k = x_k, x_next
            logits, grad = input_gradient(model, x_k, y, obj)
            f = obj.value(logits, y).detach()
            history.append(f)
            s = obj.success(logits, y)
            x_succ[s] = x_k[s]
            succ |= s
            better = f > f_best
            x_best[better], grad_best[better], f_best[better] = x_k[better], grad[better], f[better]
            done = k + 1
            if done in checkpoints:
                window = torch.stack(history[last_check : done + 1])
                increases = (window[1:] > window[:-1]).sum(0)
                oscillating = increases < self.rho * (done - last_check)
                stalled = ~halved_last & (f_best <= f_best_last)
                halve = oscillating | stalled
                eta[halve] /= 2
                x_k[halve], grad[halve] = x_best[halve], grad_best[halve]
                halved_last, f_best_last, last_check = halve, f_best.clone(), done
        out = torch.where(per_point_broadcast(succ, x), x_succ, x_best)
        return out, succ
