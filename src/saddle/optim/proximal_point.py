"""Proximal point (Martinet 1970; Rockafellar 1976): the implicit step z⁺ = z − η V(z⁺)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import torch
from torch import Tensor

from saddle.optim._common import axpy, check_int, check_real, graph_free, project
from saddle.optim.base import CountState, Field, Params, Projection, StepSizes
from saddle.optim.template import Template
from saddle.validation import check_players

__all__ = ["ProximalPoint"]


def _max_abs(a: Sequence[Tensor]) -> float:
    return max(float(n) for n in torch._foreach_norm(list(a), ord=float("inf")))


def _flat(ts: Params | tuple[Tensor, ...]) -> Tensor:
    return torch.cat([t.reshape(-1) for t in ts])


def _unflat(v: Tensor, like: Params) -> Params:
    return [c.reshape(t.shape) for c, t in zip(torch.split(v, [t.numel() for t in like]), like)]


class _Resolvent(torch.autograd.Function):
    """w* = (I + η(V + N_C))⁻¹(z) solved by `solve`, differentiated implicitly (forward mode, for torch.func.jacfwd).

    w* is a fixed point of Φ(w, z) = P(z − η V(w)), so dw* = (I − ∂_wΦ)⁻¹ ∂_zΦ dz (implicit function theorem;
    without a projection (I + η ∂V(w*))⁻¹ dz). ∂_wΦ is formed densely: meant for the analysis of small games.
    """

    generate_vmap_rule = True

    @staticmethod
    def forward(
        solve: Callable[[Params], Params], phi: Callable[[Params, Params], Params], *z: Tensor
    ) -> tuple[Tensor, ...]:
        with torch.enable_grad():  # Function.forward runs in no-grad mode; the field may use autograd inside
            return tuple(solve(list(z)))

    @staticmethod
    def setup_context(ctx: Any, inputs: tuple[Any, ...], output: tuple[Tensor, ...]) -> None:
        ctx.phi = inputs[1]
        ctx.n = len(output)
        ctx.save_for_forward(*inputs[2:], *output)

    @staticmethod
    def jvp(ctx: Any, _solve: None, _phi: None, *dz: Tensor | None) -> tuple[Tensor, ...]:
        saved = ctx.saved_tensors
        z, w = list(saved[: ctx.n]), list(saved[ctx.n :])
        dz = tuple(torch.zeros_like(a) if d is None else d for a, d in zip(z, dz))
        jac_w = torch.func.jacfwd(lambda v: _flat(ctx.phi(_unflat(v, w), z)))(_flat(w))  # ∂_wΦ, (N, N)
        rhs = torch.func.jvp(lambda *a: tuple(ctx.phi(w, list(a))), tuple(z), dz)[1]  # ∂_zΦ dz
        eye = torch.eye(jac_w.shape[0], dtype=jac_w.dtype, device=jac_w.device)
        return tuple(_unflat(torch.linalg.solve(eye - jac_w, _flat(rhs)), w))

    @staticmethod
    def backward(ctx: Any, *grads: Any) -> Any:
        raise RuntimeError("ProximalPoint's resolvent is differentiated in forward mode only (torch.func.jacfwd)")


class ProximalPoint(Template):
    """PP: z⁺ = P(z − H V(z⁺)), H = diag(η_i), the resolvent of H(V + N_C), solved approximately by an inner loop.

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
    Derivatives of the step (`saddle.analysis.update_jacobian`) are those of the exact resolvent, by
    implicit differentiation at the computed z⁺: (I + η ∂V(z⁺))⁻¹ without a projection, whatever the
    inner loop did (it stops at once at a fixed point z*, so unrolling it would give one inner step).
    Args: step_size η (float, schedule, or one per player: H = diag(η_i)), inner_steps (50), inner_tol (1e-10), projection, inner_step_size (None).
    """

    def __init__(
        self,
        step_size: StepSizes,
        inner_steps: int = 50,
        inner_tol: float = 1e-10,
        projection: Projection | None = None,
        inner_step_size: float | None = None,
    ) -> None:
        super().__init__(step_size, projection)
        self.inner_steps = check_int("inner_steps", inner_steps)
        self.inner_tol = check_real("inner_tol", inner_tol, 0.0, float("inf"), low_open=False, high_open=True)
        self.inner_step_size = (
            None
            if inner_step_size is None
            else check_real("inner_step_size", inner_step_size, 0.0, float("inf"), high_open=True)
        )

    def init(self, params: Params) -> CountState:
        check_players("params", params)
        return CountState(0)

    def _solve(self, z: Params, step_sizes: list[float], field: Field) -> Params:
        w = z
        scale = max(_max_abs(z), torch.finfo(z[0].dtype).tiny)
        for _ in range(self.inner_steps):
            if self.inner_step_size is None:
                new = project(self.projection, axpy(z, field(w), step_sizes, -1.0))
            else:
                s = self.inner_step_size
                inner = lambda u: axpy(torch._foreach_sub(u, z), field(u), step_sizes)  # noqa: E731
                mid = project(self.projection, axpy(w, inner(w), -s))
                new = project(self.projection, axpy(w, inner(mid), -s))
            done = _max_abs(torch._foreach_sub(new, w)) <= self.inner_tol * scale
            w = new
            if done:
                break
        return w

    @graph_free
    def update(
        self, params: Params, state: CountState, field: Field, step_sizes: list[float]
    ) -> tuple[Params, CountState]:
        def phi(w: Params, z: Params) -> Params:  # the fixed-point map whose fixed point is the resolvent
            return project(self.projection, axpy(z, field(w), step_sizes, -1.0))

        new = _Resolvent.apply(lambda z: self._solve(z, step_sizes, field), phi, *params)
        return list(new), CountState(state.count + 1)
