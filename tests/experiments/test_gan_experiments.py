"""GAN experiments at tiny sizes: they run through the library, write their figures and measure what they claim."""

import math

import pytest

from saddle.claims import DECLARATION_ERROR, NOT_MEASURED, REPRODUCED
from saddle.experiments import registry
from saddle.gans import HEALTH_KEYS


def test_gan_mixtures_tiny(run_experiment):
    methods = ["adam", "mixed_langevin", "mirror_gan", "mirror_prox_gan"]
    m = run_experiment("gan_mixtures", methods=methods, datasets=["25gaussians"], steps=10, n_eval=400, n_w2=100)
    grid = m["25gaussians"]
    assert grid["real_data"]["modes"] == 25
    assert abs(grid["real_data"]["hq"] - (1 - math.exp(-4.5))) < 4 * math.sqrt(0.011 * 0.989 / 400)
    for name in methods:  # mean ± SE over the two quick seeds, and the seeds' own values
        row = grid[name]
        assert row["modes"].n == 2 and 0 <= row["modes"].mean <= 25 and 0 <= row["hq"].mean <= 1 and row["w2"].mean > 0
        assert row["modes"].mean == sum(row["per_seed"]["modes"]) / 2
    # sim_gda and the ring were not run: those comparisons are not made up, their claims are not measured
    assert "adam_minus_sgd_modes_25" not in m and "pure_miss_modes_25" not in m and "8gaussians" not in m
    verdicts = {v.name: v.status for v in registry()["gan_mixtures"].check_claims(m, size="default")}
    assert (
        verdicts["adam_beats_sgd"]
        == verdicts["mixed_beats_sgd"]
        == verdicts["pure_strategies_miss_modes"]
        == NOT_MEASURED
    )
    assert verdicts["true_samples_cover_25_modes"] == REPRODUCED
    assert DECLARATION_ERROR not in verdicts.values()


def test_gan_mixtures_logs_the_games_health_of_every_run(run_experiment, tmp_path):
    m = run_experiment("gan_mixtures", methods=["sim_gda"], steps=20, health_every=10, dirac_steps=20)
    lines = (tmp_path / "gan_mixtures" / "logs" / "25gaussians_sim_gda.jsonl").read_text().splitlines()
    assert len(lines) == 2 and all(f"health/{k}" in lines[-1] for k in HEALTH_KEYS)
    dirac = (tmp_path / "gan_mixtures" / "logs" / "dirac_gan.jsonl").read_text().splitlines()
    assert len(dirac) == 20
    assert m["25gaussians"]["sim_gda"]["modes"].n == 2


def test_gan_mixtures_pacgan_table_at_a_tiny_budget(run_experiment):
    m = run_experiment(
        "gan_mixtures",
        methods=["adam"],
        steps=4,
        pacgan_packings=[1, 4],
        pacgan_seeds=2,
        pacgan_steps=3,
        pacgan_batch=8,
    )
    for dataset, modes in (("grid", 25), ("ring", 8)):
        rows = m["pacgan"][dataset]
        assert set(rows) == {"gan", "pacgan4", "pacgan4_minus_gan_modes"}
        assert 0 <= rows["pacgan4"]["modes"].mean <= modes and rows["gan"]["modes"].n == 2
    verdicts = {v.name: v.status for v in registry()["gan_mixtures"].check_claims(m, size="full")}
    assert DECLARATION_ERROR not in verdicts.values() and NOT_MEASURED not in {verdicts["packing_helps"]}


def test_wgan_lipschitz_tiny(run_experiment):
    m = run_experiment("wgan_lipschitz", steps=6, eval_every=3, n_eval=100)
    assert m["duality_bound_holds"]
    assert m["clipping"]["max_weight"] <= 0.01 + 1e-7
    for variant in ("clipping", "gradient_penalty"):  # two quick seeds: lower ≤ LipSDP ≤ product, seed by seed
        v = m[variant]
        assert v["lip_lower"].n == 2 and v["lip_sdp"].n == 2 and v["lip_sdp_certified"]
        assert v["lip_lower"].mean <= v["lip_sdp"].mean * (1 + 1e-6)
        assert max(v["lip_sdp_per_seed"]) <= v["lip_upper"] * (1 + 1e-6) * 2  # product: a mean over the two seeds
    layers = m["spectral_norm"]["layers"]  # σ̂ = uᵀWv ≤ σ: the layers torch normalises have norm ≥ 1
    assert len(layers) == 4 and all(r["estimate"] <= r["sigma"] * (1 + 1e-6) for r in layers)  # float32 u, v
    assert max(r["layer_norm"] for r in layers) == pytest.approx(m["spectral_norm"]["max_layer_norm"], rel=1e-6)


def test_wgan_lipschitz_unit_layers_keep_the_function_and_the_lipsdp_bound():
    import torch

    from saddle.experiments.wgan_lipschitz import unit_layers
    from saddle.gans import MLPCritic
    from saddle.robustness import ReLULayers, lipschitz_lower_bound, lipschitz_upper_bound_sdp, relu_layers

    torch.manual_seed(3)
    critic = MLPCritic(2, (8, 8, 8))
    unit = unit_layers(critic)
    raw = relu_layers(critic.net)
    bias_free = ReLULayers(raw.weights, (), raw.scale, raw.final_relu)
    x = torch.randn(50, 2, dtype=torch.float64)
    torch.testing.assert_close(unit.to(torch.float64)(x), bias_free.to(torch.float64)(x))
    assert all(float(torch.linalg.matrix_norm(w.double(), ord=2)) == pytest.approx(1.0) for w in unit.weights)
    a, b = lipschitz_upper_bound_sdp(raw), lipschitz_upper_bound_sdp(unit)  # the LMI is homogeneous in the layers
    assert a.certified and b.certified and b.bound == pytest.approx(a.bound, rel=1e-3)
    with torch.no_grad():  # a critic in the clip box |w| ≤ 0.01 (L ~ 1e-6): certified, above the lower bound
        for p in critic.parameters():
            p.mul_(0.01 / p.abs().max())
    c = lipschitz_upper_bound_sdp(unit_layers(critic), eps=1e-4)
    lower = lipschitz_lower_bound(critic.net, 2, starts=4, pool=4, steps=10, radius=3.0, generator=0)
    assert c.certified and lower <= c.bound * (1 + 1e-6)


def test_wgan_lipschitz_claims_on_variants_left_out_are_not_measured(run_experiment):
    m = run_experiment("wgan_lipschitz", variants=["spectral_norm"], steps=4, eval_every=2, n_eval=100)
    verdicts = {v.name: v.status for v in registry()["wgan_lipschitz"].check_claims(m, size="default")}
    assert {n for n, s in verdicts.items() if s != NOT_MEASURED} == {"duality_bound", "spectral_norm_layers"}


def test_mode_collapse_tiny(run_experiment):
    m = run_experiment("mode_collapse", steps=6, eval_every=3, n_eval=200)
    assert m["real_data_modes"] == 8
    for name in ("vanilla_fast_critic", "wgan_gp"):
        assert 0 <= m[name]["final_reverse_kl"] <= math.log(8) + 1e-9
        assert m[name]["final_modes"].n == 2 and m[name]["final_modes"].mean == sum(m[name]["per_seed_final_modes"]) / 2
    diff = m["remedy_minus_collapse_modes"]  # paired by seed
    a, b = m["wgan_gp"]["per_seed_final_modes"], m["vanilla_fast_critic"]["per_seed_final_modes"]
    assert diff.n == 2 and diff.mean == pytest.approx((a[0] - b[0] + a[1] - b[1]) / 2)


def test_gan_digits_tiny(run_experiment):
    m = run_experiment("gan_digits", steps=4, classifier_epochs=2, n_samples=100)
    assert 0.5 < m["classifier_test_accuracy"] <= 1
    assert m["real_test"]["label_entropy"] > 2.0  # real digits: all ten classes (log 10 = 2.30)
    assert abs(sum(m["generated"]["class_histogram"]) - 1) < 1e-9


def test_dirac_gan_regularised_variants(run_experiment):
    m = run_experiment("dirac_gan", steps=100, n_h=4, reg_steps=400)
    assert m["r1"]["final_norm"] < 1e-6  # rate 1 − hγ/2 = 0.95 per step
    assert m["unregularised"]["final_norm"] > math.hypot(1, 1)  # spirals out
    assert m["wgan_gp"]["final_norm"] == pytest.approx(2.0, abs=0.05)  # stalls at (2λ, 0), not at the equilibrium
