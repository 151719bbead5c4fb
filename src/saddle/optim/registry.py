"""METHODS: every algorithm of saddle.optim with the facts generic tests and experiments need.

Like torch's OptimizerInfo: one entry per method; differences are data on the entry, not branches.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import torch

from saddle.optim.adam import SimultaneousAdam
from saddle.optim.base import Method, Projection, StepSize
from saddle.optim.ceg_plus import CEGPlus
from saddle.optim.eg_plus import EGPlus
from saddle.optim.extra_adam import ExtraAdam
from saddle.optim.extragradient import ExtraGradient
from saddle.optim.gda import AlternatingGDA, SimultaneousGDA
from saddle.optim.langevin import LangevinGDA
from saddle.optim.langevin_mirror_descent import LangevinMirrorDescent
from saddle.optim.mirror import MirrorDescent, MirrorProx
from saddle.optim.optimistic import OptimisticGDA
from saddle.optim.optimistic_adam import OptimisticAdam
from saddle.optim.preconditioned_langevin import PreconditionedLangevinGDA
from saddle.optim.proximal_point import ProximalPoint
from saddle.optim.reflected import ReflectedForwardBackward
from saddle.optim.seg_plus import StochasticSEGPlus

__all__ = ["METHODS", "MethodInfo"]


@dataclass(frozen=True)
class MethodInfo:
    """What a generic test or experiment needs to know about a method.

    factory(step_size, projection) builds it (mirror methods take no projection);
    field_calls_per_step: calls of `field` per step (None: varies, e.g. inner loops, backtracking);
    domain: 'euclidean' (any real params) or 'simplex' (probability vectors, mirror maps);
    converges_bilinear: provably converges on min_x max_y xy with `step_size`;
    stays_away_bilinear: provably never approaches the equilibrium of xy (GDA expands, alternating GDA
    conserves a positive-definite energy); neither flag means no claim (e.g. the Adam variants);
    step_size: a step that converges on the strongly monotone Φ = x²/2 + xy − y²/2 (L = sqrt 2);
    first_call_at_start: the first field call of a step is at the current params (so GameOptimizer.step
    returns the losses there); RFBS first evaluates the reflection 2z_k − z_{k−1};
    batch_atol: how far a batched trajectory may differ from the same one run alone (float64);
    stochastic: the step draws noise (from a generator the factory seeds afresh, so two factory calls give the
    same run); its iterates do not converge to a point, a batch does not equal its trajectories run alone,
    so the generic tests that need determinism skip it (GameOptimizer's state_dict carries the generator's state,
    so a resumed run is still exact);
    bad_kwargs: constructor arguments that must raise ValueError.
    """

    name: str
    factory: Callable[..., Method]
    field_calls_per_step: int | None
    domain: str = "euclidean"
    supports_projection: bool = True
    converges_bilinear: bool = False
    stays_away_bilinear: bool = False
    step_size: float = 0.1
    batch_atol: float = 0.0
    first_call_at_start: bool = True
    stochastic: bool = False
    bad_kwargs: tuple[dict, ...] = field(default_factory=tuple)


def _bad(name: str = "step_size", /, **required: object) -> tuple[dict[str, object], ...]:
    return tuple(
        {**required, **kw}
        for kw in (
            {name: -0.1},
            {name: 0.0},
            {name: float("nan")},
            {name: float("inf")},
            {name: "0.1"},
            {name: 0.1, "projection": 3},
        )
    )


def _langevin_gda(step_size: StepSize, projection: Projection | None = None) -> LangevinGDA:
    """Langevin GDA at temperature T = 0.01 with a generator seeded 0 (a fresh one per call: same call, same run)."""
    return LangevinGDA(step_size, 0.01, torch.Generator().manual_seed(0), projection=projection)


def _preconditioned_langevin_gda(
    step_size: StepSize, projection: Projection | None = None
) -> PreconditionedLangevinGDA:
    """RMSProp-preconditioned Langevin GDA at T = 0.01 with a fresh generator seeded 0 per call."""
    return PreconditionedLangevinGDA(step_size, 0.01, torch.Generator().manual_seed(0), projection=projection)


def _langevin_mirror_descent(step_size: StepSize, projection: Projection | None = None) -> LangevinMirrorDescent:
    """Mirror-GAN's loop with K = 2 SGLD steps per outer step, β = 0.9, T = 0.01, a generator seeded 0 per call."""
    return LangevinMirrorDescent(step_size, 0.01, torch.Generator().manual_seed(0), 2, 0.9, projection=projection)


_LANGEVIN_REQUIRED = {"temperature": 0.01, "generator": torch.Generator()}


METHODS: dict[str, MethodInfo] = {
    info.name: info
    for info in [
        MethodInfo(
            "sim_gda",
            lambda step_size, projection=None: SimultaneousGDA(step_size, projection=projection),
            1,
            stays_away_bilinear=True,
            bad_kwargs=_bad(),
        ),
        MethodInfo(
            "alt_gda",
            lambda step_size, projection=None: AlternatingGDA(step_size, projection=projection),
            None,
            stays_away_bilinear=True,
            bad_kwargs=_bad(),
        ),
        MethodInfo(
            "proximal_point",
            lambda step_size, projection=None: ProximalPoint(step_size, projection=projection),
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
            lambda step_size, projection=None: ExtraGradient(step_size, projection=projection),
            2,
            converges_bilinear=True,
            step_size=0.5,
            bad_kwargs=(*_bad(), {"step_size": 0.1, "extrapolation_step": -1.0}),
        ),
        MethodInfo(
            "ogda",
            lambda step_size, projection=None: OptimisticGDA(step_size, projection=projection),
            1,
            converges_bilinear=True,
            step_size=0.2,
            bad_kwargs=_bad(),
        ),
        MethodInfo(
            "rfbs",
            lambda step_size, projection=None: ReflectedForwardBackward(step_size, projection=projection),
            1,
            converges_bilinear=True,
            step_size=0.2,
            first_call_at_start=False,
            bad_kwargs=_bad(),
        ),
        MethodInfo(
            "eg_plus",
            lambda step_size, projection=None: EGPlus(step_size, projection=projection),
            2,
            converges_bilinear=True,
            step_size=0.5,
            bad_kwargs=(*_bad(), {"step_size": 0.1, "alpha": 0.0}, {"step_size": 0.1, "alpha": 1.5}),
        ),
        MethodInfo(
            "ceg_plus",
            lambda step_size, projection=None: CEGPlus(step_size, projection=projection),
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
            lambda step_size, projection=None: CEGPlus(step_size, adaptive=True, projection=projection),
            None,
            converges_bilinear=True,
            step_size=0.5,
            bad_kwargs=_bad(),
        ),
        MethodInfo(
            "seg_plus",
            lambda step_size, projection=None: StochasticSEGPlus(step_size, alpha=0.5, projection=projection),
            None,
            converges_bilinear=True,
            step_size=0.5,
            bad_kwargs=(*_bad(), {"step_size": 0.1, "alpha": 1.5}, {"step_size": 0.1, "alpha": 0.0}),
        ),
        MethodInfo(
            "sim_adam",
            lambda step_size, projection=None: SimultaneousAdam(step_size, projection=projection),
            1,
            step_size=0.01,
            bad_kwargs=(*_bad(), {"step_size": 0.1, "betas": (0.9, 1.0)}, {"step_size": 0.1, "eps": 0.0}),
        ),
        MethodInfo(
            "extra_adam",
            lambda step_size, projection=None: ExtraAdam(step_size, projection=projection),
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
            lambda step_size, projection=None: OptimisticAdam(step_size, projection=projection),
            1,
            step_size=0.01,
            bad_kwargs=(*_bad(), {"step_size": 0.1, "betas": (0.9, -0.1)}, {"step_size": 0.1, "eps": 0.0}),
        ),
        MethodInfo(
            "langevin_gda",
            _langevin_gda,
            1,
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
            _preconditioned_langevin_gda,
            1,
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
            _langevin_mirror_descent,
            None,
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
            "mirror_descent",
            lambda step_size: MirrorDescent(step_size),
            1,
            domain="simplex",
            supports_projection=False,
            bad_kwargs=(*_bad()[:-1], {"step_size": 0.1, "mirror_map": 3}),
        ),
        MethodInfo(
            "mirror_prox",
            lambda step_size: MirrorProx(step_size),
            2,
            domain="simplex",
            supports_projection=False,
            bad_kwargs=(*_bad()[:-1], {"step_size": 0.1, "mirror_map": 3}),
        ),
    ]
}
