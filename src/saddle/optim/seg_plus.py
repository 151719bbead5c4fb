"""Bias-corrected stochastic EG+ (Pethick, Fercoq, Latafat, Patrinos, Cevher, ICLR 2023).

"Solving stochastic weak Minty variational inequalities without increasing batch size".
"""

from __future__ import annotations

from typing import NamedTuple

import torch
from torch import Tensor

from saddle.optim._common import axpy, check_real, graph_free, project, step_at
from saddle.optim.base import Field, Params, Projection, StepSize, StepSizes
from saddle.optim.template import Template
from saddle.schedules import PolynomialDecay
from saddle.validation import check_players

__all__ = ["SEGPlusState", "StochasticSEGPlus", "paired_field"]


class SEGPlusState(NamedTuple):
    """Step counter, the previous iterate z_{k−1} and the running field estimate d_{k−1} (empty at start)."""

    count: int  # type: ignore[assignment]  # the step counter shadows tuple.count on purpose
    previous: list[Tensor]
    estimate: list[Tensor]


def paired_field(field: Field, a: Params, b: Params) -> tuple[list[Tensor], list[Tensor]]:
    """(V(a, ζ), V(b, ζ)) with one sample ζ: field.paired(a, b) if the oracle has it, else two calls.

    A deterministic field needs nothing; `NoisyField` provides `paired`, sharing the noise draw.
    """
    if hasattr(field, "paired"):
        va, vb = field.paired(a, b)
        return list(va), list(vb)
    return list(field(a)), list(field(b))


class StochasticSEGPlus(Template):
    """BC-SEG+: fixed extrapolation step γ, diminishing update factor α_k, bias-corrected extrapolation.

    Pethick et al. 2023, Alg. 1 (unconstrained), with F̂ a stochastic oracle:
        z̄_k     = z_k − γ F̂(z_k, ξ_k) + (1 − α_k)(z̄_{k−1} − z_{k−1} + γ F̂(z_{k−1}, ξ_k))
        z_{k+1} = z_k − α_k γ F̂(z̄_k, ξ̄_k)
    Written with d_k = (z_k − z̄_k)/γ this is d_k = F̂(z_k, ξ_k) + (1 − α_k)(d_{k−1} − F̂(z_{k−1}, ξ_k)),
    a recursive-momentum (STORM-type) estimate of V(z_k) whose bias correction uses the same sample ξ_k
    at z_k and z_{k−1} (see `paired_field`), and z̄_k = P(z_k − γ d_k). d_0 = F̂(z_0, ξ_0). Three oracle
    calls per step (two at k = 0). The projection of both points is the generic rule of this package;
    the paper's constrained variant is a different scheme.
    Args: step_size γ (float, schedule, or one per player; the paper keeps it fixed), alpha α_k ∈ (0, 1] as a float or
    schedule (default α_k = 1/(k + 1), Σα_k = ∞, Σα_k² < ∞), projection (None).
    """

    def __init__(
        self, step_size: StepSizes, alpha: StepSize | None = None, projection: Projection | None = None
    ) -> None:
        super().__init__(step_size, projection)
        if alpha is None:
            alpha = PolynomialDecay(1.0, power=1.0, offset=1.0)
        self.alpha = alpha if callable(alpha) else check_real("alpha", alpha, 0.0, 1.0)

    def init(self, params: Params) -> SEGPlusState:
        check_players("params", params)
        return SEGPlusState(0, [], [])

    @graph_free
    def update(
        self, params: Params, state: SEGPlusState, field: Field, step_sizes: list[float]
    ) -> tuple[Params, SEGPlusState]:
        k = state.count
        alpha = step_at(self.alpha, k)
        check_real(f"alpha schedule at k={k}", alpha, 0.0, 1.0)
        z = list(params)
        if not state.previous:
            d = list(field(z))
        else:
            v_now, v_prev = paired_field(field, z, state.previous)
            d = list(torch._foreach_add(v_now, torch._foreach_sub(list(state.estimate), v_prev), alpha=1.0 - alpha))
        mid = project(self.projection, axpy(z, d, step_sizes, -1.0))
        new = project(self.projection, axpy(z, field(mid), step_sizes, -alpha))
        return new, SEGPlusState(k + 1, z, d)
