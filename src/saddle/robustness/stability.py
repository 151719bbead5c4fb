"""Perturbation stability P(h, ε) = E_{a,â} ‖∇_a h(a)ᵀ(a − â)‖₂, an average-case robustness measure.

Seeds 000/002/003, "Definition (Perturbation Stability)" (Zhu et al. 2022, "Robustness in deep
learning: the good (width), the bad (depth), and the ugly (initialization)"): a ~ D_A, â uniform in
the ball B(ε, a), and the norm is the Euclidean norm of the output-space vector ∇_a h(a)ᵀ(a − â)
(the absolute value for a scalar h). "Uniform inside the sphere" is the l2 ball: the notes' own Unif(B(ε, a))
and Zhu et al. 2022's definition (â uniform in the ball B(ε, a)) decide it; other balls of
`saddle.sets.sample_ball` are available through `norm`. The notes' expectation also runs over the
random initialisation x; this module evaluates one network, the experiments average over seeds.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from contextlib import nullcontext
from dataclasses import dataclass

import torch
from torch import Tensor, nn

from saddle.metrics.stats import mean_se
from saddle.model_state import frozen_eval
from saddle.sets import parse_norm, sample_ball
from saddle.validation import (
    as_generator,
    as_real_tensor,
    check_callable,
    check_int,
    check_model_input,
    check_real,
    check_tensor,
)


@dataclass(frozen=True)
class StabilityEstimate:
    """Monte-Carlo estimate of P(h, ε): `value`, its standard error `se`, and per-point means (N,)."""

    value: float
    se: float
    per_point: Tensor
    eps: float
    n_samples: int

    @property
    def ratio(self) -> float:
        """P(h, ε)/ε, the quantity bounded in the notes' table (nan for ε = 0)."""
        return self.value / self.eps if self.eps > 0 else float("nan")


def input_jacobian(model: Callable[[Tensor], Tensor], a: Tensor) -> Tensor:
    """∇_a h(a) for every point: (N, k, p) with p = prod(a.shape[1:]) and h(a) of shape (N, k) or (N,).

    Uses k backward passes of Σ_i h_k(a_i); valid when each output row depends only on its own input
    row. An nn.Module is evaluated in eval mode with frozen parameters (`saddle.model_state.frozen_eval`: BatchNorm
    uses and keeps its running statistics, Dropout is off; modes, gradients and statistics are restored after).
    Parameters get no gradients. a: finite (N, *shape), N ≥ 1.
    """
    check_callable("model", model, "an nn.Module or a callable a -> h(a)")
    check_tensor("a", a, ("N", "p", ...))
    check_model_input(model, a, "model", "a")
    x = a.detach().clone().requires_grad_(True)
    with frozen_eval(model) if isinstance(model, nn.Module) else nullcontext(), torch.enable_grad():
        out = model(x)
        if out.dim() == 1:
            out = out.unsqueeze(1)
        if out.dim() != 2 or out.shape[0] != a.shape[0]:
            raise ValueError(f"model output must have shape (N, k) or (N,), got {tuple(out.shape)}")
        k = out.shape[1]
        rows = []
        for j in range(k):
            (g,) = torch.autograd.grad(out[:, j].sum(), x, retain_graph=j < k - 1, allow_unused=True)
            rows.append(torch.zeros_like(x) if g is None else g)
    return torch.stack([r.flatten(1) for r in rows], dim=1)


def perturbation_stability(
    model: nn.Module,
    a: Tensor,
    eps: float,
    n_samples: int = 64,
    generator: torch.Generator | int | None = None,
    norm: float | str = "l2",
) -> StabilityEstimate:
    """Monte-Carlo P(h, ε) = mean_i E_u ‖∇_a h(a_i)ᵀ u‖₂, u = a_i − â uniform in the ε-ball (symmetric).

    Zhu et al. 2022 (seed 000 "Perturbation Stability"). a: (N, *shape) data points; `n_samples` draws
    per point; standard error = sd of the N per-point means / sqrt(N) (data points as draws from D_A),
    or sd of the draws / sqrt(n_samples) when N = 1. Default l2 ball, 64 draws per point.
    """
    eps = check_real("eps", eps, 0.0, math.inf, low_open=False, high_open=True)
    check_int("n_samples", n_samples, low=1)
    parse_norm(norm)
    generator = as_generator(generator)
    jac = input_jacobian(model, a)  # (N, k, p)
    n, _, p = jac.shape
    u = sample_ball(
        n * n_samples, p, p=norm, radius=float(eps), generator=generator, dtype=jac.dtype, device=jac.device
    ).reshape(n, n_samples, p)
    lengths = torch.linalg.vector_norm(torch.einsum("nkp,nsp->nsk", jac, u), dim=-1)  # (N, S)
    per_point = lengths.mean(dim=1)
    est = mean_se(per_point if n >= 2 else lengths[0])
    return StabilityEstimate(est.mean, est.se, per_point.detach(), eps, n_samples)


def mean_abs_coordinate_unit_ball(d: int) -> float:
    """E|u₁| for u uniform in the unit l2 ball of R^d: 2Γ(d/2+1) / (√π Γ((d+1)/2) (d+1)).

    The marginal density of u₁ is c_d (1 − t²)^{(d−1)/2} on [−1, 1] with c_d = Γ(d/2+1)/(√π Γ((d+1)/2))
    (the (d−1)-ball slice volume over the d-ball volume), and 2c_d ∫₀¹ t (1 − t²)^{(d−1)/2} dt = 2c_d/(d+1).
    d = 1: 1/2; d = 2: 4/(3π); d = 3: 3/8; for large d ≈ sqrt(2/(π d)).
    """
    check_int("d", d)
    log_c = math.lgamma(d / 2 + 1) - 0.5 * math.log(math.pi) - math.lgamma((d + 1) / 2)
    return 2.0 * math.exp(log_c) / (d + 1)


def linear_perturbation_stability(w: Tensor, eps: float) -> float:
    """Closed form of P(h, ε) for a linear h(a) = wᵀa with the l2 ball: ε ‖w‖₂ E|u₁| (w of shape (d,)).

    By rotation invariance wᵀu has the law of ‖w‖₂ u₁; see `mean_abs_coordinate_unit_ball`.
    """
    check_real("eps", eps, low_open=False, high_open=True)
    w = as_real_tensor("w", w, ("d",))
    return float(eps) * torch.linalg.vector_norm(w).item() * mean_abs_coordinate_unit_ball(w.numel())
