"""The pieces every iterative attack shares: the projected-ascent loop, the random start in the threat set and the
per-sample worst-case selection over restarts.

PGD (`pgd.py`), BETA's margin attack (`margin.py`) and TRADES's KL attack (`kl.py`) are siblings built on these;
they live here, one floor below them, so that no attack imports another attack's file.
"""

from __future__ import annotations

import torch
from torch import Tensor, nn

from saddle.attacks.ascent import AscentRule
from saddle.attacks.base import ThreatModel, input_gradient
from saddle.attacks.objectives import Objective
from saddle.broadcast import per_point_broadcast
from saddle.schedules import Schedule
from saddle.sets import sample_ball

__all__ = ["projected_gradient_ascent", "random_start_point", "select_worst"]


def projected_gradient_ascent(
    model: nn.Module,
    x: Tensor,
    y: Tensor,
    x0: Tensor,
    objective: Objective,
    threat: ThreatModel,
    ascent: AscentRule,
    steps: int,
    schedule: Schedule,
    early_stop: bool = False,
) -> Tensor:
    """Run `steps` projected ascent steps from x0 and return the last iterate (B, ...).

    Functional core of every iterative attack; the model must already be in `attacking(model)`.
    With `early_stop`, a point stops moving at the first iterate where the objective reports
    success (misclassified / target hit), so only the survivors cost forward-backward passes.
    Costs exactly `steps` forward and input-gradient backward passes on the (surviving) batch.
    """
    x_adv = x0.detach().clone()
    idx = torch.arange(x.shape[0], device=x.device)
    xs, ys, xa = x, y, x_adv
    for k in range(steps):
        logits, grad = input_gradient(model, xa, ys, objective)
        if early_stop:
            keep = ~objective.success(logits, ys)
            if not bool(keep.all()):
                x_adv[idx[~keep]] = xa[~keep]
                idx, xs, ys, xa, grad = idx[keep], xs[keep], ys[keep], xa[keep], grad[keep]
                if idx.numel() == 0:
                    return x_adv
        xa = threat.project(xs, xa + schedule(k) * ascent(grad))
    if early_stop:
        x_adv[idx] = xa
        return x_adv
    return xa.detach()


def random_start_point(x: Tensor, threat: ThreatModel, generator: torch.Generator) -> Tensor:
    """x + δ with δ uniform in the ε-ball (`saddle.sets.sample_ball`), clipped to the box."""
    delta = sample_ball(
        x.shape[0],
        tuple(x.shape[1:]),
        threat.norm,
        threat.eps,
        generator=generator,
        dtype=x.dtype,
        device=generator.device,
    )
    return threat.box.project(x + delta.to(x.device))


def select_worst(
    best: Tensor | None, best_key: tuple[Tensor, Tensor] | None, cand: Tensor, succ: Tensor, value: Tensor
) -> tuple[Tensor, tuple[Tensor, Tensor]]:
    """Per-sample worst case: keep the candidate where (success, objective) is lexicographically larger."""
    if best is None or best_key is None:
        return cand.clone(), (succ.clone(), value.clone())
    bs, bv = best_key
    better = (succ & ~bs) | ((succ == bs) & (value > bv))
    mask = per_point_broadcast(better, cand)
    return torch.where(mask, cand, best), (torch.where(better, succ, bs), torch.where(better, value, bv))
