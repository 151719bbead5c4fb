"""The four diffusion experiments run at (or below) quick size and show their claimed outcome."""

from saddle.diffusion import SAMPLERS


def test_tweedie_one_step_averages_progressive_does_not(run_experiment):
    m = run_experiment("tweedie", n_test=20, n_steps=30, sigmas=(0.1, 20.0))["largest_sigma"]
    assert m["one_step_n_eff"] > 100 and m["progressive_n_eff"] < 1.5
    assert m["progressive_rms_to_nearest"] < 0.2 * m["one_step_rms_to_nearest"]


def test_score_matching_fisher_weakness(run_experiment):
    m = run_experiment("score_matching", train_steps=20, langevin_chains=500, langevin_steps=300)
    # J(π‖µ) is tiny (5 SE above its estimate is still < 0.01) while Langevin misses the 0.8 mode mass by far
    assert m["fisher_pi_mu"] + 5 * m["fisher_pi_mu_se"] < 0.01
    assert abs(m["langevin_left_mass"] - 0.8) > 5 * m["langevin_left_mass_se"] + 0.1
    assert all(v < m["true_score_norm2"] for v in m["fisher_divergence"].values())  # all learned something


def test_diffusion_2d_samples_beat_the_prior_at_the_registered_cost(run_experiment):
    m = run_experiment("diffusion_2d", processes=("ddpm",), train_steps=1500, n_samples=300, nfe=(20,))
    assert m["best_ratio"]["8gaussians"] < 0.5 * m["prior_w2_ratio"]["8gaussians"]
    names = [n for n, info in SAMPLERS.items() if "ddpm" in info.processes]
    assert sorted(k.split("/")[-1] for k in m["nfe"]) == sorted(f"{n}@20" for n in names)
    # each sampler spends its registered evaluations per step (a Heun step to σ = 0 one less)
    assert all(19 <= v <= 20 for v in m["nfe"].values())


def test_diffusion_digits_guidance_helps(run_experiment):
    m = run_experiment("diffusion_digits")
    fr = m["fraction_labelled_as_condition"]
    n = 50  # per_class 5 × 10 classes at quick size
    se = ((fr["2.0"] * (1 - fr["2.0"]) + fr["0.0"] * (1 - fr["0.0"])) / n) ** 0.5
    assert fr["2.0"] - fr["0.0"] > 3 * se
    assert m["low_band_appears_first"]
