"""Fast Adaptive Boundary attack (FAB): minimally distorted adversarial examples in l∞, l2 and l1.

Croce & Hein, "Minimally distorted adversarial examples with a fast adaptive boundary attack", ICML 2020
(Algorithm 1). At the iterate x_k the decision boundary between the true class c and a class s is linearised,

    π_s = {z : f_s(x_k) − f_c(x_k) + ⟨∇(f_s − f_c)(x_k), z − x_k⟩ = 0},

s = argmin_{s≠c} |f_s − f_c| / ‖∇(f_s − f_c)‖_q (q the dual norm of p) untargeted, s = t for a target. With
δ_k = proj_p(x_k, π_s ∩ box) − x_k and δ_0 = proj_p(x_0, π_s ∩ box) − x_0 (the minimal l_p steps onto the
hyperplane inside the box; the box vertex of steepest progress when the hyperplane is out of reach),

    α = min(‖δ_k‖ / (‖δ_k‖ + ‖δ_0‖), α_max),    x_{k+1} = box((1 − α)(x_k + η δ_k) + α(x_0 + η δ_0)),

and when x_{k+1} is adversarial it is kept if closer to x_0 than the best so far and then pulled back,
x_{k+1} ← x_0 + β (x_{k+1} − x_0). Defaults α_max = 0.1, η = 1.05, β = 0.9 and 100 iterations, from the
authors' reference code (`fab_base.py` of fra31/auto-attack, the values AutoAttack runs). Restart i ≥ 1
starts from a random point of the sphere of radius min(ε, best distance so far)/2 around x_0 (the reference
takes ε/2; the two agree until a restart has found something).

FAB-T (`n_targets=k`, AutoAttack's "fab-t"; Croce & Hein, ICML 2020, "Reliable evaluation ...", Sec. 4):
one run per target t_i, the class ranked i + 1 by the clean logits, with the single hyperplane π_{t_i};
success is misclassification. A point keeps the run of its first target that found an adversarial example
within ε, which is what AutoAttack's cascade over targets (each on the points no earlier target broke) keeps;
the k runs are deterministic and independent, so they run side by side (k copies of the batch in memory). `targeted=True` reads y as
target classes and crosses the boundary of the currently strongest other class, π between t and
argmax_{j≠t} f_j(x_k) (our extension of the targeted hyperplane to "predict t"); success is predicting t.
One hyperplane per step can cycle where three classes meet (measured: 29 of 30 points of a 4-class affine
model reach their target within 3% of the exact distance, the 30th cycles).
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from saddle.attacks.base import AttackBase, ThreatModel, sphere_point
from saddle.broadcast import per_point_broadcast
from saddle.sets import Box, lp_norm
from saddle.validation import as_generator, check_int, check_real

__all__ = ["FastAdaptiveBoundaryAttack", "hyperplane_step"]


def hyperplane_step(t: Tensor, w: Tensor, c: Tensor, p: float, box: Box) -> Tensor:
    """The minimal-l_p step d with ⟨w, d⟩ = −c and t + d in the box, per row of t, w (B, d) and c (B,).

    Solves min ‖d‖_p s.t. ⟨w, d⟩ = −c, lower ≤ t + d ≤ upper (the projection of FAB's Algorithm 1). Every
    coordinate moves along −sign(c w_i) by at most its room r_i to the box. l∞: d_i = min(λ, r_i) and l2:
    d_i = min(μ|w_i|, r_i) (the KKT point of the box-constrained projection) with the scalar λ or μ found
    exactly on the sorted breakpoints of the piecewise-linear Σ|w_i| d_i; l1: the fractional knapsack that
    fills the coordinates of largest |w_i| first. When even the whole box cannot reach the hyperplane the step
    goes to the box vertex of steepest progress (d_i = r_i), as the reference projections do.
    """
    down = (w > 0) != (c < 0)[:, None]  # coordinates that must decrease
    room = torch.where(down, t - box.lower, box.upper - t).clamp_min(0)
    a, need = w.abs(), c.abs()
    if p == 1.0:
        order = a.argsort(-1, descending=True)
        a_s, r_s = a.gather(-1, order), room.gather(-1, order)
        filled = F.pad(torch.where(a_s > 0, a_s * r_s, 0.0).cumsum(-1), (1, 0))  # progress of the first k filled
        m = (filled[:, 1:] < need[:, None]).sum(-1, keepdim=True)  # coordinates filled completely
        part = (need[:, None] - filled.gather(-1, m)) / a_s.gather(-1, m.clamp_max(a.shape[-1] - 1))
        rank = torch.arange(a.shape[-1], device=a.device)[None]
        d_s = torch.where(rank < m, r_s, torch.where(rank == m, part.clamp_min(0).minimum(r_s), 0.0))
        step = torch.zeros_like(d_s).scatter(-1, order, d_s)
    else:  # l∞ (scale 1) and l2 (scale |w_i|): d_i = min(τ s_i, r_i) and Σ |w_i| d_i = need, breakpoints r_i/s_i
        scale = a if p == 2.0 else torch.ones_like(a)
        tau = torch.where(a > 0, room / scale, 0.0)  # coordinates that cannot help saturate at once
        tau_s, order = tau.sort(-1)
        weight_s = (a * scale).gather(-1, order)  # the slope of Σ|w_i| d_i in τ while i is not saturated
        saturated = F.pad(torch.where(weight_s > 0, weight_s * tau_s, 0.0).cumsum(-1), (1, 0))  # A_0 … A_d
        slope = (weight_s.sum(-1, keepdim=True) - F.pad(weight_s.cumsum(-1), (1, 0))).clamp_min(0)  # S_0 … S_d
        progress = saturated[:, 1:] + tau_s * slope[:, 1:]  # at each breakpoint (NaN/inf beyond a finite box)
        m = (progress < need[:, None]).sum(-1, keepdim=True)  # breakpoints passed before the hyperplane
        level = (need[:, None] - saturated.gather(-1, m)) / slope.gather(-1, m)  # inf when out of reach
        step = torch.minimum(level * scale, room)
    return torch.where(a > 0, -torch.sign(w) * torch.sign(c)[:, None] * step, 0.0)


class FastAdaptiveBoundaryAttack(AttackBase):
    """FAB in l∞, l2 or l1: untargeted, FAB-T over the top-k wrong classes, or targeted (y = targets).

    Returns x_adv in the threat set: where an adversarial example within ε was found, the closest one found
    (for FAB-T, of the first target that succeeded); elsewhere the projection of the closest adversarial example
    onto the threat set (x itself when none was found). `last_distances` holds the (B,) l_p distance of the
    closest adversarial example found per point (0 where x itself is, inf where none was found; without early
    stopping, FAB's minimal-norm estimate).

    Args: eps ≥ 0 (the threat radius; also the scale of the restarts' random starts); norm 'linf' (default),
    'l2', 'l1'; steps (default 100); restarts (default 1); n_targets k (FAB-T, default None); targeted;
    alpha_max 0.1, eta 1.05, beta 0.9 (the paper's); early_stop: a point stops once it has an adversarial
    example within ε (evaluation; default False); box (default (0, 1)); generator for the restarts.
    Shapes: x (B, ...), y (B,) -> x_adv like x. Cost per iteration: one forward-backward (K backward passes for
    the untargeted Jacobian of K logits) and one forward.
    """

    def __init__(
        self,
        eps: float,
        norm: str | float = "linf",
        steps: int = 100,
        restarts: int = 1,
        n_targets: int | None = None,
        targeted: bool = False,
        alpha_max: float = 0.1,
        eta: float = 1.05,
        beta: float = 0.9,
        early_stop: bool = False,
        box: tuple[float, float] | Box | None = (0.0, 1.0),
        generator: torch.Generator | int | None = None,
    ) -> None:
        self.threat_model = ThreatModel(eps, norm, box)
        self.steps = check_int("steps", steps)
        self.restarts = check_int("restarts", restarts)
        self.n_targets = None if n_targets is None else check_int("n_targets", n_targets)
        if self.n_targets is not None and targeted:
            raise ValueError("n_targets runs FAB-T on the true labels; it cannot be combined with targeted=True")
        self.targeted = bool(targeted)
        self.alpha_max = check_real("alpha_max", alpha_max, 0.0, 1.0, low_open=False)
        self.eta = check_real("eta", eta, 0.0, math.inf, high_open=True)
        self.beta = check_real("beta", beta, 0.0, 1.0)
        self.early_stop = bool(early_stop)
        self.generator = as_generator(generator, default_seed=0)
        self.last_distances: Tensor | None = None

    def __repr__(self) -> str:
        mode = f", n_targets={self.n_targets}" if self.n_targets is not None else ", targeted" if self.targeted else ""
        return f"FastAdaptiveBoundaryAttack(eps={self.eps:g}, norm={self.norm}, steps={self.steps}{mode})"

    def __call__(self, model: nn.Module, x: Tensor, y: Tensor) -> Tensor:
        self.last_distances = None  # set by `perturb`; stays None when ε = 0
        return super().__call__(model, x, y)

    def _success(self, logits: Tensor, y: Tensor) -> Tensor:
        pred = logits.argmax(-1)
        return pred == y if self.targeted else pred != y

    def perturb(self, model: nn.Module, x: Tensor, y: Tensor) -> Tensor:
        with torch.no_grad():
            logits = model(x)
        done = self._success(logits, y)
        best = torch.where(done, 0.0, math.inf).to(x.dtype)  # points already misclassified (or at the target): 0
        best_x = x.clone()
        todo = (~done).nonzero()[:, 0]
        if self.n_targets is None:
            self._restarts(model, x, y, None, todo, best, best_x)
        elif todo.numel():
            # the k target runs of a point are independent and deterministic (no random start in the first restart):
            # they run side by side, k copies of the batch, and each point keeps what the sequential cascade over
            # targets keeps, the run of its first target that found an adversarial example within ε (else the
            # closest example of all its runs)
            k = min(self.n_targets, logits.shape[-1] - 1)
            ranked = logits[todo].scatter(-1, y[todo, None], float("-inf")).argsort(-1, descending=True)[:, :k]
            m = todo.numel()
            xs, ys = x[todo].repeat(k, *([1] * (x.ndim - 1))), y[todo].repeat(k)
            bk = torch.full((k * m,), math.inf, dtype=x.dtype, device=x.device)
            bxk = xs.clone()
            self._restarts(model, xs, ys, ranked.T.reshape(-1), torch.arange(k * m, device=x.device), bk, bxk)
            dist = bk.reshape(k, m)
            within = dist <= self.eps * (1 + 1e-5) + 1e-6
            first = torch.where(within.any(0), within.float().argmax(0), dist.argmin(0))
            cols = torch.arange(m, device=x.device)
            best[todo] = dist[first, cols]
            best_x[todo] = bxk.reshape(k, m, *x.shape[1:])[first, cols]
        self.last_distances = best
        return self.threat_model.project(x, best_x)

    def _restarts(
        self, model: nn.Module, x: Tensor, y: Tensor, target: Tensor | None, todo: Tensor, best: Tensor, best_x: Tensor
    ) -> Tensor:
        """Restarts on `todo`, each on the points without an adversarial example within ε; updates best, best_x."""
        for r in range(self.restarts):
            if todo.numel() == 0:
                break
            tgt = None if target is None else target[todo]
            dist, cand = self._single_run(model, x[todo], y[todo], tgt, best[todo], random_start=r > 0)
            closer = dist < best[todo]
            best[todo[closer]], best_x[todo[closer]] = dist[closer], cand[closer]
            todo = todo[best[todo] > self.eps * (1 + 1e-5) + 1e-6]
        return todo

    def _boundary(self, model: nn.Module, x1: Tensor, y: Tensor, target: Tensor | None) -> tuple[Tensor, Tensor]:
        """(f, g): the linearised boundary f(x1) + ⟨g, z − x1⟩ = 0 chosen at x1, f (B,), g (B, d)."""
        xg = x1.detach().requires_grad_(True)
        logits = model(xg)
        rows = torch.arange(x1.shape[0], device=x1.device)
        if target is not None or self.targeted:
            t = target if target is not None else y
            other = y if target is not None else logits.detach().scatter(-1, t[:, None], float("-inf")).argmax(-1)
            diff = logits[rows, t] - logits[rows, other]
            (g,) = torch.autograd.grad(diff.sum(), xg)
            return diff.detach(), g.reshape(x1.shape[0], -1)
        k = logits.shape[-1]
        grads = torch.stack(
            [torch.autograd.grad(logits[:, j].sum(), xg, retain_graph=j < k - 1)[0] for j in range(k)], 1
        ).reshape(x1.shape[0], k, -1)
        df = (logits - logits[rows, y][:, None]).detach()
        dg = grads - grads[rows, y][:, None]
        q = {math.inf: 1.0, 2.0: 2.0, 1.0: math.inf}[self.norm]
        dist = df.abs() / (torch.linalg.vector_norm(dg, ord=q, dim=-1) + 1e-12)
        dist[rows, y] = math.inf
        s = dist.argmin(-1)
        return df[rows, s], dg[rows, s]

    @torch.no_grad()
    def _single_run(
        self, model: nn.Module, x0: Tensor, y: Tensor, target: Tensor | None, best_before: Tensor, random_start: bool
    ) -> tuple[Tensor, Tensor]:
        n, threat = x0.shape[0], self.threat_model
        flat0 = x0.reshape(n, -1)
        if random_start:
            radius = torch.minimum(best_before, torch.full_like(best_before, self.eps)) / 2
            x1 = sphere_point(x0, threat, self.generator, radius=radius)
        else:
            x1 = x0.clone()
        best = torch.full((n,), math.inf, dtype=x0.dtype, device=x0.device)
        adv = x0.clone()
        act = torch.arange(n, device=x0.device)
        for _ in range(self.steps):
            if self.early_stop:
                act = act[best[act] > self.eps * (1 + 1e-5) + 1e-6]
                if act.numel() == 0:
                    break
            xa, x0a = x1[act], x0[act]
            with torch.enable_grad():
                f, g = self._boundary(model, xa, y[act], None if target is None else target[act])
            fa, f0 = xa.reshape(act.numel(), -1), flat0[act]
            # both projections in one call: from x_k and from x_0 onto the same linearised boundary
            d = hyperplane_step(
                torch.cat([fa, f0]), torch.cat([g, g]), torch.cat([f, f + (g * (f0 - fa)).sum(-1)]), self.norm, self.box
            )
            d1, d2 = d[: act.numel()], d[act.numel() :]
            norms = lp_norm(d, self.norm).clamp_min(1e-8)
            a1, a2 = norms[: act.numel()], norms[act.numel() :]
            alpha = (a1 / (a1 + a2)).clamp(0.0, self.alpha_max)[:, None]
            new = ((1 - alpha) * (fa + self.eta * d1) + alpha * (f0 + self.eta * d2)).reshape(xa.shape)
            new = self.box.project(new)
            logits = model(new)
            hit = self._success(logits, y[act]) if target is None else logits.argmax(-1) != y[act]
            if bool(hit.any()):
                dist = threat.distance(x0a, new)
                closer = hit & (dist < best[act])
                best[act[closer]], adv[act[closer]] = dist[closer], new[closer]
                pulled = x0a + self.beta * (new - x0a)
                new = torch.where(per_point_broadcast(hit, new), pulled, new)
            x1[act] = new
        return best, adv
