"""Metrics: optimal-transport distances, mode coverage and other generative-model scores, robust accuracy,
small statistics (mean ± SE, fits)."""

from saddle.metrics.generative import ModeCoverage, classifier_score, critic_w1_estimate, mode_coverage
from saddle.metrics.robust import GradientMaskingWarning, RobustEvaluation, gradient_masking_checks, robust_accuracy
from saddle.metrics.stats import LinearFit, MeanSE, confidence_interval, geometric_mean, linear_fit, loglog_fit, mean_se
from saddle.metrics.transport import wasserstein

__all__ = ["wasserstein", "robust_accuracy", "RobustEvaluation", "gradient_masking_checks", "GradientMaskingWarning",
           "mean_se", "MeanSE", "confidence_interval", "linear_fit", "loglog_fit", "LinearFit", "geometric_mean",
           "ModeCoverage", "mode_coverage", "critic_w1_estimate", "classifier_score"]
