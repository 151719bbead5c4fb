"""saddle.analysis: local-Nash tests, update-map Jacobians and spectra, trajectory labels, the weak-MVI constant,
the game's health along a run (‖V‖ per player, potential/rotational parts of ∇V, update-map radius)."""

from saddle.analysis.critical import (
    ATTRACTING,
    CENTRE_OR_DEGENERATE,
    DEGENERATE,
    NOT_CRITICAL,
    NOT_NASH,
    REPELLING,
    SADDLE_OF_V,
    STRICT_NASH,
    CriticalPointReport,
    classify_critical_point,
    field_jacobian,
    field_jacobians,
    nash_labels,
)
from saddle.analysis.health import GameHealth, game_health, jacobian_parts, update_map_radius
from saddle.analysis.jacobian import augmented_step, map_jacobian, spectral_radius, update_jacobian
from saddle.analysis.rollout import rollout
from saddle.analysis.trajectory import (
    CONVERGED,
    DIVERGED,
    LIMIT_CYCLE,
    STILL_MOVING,
    TrajectoryReport,
    classify_trajectory,
)
from saddle.analysis.weak_mvi import (
    WeakMVIEstimate,
    estimate_weak_mvi_rho,
    field_lipschitz_on_grid,
    grid,
    linear_weak_mvi_rho,
    weak_mvi_ratio,
)

__all__ = [
    "ATTRACTING",
    "CENTRE_OR_DEGENERATE",
    "CONVERGED",
    "DEGENERATE",
    "DIVERGED",
    "LIMIT_CYCLE",
    "NOT_CRITICAL",
    "NOT_NASH",
    "REPELLING",
    "SADDLE_OF_V",
    "STILL_MOVING",
    "STRICT_NASH",
    "CriticalPointReport",
    "GameHealth",
    "TrajectoryReport",
    "WeakMVIEstimate",
    "augmented_step",
    "classify_critical_point",
    "classify_trajectory",
    "estimate_weak_mvi_rho",
    "field_jacobian",
    "field_jacobians",
    "field_lipschitz_on_grid",
    "game_health",
    "grid",
    "jacobian_parts",
    "linear_weak_mvi_rho",
    "map_jacobian",
    "nash_labels",
    "rollout",
    "spectral_radius",
    "update_jacobian",
    "update_map_radius",
    "weak_mvi_ratio",
]
