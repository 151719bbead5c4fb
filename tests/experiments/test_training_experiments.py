"""Adversarial-training experiments at (reduced) quick size: metrics, claims that must hold there, figures."""

import pytest

from saddle.experiments import registry


def test_pgd_at_far_more_robust_than_erm_on_digits(run_experiment_explicit_rng):
    """Issue 9 'Must show': at quick size PGD-AT's worst-case robust accuracy at ε = 0.1 is far above ERM's."""
    m = run_experiment_explicit_rng("adversarial_training", objectives=("erm", "pgd"))
    erm, pgd = m["table"]["erm"], m["table"]["pgd"]
    assert pgd["worst_last"] > erm["worst_last"] + 0.2
    for row in (erm, pgd):  # worst case ≤ PGD-20 ≤ clean, at both best and last
        assert row["worst_best"] <= row["pgd20_best"] <= row["clean_best"]
        assert row["worst_last"] <= row["pgd20_last"] <= row["clean_last"]
    verdicts = {v.name: v.status for v in registry()["adversarial_training"].check_claims(m, quick=True)}
    assert verdicts["pgd_at_far_above_erm"] == "reproduced"


def test_every_objective_runs_in_the_table(run_experiment_explicit_rng):
    m = run_experiment_explicit_rng("adversarial_training", epochs=1, n_test=60, apgd_steps=2)
    assert set(m["table"]) == set(registry()["adversarial_training"].config().objectives)
    assert all(len(c["pgd20"]) == 1 for c in m["curves"].values())


def test_catastrophic_overfitting_curves(run_experiment_explicit_rng):
    m = run_experiment_explicit_rng("catastrophic_overfitting", epochs=2, n_test=60)
    for name in ("fgsm", "rs_fgsm", "pgd"):
        r = m[name]
        assert len(r["robust_per_epoch"]) == 2 and r["best"] == max(r["robust_per_epoch"])
        assert r["collapsed"] == (r["last"] <= 0.5 * r["best"])


def test_robust_overfitting_gaps(run_experiment_explicit_rng):
    m = run_experiment_explicit_rng("robust_overfitting", epochs=2, n_test=60, n_train=200)
    for name in ("pgd", "beta"):
        assert m[name]["gap"] == pytest.approx(max(m[name]["robust_per_epoch"]) - m[name]["robust_per_epoch"][-1])
    assert m["beta_gap_minus_pgd_gap"] == pytest.approx(m["beta"]["gap"] - m["pgd"]["gap"])


def test_worst_class_is_the_minimum_per_class(run_experiment_explicit_rng):
    m = run_experiment_explicit_rng("worst_class", epochs=2, n_test=100)
    for name in ("erm", "pgd", "cfol"):
        assert m[name]["worst_class"] == min(m[name]["per_class"])
        assert min(m[name]["per_class"]) <= m[name]["average"] <= max(m[name]["per_class"])


def test_danskin_counterexample_and_ddi(run_experiment_explicit_rng):
    m = run_experiment_explicit_rng("danskin")
    assert m["counterexample"]["danskin_is_ascent"] and m["counterexample"]["f_change_along_danskin"] == 1e-3
    assert m["counterexample"]["ddi_direction"] == 0.0
    assert m["ddi"]["mean_suboptimality_last50"] < 0.1 * m["danskin"]["mean_suboptimality_last50"]
