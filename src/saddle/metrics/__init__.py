"""Metrics: optimal-transport distances, mode coverage, robust accuracy."""

from saddle.metrics.robust import GradientMaskingWarning, RobustEvaluation, gradient_masking_checks, robust_accuracy
from saddle.metrics.transport import wasserstein

__all__ = ["wasserstein", "robust_accuracy", "RobustEvaluation", "gradient_masking_checks", "GradientMaskingWarning"]
