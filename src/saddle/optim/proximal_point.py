"""Proximal point (Martinet 1970; Rockafellar 1976): the implicit step z⁺ = z − η V(z⁺)."""

from __future__ import annotations

import torch

from saddle.optim._common import (axpy, check_int, check_projection, check_real, check_step_size, project,
                                  step_at)
from saddle.optim.base import Field, Params, Projection, StepSize
from saddle.optim.gda import CountState

__all__ = ["ProximalPoint"]


def _max_abs(a: Params) -> float:
    return max(float(n) for n in torch._foreach_norm(list(a), ord=float("inf")))


class ProximalPoint:
    """PP: z⁺ = P(z − η V(z⁺)), the resolvent of η(V + N_C), solved approximately by an inner loop.

    On min_x max_y xy: (I + ηA) z⁺ = z with A skew, so ‖z⁺‖ = ‖z‖ / sqrt(1 + η²) exactly.

    Inner solvers (stop after `inner_steps` iterations or when max |w_{t+1} − w_t| ≤ inner_tol · max |z|,
    a relative test so that small iterates are solved as accurately as large ones):
    - inner_step_size=None (default): fixed-point iteration w ← P(z − η V(w)) from w = z. P is
      nonexpansive, so the map is a contraction with factor ηL if V is L-Lipschitz: it converges
      linearly iff ηL < 1 (guaranteed), and may diverge for larger η. One field call per iteration.
    - inner_step_size=s: extragradient on the inner problem G(w) = w − z + η V(w) over the set,
      w̄ = P(w − s G(w)), w ← P(w − s G(w̄)). For monotone V, G is 1-strongly monotone and
      (1 + ηL)-Lipschitz, so this converges linearly for any η when s < 1/(1 + ηL). Two calls each.
    The stopping test is global over the batch (the largest change of any trajectory), so a batch
    can run more inner iterations than a single trajectory: agreement is up to inner_tol.
    Args: step_size η, inner_steps (50), inner_tol (1e-10), projection, inner_step_size (None).
    """

    def __init__(self, step_size: StepSize, inner_steps: int = 50, inner_tol: float = 1e-10,
                 projection: Projection | None = None, inner_step_size: float | None = None) -> None:
        self.step_size = check_step_size(step_size)
        self.inner_steps = check_int("inner_steps", inner_steps)
        self.inner_tol = check_real("inner_tol", inner_tol, 0.0, float("inf"), low_open=False, high_open=True)
        self.projection = check_projection(projection)
        self.inner_step_size = None if inner_step_size is None else check_real(
            "inner_step_size", inner_step_size, 0.0, float("inf"), high_open=True)

    def init(self, params: Params) -> CountState:
        return CountState(0)

    def step(self, params: Params, state: CountState, field: Field) -> tuple[Params, CountState]:
        eta = step_at(self.step_size, state.count)
        z = list(params)
        w = z
        scale = max(_max_abs(z), torch.finfo(z[0].dtype).tiny)
        for _ in range(self.inner_steps):
            if self.inner_step_size is None:
                new = project(self.projection, axpy(z, field(w), -eta))
            else:
                s = self.inner_step_size
                inner = lambda u: list(torch._foreach_add(torch._foreach_sub(u, z), field(u), alpha=eta))  # noqa: E731
                mid = project(self.projection, axpy(w, inner(w), -s))
                new = project(self.projection, axpy(w, inner(mid), -s))
            done = _max_abs(torch._foreach_sub(new, w)) <= self.inner_tol * scale
            w = new
            if done:
                break
        return w, CountState(state.count + 1)
