"""saddle.theory: deep-learning theory diagnostics of the notes — the bias-free ReLU network, initialisations,
parametrisations (SP, NTK, µP), the neural tangent kernel and kernel regression, lazy training, train-free NAS."""

from saddle.theory.init import INIT_NAMES, InitScheme, init_scheme, init_table
from saddle.theory.lazy import LazyTracker, layer_ratios, lazy_training_ratio
from saddle.theory.nas import Architecture, SearchNet, SearchSpace, eigen_nas, ntk_score
from saddle.theory.network import FullyConnectedReLU, SignalPropagation, signal_propagation
from saddle.theory.ntk import (
    empirical_ntk,
    kernel_regression_residuals,
    ntk_matrix,
    ntk_min_eigenvalue,
    ntk_trace,
    ntk_vector_product,
    parameter_jacobian,
    two_layer_relu_ntk,
)
from saddle.theory.parametrization import (
    AbcParametrization,
    abc_network,
    abc_param_groups,
    mup,
    ntk_parametrization,
    parametrization,
    standard_parametrization,
)

__all__ = [
    "INIT_NAMES",
    "AbcParametrization",
    "Architecture",
    "FullyConnectedReLU",
    "InitScheme",
    "LazyTracker",
    "SearchNet",
    "SearchSpace",
    "SignalPropagation",
    "abc_network",
    "abc_param_groups",
    "eigen_nas",
    "empirical_ntk",
    "init_scheme",
    "init_table",
    "kernel_regression_residuals",
    "layer_ratios",
    "lazy_training_ratio",
    "mup",
    "ntk_matrix",
    "ntk_min_eigenvalue",
    "ntk_parametrization",
    "ntk_score",
    "ntk_trace",
    "ntk_vector_product",
    "parameter_jacobian",
    "parametrization",
    "signal_propagation",
    "standard_parametrization",
    "two_layer_relu_ntk",
]
