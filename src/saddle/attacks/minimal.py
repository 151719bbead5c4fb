"""Minimal adversarial perturbations: DeepFool's iterated linearisation, and the smallest ε an ε-bounded attack needs.

Seed 004, "p-norm robustness": for an affine classifier the smallest l2 perturbation moving x from class i across the
boundary with class j is η* = (f_i(x) − f_j(x)) / ‖w_j − w_i‖² · (w_j − w_i) (`linear.minimal_l2_perturbation_affine`);
"In the general case, we can linearize the model and iteratively solve the above convex program": DeepFool
(Moosavi-Dezfooli, Fawzi, Frossard, CVPR 2016, Alg. 2 for several classes, §3.2 for l_p).
"""

from __future__ import annotations

import math
from collections.abc import Callable

import torch
from torch import Tensor, nn

from saddle.attacks.base import Attack, AttackBase, ThreatModel, attacking
from saddle.sets import Box, lp_norm
from saddle.validation import check_int, check_real

__all__ = ["DeepFool", "deepfool", "minimal_epsilon"]


def _logit_jacobian(model: nn.Module, x: Tensor) -> tuple[Tensor, Tensor]:
    """(logits (B, K), ∂logits/∂x (B, K, *x.shape[1:])) with K input-gradient passes (points are independent)."""
    x = x.detach().requires_grad_(True)
    logits = model(x)
    grads = [
        torch.autograd.grad(logits[:, k].sum(), x, retain_graph=k < logits.shape[1] - 1)[0]
        for k in range(logits.shape[1])
    ]
    return logits.detach(), torch.stack(grads, 1)


def deepfool(
    model: nn.Module,
    x: Tensor,
    y: Tensor,
    norm: float | str = 2,
    steps: int = 50,
    overshoot: float = 0.02,
    box: Box | None = None,
) -> tuple[Tensor, Tensor]:
    """DeepFool from x (B, ...) away from the classes y (B,): returns (x_adv, iterations used per point).

    Each iteration linearises every margin f'_k = f_k − f_y (k ≠ y) at the current point, steps to the nearest
    linearised boundary, l = argmin_k |f'_k| / ‖w'_k‖_q (w'_k = ∇f_k − ∇f_y, q the dual exponent of p):
    r = |f'_l| / ‖w'_l‖₂² · w'_l (p = 2) or |f'_l| / ‖w'_l‖₁ · sign(w'_l) (p = ∞), and accumulates r_tot; the next point
    is x + (1 + overshoot) r_tot, as in the authors' code (without its 1e-4 added to |f'_l|: the overshoot alone
    carries the point across). A point stops once its prediction leaves y (already misclassified points get 0
    iterations and no perturbation) or after `steps`. On an affine classifier one iteration with overshoot 0 lands
    exactly on the nearest boundary: the closed form. No box by default (the notes' convex programme); with a `box`,
    the linearised programme also keeps the active bounds: coordinates at a bound that w'_k pushes outward are held
    (zeroed in w'_k), and r_tot is kept equal to the clipped displacement (plain clipping stalls DeepFool on 8×8
    digits, whose pixels sit at 0 or 1). The model must be in `attacking(model)` (or otherwise frozen).
    """
    p = 2.0 if norm in (2, "l2", 2.0) else math.inf if norm in ("linf", math.inf, "inf") else None
    if p is None:
        raise ValueError(f"DeepFool is implemented for the l2 and l∞ norms, got norm={norm!r}")
    check_int("steps", steps, low=0)
    check_real("overshoot", overshoot, 0.0, math.inf, low_open=False, high_open=True)
    x = x.detach()
    r_tot = torch.zeros_like(x)
    iterations = torch.zeros(x.shape[0], dtype=torch.long, device=x.device)
    x_adv = x.clone()
    active = torch.arange(x.shape[0], device=x.device)
    for it in range(steps + 1):  # the last pass only finds which points still need a step
        logits, jac = _logit_jacobian(model, x_adv[active])
        yk = y[active]
        keep = logits.argmax(-1) == yk
        active, logits, jac, yk = active[keep], logits[keep], jac[keep], yk[keep]
        if active.numel() == 0 or it == steps:
            break
        rows = torch.arange(len(yk))
        f_diff = logits - logits.gather(1, yk[:, None])  # (b, K): f_k − f_y
        w_diff = (jac - jac[rows, yk][:, None]).flatten(2)  # (b, K, D)
        if box is not None:  # hold the coordinates that sit at a bound and that w'_k pushes outward
            here = x_adv[active].flatten(1)[:, None]
            held = ((here >= box.upper) & (w_diff > 0)) | ((here <= box.lower) & (w_diff < 0))
            w_diff = w_diff.masked_fill(held, 0.0)
        dual = lp_norm(w_diff, 1.0 if p == math.inf else 2.0, batch_dims=2)  # ‖w'_k‖_q
        ratio = f_diff.abs() / dual.clamp_min(1e-12)
        ratio[rows, yk] = math.inf
        nearest = ratio.argmin(-1)  # the paper's l̂
        f_l = f_diff[rows, nearest].abs()
        w_l = w_diff[rows, nearest]  # (b, D)
        if p == 2.0:
            r = (f_l / (w_l * w_l).sum(-1).clamp_min(1e-24))[:, None] * w_l
        else:
            r = (f_l / w_l.abs().sum(-1).clamp_min(1e-12))[:, None] * w_l.sign()
        total = r_tot[active] + r.reshape(-1, *x.shape[1:])
        step = x[active] + (1 + overshoot) * total
        if box is not None:
            step = box.project(step)
            total = (step - x[active]) / (1 + overshoot)
        r_tot[active] = total
        x_adv[active] = step
        iterations[active] += 1
    return x_adv, iterations


class DeepFool(AttackBase):
    """DeepFool (Moosavi-Dezfooli et al. 2016): the minimal perturbation by iterated linearisation, in the ε-ball.

    Args: eps (the returned perturbation is projected onto the ε-ball ∩ box: a large ε keeps DeepFool's own answer),
    norm 'l2' (default) or 'linf', steps 50, overshoot 0.02 (both the paper's defaults), box (0, 1).
    Untargeted: leaves the class y. Shapes: x (B, ...) in the box, y (B,); returns x_adv of x's shape.
    `deepfool` is the functional core (it also returns the number of iterations).
    """

    def __init__(
        self,
        eps: float,
        norm: str | float = "l2",
        steps: int = 50,
        overshoot: float = 0.02,
        box: tuple[float, float] | Box | None = (0.0, 1.0),
    ) -> None:
        self.threat_model = ThreatModel(eps, norm, box)
        if self.threat_model.norm not in (2.0, math.inf):
            raise ValueError(f"DeepFool is implemented for the l2 and l∞ norms, got norm={norm!r}")
        self.steps = check_int("steps", steps, low=0)
        self.overshoot = check_real("overshoot", overshoot, 0.0, math.inf, low_open=False, high_open=True)
        self.targeted = False

    def __repr__(self) -> str:
        return f"DeepFool(eps={self.eps:g}, norm={self.norm}, steps={self.steps}, overshoot={self.overshoot:g})"

    def perturb(self, model: nn.Module, x: Tensor, y: Tensor) -> Tensor:
        x_adv, _ = deepfool(model, x, y, self.norm, self.steps, self.overshoot, self.box)
        return self.threat_model.project(x, x_adv)


def minimal_epsilon(
    make_attack: Callable[[float], Attack],
    model: nn.Module,
    x: Tensor,
    y: Tensor,
    eps_low: float,
    eps_high: float,
    rounds: int = 8,
) -> Tensor:
    """The smallest ε at which `make_attack(ε)` misclassifies each point, by geometric bisection per point: (B,).

    Success is taken as monotone in ε (larger balls contain smaller ones; a strong attack comes close). Each round
    runs the attack once per distinct current midpoint √(lo·hi) on the points that share it, so the result is exact up
    to the ratio (ε_high/ε_low)^(2^−rounds). Returns the upper end of each bracket: ε_low for points already broken at
    ε_low (or misclassified), inf for points the attack does not break at ε_high.
    """
    check_real("eps_low", eps_low, 0.0, math.inf, high_open=True)
    check_real("eps_high", eps_high, eps_low, math.inf, high_open=True)
    check_int("rounds", rounds, low=0)

    def broken(eps: float, idx: Tensor) -> Tensor:
        x_adv = make_attack(eps)(model, x[idx], y[idx])
        with attacking(model), torch.no_grad():
            return model(x_adv).argmax(-1) != y[idx]

    everyone = torch.arange(x.shape[0], device=x.device)
    lo = torch.full((x.shape[0],), float(eps_low), dtype=torch.float64)
    hi = torch.full_like(lo, float(eps_high))
    at_low = broken(eps_low, everyone).cpu()
    at_high = broken(eps_high, everyone).cpu()
    open_ = ~at_low & at_high
    for _ in range(rounds):
        mid = (lo * hi).sqrt()
        for value in torch.unique(mid[open_]):
            idx = (open_ & (mid == value)).nonzero()[:, 0]
            ok = broken(float(value), idx.to(x.device)).cpu()
            hi[idx[ok]] = value
            lo[idx[~ok]] = value
    return torch.where(at_low, torch.full_like(lo, eps_low), torch.where(at_high, hi, torch.full_like(hi, math.inf)))
