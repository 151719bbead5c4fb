"""The experiments of results of the notes that had none (weak-MVI thresholds, matrix games, saddle escape, stochastic
spurious attractors, OT sample complexity, NTK dynamics, minimal perturbations), each run once at its quick size.

Each test checks the mathematics the run's metrics carry (closed forms, bounds, invariants), not only that it ran;
the claims themselves are decided by the claims layer on the same metrics.
"""

import math

from saddle.experiments.base import to_jsonable


def test_weak_mvi_threshold_matches_pethick_lower_bound(run_experiment_explicit_rng):
    m = to_jsonable(run_experiment_explicit_rng("weak_mvi_threshold"))
    for name, entry in m["boundaries"].items():
        assert abs(entry["deviation"]) <= 1e-3, name
    assert m["eg_plus_half_boundary_times_L"] < m["notes_eg_plus_bound_times_L"]  # −1/4 < −1/8: sufficient, not tight
    assert m["rate_vs_spectral_radius_max_error"] < 1e-10  # measured contraction = spectral radius of the update map
    assert m["min_boundary_times_L"] >= -0.5


def test_matrix_games_mirror_descent_and_mirror_prox(run_experiment_explicit_rng):
    m = to_jsonable(run_experiment_explicit_rng("matrix_games"))
    rps = m["games"]["rock-paper-scissors"]
    assert abs(rps["value_lp"]) < 1e-12
    assert rps["md_kl_increases_every_step"]
    assert m["md_average_within_bound_all_games"] and m["mp_average_within_bound_all_games"]
    assert rps["mirror-prox"]["last"][-1] < 1e-6  # RPS converges fast even at quick size


def test_saddle_escape_gd_stalls_perturbed_escapes(run_experiment_explicit_rng):
    m = to_jsonable(run_experiment_explicit_rng("saddle_escape"))
    assert m["gd_manifold_distance_to_saddle"] < 1e-6
    assert m["perturbed_at_minimum"]["mean"] == 1.0 and m["gd_random_start_at_minimum"]["mean"] == 1.0
    assert m["escape_slope_theory"] == 1 / (2 * math.log(1.1))
    assert m["escape_slope_vs_log_d"]["mean"] > 0  # higher dimension, later escape


def test_stochastic_spurious_attractors_and_escape(run_experiment_explicit_rng):
    m = to_jsonable(run_experiment_explicit_rng("stochastic_spurious"))
    for game in ("almost bilinear (ε = 0.1)", "forsaken (c = 0.5)"):
        e = m[game]
        assert e["GDA (Robbins–Monro)"]["on_spurious_attractor"]["mean"] > 0.9
        assert e["stochastic EG"]["on_spurious_attractor"]["mean"] > 0.9
        assert e["BC-SEG+"]["converged"]["mean"] > 0.9
        assert e["BC-SEG+"]["on_spurious_attractor"]["mean"] == 0.0  # the labels exclude each other


def test_ot_sample_complexity_above_the_quantisation_bound(run_experiment_explicit_rng):
    m = to_jsonable(run_experiment_explicit_rng("ot_sample_complexity"))
    assert m["worst_ratio_to_quantization_bound"]["mean"] > 1
    slopes = [m["by_dimension"][str(d)]["slope"]["mean"] for d in (1, 2, 3, 4, 5)]
    assert slopes[0] < slopes[2] < slopes[3] < slopes[4] < 0  # ever slower in higher dimension
    assert abs(m["by_dimension"]["3"]["predicted_slope"] + 1 / 3) < 1e-12


def test_ntk_dynamics_bound_and_constant_kernel(run_experiment_explicit_rng):
    m = to_jsonable(run_experiment_explicit_rng("ntk_dynamics"))
    assert m["bound_holds_widest"]["mean"] == 1.0
    widths = sorted(m["kernel_change"], key=int)
    assert m["kernel_change"][widths[-1]]["mean"] < m["kernel_change"][widths[0]]["mean"]


def test_minimal_perturbation_closed_form_deepfool_and_norms(run_experiment_explicit_rng):
    m = to_jsonable(run_experiment_explicit_rng("minimal_perturbation"))
    a = m["affine"]
    assert a["deepfool_vs_closed_form_max_relative_error"] < 1e-9 and a["deepfool_iterations_max"] == 1
    assert (
        1 - 1e-9 <= a["pgd_over_closed_form_min"] <= a["pgd_over_closed_form_max"] <= m["bisection_resolution"] + 1e-9
    )
    assert m["network"]["deepfool_success"]["mean"] == 1.0
    lp = m["linf_vs_l1"]
    assert abs(lp["largest_pixel_change"]["linf"]["mean"] - 0.1) < 1e-6  # the ℓ∞ attack sits on its budget
