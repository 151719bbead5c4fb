"""The result records of saddle.metrics on cases with known answers: a line fit against scipy, mode coverage of
the centres themselves, the robust evaluation at ε = 0, and the gradient-masking report of a sound attack."""

import numpy as np
import pytest
import torch
from scipy.stats import linregress
from torch import nn

from saddle.attacks import ProjectedGradientAttack
from saddle.data.toy import ring_centers
from saddle.metrics import (
    LinearFit,
    ModeCoverage,
    RobustEvaluation,
    gradient_masking_checks,
    linear_fit,
    mode_coverage,
    robust_accuracy,
)
from saddle.metrics.robust import MaskingReport

DT = torch.float64


def test_linear_fit_agrees_with_scipy_linregress():
    rng = np.random.default_rng(0)
    x = np.linspace(0, 3, 25)
    y = 1.5 - 0.7 * x + 0.1 * rng.standard_normal(25)
    fit, ref = linear_fit(x, y), linregress(x, y)
    assert isinstance(fit, LinearFit) and fit.n == 25
    assert fit.slope == pytest.approx(ref.slope, rel=1e-12) and fit.intercept == pytest.approx(ref.intercept, rel=1e-12)
    assert fit.slope_se == pytest.approx(ref.stderr, rel=1e-10)
    assert fit.intercept_se == pytest.approx(ref.intercept_stderr, rel=1e-10)
    np.testing.assert_allclose(fit.predict([0.0, 1.0]), [fit.intercept, fit.intercept + fit.slope])


def test_mode_coverage_of_the_centres_themselves():
    c = ring_centers(8, 2.0)
    cov = mode_coverage(c.repeat(10, 1), c, std=0.05)
    assert isinstance(cov, ModeCoverage)
    assert cov.modes_captured == cov.n_modes == 8 and cov.captured == [True] * 8 and cov.counts == [10] * 8
    assert cov.high_quality == 1.0 and cov.reverse_kl == pytest.approx(0.0, abs=1e-12)  # q = p = uniform


def test_robust_evaluation_at_eps_zero_is_the_clean_evaluation():
    torch.manual_seed(0)
    model = nn.Linear(4, 3).double()
    x = torch.rand(50, 4, generator=torch.Generator().manual_seed(1), dtype=DT)
    y = torch.randint(0, 3, (50,), generator=torch.Generator().manual_seed(2))
    ev = robust_accuracy(model, x, y, ProjectedGradientAttack(0.0), show_progress=False)
    correct = model(x).argmax(-1) == y
    assert isinstance(ev, RobustEvaluation)
    assert ev.clean_accuracy == ev.robust_accuracy == pytest.approx(float(correct.double().mean()))
    assert torch.equal(ev.robust, correct) and torch.equal(ev.x_adv, x)
    assert ev.broken_by.get("clean", 0) == int((~correct).sum()) and sum(ev.broken_by.values()) == int((~correct).sum())
    assert "Tensor" not in repr(ev)  # the tensors stay out of the repr


def test_masking_report_of_a_sound_attack_on_a_linear_model():
    torch.manual_seed(3)
    model = nn.Linear(4, 3).double()
    x = torch.rand(40, 4, generator=torch.Generator().manual_seed(4), dtype=DT)
    with torch.no_grad():
        y = model(x).argmax(-1)

    def pgd(eps):
        return ProjectedGradientAttack(eps, steps=10, box=None, generator=torch.Generator().manual_seed(5))

    report = gradient_masking_checks(model, x, y, pgd, [1.0, 0.0, 0.2])
    assert isinstance(report, MaskingReport)
    assert report.eps == [0.0, 0.2, 1.0] and report.clean_accuracy == 1.0
    assert report.robust_accuracy[0] == 1.0 and report.robust_accuracy == sorted(report.robust_accuracy, reverse=True)
    assert report.failed == [] and report.robust_accuracy[-1] == 0.0 and report.random_search_accuracy == []
