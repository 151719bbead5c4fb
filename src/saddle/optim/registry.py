"""METHODS: every algorithm of saddle.optim with the facts generic tests and experiments need.

Like torch's OptimizerInfo: one entry per method; differences are data on the entry, not branches. Code that
picks a method by name builds it here, with its own settings: `METHODS["extra_adam"].build(1e-3, betas=(0.5,
0.9), projection=p)`; `factory(step_size, projection)` builds it with the settings the generic tests use.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import torch

from saddle.optim.adam import SimultaneousAdam
from saddle.optim.base import Projection, StepSizes
from saddle.optim.ceg_plus import CEGPlus
from saddle.optim.eg_plus import EGPlus
from saddle.optim.extra_adam import ExtraAdam
from saddle.optim.extragradient import ExtraGradient
from saddle.optim.gda import AlternatingGDA, SimultaneousGDA
from saddle.optim.langevin import LangevinGDA
from saddle.optim.langevin_mirror_descent import LangevinMirrorDescent, LangevinMirrorProx
from saddle.optim.mirror import MirrorDescent, MirrorProx
from saddle.optim.optimistic import OptimisticGDA
from saddle.optim.optimistic_adam import OptimisticAdam
from saddle.optim.preconditioned_langevin import PreconditionedLangevinGDA
from saddle.optim.proximal_point import ProximalPoint
from saddle.optim.reflected import ReflectedForwardBackward
from saddle.optim.seg_plus import StochasticSEGPlus
from saddle.optim.template import Template

__all__ = ["METHODS", "MethodInfo"]


@dataclass(frozen=True)
class MethodInfo:
    """What a generic test or experiment needs to know about a method; `build` is the one way to make it by name.

    cls: the Method's class (an update template); settings: the constructor arguments the generic tests use
    besides the step size and the projection (e.g. a Langevin method's temperature and an int seed, so every
    build draws its own fresh generator: same call, same run); `build(step_size, **kwargs)` makes the class
    with the caller's own settings (an experiment's betas, temperature, generator), `factory(step_size,
    projection)` with the test settings.
    field_calls_per_step: calls of `field` per step (None: varies, e.g. inner loops, backtracking);
    domain: 'euclidean' (any real params) or 'simplex' (probability vectors, mirror maps);
    supports_projection: the class takes `projection` (the mirror methods do not: the mirror map is their set);
    converges_bilinear: provably converges on min_x max_y xy with `step_size`;
    stays_away_bilinear: provably never approaches the equilibrium of xy (GDA expands, alternating GDA
    conserves a positive-definite energy); neither flag means no claim (e.g. the Adam variants);
    step_size: a step that converges on the strongly monotone Φ = x²/2 + xy − y²/2 (L = sqrt 2);
    first_call_at_start: the first field call of a step is at the current params (so GameOptimizer.step
    returns the losses there); RFBS first evaluates the reflection 2z_k − z_{k−1};
    batch_atol: how far a batched trajectory may differ from the same one run alone (float64);
    players_decouple: on a game whose players do not interact, each player moves as the method run on it alone
    with its own step (False for adaptive CEG+: one backtracking factor per point is shared by all players);
    stochastic: the step draws noise (from a generator the settings seed afresh); its iterates do not converge
    to a point, a batch does not equal its trajectories run alone, so the generic tests that need determinism
    skip it (GameOptimizer's state_dict carries the generator's state, so a resumed run is still exact);
    bad_kwargs: constructor arguments that must raise ValueError.
    """

    name: str
    cls: type[Template]
    field_calls_per_step: int | None
    settings: Mapping[str, Any] = field(default_factory=dict)
    domain: str = "euclidean"
    supports_projection: bool = True
    converges_bilinear: bool = False
    stays_away_bilinear: bool = False
    step_size: float = 0.1
    batch_atol: float = 0.0
    players_decouple: bool = True
    first_call_at_start: bool = True
    stochastic: bool = False
    bad_kwargs: tuple[dict, ...] = field(default_factory=tuple)

    def build(self, step_size: StepSizes, **kwargs: Any) -> Template:
        """cls(step_size, **kwargs): the method with the caller's settings (the entry's test settings are not used)."""
        return self.cls(step_size, **kwargs)

    def factory(self, step_size: StepSizes, projection: Projection | None = None) -> Template:
        """The method with the entry's test settings (and the projection, for classes that take one)."""
        if projection is not None and not self.supports_projection:
            raise ValueError(f"{self.name} takes no projection, got {projection!r}")
        extra = {"projection": projection} if self.supports_projection else {}
        return self.build(step_size, **self.settings, **extra)


def _bad(name: str = "step_size", /, **required: object) -> tuple[dict[str, object], ...]:
    bad: tuple[dict[str, object], ...] = (
        {name: -0.1},
        {name: 0.0},
        {name: float("nan")},
        {name: float("inf")},
        {name: "0.1"},
        {name: [0.1, -0.2]},
        {name: []},
        {name: 0.1, "projection": 3},
    )
    return tuple({**required, **kw} for kw in bad)


#: the test settings of the Langevin entries: temperature T = 0.01 and generator seed 0
_LANGEVIN = {"temperature": 0.01, "generator": 0}
_LANGEVIN_REQUIRED = {"temperature": 0.01, "generator": torch.Generator()}


METHODS: dict[str, MethodInfo] = {
    info.name: info
    for info in [
        MethodInfo(
            "sim_gda",
            SimultaneousGDA,
            1,
            stays_away_bilinear=True,
            bad_kwargs=_bad(),
        ),
        MethodInfo(
            "alt_gda",
            AlternatingGDA,
            None,
            stays_away_bilinear=True,
            bad_kwargs=_bad(),
        ),
        MethodInfo(
            "proximal_point",
            ProximalPoint,
            None,
            converges_bilinear=True,
            step_size=0.5,
            batch_atol=1e-9,
            bad_kwargs=(
                *_bad(),
                {"step_size": 0.1, "inner_steps": 0},
                {"step_size": 0.1, "inner_tol": -1.0},
                {"step_size": 0.1, "inner_step_size": 0.0},
            ),
        ),
        MethodInfo(
            "extragradient",
            ExtraGradient,
            2,
            converges_bilinear=True,
            step_size=0.5,
            bad_kwargs=(*_bad(), {"step_size": 0.1, "extrapolation_step": -1.0}),
        ),
        MethodInfo(
            "ogda",
            OptimisticGDA,
            1,
            converges_bilinear=True,
            step_size=0.2,
            bad_kwargs=_bad(),
        ),
        MethodInfo(
            "rfbs",
            ReflectedForwardBackward,
            1,
            converges_bilinear=True,
            step_size=0.2,
            first_call_at_start=False,
            bad_kwargs=_bad(),
        ),
        MethodInfo(
            "eg_plus",
            EGPlus,
            2,
            converges_bilinear=True,
            step_size=0.5,
            bad_kwargs=(*_bad(), {"step_size": 0.1, "alpha": 0.0}, {"step_size": 0.1, "alpha": 1.5}),
        ),
        MethodInfo(
            "ceg_plus",
            CEGPlus,
            2,
            converges_bilinear=True,
            step_size=0.5,
            bad_kwargs=(
                *_bad(),
                {"step_size": 0.1, "alpha": -0.5},
                {"step_size": 0.1, "nu": 1.0},
                {"step_size": 0.1, "tau": 0.0},
                {"step_size": 0.1, "adaptive": 1},
                {"step_size": 0.1, "relaxation": 2.0},
            ),
        ),
        MethodInfo(
            "curvature_eg_plus",
            CEGPlus,
            None,
            settings={"adaptive": True},
            players_decouple=False,
            converges_bilinear=True,
            step_size=0.5,
            bad_kwargs=_bad(),
        ),
        MethodInfo(
            "seg_plus",
            StochasticSEGPlus,
            None,
            settings={"alpha": 0.5},
            converges_bilinear=True,
            step_size=0.5,
            bad_kwargs=(*_bad(), {"step_size": 0.1, "alpha": 1.5}, {"step_size": 0.1, "alpha": 0.0}),
        ),
        MethodInfo(
            "sim_adam",
            SimultaneousAdam,
            1,
            step_size=0.01,
            bad_kwargs=(*_bad(), {"step_size": 0.1, "betas": (0.9, 1.0)}, {"step_size": 0.1, "eps": 0.0}),
        ),
        MethodInfo(
            "extra_adam",
            ExtraAdam,
            2,
            step_size=0.01,
            bad_kwargs=(
                *_bad(),
                {"step_size": 0.1, "betas": (1.0, 0.9)},
                {"step_size": 0.1, "betas": (0.9,)},
                {"step_size": 0.1, "eps": -1.0},
                {"step_size": 0.1, "eps": 0.0},
            ),
        ),
        MethodInfo(
            "optimistic_adam",
            OptimisticAdam,
            1,
            step_size=0.01,
            bad_kwargs=(*_bad(), {"step_size": 0.1, "betas": (0.9, -0.1)}, {"step_size": 0.1, "eps": 0.0}),
        ),
        MethodInfo(
            "langevin_gda",
            LangevinGDA,
            1,
            settings=_LANGEVIN,
            stochastic=True,
            bad_kwargs=(
                *_bad(**_LANGEVIN_REQUIRED),
                {"step_size": 0.1, "temperature": -1.0, "generator": None},
                {"step_size": 0.1, "temperature": float("nan"), "generator": torch.Generator()},
                {"step_size": 0.1, "temperature": 1.0, "generator": "7"},
            ),
        ),
        MethodInfo(
            "preconditioned_langevin_gda",
            PreconditionedLangevinGDA,
            1,
            settings=_LANGEVIN,
            stochastic=True,
            bad_kwargs=(
                *_bad(**_LANGEVIN_REQUIRED),
                {"step_size": 0.1, "temperature": -1.0},
                {"step_size": 0.1, "temperature": 0.1, "generator": None},
                {"step_size": 0.1, "temperature": 0.1, "generator": "7"},
                {"step_size": 0.1, "alpha": 1.0},
                {"step_size": 0.1, "eps": 0.0},
            ),
        ),
        MethodInfo(
            "langevin_mirror_descent",
            LangevinMirrorDescent,
            None,
            settings={**_LANGEVIN, "inner_steps": 2, "beta": 0.9},
            first_call_at_start=False,
            stochastic=True,
            bad_kwargs=(
                *_bad(**_LANGEVIN_REQUIRED),
                {"step_size": 0.1, **_LANGEVIN_REQUIRED, "inner_steps": 0},
                {"step_size": 0.1, **_LANGEVIN_REQUIRED, "inner_steps": 2.5},
                {"step_size": 0.1, **_LANGEVIN_REQUIRED, "beta": 0.0},
                {"step_size": 0.1, **_LANGEVIN_REQUIRED, "beta": 1.5},
                {"step_size": 0.1, "temperature": 0.01, "generator": None},
            ),
        ),
        MethodInfo(
            "langevin_mirror_prox",
            LangevinMirrorProx,
            None,
            settings={**_LANGEVIN, "inner_steps": 1, "beta": 0.9},  # an outer step: 2K = 2 steps
            step_size=0.3,  # 25 outer steps in the generic tests' 50: a larger γ reaches the constrained corner
            first_call_at_start=False,
            stochastic=True,
            bad_kwargs=(
                *_bad(**_LANGEVIN_REQUIRED),
                {"step_size": 0.1, **_LANGEVIN_REQUIRED, "inner_steps": 0},
                {"step_size": 0.1, **_LANGEVIN_REQUIRED, "beta": 0.0},
                {"step_size": 0.1, "temperature": 0.01, "generator": None},
            ),
        ),
        MethodInfo(
            "mirror_descent",
            MirrorDescent,
            1,
            domain="simplex",
            supports_projection=False,
            bad_kwargs=(*_bad()[:-1], {"step_size": 0.1, "mirror_map": 3}),
        ),
        MethodInfo(
            "mirror_prox",
            MirrorProx,
            2,
            domain="simplex",
            supports_projection=False,
            bad_kwargs=(*_bad()[:-1], {"step_size": 0.1, "mirror_map": 3}),
        ),
    ]
}
