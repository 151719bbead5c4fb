"""Adversarial-training experiments at quick size: the statistics over seeds are what their definitions say."""

import pytest


def _per_seed_mean(values):
    return sum(values) / len(values)


def test_adversarial_training_table_is_ordered_and_its_statistics_are_paired(run_experiment_explicit_rng):
    m = run_experiment_explicit_rng("adversarial_training", seeds=2)
    assert list(m["table"]) == ["fgsm", "pgd2", "beta1", "beta2"]
    for row in m["table"].values():  # worst case ≤ PGD-20 ≤ clean, at both best and last, for every seed's mean
        for when in ("best", "last"):
            assert row[f"worst_{when}"].mean <= row[f"pgd20_{when}"].mean <= row[f"clean_{when}"].mean
        assert row["worst_last"].n == 2 and len(row["monitor_per_epoch"]) == 2
        assert all(len(c) == 2 for c in row["monitor_per_epoch"])
    diff = m["pgd_minus_fgsm_worst_last"]
    assert diff.mean == pytest.approx(m["table"]["pgd2"]["worst_last"].mean - m["table"]["fgsm"]["worst_last"].mean)
    assert -1 <= m["beta_k_rank_corr"] <= 1 and 0 <= m["beta_k_rank_corr_p"] <= 1
    assert set(m["beta_worst_last_by_k"]) == {"1", "2"}


def test_adversarial_training_labels_follow_the_notes():
    from saddle.experiments.adversarial_training import SEED_003_ROWS, label

    assert [label(s) for s in SEED_003_ROWS] == [
        "FGSM-AT",
        "PGD-AT^10",
        "TRADES^10",
        "MART^10",
        "BETA-AT^5",
        "BETA-AT^10",
        "BETA-AT^20",
    ]


def test_catastrophic_overfitting_records_per_seed_curves_and_the_collapse_statistic(run_experiment_explicit_rng):
    m = run_experiment_explicit_rng("catastrophic_overfitting", seeds=2)
    for name in ("fgsm", "rs_fgsm", "pgd"):
        r = m[name]
        assert len(r["monitor_pgd_per_epoch"]) == 2 and all(len(c) == 2 for c in r["monitor_pgd_per_epoch"])
        for pgd, worst in zip(r["monitor_pgd_per_epoch"], r["monitor_worst_per_epoch"]):
            assert all(w <= p for p, w in zip(pgd, worst))  # APGD only removes points PGD left
        half = [0.5 * b - la for b, la in zip(r["best_worst_per_seed"], r["last_worst_per_seed"])]
        assert r["half_best_minus_last"].mean == pytest.approx(_per_seed_mean(half))
        assert r["last_minus_half_best"].mean == pytest.approx(-_per_seed_mean(half))
        assert r["last_worst"].mean <= r["last_pgd20"].mean <= r["last_clean"].mean
    assert m["rs_fgsm_minus_fgsm_last"].n == 2


def test_robust_overfitting_gaps_are_best_minus_last_per_seed(run_experiment_explicit_rng):
    m = run_experiment_explicit_rng("robust_overfitting", seeds=2)
    for name in ("pgd", "beta"):
        r = m[name]
        assert r["gap"].mean == pytest.approx(r["best"].mean - r["last"].mean)
        assert len(r["gap_per_seed"]) == 2 and all(1 <= e <= 2 for e in r["best_epoch"])
    want = [a - b for a, b in zip(m["pgd"]["gap_per_seed"], m["beta"]["gap_per_seed"])]
    assert m["pgd_gap_minus_beta_gap"].mean == pytest.approx(_per_seed_mean(want))


def test_worst_class_is_at_most_every_class_and_the_average(run_experiment_explicit_rng):
    m = run_experiment_explicit_rng("worst_class")
    for name in ("erm", "pgd", "cfol"):
        r = m[name]
        # the mean of per-seed minima is at most the minimum of per-class means, which is at most their mean
        assert r["worst_class"].mean <= min(c.mean for c in r["per_class"]) + 1e-12
        assert r["worst_class"].mean <= r["average"].mean <= r["clean"].mean
    assert m["cfol_minus_pgd_worst_class"].mean == pytest.approx(
        m["cfol"]["worst_class"].mean - m["pgd"]["worst_class"].mean
    )


def test_danskin_counterexample_and_ddi(run_experiment_explicit_rng):
    m = run_experiment_explicit_rng("danskin")
    assert m["counterexample"]["danskin_is_ascent"] and m["counterexample"]["f_change_along_danskin"] == 1e-3
    assert m["counterexample"]["ddi_direction"] == 0.0
    assert m["ddi"]["mean_suboptimality_last50"] < 0.1 * m["danskin"]["mean_suboptimality_last50"]


def test_the_trio_runs_on_user_cifar10_files_with_a_normalised_three_channel_network(run_experiment, tmp_path):
    """data=cifar10 reads the python pickles the test writes (torchvision layout); 3 × 32 × 32 images reach a
    network with InputNormalization in front, and the threat model stays in pixel space."""
    import pickle

    import numpy as np

    rng = np.random.default_rng(0)
    base = tmp_path / "cifar-10-batches-py"
    base.mkdir()
    for name in [f"data_batch_{i}" for i in range(1, 6)] + ["test_batch"]:
        labels = (np.arange(40) % 10).tolist()
        with open(base / name, "wb") as f:
            pickle.dump({b"data": rng.integers(0, 256, (40, 3072), dtype=np.uint8), b"labels": labels}, f)
    m = run_experiment(
        "catastrophic_overfitting",
        data="cifar10",
        data_root=str(tmp_path),
        normalize=True,
        eps=8 / 255,
        objectives=("fgsm",),
    )
    assert m["fgsm"]["last_worst"].n == 1 and 0 <= m["fgsm"]["last_clean"].mean <= 1
