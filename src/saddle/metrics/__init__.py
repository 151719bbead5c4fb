"""Metrics: optimal-transport distances, mode coverage and other generative-model scores, robust accuracy and the
standard robustness evaluation (AutoAttack's cascade and checks), small statistics (mean ± SE, fits)."""

from saddle.metrics.evaluation import (
    AttackSuite,
    ExpectationOverTransformation,
    RandomisedModelWarning,
    StandardEvaluation,
    is_randomised,
    standard_evaluation,
)
from saddle.metrics.generative import ModeCoverage, classifier_score, critic_w1_estimate, mode_coverage
from saddle.metrics.robust import (
    GradientMaskingWarning,
    RobustEvaluation,
    SuccessCriterion,
    attack_success,
    gradient_masking_checks,
    robust_accuracy,
    robust_accuracy_curves,
)
from saddle.metrics.spectrum import band_power, radial_bands
from saddle.metrics.stats import (
    LinearFit,
    MeanSE,
    batch_means,
    confidence_interval,
    geometric_mean,
    linear_fit,
    loglog_fit,
    mean_se,
    mean_se_by_key,
    seeds_needed,
    slopes,
    spearman_permutation_pvalue,
)
from saddle.metrics.transport import uniform_quantization_bound, wasserstein

__all__ = [
    "AttackSuite",
    "ExpectationOverTransformation",
    "GradientMaskingWarning",
    "LinearFit",
    "MeanSE",
    "ModeCoverage",
    "RandomisedModelWarning",
    "RobustEvaluation",
    "StandardEvaluation",
    "SuccessCriterion",
    "attack_success",
    "band_power",
    "batch_means",
    "classifier_score",
    "confidence_interval",
    "critic_w1_estimate",
    "geometric_mean",
    "gradient_masking_checks",
    "is_randomised",
    "linear_fit",
    "loglog_fit",
    "mean_se",
    "mean_se_by_key",
    "mode_coverage",
    "radial_bands",
    "robust_accuracy",
    "robust_accuracy_curves",
    "seeds_needed",
    "slopes",
    "spearman_permutation_pvalue",
    "standard_evaluation",
    "uniform_quantization_bound",
    "wasserstein",
]
