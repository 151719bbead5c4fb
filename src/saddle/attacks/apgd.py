"""Auto-PGD: step-size-free PGD with momentum and checkpoint-based step halving (Croce & Hein, ICML 2020).

z = Π(x_k + η_k d(∇f(x_k))),   x_{k+1} = Π(x_k + α(z − x_k) + (1 − α)(x_k − x_{k−1})),  α = 0.75 (1 at k = 0),
η_0 = 2ε. At checkpoints w_j (first after ⌊0.22 N⌋ steps, then periods shrinking by ⌊0.03 N⌋ down to
⌊0.06 N⌋, as in the reference code) η is halved for a point, which restarts from its best iterate, if
(1) f increased on fewer than ρ = 0.75 of the steps since the last checkpoint, or (2) η was not halved
at the last checkpoint and the best value did not improve since. Deviation from the reference
`autopgd_base.py`: the first window compares with f(x_0) instead of wrapping around to an unset entry.

APGD-T (`n_targets=k`, AutoAttack's "apgd-t"): one run per target t_i, the class ranked i + 1 by the clean
logits (i = 1..k), maximising the targeted DLR loss (z_t − z_y)/(z_π1 − (z_π3 + z_π4)/2) (Croce & Hein 2020,
eq. 6); success is misclassification, as in the reference `APGDAttack_targeted` (100 steps, 1 restart, k = 9 in
AutoAttack's standard version). The reference runs target i on the points no earlier target broke; here the k
independent runs of a point run side by side (k copies of the batch in memory) and the point keeps its first
successful target's run, the same outcome in law with k times fewer sequential steps.
"""

from __future__ import annotations

from collections.abc import Callable

import torch
from torch import Tensor, nn

from saddle.attacks.ascent import steepest_ascent
from saddle.attacks.base import AttackBase, ThreatModel, input_gradient, sphere_point
from saddle.attacks.objectives import Objective, get_objective, pairwise_dlr, pairwise_margin
from saddle.broadcast import per_point_broadcast
from saddle.sets import Box
from saddle.validation import as_generator, check_int, check_real

__all__ = ["AutoProjectedGradientAttack", "apgd_checkpoints"]

_PAIRWISE = {
    "dlr": Objective("targeted-dlr", pairwise_dlr, targeted=False),
    "margin": Objective("pairwise-margin", pairwise_margin, targeted=False),
}


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
    loss 'ce' (default), 'dlr', 'margin' or an Objective (any per-sample objective; with its own
    `success_fn` y may be any tensor (B, ...)); targeted; rho = 0.75; momentum α = 0.75;
    n_targets k: APGD-T over the k top-ranked wrong classes with loss 'dlr' (the targeted DLR of the
    paper, default when n_targets is set) or 'margin' (z_t − z_y), y the true labels (default None: off);
    early_stop: a point stops at its first successful iterate (evaluation; default False);
    box (default (0, 1)); generator for the random start (default: private, seeded 0).
    Shapes: x (B, ...), y (B,) -> x_adv like x. Cost: N forward-backward passes per restart (per target).
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
        n_targets: int | None = None,
        early_stop: bool = False,
    ) -> None:
        self.threat_model = ThreatModel(eps, norm, box)
        if self.norm == 1.0:
            raise ValueError("AutoProjectedGradientAttack supports norm 'linf' or 'l2', got 'l1'")
        self.steps = check_int("steps", steps)
        self.restarts = check_int("restarts", restarts)
        self.rho = check_real("rho", rho, 0.0, 1.0)
        self.momentum = check_real("momentum", momentum, 0.0, 1.0)
        self.n_targets = None if n_targets is None else check_int("n_targets", n_targets)
        if self.n_targets is not None:
            if targeted:
                raise ValueError("n_targets runs APGD-T on the true labels; it cannot be combined with targeted=True")
            if loss == "ce":
                loss = "dlr"  # the default loss of APGD-T: the targeted DLR
            if loss not in _PAIRWISE:
                raise ValueError(f"with n_targets the loss must be 'dlr' or 'margin', got {loss!r}")
            self.objective = _PAIRWISE[str(loss)]
        else:
            self.objective = get_objective(loss, targeted)
        self.targeted = self.objective.targeted
        self.early_stop = bool(early_stop)
        self.generator = as_generator(generator, default_seed=0)
        self.ascent = steepest_ascent(self.norm)

    def __repr__(self) -> str:
        targets = "" if self.n_targets is None else f", n_targets={self.n_targets}"
        return (
            f"AutoProjectedGradientAttack(eps={self.eps:g}, norm={self.norm}, steps={self.steps}, "
            f"loss={self.objective.name}{targets})"
        )

    def perturb(self, model: nn.Module, x: Tensor, y: Tensor) -> Tensor:
        with torch.no_grad():
            logits = model(x)
        x_adv = x.clone()
        todo = (~self.objective.success(logits, y)).nonzero()[:, 0]
        if self.n_targets is None:
            self._restarts(model, x, y, x_adv, todo)
        elif todo.numel():
            # the k target runs of a point are independent: they run side by side (k copies of the batch) and each
            # point keeps the run of its first target that broke it (else the last one's best iterate), what the
            # reference keeps when it runs target i only on the points no earlier target broke (equal in law)
            k, m = min(self.n_targets, logits.shape[-1] - 1), todo.numel()
            ranked = logits[todo].scatter(-1, y[todo, None], float("-inf")).argsort(-1, descending=True)[:, :k]
            xs = x[todo].repeat(k, *([1] * (x.ndim - 1)))
            pairs = torch.stack([y[todo].repeat(k), ranked.T.reshape(-1)], -1)
            cand = xs.clone()
            left = self._restarts(model, xs, pairs, cand, torch.arange(k * m, device=x.device))
            broken = torch.ones(k * m, dtype=torch.bool, device=x.device)
            broken[left] = False
            broken = broken.reshape(k, m)
            first = torch.where(broken.any(0), broken.float().argmax(0), torch.full_like(todo, k - 1))
            x_adv[todo] = cand.reshape(k, m, *x.shape[1:])[first, torch.arange(m, device=x.device)]
        return x_adv

    def _restarts(self, model: nn.Module, x: Tensor, y: Tensor, x_adv: Tensor, todo: Tensor) -> Tensor:
        """Run the restarts on the points `todo` (each on those not yet broken), writing into x_adv in place;
        returns the points still not broken."""
        for _ in range(self.restarts):
            if todo.numel() == 0:
                break
            cand, succ = self._single_run(model, x[todo], y[todo])
            x_adv[todo] = cand
            todo = todo[~succ]
        return todo

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
        history = torch.empty(self.steps + 1, n, dtype=f.dtype, device=f.device)
        history[0] = f
        eta = torch.full((n,), 2.0 * self.eps, dtype=x.dtype, device=x.device)
        checkpoints = set(apgd_checkpoints(self.steps))
        last_check, f_best_last = 0, f_best.clone()
        halved_last = torch.ones(n, dtype=torch.bool, device=x.device)
        x_prev = x_k.clone()
        act = torch.arange(n, device=x.device)  # the points still iterated (all of them without early stop)
        for k in range(self.steps):
            if self.early_stop and bool(succ[act].any()):
                act = act[~succ[act]]
                if act.numel() == 0:
                    break
            i: Tensor | slice = slice(None) if act.numel() == n else act  # views while every point is iterated
            alpha = 1.0 if k == 0 else self.momentum
            x_next = self._step(x[i], x_k[i], x_prev[i], grad[i], per_point_broadcast(eta[i], x_k), alpha)
            x_prev[i] = x_k[i]
            x_k[i] = x_next
            logits, g = input_gradient(model, x_next, y[i], obj)
            grad[i] = g
            f = obj.value(logits, y[i]).detach()
            history[k + 1, i] = f
            s = obj.success(logits, y[i])
            x_succ[act[s]] = x_next[s]
            succ[act[s]] = True
            better = f > f_best[i]
            b = act[better]
            x_best[b], grad_best[b], f_best[b] = x_next[better], g[better], f[better]
            done = k + 1
            if done in checkpoints:
                window = history[last_check : done + 1, i]
                increases = (window[1:] > window[:-1]).sum(0)
                halve = (increases < self.rho * (done - last_check)) | (~halved_last[i] & (f_best[i] <= f_best_last[i]))
                h = act[halve]
                eta[h] /= 2
                x_k[h], grad[h] = x_best[h], grad_best[h]
                halved_last[i] = halve
                f_best_last[i] = f_best[i]
                last_check = done
        out = torch.where(per_point_broadcast(succ, x), x_succ, x_best)
        return out, succ
