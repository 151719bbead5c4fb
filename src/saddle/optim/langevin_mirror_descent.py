"""Entropic mirror descent and mirror-prox on mixed strategies by Langevin sampling: Mirror-GAN and Mirror-Prox-GAN.

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
outer step is exactly one step of `LangevinGDA`.

Mirror-Prox-GAN (the paper's Alg. 4) is entropic mirror-prox on the same mixed game: an extrapolation
p̃_t ∝ p_t e^{−η Gq_t}, q̃_t ∝ q_t e^{η G†p_t}, then the update p_{t+1} ∝ p_t e^{−η Gq̃_t}, q_{t+1} ∝ q_t e^{η G†p̃_t}
(Nemirovski 2004's prox step, both from the prox centre p_t). Reduced to sampling as above: K SGLD steps per
player from z_t against the opponents frozen at z_t give z̃_t = (1 − β) z_t + β z̄, then K SGLD steps per player
again from z_t, now against the opponents frozen at z̃_t, give z_{t+1} = (1 − β) z_t + β z̄′ (`LangevinMirrorProx`).
At T = 0 on a game whose players' gradients depend on the opponents only (bilinear), an outer step is one
extragradient step with step c(K, β) γ. The hyperparameters K, β, ε, γ of the paper's synthetic experiments could
not be read (the stored copies of arXiv 1811.02002 reachable here hold its abstract and introduction only), so
every experiment states its own values as its choices.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any, NamedTuple

import torch
from torch import Tensor

from saddle.langevin import NoiseSource, check_noise_source, langevin_step_all
from saddle.optim._common import check_real, graph_free, project
from saddle.optim.base import Field, Params, Projection, StepSizes
from saddle.optim.directions import Direction, check_direction
from saddle.optim.template import Template
from saddle.validation import check_callable, check_int, check_players

__all__ = ["LangevinMirrorDescent", "LangevinMirrorProx", "LangevinMirrorProxState", "LangevinMirrorState"]


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
    lr in GameOptimizer is read at every SGLD step and sets the drift and the noise sqrt(2γT) alike); temperature
    T = ε² ≥ 0 or a schedule t -> T_t of the outer step (MixedNE-LD's decaying thermal noise); generator
    (torch.Generator or int seed, noise drawn player by player in player order; or one torch.Generator per row of
    the players' tensors — independent runs stacked on a leading axis, `GameOptimizer(..., rows=S)` — row r's
    noise from generator r; GameOptimizer saves and restores every row's generator); inner_steps K ≥ 1 or a
    schedule t -> K_t (the paper's warm-up K_t = ⌊(1 + 10⁻⁵)^t⌋ for LSUN); beta β ∈ (0, 1] (default 0.9);
    projection P (default None); direction (default the field; a preconditioned direction d = G g such as
    `RMSPropDirection` makes every SGLD step x − γ G g + sqrt(2γTG) ξ, as MixedNE-LD's RMSProp-preconditioned
    inner loop, Kamalaruban et al. 2020, Alg. 1).
    """

    def __init__(
        self,
        step_size: StepSizes,
        temperature: float | Callable[[int], float],
        generator: NoiseSource | int,
        inner_steps: int | Callable[[int], int] = 1,
        beta: float = 0.9,
        projection: Projection | None = None,
        direction: Direction | None = None,
    ) -> None:
        super().__init__(step_size, projection, direction)
        check_direction(self.direction, preconditioned=True)
        self.temperature: float | Callable[[int], float] = (
            check_callable("temperature", temperature, "a temperature T >= 0 or a schedule t -> T_t")
            if callable(temperature)
            else check_real("temperature", temperature, 0.0, math.inf, low_open=False, high_open=True)
        )
        self.generator = check_noise_source(generator)
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

    def _temperature_at(self, t: int) -> float:
        if not callable(self.temperature):
            return self.temperature
        return check_real(
            f"temperature at outer step {t}", self.temperature(t), 0.0, math.inf, low_open=False, high_open=True
        )

    def _inner_steps_at(self, t: int) -> int:
        k = self.inner_steps(t) if callable(self.inner_steps) else self.inner_steps
        return check_int(f"inner_steps at outer step {t}", k)

    def init(self, params: Params) -> LangevinMirrorState:
        check_players("params", params)
        return LangevinMirrorState(
            0, 0, [p.clone() for p in params], [p.clone() for p in params], self.direction.init(params)
        )

    def _chains(
        self,
        params: Params,
        opponents: Params,
        same_point: bool,
        field: Field,
        step_sizes: list[float],
        direction_state: Any,
        t: int,
    ) -> tuple[Params, Any]:
        """One SGLD step of every player's chain, player i's gradient with the others frozen at `opponents` (one
        field call for all players when the chains are at the opponents' point, `same_point`), at outer step t's
        temperature."""
        if same_point:
            grads = field(params)
        else:
            grads = [field([*opponents[:i], x, *opponents[i + 1 :]])[i] for i, x in enumerate(params)]
        pre, direction = self.direction.preconditioner(grads, direction_state)
        chains = project(
            self.projection,
            langevin_step_all(params, grads, step_sizes, self.generator, self._temperature_at(t), preconditioners=pre),
        )
        return chains, direction

    @graph_free
    def update(
        self, params: Params, state: LangevinMirrorState, field: Field, step_sizes: list[float]
    ) -> tuple[Params, LangevinMirrorState]:
        t, k = state.count, state.inner
        if k == 0:  # the chains start at z_t
            anchor, average = list(params), list(params)
        else:
            anchor, average = state.anchor, state.average
        chains, direction = self._chains(params, anchor, k == 0, field, step_sizes, state.direction, t)
        average = list(torch._foreach_lerp(average, chains, self.beta))
        if k + 1 < self._inner_steps_at(t):
            return chains, LangevinMirrorState(t, k + 1, anchor, average, direction)
        new = project(self.projection, list(torch._foreach_lerp(anchor, average, self.beta)))
        return new, LangevinMirrorState(t + 1, 0, new, new, direction)


class LangevinMirrorProxState(NamedTuple):
    """count t: outer steps completed; inner k: SGLD steps taken in the current phase; phase 0 (extrapolation:
    opponents frozen at z_t) or 1 (update: opponents frozen at z̃_t); anchor z_t (every chain starts there);
    average: the damped averages of the current phase; leader: z̃_t once the extrapolation closed (else z_t);
    direction: the direction's state."""

    count: int  # type: ignore[assignment]  # the step counter shadows tuple.count on purpose
    inner: int
    phase: int
    anchor: list[Tensor]
    average: list[Tensor]
    leader: list[Tensor]
    direction: Any = None


class LangevinMirrorProx(LangevinMirrorDescent):
    """Mirror-Prox-GAN's approximate entropic mirror-prox (module doc): one `step` is ONE inner SGLD step.

    An outer step takes 2K_t steps: K_t extrapolation steps (chains from z_t, opponents frozen at z_t; the last
    returns their damped result z̃_t = P((1 − β) z_t + β z̄)), then K_t update steps (chains again from z_t,
    opponents frozen at z̃_t), closing with z_{t+1} = P((1 − β) z_t + β z̄′). Between, `step` returns the chains
    (a fresh minibatch per SGLD step in GANTrainer). Arguments as `LangevinMirrorDescent`.
    Field calls per step: 1 at the first extrapolation step, n (one per player) at the others.
    """

    def init(self, params: Params) -> LangevinMirrorProxState:  # type: ignore[override]
        check_players("params", params)
        start = [p.clone() for p in params]
        return LangevinMirrorProxState(
            0, 0, 0, start, [p.clone() for p in params], [p.clone() for p in params], self.direction.init(params)
        )

    @graph_free
    def update(  # type: ignore[override]
        self, params: Params, state: LangevinMirrorProxState, field: Field, step_sizes: list[float]
    ) -> tuple[Params, LangevinMirrorProxState]:
        t, k, phase = state.count, state.inner, state.phase
        if phase == 0 and k == 0:  # a new outer step: z_t is the anchor and the extrapolation's opponents
            anchor = list(params)
            average, leader = list(params), list(params)
        else:
            anchor, average, leader = state.anchor, state.average, state.leader
        start = anchor if k == 0 else params  # the update phase's chains restart from z_t
        opponents = anchor if phase == 0 else leader
        chains, direction = self._chains(start, opponents, phase == 0 and k == 0, field, step_sizes, state.direction, t)
        if k == 0:
            average = list(start)
        average = list(torch._foreach_lerp(average, chains, self.beta))
        if k + 1 < self._inner_steps_at(t):
            return chains, LangevinMirrorProxState(t, k + 1, phase, anchor, average, leader, direction)
        closed = project(self.projection, list(torch._foreach_lerp(anchor, average, self.beta)))
        if phase == 0:  # z̃_t is handed back; the update phase's chains start from z_t against it
            return list(closed), LangevinMirrorProxState(t, 0, 1, anchor, list(anchor), closed, direction)
        return closed, LangevinMirrorProxState(t + 1, 0, 0, closed, closed, closed, direction)
