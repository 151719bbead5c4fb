"""RMSProp-preconditioned Langevin game dynamics (pSGLD on every player; MixedNE-LD's update rule).

z⁺ = P(z − η G V(z) + sqrt(2η T G) ξ), G = diag(1/(sqrt(v) + ε)), v ← a v + (1 − a) V(z)²
(Li, Chen, Carlson & Carin 2016, pSGLD, without their Γ correction term; Kamalaruban et al. NeurIPS 2020,
MixedNE-LD with RMSProp preconditioning; their "thermal noise" is taken as the temperature T of the Gibbs
measure exp(−f/T) that the dynamics sample, which is how seed 000 writes the Langevin step).
The step itself is THE one Langevin step of `saddle.langevin`, with G as its preconditioner.
"""

from __future__ import annotations

import math
from typing import NamedTuple

import torch
from torch import Tensor

from saddle.langevin import langevin_step_all
from saddle.optim._common import check_projection, check_real, check_step_size, graph_free, project, step_at
from saddle.optim.base import Field, Params, Projection, StepSize
from saddle.validation import as_generator

__all__ = ["PreconditionedLangevinGDA", "RMSPropState"]


class RMSPropState(NamedTuple):
    """Step counter k and the running mean square v of the field, one tensor per player."""

    count: int  # type: ignore[assignment]  # the step counter shadows tuple.count on purpose
    v: list[Tensor]


class PreconditionedLangevinGDA:
    """Simultaneous Langevin GDA with an RMSProp preconditioner on each player; one field call per step.

    v ← a v + (1 − a) g²;  G = 1/(sqrt(v) + ε);  z⁺ = P(z − η G g + sqrt(2 η T G) ξ), g = V(z).
    As in torch.optim.RMSprop, v starts at 0 with no bias correction and ε is added to sqrt(v), so with
    T = 0 the update is exactly torch.optim.RMSprop(lr=η, alpha=a, eps=ε) on each player's own loss.
    Args: step_size η > 0 or a schedule; temperature T ≥ 0 (default 0; the paper's thermal noise,
    swept over 1e-2…1e-5); generator (torch.Generator, required when T > 0; noise drawn player by player
    in player order); alpha a in [0, 1) (default 0.99); eps ε > 0 (default 1e-8); projection P (None).
    """

    def __init__(
        self,
        step_size: StepSize,
        temperature: float = 0.0,
        generator: torch.Generator | None = None,
        alpha: float = 0.99,
        eps: float = 1e-8,
        projection: Projection | None = None,
    ) -> None:
        self.step_size = check_step_size(step_size)
        self.temperature = check_real("temperature", temperature, 0.0, math.inf, low_open=False, high_open=True)
        generator = as_generator(generator)  # an int seed is converted once, here
        if generator is None and self.temperature > 0:
            raise ValueError(f"generator must be a torch.Generator when temperature > 0, got {generator!r}")
        self.generator = generator
        self.alpha = check_real("alpha", alpha, 0.0, 1.0, low_open=False, high_open=True)
        self.eps = check_real("eps", eps, 0.0, math.inf, high_open=True)
        self.projection = check_projection(projection)

    def init(self, params: Params) -> RMSPropState:
        return RMSPropState(0, [torch.zeros_like(p) for p in params])

    @graph_free
    def step(self, params: Params, state: RMSPropState, field: Field) -> tuple[Params, RMSPropState]:
        eta = step_at(self.step_size, state.count)
        g = field(params)
        v = list(torch._foreach_mul(list(state.v), self.alpha))
        torch._foreach_addcmul_(v, g, g, value=1.0 - self.alpha)
        pre = torch._foreach_reciprocal(torch._foreach_add(torch._foreach_sqrt(v), self.eps))
        new = langevin_step_all(params, g, eta, self.generator, self.temperature, preconditioners=pre)
        return project(self.projection, new), RMSPropState(state.count + 1, v)
