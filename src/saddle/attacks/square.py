"""Square Attack: score-based black-box random search with square-shaped updates (l∞ and l2).

Andriushchenko, Croce, Flammarion & Hein, "Square Attack: a query-efficient black-box adversarial attack via
random search", ECCV 2020. Algorithm 1: from an initial point x̂ on the boundary of the ball, draw an update δ
supported on an s × s window at a uniformly random position (Algorithm 2 for l∞, 3 for l2), project
x̂ + δ onto ball ∩ box, and keep it when the loss improves; stop a point once it is misclassified.

- l∞ update (Alg. 2): the window of every channel is set to x ± ε with one random sign per channel; an update
  that would leave x̂ unchanged is redrawn (the authors' code `attack.py` of max-andr/square-attack).
- l∞ initialisation: vertical stripes, x + ε·(±1 per column and channel) (Sec. 3.1: stripes of width 1).
- l2 update (Alg. 3): in a window W1 the perturbation becomes η(s)·(±1 per channel) plus the window's old
  direction, renormalised to the mass of W1 ∪ W2 plus the budget left, √(‖δ_{W1∪W2}‖² + (ε² − ‖δ‖²)/c); the
  mass of a second window W2 moves into W1; then ‖δ‖ is rescaled to ε. η(s) has two halves of opposite sign,
  each a sum of nested rectangles weighted 1/(k+1)² (Sec. 3.2, the M^(r,s) construction), transposed with
  probability 1/2.
- l2 initialisation: a grid of h/5 × h/5 tiles, each η(h/5) with a random sign per channel, rescaled to ε (Sec. 3.2).
- Size schedule (Sec. 3): s = round(√(p·h·w)), p = p_init/2^j, halved after iterations
  {10, 50, 200, 500, 1000, 2000, 4000, 6000, 8000} of a 10,000-query budget; with `rescale_schedule` the
  iteration is mapped to i·10,000/N for a budget of N queries (the authors' code; AutoAttack runs N = 5,000
  with p_init = 0.8 and no rescaling). s ≥ 1 for l∞, s ≥ 3 and odd for l2, s ≤ min(h, w).
Signs are drawn per point and channel; one window position serves all points of a step (as AutoAttack does; the
authors' code draws one per point), so every point still sees i.i.d. uniform positions, the corner uniform in
{0, …, h − s} × {0, …, w − s} as Algorithm 2 states. The reference codes
(the authors', AutoAttack's, torchattacks') draw it from {0, …, h − s − 1}, so they never move the last row and
column after the initialisation: on 8×8 digits that leaves 15 of 64 pixels at their stripes and their Square
breaks fewer points (benchmarks/attacks.py measures the difference). Loss: any `Objective`, maximised; the default 'margin' max_{j≠y} z_j − z_y is the paper's
untargeted margin loss, 'ce' with `targeted=True` its targeted cross-entropy.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import torch
from torch import Tensor, nn

from saddle.attacks.base import AttackBase, ThreatModel
from saddle.attacks.objectives import Objective, get_objective
from saddle.broadcast import per_point_broadcast
from saddle.sets import Box, lp_norm
from saddle.validation import as_generator, check_bool, check_int, check_real

__all__ = ["SquareAttack", "square_fraction", "square_pattern"]

_HALVINGS = (10, 50, 200, 500, 1000, 2000, 4000, 6000, 8000)


def square_fraction(i: int, p_init: float, queries: int = 10_000, rescale: bool = True) -> float:
    """p(i) = p_init / 2^j, j = the number of iterations in {10, 50, 200, 500, 1000, 2000, 4000, 6000, 8000} that
    i (0-based; i ↦ ⌊i · 10,000 / queries⌋ when `rescale`) has passed: the paper's schedule for 10,000 queries."""
    it = int(i / queries * 10_000) if rescale else i
    return p_init / 2 ** sum(it > h for h in _HALVINGS)


def _rectangles(r: int, s: int) -> Tensor:
    """r × s pattern of nested rectangles around (r // 2, s // 2): entry (i, j) = Σ_{k ≥ m(i, j)}^{K−1} 1/(k+1)²,
    m the Chebyshev distance to the centre and K = max(r // 2, s // 2) + 1; unit l2 norm."""
    k_max = max(r // 2, s // 2) + 1
    tail = torch.tensor([sum(1.0 / (k + 1) ** 2 for k in range(m, k_max)) for m in range(k_max)], dtype=torch.float64)
    rows = (torch.arange(r) - r // 2).abs()
    cols = (torch.arange(s) - s // 2).abs()
    out = tail[torch.maximum(rows[:, None], cols[None, :])]
    return out / out.norm()


def square_pattern(s: int) -> Tensor:
    """η(s) (s × s, unit l2 norm, float64): the upper s // 2 rows a +rectangle pattern, the rest a −pattern (Sec. 3.2)."""
    top, bottom = (
        _rectangles(s // 2, s) if s // 2 else torch.zeros(0, s, dtype=torch.float64),
        -_rectangles(s - s // 2, s),
    )
    out = torch.cat([top, bottom], 0)
    return out / out.norm()


class SquareAttack(AttackBase):
    """Square Attack in l∞ or l2: `queries` model evaluations per point and restart, no gradients.

    Args: eps ≥ 0; norm 'linf' (default) or 'l2'; queries N (default 5,000); p_init (default 0.8, AutoAttack's);
    restarts (default 1); loss 'margin' (default), 'ce', 'dlr' or any Objective (maximised; with its own
    `success_fn` y may be any tensor (B, ...)); targeted (y = targets); rescale_schedule: map the schedule to
    N queries (default False, as AutoAttack); box (default (0, 1)); generator (default private, seeded 0).
    Shapes: x (B, C, H, W) (or (B, H, W)), y (B,) -> x_adv like x. Cost: at most N + 1 forward passes per
    point and restart, fewer for points broken early (they stop).
    """

    gradient_free = True
    _redraw_noops = True  # False reproduces the reference codes, where an update that changes nothing spends a query

    def __init__(
        self,
        eps: float,
        norm: str | float = "linf",
        queries: int = 5000,
        p_init: float = 0.8,
        restarts: int = 1,
        loss: str | Objective | Callable = "margin",
        targeted: bool = False,
        rescale_schedule: bool = False,
        box: tuple[float, float] | Box | None = (0.0, 1.0),
        generator: torch.Generator | int | None = None,
    ) -> None:
        self.threat_model = ThreatModel(eps, norm, box)
        if self.norm == 1.0:
            raise ValueError("SquareAttack supports norm 'linf' or 'l2', got 'l1'")
        self.queries = check_int("queries", queries)
        self.p_init = check_real("p_init", p_init, 0.0, 1.0)
        self.restarts = check_int("restarts", restarts)
        self.objective = get_objective(loss, targeted)
        self.targeted = self.objective.targeted
        self.rescale_schedule = check_bool("rescale_schedule", rescale_schedule)
        self.generator = as_generator(generator, default_seed=0)

    def __repr__(self) -> str:
        return f"SquareAttack(eps={self.eps:g}, norm={self.norm}, queries={self.queries}, loss={self.objective.name})"

    def perturb(self, model: nn.Module, x: Tensor, y: Tensor) -> Tensor:
        if x.ndim not in (3, 4):
            raise ValueError(f"SquareAttack needs images (B, C, H, W) or (B, H, W), got shape {tuple(x.shape)}")
        squeeze = x.ndim == 3
        img = x[:, None] if squeeze else x
        shaped = (lambda z: z[:, 0]) if squeeze else (lambda z: z)
        forward = (lambda z: model(shaped(z))) if squeeze else model
        with torch.no_grad():
            logits = forward(img)
            x_adv = img.clone()
            todo = (~self.objective.success(logits, y)).nonzero()[:, 0]
            for _ in range(self.restarts):
                if todo.numel() == 0:
                    break
                cand, succ = self._single_run(forward, img[todo], y[todo])
                x_adv[todo] = cand
                todo = todo[~succ]
        return shaped(x_adv)

    def _rand(self, *shape: int) -> Tensor:
        g = self.generator
        return torch.rand(shape, generator=g, device=g.device)

    def _signs(self, *shape: int, like: Tensor) -> Tensor:
        g = self.generator
        return (torch.randint(0, 2, shape, generator=g, device=g.device) * 2 - 1).to(like.device, like.dtype)

    def _corner(self, span_h: int, span_w: int) -> tuple[int, int]:
        """The top-left corner of a window, uniform in {0..span_h} × {0..span_w} (Alg. 2: r, s ∈ {0, …, w − h})."""
        g = self.generator
        top, left = torch.randint(0, span_h + 1, (1,), generator=g), torch.randint(0, span_w + 1, (1,), generator=g)
        return int(top), int(left)

    def _side(self, i: int, h: int, w: int) -> int:
        p = square_fraction(i, self.p_init, self.queries, self.rescale_schedule)
        s = round(math.sqrt(p * h * w))
        if self.norm == 2.0:
            s = max(s, 3)
            s += 1 - s % 2
        return max(1, min(s, h, w))

    def _loss(self, forward: Callable[[Tensor], Tensor], z: Tensor, y: Tensor) -> tuple[Tensor, Tensor]:
        out = forward(z)
        return self.objective.value(out, y), self.objective.success(out, y)

    def _single_run(self, forward: Callable[[Tensor], Tensor], x: Tensor, y: Tensor) -> tuple[Tensor, Tensor]:
        h, w = x.shape[-2:]
        init = self._init_linf if self.norm == math.inf else self._init_l2
        x_best = init(x)
        value, succ = self._loss(forward, x_best, y)
        act = (~succ).nonzero()[:, 0]
        step = self._step_linf if self.norm == math.inf else self._step_l2
        for i in range(self.queries):
            if act.numel() == 0:
                break
            idx: Tensor | slice = slice(None) if act.numel() == len(y) else act  # a view while every point runs
            cand = step(x[idx], x_best[idx], self._side(i, h, w))
            v, sc = self._loss(forward, cand, y[idx])
            better = (v > value[idx]) | sc
            x_best[act[better]], value[act[better]] = cand[better], v[better]
            if bool(sc.any()):
                succ[act[sc]] = True
                act = act[~sc]
        return x_best, succ

    # l∞ -------------------------------------------------------------------------------------------------------

    def _init_linf(self, x: Tensor) -> Tensor:
        n, c, _, w = x.shape
        return self.box.project(x + self.eps * self._signs(n, c, 1, w, like=x))

    def _step_linf(self, x: Tensor, x_best: Tensor, s: int) -> Tensor:
        n, c, h, w = x.shape
        top, left = self._corner(h - s, w - s)
        win = (slice(None), slice(None), slice(top, top + s), slice(left, left + s))
        signs = self._signs(n, c, 1, 1, like=x)
        new = self.box.project(x[win] + self.eps * signs)
        moved = ((new - x_best[win]).abs() > 1e-7).flatten(1).any(-1)
        if self._redraw_noops and not bool(moved.all()):
            # an update that leaves x̂ as it is wastes a query; the authors' code redraws its signs until the window
            # changes: the opposite signs always change it (for one channel they are the only other draw)
            signs = torch.where(per_point_broadcast(moved, signs), signs, -signs)
            new = self.box.project(x[win] + self.eps * signs)
        cand = x_best.clone()
        cand[win] = new
        return cand

    # l2 -------------------------------------------------------------------------------------------------------

    def _init_l2(self, x: Tensor) -> Tensor:
        n, c, h, w = x.shape
        s = max(h // 5, 1)
        start = (h - 5 * s) // 2
        delta = torch.zeros_like(x)
        for top in range(start, start + (h // s) * s, s):
            for left in range(start, start + (w // s) * s, s):
                if top + s > h or left + s > w:
                    continue
                eta = square_pattern(s).to(x.device, x.dtype)
                if self._rand(1).item() > 0.5:
                    eta = eta.T
                delta[:, :, top : top + s, left : left + s] += eta * self._signs(n, c, 1, 1, like=x)
        norm = lp_norm(delta, 2.0).clamp_min(1e-12)
        return self.box.project(x + self.eps * delta / per_point_broadcast(norm, delta))

    def _step_l2(self, x: Tensor, x_best: Tensor, s: int) -> Tensor:
        n, c, h, w = x.shape
        delta = x_best - x
        (t1, l1), (t2, l2) = self._corner(h - s, w - s), self._corner(h - s, w - s)
        w1 = (slice(None), slice(None), slice(t1, t1 + s), slice(l1, l1 + s))
        w2 = (slice(None), slice(None), slice(t2, t2 + s), slice(l2, l2 + s))
        union = torch.zeros(1, 1, h, w, dtype=torch.bool, device=x.device)
        union[w1] = True
        union[w2] = True

        def per_channel(z: Tensor) -> Tensor:  # (n, c, 1, 1) l2 norms over the spatial dims
            return z.pow(2).sum((-2, -1), keepdim=True).sqrt()

        eta = square_pattern(s).to(x.device, x.dtype)
        if float(self._rand(1)) < 0.5:
            eta = eta.T
        new = eta * self._signs(n, c, 1, 1, like=x) + delta[w1] / (per_channel(delta[w1]) + 1e-12)
        norm_all = per_point_broadcast(lp_norm(delta, 2.0), delta)
        budget = ((self.eps**2 - norm_all**2).clamp_min(0) / c + per_channel(delta * union) ** 2).sqrt()
        delta[w2] = 0.0
        delta[w1] = new / (per_channel(new) + 1e-12) * budget
        norm = per_point_broadcast(lp_norm(delta, 2.0).clamp_min(1e-12), delta)
        return self.box.project(x + self.eps * delta / norm)
