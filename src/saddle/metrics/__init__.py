"""Metrics: optimal-transport distances, mode coverage and other generative-model scores, robust accuracy,
small statistics (mean ± SE, fits)."""

from saddle.metrics.generative import ModeCoverage, classifier_score, critic_w1_estimate, mode_coverage
from saddle.metrics.robust import GradientMaskingWarning, RobustEvaluation, gradient_masking_checks, robust_accuracy
from saddle.metrics.stats import LinearFit, MeanSE, confidence_interval, geometric_mean, linear_fit, loglog_fit, mean_se
from saddle.metrics.transport import uniform_quantization_bound, wasserstein

__all__ = [
    "GradientMaskingWarning",
    "LinearFit",
    "MeanSE",
    "ModeCoverage",
    "RobustEvaluation",
    "classifier_score",
    "confidence_interval",
    "critic_w1_estimate",
    "geometric_mean",
    "gradient_masking_checks",
    "linear_fit",
    "loglog_fit",
    "mean_se",
    "mode_coverage",
    "robust_accuracy",
    "uniform_quantization_bound",
    "wasserstein",
]
