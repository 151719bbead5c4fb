"""Entropic mirror descent and mirror-prox (Nemirovski 2004) for games on simplices (matrix games)."""

from __future__ import annotations

from typing import NamedTuple

import torch
from torch import Tensor

from saddle.optim._common import graph_free
from saddle.optim.base import Field, Params, StepSizes
from saddle.optim.template import Template
from saddle.sets import EntropicMirrorMap
from saddle.validation import check_callable, check_players, check_probability_vectors

__all__ = ["MirrorDescent", "MirrorProx", "MirrorState"]


class MirrorState(NamedTuple):
    """Step counter, the η-weighted ergodic average of the points where V was used, and Σ η (one per player)."""

    count: int  # type: ignore[assignment]  # the step counter shadows tuple.count on purpose
    average: list[Tensor]
    weight: list[float]


def _check_map(mirror_map: EntropicMirrorMap) -> EntropicMirrorMap:
    for a in ("step", "to_dual", "to_primal"):
        check_callable(f"mirror_map.{a}", getattr(mirror_map, a, None), f"a method of the mirror map {mirror_map!r}")
    return mirror_map


def _check_start(params: Params) -> None:
    """The mirror step stays on the simplex only if it starts there: refuse other starts (ValueError)."""
    for i, u in enumerate(params):
        check_probability_vectors(f"params[{i}] (player {i}'s start)", u)


def _averaged(state: MirrorState, points: Params, step_sizes: list[float]) -> tuple[list[Tensor], list[float]]:
    """Each player's average ũ_i ← ũ_i + (η_i / Σ η_i)(u_i − ũ_i): the η_i-weighted mean of its points."""
    weight = [w + eta for w, eta in zip(state.weight, step_sizes)]
    if not state.average:
        return [p.clone() for p in points], weight
    return [torch.lerp(a, p, eta / w) for a, p, eta, w in zip(state.average, points, step_sizes, weight)], weight


class _MirrorMethod(Template):
    """Step size η (per player), mirror map and a start checked on the simplex: what mirror descent and mirror-prox
    share. The mirror map is their geometry, so they take no direction."""

    def __init__(self, step_size: StepSizes, mirror_map: EntropicMirrorMap | None = None) -> None:
        super().__init__(step_size)
        self.mirror_map = _check_map(EntropicMirrorMap() if mirror_map is None else mirror_map)

    def init(self, params: Params) -> MirrorState:
        check_players("params", params)
        _check_start(params)
        return MirrorState(0, [], [0.0] * len(params))


class MirrorDescent(_MirrorMethod):
    """Simultaneous mirror descent: u_i⁺ = argmin ⟨η V_i(u), ·⟩ + D_h(·, u_i); one field call per step.

    With the entropic map this is multiplicative weights, u⁺ ∝ u ⊙ exp(−η V(u)) (Nemirovski & Yudin
    1983; Beck & Teboulle 2003). Params are probability vectors (last dimension; any batch dims).
    On a zero-sum matrix game with an interior equilibrium u*, Σ_i KL(u_i* ‖ u_i) strictly increases
    along the last iterate (Bailey & Piliouras 2018): it spirals to the boundary, while the ergodic
    average (state.average) converges at O(1/sqrt k) with η_k ∝ 1/sqrt k.
    Args: step_size η (float, schedule, or one per player), mirror_map (default EntropicMirrorMap()). `init` refuses starts off the simplex.
    """

    @graph_free
    def update(
        self, params: Params, state: MirrorState, field: Field, step_sizes: list[float]
    ) -> tuple[Params, MirrorState]:
        g = field(params)
        new = [self.mirror_map.step(u, gi, eta) for u, gi, eta in zip(params, g, step_sizes)]
        avg, weight = _averaged(state, params, step_sizes)
        return new, MirrorState(state.count + 1, avg, weight)


class MirrorProx(_MirrorMethod):
    """Mirror-prox (Nemirovski 2004): ū = M(u, η V(u)), u⁺ = M(u, η V(ū)); two field calls per step.

    M(u, g) = the mirror step (entropic: u ⊙ exp(−g) renormalised). For a monotone V that is
    L-Lipschitz from ‖·‖ to its dual (L = max |A_ij| for a matrix game with the entropy map) and
    η ≤ 1/L, the ergodic average ũ_K = Σ η ū_k / Σ η of the extrapolated points has duality gap
    ≤ max_u D_h(u, u_0) / (η K) (Nemirovski 2004): an O(1/K) rate; state.average holds ũ_K.
    Args: step_size η (float, schedule, or one per player), mirror_map (default EntropicMirrorMap()). `init` refuses starts off the simplex.
    """

    @graph_free
    def update(
        self, params: Params, state: MirrorState, field: Field, step_sizes: list[float]
    ) -> tuple[Params, MirrorState]:
        mid = [self.mirror_map.step(u, gi, eta) for u, gi, eta in zip(params, field(params), step_sizes)]
        new = [self.mirror_map.step(u, gi, eta) for u, gi, eta in zip(params, field(mid), step_sizes)]
        avg, weight = _averaged(state, mid, step_sizes)
        return new, MirrorState(state.count + 1, avg, weight)
