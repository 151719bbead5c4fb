"""saddle.analysis: local-Nash tests, update-map Jacobians and spectra, trajectory labels, the weak-MVI constant."""

from saddle.analysis.critical import (ATTRACTING, CENTRE_OR_DEGENERATE, REPELLING, SADDLE_OF_V, DEGENERATE, NOT_CRITICAL, NOT_NASH, STRICT_NASH, CriticalPointReport,
                                      classify_critical_point, field_jacobian, field_jacobians, nash_labels)
from saddle.analysis.jacobian import map_jacobian, spectral_radius, update_jacobian
from saddle.analysis.rollout import rollout
from saddle.analysis.trajectory import (CONVERGED, DIVERGED, LIMIT_CYCLE, STILL_MOVING, TrajectoryReport,
                                        classify_trajectory)
from saddle.analysis.weak_mvi import (WeakMVIEstimate, estimate_weak_mvi_rho, field_lipschitz_on_grid, grid,
                                      linear_weak_mvi_rho, weak_mvi_ratio)

__all__ = [
    "classify_critical_point", "field_jacobian", "field_jacobians", "nash_labels", "CriticalPointReport", "STRICT_NASH", "DEGENERATE", "NOT_NASH",
    "NOT_CRITICAL", "ATTRACTING", "REPELLING", "SADDLE_OF_V", "CENTRE_OR_DEGENERATE", "update_jacobian", "map_jacobian", "spectral_radius", "classify_trajectory", "TrajectoryReport",
    "CONVERGED", "DIVERGED", "LIMIT_CYCLE", "STILL_MOVING", "estimate_weak_mvi_rho", "weak_mvi_ratio", "grid",
    "linear_weak_mvi_rho", "WeakMVIEstimate", "field_lipschitz_on_grid", "rollout",
]
