"""saddle.robustness: Lipschitz bounds (lower, exact, LipSDP, product), perturbation stability and certificates."""

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
from saddle.robustness.sandwich import RobustnessSandwich, certified_radius, robustness_sandwich
from saddle.robustness.stability import (
    StabilityEstimate,
    input_jacobian,
    linear_perturbation_stability,
    mean_abs_coordinate_unit_ball,
    perturbation_stability,
)

__all__ = [
    "LipSDPResult",
    "ReLULayers",
    "RobustnessSandwich",
    "StabilityEstimate",
    "certified_radius",
    "input_jacobian",
    "linear_perturbation_stability",
    "lipschitz_exact_relu",
    "lipschitz_lower_bound",
    "lipschitz_upper_bound_product",
    "lipschitz_upper_bound_sdp",
    "local_lipschitz",
    "mean_abs_coordinate_unit_ball",
    "operator_norm",
    "perturbation_stability",
    "relu_layers",
    "relu_regions",
    "robustness_sandwich",
    "spectral_norm_power_iteration",
]
