"""saddle.robustness: the notes' ReLU network, initialisations, parametrisations and robustness diagnostics."""

from saddle.robustness.init import INIT_NAMES, InitScheme, init_scheme, init_table
from saddle.robustness.lazy import LazyTracker, layer_ratios, lazy_training_ratio
from saddle.robustness.network import FullyConnectedReLU
from saddle.robustness.parametrization import (AbcParametrization, abc_network, abc_param_groups, mup,
                                               ntk_parametrization, parametrization, standard_parametrization)
from saddle.robustness.stability import (StabilityEstimate, input_jacobian, linear_perturbation_stability,
                                         mean_abs_coordinate_unit_ball, perturbation_stability)

__all__ = ["INIT_NAMES", "InitScheme", "init_scheme", "init_table", "FullyConnectedReLU",
           "AbcParametrization", "abc_network", "abc_param_groups", "mup", "ntk_parametrization",
           "parametrization", "standard_parametrization",
           "StabilityEstimate", "input_jacobian", "linear_perturbation_stability",
           "mean_abs_coordinate_unit_ball", "perturbation_stability",
           "LazyTracker", "layer_ratios", "lazy_training_ratio"]
