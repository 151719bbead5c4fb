"""The six game experiments, run below their quick size, reproduce their claims (see each module docstring)."""

import math

import pytest


def test_bilinear_rates_match_closed_forms(run_experiment_explicit_rng):
    m = run_experiment_explicit_rng("bilinear", steps=100)
    assert m["max_abs_error"] < 1e-10 and m["max_jacobian_error"] < 1e-12
    assert m["gda_spirals_out"] and m["others_spiral_in"]
    assert m["GDA"]["label"] == "diverged"


def test_dirac_gan_reproduces_lemmas_and_figure(run_experiment):
    m = run_experiment(
        "dirac_gan", n_h=12, grid_radii=(0.5, 2.0), grid_angles=4, flow_time=40.0, ttur_ratios=(0.1, 10.0)
    )
    assert m["max_deviation"] < 1e-10 and m["unit_circle_iff_alpha_le_2"]
    assert m["sim_norm_monotone_increasing"] and m["alt_label"] == "limit cycle"
    assert abs(m["sim_norm_growth_near_equilibrium"] - m["lemma_2_4_growth"]) < 1e-9
    # Lemma 2.4 on the grid: ‖z_{k+1}‖² = (1 + h²f'(θψ)²)‖z_k‖² to round-off, hence monotone growth
    g = m["sim_grid"]
    assert g["runs"] == 2 * 4 * 6 and g["norm_increasing"] and g["max_dev_growth_identity"] < 1e-13
    # Lemma 2.3: the flow conserves ‖z‖ (d‖z‖²/dt = 0) and turns; it never comes closer than the smallest radius
    f = m["flow"]
    assert f["max_relative_norm_drift"] < 1e-7 and f["min_turns"] >= 1
    assert abs(f["min_distance_to_equilibrium"] - 0.5) < 1e-6
    # two time scales: simultaneous GD's radius is sqrt(1 + h_G h_D f'(0)²) > 1, alternating's 1 (α ≤ 2)
    t = m["two_time_scale"]
    for r in t["runs"]:
        expected = math.sqrt(1 + r["h_G"] * r["h_D"] / 4) if r["method"] == "simultaneous" else 1.0
        assert r["spectral_radius"] == pytest.approx(expected, abs=1e-9)
    assert t["converged_runs"] == 0
    assert m["instance_noise"]["tail_mean_norm_over_seeds"].n == 5


def test_limit_cycles_eg_cycles_and_curvature_eg_plus_escapes(run_experiment_explicit_rng):
    m = run_experiment_explicit_rng("limit_cycles", grid_n=21)
    assert m["eg_limit_cycles"] == m["runs_per_method"] == 6
    assert m["ceg_converged"] == 6
    for game in (
        "almost bilinear (Hsieh Ex. 5.1)",
        "forsaken c=0.5 (Hsieh Ex. 5.2)",
        "forsaken c=0.45 on box (Pethick)",
    ):
        entry = m[game]
        assert entry["CurvatureEG+ from (1, 1)"]["distance_to_target"] < 1e-6
        assert entry["EG from (1, 1)"]["distance_to_target"] > 0.5  # the cycle contains no critical point
    assert m["almost bilinear (Hsieh Ex. 5.1)"]["theorem_covers_it"]


def test_saddles_basins_and_labels(run_experiment_explicit_rng):
    m = run_experiment_explicit_rng("saddles", steps=1500, grid_n=11)
    for method in ("GDA", "EG", "OGDA"):
        assert m["x² − y²"][method]["strict local Nash"] == 1.0
        assert m["monkey x³ − 3xy²"][method]["strict local Nash"] == 0.0
    assert m["weird −x²y² + xy"]["GDA"]["critical, not local Nash"] > 0.8
    assert [p["label"] for p in m["weird −x²y² + xy"]["critical_points"]][1:] == ["critical, not local Nash"] * 4


def test_trap_game_pure_traps_vs_mixed_equilibrium(run_experiment):
    m = run_experiment(
        "trap_game", pure_steps=1000, n_starts=7, strategy_grid=21, mirror_steps=400, particles=40, langevin_steps=300
    )
    assert m["GDA_fraction_in_traps_from_outside_unit_disc"] == 1.0
    assert m["GDA_min_exploitability_in_traps"] >= 1.0 - 1e-9  # on ωx = 1/2 the gap is at least 1
    assert abs(m["lp_value_on_grid"]) < 1e-9
    # Nemirovski's bound for the ergodic mirror-prox average holds, and the mixed pair beats every trap
    assert m["mirror-prox_grid_duality_gap"] <= m["mirror_prox_gap_bound"]
    assert m["mirror-prox_exploitability_on_box"] < 0.5 * m["GDA_min_exploitability_in_traps"]
    assert m["langevin_exploitability_second_half_mean"].mean < 0.5 * m["GDA_min_exploitability_in_traps"]


def test_rates_are_linear_in_kappa_and_ergodic_gaps_one_over_k(run_experiment_explicit_rng):
    m = run_experiment_explicit_rng("rates", max_log2_kappa=5, cc_steps=1000)
    assert m["max_rate_vs_spectral_radius"] < 1e-6
    # N(ε) = c₁κ + c₀ over κ ∈ [2, 32]: every fitted log-log slope is within 0.05 of 1
    assert m["kappa_slope_worst_off_one"].mean < 0.05
    for row in m["convex_concave"].values():
        # the gap of the ergodic average times k stays bounded (O(1/k))
        kg = [k * g for k, g in zip(row["k"], row["gap_of_average"])]
        assert max(kg) < 2 * min(kg)
        assert row["slope"].mean == pytest.approx(-1.0, abs=0.05)
