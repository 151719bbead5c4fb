"""saddle.optim: min-max algorithms on one Method protocol (init(params) -> state, step(params, state, field)).

Every Method is an update template (`Template`: GDA, EG, OGDA, ...; the step size lives there, one per
player) applied to a direction (`Identity`, `AdamDirection`, `RMSPropDirection`): ExtraAdam is extragradient
× Adam's direction, OptimisticAdam OGDA × Adam, PreconditionedLangevinGDA Langevin × RMSProp. The same Method
steps a batch of toy-game trajectories (tensors with leading batch dims) and nn.Module players through
`GameOptimizer`, whose param-group lr is each player's step. `METHODS` lists them all: it drives the generic
tests and is the one way to build a method by name (`METHODS["extra_adam"].build(1e-3, betas=(0.5, 0.9))`).

    >>> import torch
    >>> from saddle.optim import ExtraGradient
    >>> eg = ExtraGradient(step_size=0.5)
    >>> z = [torch.ones(10_000, 1, dtype=torch.float64), torch.zeros(10_000, 1, dtype=torch.float64)]
    >>> state = eg.init(z)
    >>> for _ in range(100):                     # min_x max_y xy: V(x, y) = (y, −x)
    ...     z, state = eg.step(z, state, lambda p: [p[1], -p[0]])
    >>> ratio = float(z[0].pow(2).add(z[1].pow(2)).sqrt().max()) / (1 - 0.5**2 + 0.5**4) ** 50
    >>> round(ratio, 12)                         # ‖z_100‖ = sqrt(1 − α² + α⁴)^100 ‖z_0‖ exactly
    1.0

`GameOptimizer([generator, critic], ExtraGradient(1e-3)).step(lambda: [loss_g(), loss_d()])`
drives nn.Module players with the same object; `per_player(Box(-c, c), None)` as `projection`
clips one player's parameters (e.g. WGAN weight clipping) and leaves the other free.
"""

from saddle.optim.adam import SimultaneousAdam
from saddle.optim.base import CountState, Field, Method, Params, Projection, StepSize, StepSizes, per_player
from saddle.optim.ceg_plus import CEGPlus, CEGPlusState
from saddle.optim.directions import AdamDirection, AdamState, Direction, Identity, RMSPropDirection, RMSPropState
from saddle.optim.eg_plus import EGPlus
from saddle.optim.extra_adam import ExtraAdam
from saddle.optim.extragradient import ExtraGradient
from saddle.optim.gda import AlternatingGDA, SimultaneousGDA
from saddle.optim.langevin import LangevinGDA
from saddle.optim.langevin_mirror_descent import (
    LangevinMirrorDescent,
    LangevinMirrorProx,
    LangevinMirrorProxState,
    LangevinMirrorState,
)
from saddle.optim.mirror import MirrorDescent, MirrorProx, MirrorState
from saddle.optim.optimistic import OptimisticGDA, OptimisticState
from saddle.optim.optimistic_adam import OptimisticAdam
from saddle.optim.optimizer import GameOptimizer
from saddle.optim.oracles import NoisyField, SphereNoiseField, robbins_monro
from saddle.optim.preconditioned_langevin import PreconditionedLangevinGDA
from saddle.optim.proximal_point import ProximalPoint
from saddle.optim.reflected import ReflectedForwardBackward, ReflectedState
from saddle.optim.registry import METHODS, MethodInfo
from saddle.optim.seg_plus import SEGPlusState, StochasticSEGPlus, paired_field
from saddle.optim.template import Template
from saddle.schedules import Constant, PolynomialDecay, StepDecay

__all__ = [
    "METHODS",
    "AdamDirection",
    "AdamState",
    "AlternatingGDA",
    "CEGPlus",
    "CEGPlusState",
    "Constant",
    "CountState",
    "Direction",
    "EGPlus",
    "ExtraAdam",
    "ExtraGradient",
    "Field",
    "GameOptimizer",
    "Identity",
    "LangevinGDA",
    "LangevinMirrorDescent",
    "LangevinMirrorProx",
    "LangevinMirrorProxState",
    "LangevinMirrorState",
    "Method",
    "MethodInfo",
    "MirrorDescent",
    "MirrorProx",
    "MirrorState",
    "NoisyField",
    "OptimisticAdam",
    "OptimisticGDA",
    "OptimisticState",
    "Params",
    "PolynomialDecay",
    "PreconditionedLangevinGDA",
    "Projection",
    "ProximalPoint",
    "RMSPropDirection",
    "RMSPropState",
    "ReflectedForwardBackward",
    "ReflectedState",
    "SEGPlusState",
    "SimultaneousAdam",
    "SimultaneousGDA",
    "SphereNoiseField",
    "StepDecay",
    "StepSize",
    "StepSizes",
    "StochasticSEGPlus",
    "Template",
    "paired_field",
    "per_player",
    "robbins_monro",
]
