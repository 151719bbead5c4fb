"""saddle.robustness: the notes' ReLU network, initialisations, parametrisations and robustness diagnostics."""

from saddle.robustness.init import INIT_NAMES, InitScheme, init_scheme, init_table
from saddle.robustness.lazy import LazyTracker, layer_ratios, lazy_training_ratio
from saddle.robustness.lipschitz import (
    ReLULayers,
    lipschitz_exact_relu,
    lipschitz_lower_bound,
    lipschitz_upper_bound_product,
    local_lipschitz,
    operator_norm,
    relu_layers,
    relu_regions,
    spectral_norm_power_iteration,
)
from saddle.robustness.lipsdp import LipSDPResult, lipschitz_upper_bound_sdp
from saddle.robustness.nas import Architecture, SearchNet, SearchSpace, eigen_nas, ntk_score
from saddle.robustness.network import FullyConnectedReLU
from saddle.robustness.ntk import (
    empirical_ntk,
    kernel_regression_residuals,
    ntk_matrix,
    ntk_min_eigenvalue,
    ntk_trace,
    ntk_vector_product,
    parameter_jacobian,
    two_layer_relu_ntk,
)
from saddle.robustness.parametrization import (
    AbcParametrization,
    abc_network,
    abc_param_groups,
    mup,
    ntk_parametrization,
    parametrization,
    standard_parametrization,
)
from saddle.robustness.sandwich import RobustnessSandwich, certified_radius, robustness_sandwich
from saddle.robustness.stability import (
    StabilityEstimate,
    input_jacobian,
    linear_perturbation_stability,
    mean_abs_coordinate_unit_ball,
    perturbation_stability,
)

__all__ = [
    "INIT_NAMES",
    "AbcParametrization",
    "Architecture",
    "FullyConnectedReLU",
    "InitScheme",
    "LazyTracker",
    "LipSDPResult",
    "ReLULayers",
    "RobustnessSandwich",
    "SearchNet",
    "SearchSpace",
    "StabilityEstimate",
    "abc_network",
    "abc_param_groups",
    "certified_radius",
    "eigen_nas",
    "empirical_ntk",
    "init_scheme",
    "init_table",
    "input_jacobian",
    "kernel_regression_residuals",
    "layer_ratios",
    "lazy_training_ratio",
    "linear_perturbation_stability",
    "lipschitz_exact_relu",
    "lipschitz_lower_bound",
    "lipschitz_upper_bound_product",
    "lipschitz_upper_bound_sdp",
    "local_lipschitz",
    "mean_abs_coordinate_unit_ball",
    "mup",
    "ntk_matrix",
    "ntk_min_eigenvalue",
    "ntk_parametrization",
    "ntk_score",
    "ntk_trace",
    "ntk_vector_product",
    "operator_norm",
    "parameter_jacobian",
    "parametrization",
    "perturbation_stability",
    "relu_layers",
    "relu_regions",
    "robustness_sandwich",
    "spectral_norm_power_iteration",
    "standard_parametrization",
    "two_layer_relu_ntk",
]
