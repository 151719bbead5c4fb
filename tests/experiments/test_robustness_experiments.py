"""The robustness / deep-learning-theory experiments, run below their quick size, reproduce their claims."""

import math

import pytest

from saddle.experiments import registry


def test_init_table_experiment_small(run_experiment_explicit_rng):
    """Layer ratios ‖h^(l)‖²/‖h^(l−1)‖² match m β²/2; LeCun shrinks by exactly 1/√2 per layer relative to He."""
    metrics = run_experiment_explicit_rng("init_table", width=128, depth=6, seeds=3)
    assert metrics["recursion_holds_within_5se"]
    f = metrics["hidden_layer_rms_factor"]
    assert f["lecun"] == pytest.approx(f["he"] / math.sqrt(2), rel=1e-4)
    assert f["mean_field"] == pytest.approx(f["he"] * math.sqrt(128 / 2), rel=1e-4)
    assert metrics["table"]["ntk"]["betaL_sq"] == 1.0 and metrics["table"]["mean_field"]["alpha"] == 128


def test_lazy_training_experiment_small(run_experiment_explicit_rng):
    """NTK scaling: κ shrinks with width; mean-field scaling: κ of order one at every width."""
    m = run_experiment_explicit_rng("lazy_training", widths=(16, 64, 256), steps=100, n_points=128)
    assert all(m["claims"].values()), m["claims"]
    for s in ("ntk", "mean_field"):
        for w, (first, last) in m["loss_first_last"][s].items():
            assert last < first, (s, w)  # both scalings actually train


def test_lipschitz_experiment_claims_hold_at_small_size(run_experiment_explicit_rng):
    m = run_experiment_explicit_rng(
        "lipschitz",
        n_nets=2,
        ascent_starts=8,
        ascent_steps=10,
        hidden=8,
        epochs=2,
        n_test=100,
        eps=(0.0, 0.5),
        attack_steps=5,
    )
    assert all(m["claims"].values()), m["claims"]


def test_perturbation_stability_experiment_quick(run_experiment_explicit_rng):
    """At --quick size: the trained P/ε falls with width beyond the peak (the table's ↘ for m ≫ L³) while wide nets
    are lazy (κ < 1) and narrow ones are not; at init LeCun/NTK are He times exact factors; depth's LeCun benefit
    is an initialisation effect that training to equal loss removes. Margins are the run's own SE over seeds."""
    m = run_experiment_explicit_rng("perturbation_stability")
    cells, s = m["width_sweep"][2], m["width_summary"][2]
    # width: every trained cell from m = 16 on fits, the peak is the narrowest such width and P/ε drops to m = 1024
    assert s["widths_used"] == [16, 64, 256, 1024] and s["peak_width"] == 16
    assert s["eventually_decreases"] and s["drop_peak_to_widest"] > 3 * s["drop_se"]
    assert s["loglog_slope_m_ge_L3"] < 0
    # lazy-training ratio: narrow nets move their weights by more than their size, wide ones by less
    kappas = [cells[w]["kappa"] for w in s["widths_used"]]
    assert kappas == sorted(kappas, reverse=True) and kappas[0] > 1 > kappas[-1]
    # at initialisation width changes P/ε far less than training does (bound's √(1/p) regime at m ≫ L³)
    init_change = abs(cells[1024]["init"] - cells[16]["init"])
    assert init_change < 0.1 * s["drop_peak_to_widest"]
    # exact identities at initialisation (same draws): LeCun = He·2^{-L/2}, NTK = He·sqrt(p/2)
    sl = m["depth_slopes"]
    assert sl["init_lecun"]["slope"] == pytest.approx(sl["init_he"]["slope"] - math.log(2) / 2, abs=1e-4)
    assert m["claims"]["depth (init): helps under lecun (slope < -2 SE)"]
    d = m["depth_sweep"]
    assert d["ntk"][4]["init"] / d["he"][4]["init"] == pytest.approx(math.sqrt(64 / 2), rel=1e-4)
    # after training to the same loss the LeCun depth benefit is gone (the claim holds only at initialisation)
    assert not m["claims"]["depth (trained): helps under lecun (slope < -2 SE)"]
    assert d["lecun"][4]["reached_all"] and d["lecun"][4]["trained"] > 0.5 * d["he"][4]["trained"]
    assert m["mean_test_accuracy_reached"] > 0.9


def test_mup_transfer_experiment_small(run_experiment_explicit_rng):
    """µP: best learning rate the same at widths 16 and 256; SP: it moves down by >= 2 octaves."""
    m = run_experiment_explicit_rng("mup_transfer", steps=60, log2_lrs=tuple(range(-8, 3)))
    assert all(m["claims"].values()), (m["best_log2_lr"], m["claims"])
    # transferring the small width's best rate costs little under µP and a lot under SP
    assert m["mup_loss_at_transferred_lr"] < 1.5 * m["mup_best_loss_largest_width"]
    sp = m["sp_loss_at_transferred_lr"]
    assert sp == "inf" or sp > 1.5 * m["sp_best_loss_largest_width"]


def test_ntk_experiment_claims_hold_at_small_size(run_experiment_explicit_rng):
    m = run_experiment_explicit_rng(
        "ntk",
        widths=(16, 256, 4096),
        n_points=8,
        seeds_per_width=2,
        depths=(2, 3),
        depth_width=32,
        depth_points=8,
        seeds_per_depth=1,
    )
    assert all(m["claims"].values()), m


def test_eigen_nas_experiment_runs_and_reports_consistent_metrics(run_experiment_explicit_rng):
    m = run_experiment_explicit_rng("eigen_nas", n_archs=4, top_k=2, epochs=1, ntk_batch=8)
    scores = [r["score"] for r in m["architectures"]]
    top2 = sorted(m["architectures"], key=lambda r: -r["score"])[:2]
    assert m["pick"] == max(top2, key=lambda r: r["val_accuracy"]) and -1 <= m["spearman"] <= 1
    assert all(s > 0 for s in scores)


@pytest.mark.parametrize(
    "name, override, message",
    [
        ("init_table", {"depth": "1"}, "depth must be >= 2"),
        ("init_table", {"beta_c": "-1"}, "beta_c must be finite and > 0"),
        ("lazy_training", {"widths": "16"}, "at least two widths"),
        ("lazy_training", {"n_points": "5000"}, "n_points must be <= 1437"),
        ("lazy_training", {"step_size": "0"}, "step_size must be finite and > 0"),
        ("perturbation_stability", {"depths": "1,4"}, "depths must be >= 2"),
        ("perturbation_stability", {"inits": "he,bogus"}, "inits must be one of"),
        ("perturbation_stability", {"eps": "-0.5"}, "eps must be finite and > 0"),
        ("perturbation_stability", {"widths": "16"}, "at least two widths"),
        ("perturbation_stability", {"momentum": "1.0"}, "momentum must be in"),
        ("perturbation_stability", {"seeds": "1"}, "seeds must be >= 2"),
        ("perturbation_stability", {"width_depths": "1,2"}, "width_depths must be >= 2"),
        ("mup_transfer", {"depth": "1"}, "depth must be >= 2"),
        ("mup_transfer", {"log2_lrs": "0,1"}, "at least three learning rates"),
        ("mup_transfer", {"steps": "0"}, "steps must be finite and > 0"),
        ("linear_attack", {"ridge": "0"}, "ridge must be > 0"),
    ],
)
def test_experiments_reject_bad_config(name, override, message):
    with pytest.raises(ValueError, match=message):
        registry()[name].make_config(overrides=override)
