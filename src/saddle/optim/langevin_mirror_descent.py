"""Entropic mirror descent on mixed strategies by Langevin sampling: Mirror-GAN's practical algorithm.

Hsieh, Liu & Cevher, "Finding mixed Nash equilibria of generative adversarial networks", ICML 2019, Alg. 3
(seed 000 "From pure to mixed Nash equilibrium"; the same loop is MixedNE-LD, Kamalaruban et al. 2020, Alg. 1).
Entropic mirror descent on the mixed game min_p max_q ⟨p, Gq⟩ makes p_{t+1} ∝ p_t e^{−η Gq_t}, a Gibbs measure;
the practical algorithm samples it with K_t SGLD steps per player, each player against the opponents' iterate
of the outer step, and keeps the damped average of the chain instead of the whole history of samples:

    X^(1) = X̄ = X_t;  X^(k+1) = X^(k) − γ ∇_X Φ(X^(k), Y_t) + sqrt(2γ) ε ξ;  X̄ ← (1 − β) X̄ + β X^(k+1)  (k ≤ K_t)
    Y^(1) = Ȳ = Y_t;  Y^(k+1) = Y^(k) + γ ∇_Y Φ(X_t, Y^(k)) + sqrt(2γ) ε ξ;  Ȳ ← (1 − β) Ȳ + β Y^(k+1)
    X_{t+1} = (1 − β) X_t + β X̄,   Y_{t+1} = (1 − β) Y_t + β Ȳ.

The paper's thermal noise ε is the temperature T = ε² of `saddle.langevin` (sqrt(2γT) ξ); the SGLD step is THE
Langevin step of `saddle.langevin` (`langevin_step_all`), the one `LangevinGDA` takes. With K = 1 and β = 1 one
outer step is exactly one step of `LangevinGDA`. The loop follows the paper's description; the defaults of
K, β and ε are not the paper's (its per-experiment values were not at hand when this was written).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any, NamedTuple

import torch
from torch import Tensor

from saddle.langevin import langevin_step_all
from saddle.optim._common import check_real, graph_free, project
from saddle.optim.base import Field, Params, Projection, StepSizes
from saddle.optim.directions import Direction, check_direction
from saddle.optim.template import Template
from saddle.validation import as_generator, check_callable, check_int

__all__ = ["LangevinMirrorDescent", "LangevinMirrorState"]


class LangevinMirrorState(NamedTuple):
    """count t: outer steps completed; inner k: SGLD steps taken in the current outer step (0 ≤ k < K_t);
    anchor: the players' iterates z_t of the outer step (the frozen opponents); average: the damped averages z̄;
    direction: the direction's state (None for the plain field; RMSProp's v runs across inner and outer steps)."""

    count: int  # type: ignore[assignment]  # the step counter shadows tuple.count on purpose
    inner: int
    anchor: list[Tensor]
    average: list[Tensor]
    direction: Any = None


class LangevinMirrorDescent(Template):
    """Mirror-GAN's approximate entropic mirror descent (module doc): one `step` is ONE inner SGLD step.

    A step moves every player's chain by the Langevin step x_i⁺ = P(x_i − γ_t V_i(z_t with x_i in slot i) +
    sqrt(2γ_t T) ξ) — player i's own gradient with the other players frozen at the outer iterate z_t — and
    updates the damped averages; every K_t-th step closes the outer iteration and returns
    z_{t+1} = P((1 − β) z_t + β z̄), from which the next chains start. Between, `step` returns the chains, so a
    caller that draws a fresh minibatch per step (GANTrainer) gives every SGLD step a fresh stochastic gradient.
    Field calls per step: 1 at the first inner step (the chains are at z_t: one call gives every player's
    gradient), n (one per player, each used for its own player) at the others.

    Args: step_size γ > 0, a schedule t -> γ_t of the OUTER step, or one of either per player (a param group's
    lr in GameOptimizer is read at every SGLD step and sets the drift and the noise sqrt(2γT) alike); temperature T = ε² ≥ 0; generator
    (torch.Generator or int seed; noise drawn player by player in player order); inner_steps K ≥ 1 or a
    schedule t -> K_t (the paper's warm-up K_t = ⌊(1 + 10⁻⁵)^t⌋ for LSUN); beta β ∈ (0, 1] (default 0.9);
    projection P (default None); direction (default the field; a preconditioned direction d = G g such as
    `RMSPropDirection` makes every SGLD step x − γ G g + sqrt(2γTG) ξ, as MixedNE-LD's RMSProp-preconditioned
    inner loop, Kamalaruban et al. 2020, Alg. 1).
    """

    def __init__(
        self,
        step_size: StepSizes,
        temperature: float,
        generator: torch.Generator | int,
        inner_steps: int | Callable[[int], int] = 1,
        beta: float = 0.9,
        projection: Projection | None = None,
        direction: Direction | None = None,
    ) -> None:
        super().__init__(step_size, projection, direction)
        check_direction(self.direction, preconditioned=True)
        self.temperature = check_real("temperature", temperature, 0.0, math.inf, low_open=False, high_open=True)
        self.generator = as_generator(generator)
        if self.generator is None:
            raise ValueError("generator must be a torch.Generator or an int seed, got None")
        self.inner_steps = (
            check_callable("inner_steps", inner_steps, "an int >= 1 or a schedule t -> K_t")
            if callable(inner_steps)
            else check_int("inner_steps", inner_steps)
        )
        self.beta = check_real("beta", beta, 0.0, 1.0)

    @staticmethod
    def drift_factor(inner_steps: int, beta: float) -> float:
        """c(K, β) = β² Σ_{k=1..K} k (1 − β)^{K−k}: at T = 0, while the field along a chain stays what it is at z_t
        (e.g. bilinear games, whose players' gradients depend on the frozen opponents only), one outer step is
        z_{t+1} = z_t − c γ V(z_t), i.e. one GDA step of size c γ (c = K for β = 1; 4.4 for K = 5, β = 0.9)."""
        k = check_int("inner_steps", inner_steps)
        b = check_real("beta", beta, 0.0, 1.0)
        return b * b * sum(j * (1 - b) ** (k - j) for j in range(1, k + 1))

    def _inner_steps_at(self, t: int) -> int:
        k = self.inner_steps(t) if callable(self.inner_steps) else self.inner_steps
        return check_int(f"inner_steps at outer step {t}", k)

    def init(self, params: Params) -> LangevinMirrorState:
        return LangevinMirrorState(
            0, 0, [p.clone() for p in params], [p.clone() for p in params], self.direction.init(params)
        )

    @graph_free
    def update(
        self, params: Params, state: LangevinMirrorState, field: Field, step_sizes: list[float]
    ) -> tuple[Params, LangevinMirrorState]:
        t, k = state.count, state.inner
        if k == 0:  # the chains start at z_t: one call gives every player's gradient
            anchor, average, grads = list(params), list(params), field(params)
        else:  # player i's gradient with the others frozen at z_t
            anchor, average = state.anchor, state.average
            grads = [field([*anchor[:i], x, *anchor[i + 1 :]])[i] for i, x in enumerate(params)]
        pre, direction = self.direction.preconditioner(grads, state.direction)
        chains = project(
            self.projection,
            langevin_step_all(params, grads, step_sizes, self.generator, self.temperature, preconditioners=pre),
        )
        average = list(torch._foreach_lerp(average, chains, self.beta))
        if k + 1 < self._inner_steps_at(t):
            return chains, LangevinMirrorState(t, k + 1, anchor, average, direction)
        new = project(self.projection, list(torch._foreach_lerp(anchor, average, self.beta)))
        return new, LangevinMirrorState(t + 1, 0, new, new, direction)
