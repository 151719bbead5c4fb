"""Adam-style scaling (Kingma & Ba 2015), the piece shared by SimultaneousAdam, ExtraAdam and OptimisticAdam."""

from __future__ import annotations

import math
from typing import NamedTuple

import torch
from torch import Tensor

from saddle.optim._common import check_projection, check_real, check_step_size
from saddle.optim.base import Params, Projection, StepSize

__all__ = ["AdamMethod", "AdamScaling", "AdamState"]


class AdamScaling:
    """Exponential moments of the field and the scaled direction m̂ / (sqrt(v̂) + ε).

    m ← β1 m + (1 − β1) g,  v ← β2 v + (1 − β2) g²,  m̂ = m / (1 − β1ⁿ),  v̂ = v / (1 − β2ⁿ)
    where n counts the moment updates so far (bias correction of Kingma & Ba 2015).
    Args: betas (β1, β2) in [0, 1) (default (0.9, 0.999)), eps ε > 0 (default 1e-8).
    """

    def __init__(self, betas: tuple[float, float] = (0.9, 0.999), eps: float = 1e-8) -> None:
        if not isinstance(betas, (tuple, list)) or len(betas) != 2:
            raise ValueError(f"betas must be a pair (beta1, beta2), got {betas!r}")
        self.beta1 = check_real(f"betas={tuple(betas)!r}: beta1", betas[0], 0.0, 1.0, low_open=False, high_open=True)
        self.beta2 = check_real(f"betas={tuple(betas)!r}: beta2", betas[1], 0.0, 1.0, low_open=False, high_open=True)
        self.eps = check_real("eps", eps, 0.0, math.inf, high_open=True)  # ε = 0 gives 0/0 = NaN where g = 0

    def zeros(self, params: Params) -> tuple[list[Tensor], list[Tensor]]:
        return [torch.zeros_like(p) for p in params], [torch.zeros_like(p) for p in params]

    def update(self, m: list[Tensor], v: list[Tensor], g: list[Tensor]) -> tuple[list[Tensor], list[Tensor]]:
        """New (m, v) after one moment update with the field g (inputs untouched)."""
        m_new = torch._foreach_lerp(list(m), list(g), 1.0 - self.beta1)
        v_new = torch._foreach_mul(list(v), self.beta2)
        torch._foreach_addcmul_(v_new, list(g), list(g), value=1.0 - self.beta2)
        return list(m_new), list(v_new)

    def direction(self, m: list[Tensor], v: list[Tensor], n: int) -> list[Tensor]:
        """m̂ / (sqrt(v̂) + ε) after n ≥ 1 moment updates."""
        c1, c2 = 1.0 - self.beta1**n, 1.0 - self.beta2**n
        denom = torch._foreach_sqrt(torch._foreach_div(list(v), c2))
        torch._foreach_add_(denom, self.eps)
        return list(torch._foreach_div(torch._foreach_div(list(m), c1), denom))


class AdamState(NamedTuple):
    """Step counter k and the Adam moments (m, v), one tensor per player each."""

    count: int  # type: ignore[assignment]  # the step counter shadows tuple.count on purpose
    m: list[Tensor]
    v: list[Tensor]


class AdamMethod:
    """What the Adam-scaled Methods share: arguments step_size γ (float or schedule), betas, eps, projection.

    Subclasses define `step`; `init` starts the moments at zero with counter 0.
    """

    def __init__(
        self,
        step_size: StepSize,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        projection: Projection | None = None,
    ) -> None:
        self.step_size = check_step_size(step_size)
        self.scaling = AdamScaling(betas, eps)
        self.projection = check_projection(projection)

    def init(self, params: Params) -> AdamState:
        m, v = self.scaling.zeros(params)
        return AdamState(0, m, v)
