"""saddle.optim: min-max algorithms on one Method protocol (init(params) -> state, step(params, state, field)).

The same Method steps a batch of toy-game trajectories (tensors with leading batch dims) and
nn.Module players through `GameOptimizer`. `METHODS` lists them all for generic tests.

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
from saddle.optim.adam_scaling import AdamScaling, AdamState
from saddle.optim.base import Field, Method, Params, Projection, StepSize, per_player
from saddle.optim.ceg_plus import CEGPlus, CEGPlusState
from saddle.optim.eg_plus import EGPlus
from saddle.optim.extra_adam import ExtraAdam
from saddle.optim.extragradient import ExtraGradient
from saddle.optim.gda import AlternatingGDA, CountState, SimultaneousGDA
from saddle.optim.langevin import LangevinGDA
from saddle.optim.langevin_mirror_descent import LangevinMirrorDescent, LangevinMirrorState
from saddle.optim.mirror import MirrorDescent, MirrorProx, MirrorState
from saddle.optim.optimistic import OptimisticGDA, OptimisticState
from saddle.optim.optimistic_adam import OptimisticAdam, OptimisticAdamState
from saddle.optim.optimizer import GameOptimizer
from saddle.optim.oracles import NoisyField, SphereNoiseField, robbins_monro
from saddle.optim.preconditioned_langevin import PreconditionedLangevinGDA, RMSPropState
from saddle.optim.proximal_point import ProximalPoint
from saddle.optim.reflected import ReflectedForwardBackward, ReflectedState
from saddle.optim.registry import METHODS, MethodInfo
from saddle.optim.seg_plus import SEGPlusState, StochasticSEGPlus, paired_field
from saddle.schedules import Constant, PolynomialDecay, StepDecay

__all__ = [
    "METHODS",
    "AdamScaling",
    "AdamState",
    "AlternatingGDA",
    "CEGPlus",
    "CEGPlusState",
    "Constant",
    "CountState",
    "EGPlus",
    "ExtraAdam",
    "ExtraGradient",
    "Field",
    "GameOptimizer",
    "LangevinGDA",
    "LangevinMirrorDescent",
    "LangevinMirrorState",
    "Method",
    "MethodInfo",
    "MirrorDescent",
    "MirrorProx",
    "MirrorState",
    "NoisyField",
    "OptimisticAdam",
    "OptimisticAdamState",
    "OptimisticGDA",
    "OptimisticState",
    "Params",
    "PolynomialDecay",
    "PreconditionedLangevinGDA",
    "Projection",
    "ProximalPoint",
    "RMSPropState",
    "ReflectedForwardBackward",
    "ReflectedState",
    "SEGPlusState",
    "SimultaneousAdam",
    "SimultaneousGDA",
    "SphereNoiseField",
    "StepDecay",
    "StepSize",
    "StochasticSEGPlus",
    "paired_field",
    "per_player",
    "robbins_monro",
]
