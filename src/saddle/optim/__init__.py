"""saddle.optim: min-max algorithms on one Method protocol (init(params) -> state, step(params, state, field)).

The same Method steps a batch of toy-game trajectories (tensors with leading batch dims) and
nn.Module players through `GameOptimizer`. `METHODS` lists them all for generic tests.
"""

from saddle.optim.adam_scaling import AdamScaling
from saddle.optim.base import Field, Method, Params, Projection, StepSize, per_player
from saddle.optim.ceg_plus import CEGPlus, CEGPlusState
from saddle.optim.eg_plus import EGPlus
from saddle.optim.extra_adam import AdamState, ExtraAdam
from saddle.optim.extragradient import ExtraGradient
from saddle.optim.gda import AlternatingGDA, CountState, SimultaneousGDA
from saddle.optim.mirror import MirrorDescent, MirrorProx, MirrorState
from saddle.optim.optimistic import OptimisticGDA, OptimisticState
from saddle.optim.optimistic_adam import OptimisticAdam, OptimisticAdamState
from saddle.optim.optimizer import GameOptimizer
from saddle.optim.oracles import NoisyField, robbins_monro
from saddle.optim.proximal_point import ProximalPoint
from saddle.optim.reflected import ReflectedForwardBackward, ReflectedState
from saddle.optim.registry import METHODS, MethodInfo
from saddle.optim.schedules import Constant, PolynomialDecay, StepDecay
from saddle.optim.seg_plus import SEGPlusState, StochasticSEGPlus, paired_field

__all__ = [
    "Method", "Field", "Params", "Projection", "StepSize", "per_player",
    "SimultaneousGDA", "AlternatingGDA", "ProximalPoint", "ExtraGradient", "OptimisticGDA",
    "ReflectedForwardBackward", "EGPlus", "CEGPlus", "StochasticSEGPlus", "ExtraAdam", "OptimisticAdam",
    "MirrorDescent", "MirrorProx", "AdamScaling", "NoisyField", "robbins_monro", "paired_field",
    "Constant", "PolynomialDecay", "StepDecay", "GameOptimizer", "METHODS", "MethodInfo",
    "CountState", "OptimisticState", "ReflectedState", "CEGPlusState", "SEGPlusState", "AdamState",
    "OptimisticAdamState", "MirrorState",
]
