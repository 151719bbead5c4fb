"""saddle.robustness: the notes' ReLU network, initialisations, parametrisations and robustness diagnostics."""

from saddle.robustness.init import INIT_NAMES, InitScheme, init_scheme, init_table
from saddle.robustness.lazy import LazyTracker, layer_ratios, lazy_training_ratio
from saddle.robustness.lipsdp import LipSDPResult, lipschitz_upper_bound_sdp
from saddle.robustness.lipschitz import (ReLULayers, lipschitz_exact_relu, lipschitz_lower_bound,
                                         lipschitz_upper_bound_product, local_lipschitz, operator_norm, relu_layers,
                                         relu_regions, spectral_norm_power_iteration)
from saddle.robustness.nas import Architecture, SearchNet, SearchSpace, eigen_nas, ntk_score
from saddle.robustness.network import FullyConnectedReLU
from saddle.robustness.ntk import (empirical_ntk, ntk_matrix, ntk_min_eigenvalue, ntk_trace, ntk_vector_product,
                                   parameter_jacobian, two_layer_relu_ntk)
from saddle.robustness.parametrization import (AbcParametrization, abc_network, abc_param_groups, mup,
                                               ntk_parametrization, parametrization, standard_parametrization)
from saddle.robustness.sandwich import RobustnessSandwich, certified_radius, robustness_sandwich
from saddle.robustness.stability import (StabilityEstimate, input_jacobian, linear_perturbation_stability,
                                         mean_abs_coordinate_unit_ball, perturbation_stability)

__all__ = ["INIT_NAMES", "InitScheme", "init_scheme", "init_table", "FullyConnectedReLU",
           "AbcParametrization", "abc_network", "abc_param_groups", "mup", "ntk_parametrization",
           "parametrization", "standard_parametrization",
           "StabilityEstimate", "input_jacobian", "linear_perturbation_stability",
           "mean_abs_coordinate_unit_ball", "perturbation_stability",
           "LazyTracker", "layer_ratios", "lazy_training_ratio",
           "ReLULayers", "relu_layers", "relu_regions", "operator_norm", "spectral_norm_power_iteration",
           "lipschitz_upper_bound_product", "lipschitz_upper_bound_sdp", "LipSDPResult", "lipschitz_lower_bound",
           "lipschitz_exact_relu", "local_lipschitz", "empirical_ntk", "ntk_matrix", "ntk_min_eigenvalue", "ntk_trace", "ntk_vector_product",
           "parameter_jacobian", "two_layer_relu_ntk", "Architecture", "SearchSpace", "SearchNet", "ntk_score",
           "eigen_nas", "RobustnessSandwich", "certified_radius", "robustness_sandwich"]
