"""The Langevin experiments (langevin_bias, mala_scaling, underdamped_langevin, mirrored_langevin) at reduced size
reproduce their declared claims, and their configs refuse bad values."""

import random

import numpy as np
import pytest
import torch

from saddle.claims import REPRODUCED
from saddle.experiments import registry


@pytest.fixture
def run_experiment(run_experiment):
    """The shared fixture, checking that a run draws only from explicit generators (global RNGs untouched)."""

    def run(name, **overrides):
        # numpy's legacy global RNG is the state under test: a run must not draw from it
        before = torch.random.get_rng_state(), np.random.get_state()[1].copy(), random.getstate()  # noqa: NPY002
        metrics = run_experiment(name, **overrides)
        after = torch.random.get_rng_state(), np.random.get_state()[1], random.getstate()  # noqa: NPY002
        assert torch.equal(before[0], after[0]) and (before[1] == after[1]).all() and before[2] == after[2]
        return metrics

    return run


def claims_hold(name, metrics):
    verdicts = registry()[name].check_claims(metrics, quick=True)
    assert verdicts, f"{name} declares no claims"
    return {v.name: v.status == REPRODUCED for v in verdicts}


def test_langevin_bias(run_experiment):
    m = run_experiment("langevin_bias", n_chains=4000, step_sizes=(0.1, 0.8, 1.6))
    assert all(claims_hold("langevin_bias", m).values())
    # closed form at h = 1.6 s²: 1/(1 − 0.8) − 1 = 4, measured within 5 SE at every h
    assert all(r["ula_z"] ** 2 < 25 for r in m["rows"]) and m["ula_relative_bias_at_largest_h"] > 3.0
    # per chain x² − s²: its mean is the closed-form excess s²/(1 − h/(2s²)) − s² = 4 at h = 1.6, s² = 1
    excess = m["ula_excess_at_largest_h"]
    assert excess.n == 4000 and abs(excess.mean - 4.0) < 5 * excess.se


def test_mala_scaling(run_experiment):
    m = run_experiment("mala_scaling", dims=(10, 100, 1000), n_chains=100)
    # acceptance falls with h at every d; the 0.574 step follows d^(−1/3) (Roberts & Rosenthal) within 0.05
    assert m["largest_kendall_tau"] < -0.9 and m["largest_kendall_p"] < 1e-6
    steps = m["step_at_0574"]
    assert steps["1000"] < steps["100"] < steps["10"]
    assert m["step_scaling_exponent"].n == 3 and abs(m["step_scaling_exponent"].mean + 1 / 3) < 0.05


def test_underdamped_langevin(run_experiment):
    m = run_experiment("underdamped_langevin", kappas=(10.0, 40.0, 160.0), n_chains=300)
    # iterations to the tolerance: ∝ κ for ULA (rate hλ_min), ∝ √κ for BAOAB (rate ≈ γ/2 = √m per unit time)
    assert abs(m["ULA_slope"].mean - 1.0) < 0.1 and abs(m["BAOAB_slope"].mean - 0.5) < 0.1
    ula, baoab = m["iterations_to_tolerance"]["ULA"], m["iterations_to_tolerance"]["BAOAB"]
    assert all(u > b for u, b in zip(ula, baoab))
    assert m["final_w2_ula_minus_baoab"].mean > 0  # ULA's stationary variance 1/(λ(1 − hλ/2)) is biased


def test_mirrored_langevin(run_experiment):
    m = run_experiment("mirrored_langevin", step_sizes=(0.03,))
    assert all(claims_hold("mirrored_langevin", m).values())
    assert m["projected_min_w2_over_floor"] > m["mirrored_max_w2_over_floor"]


@pytest.mark.parametrize(
    "name, key, value, message",
    [
        ("langevin_bias", "step_sizes", "0.1,2.5", "step_sizes must be < 2·target_var"),
        ("langevin_bias", "n_chains", "0", "n_chains must be finite and > 0"),
        ("mala_scaling", "step_sizes", "0.5,0.1", "step_sizes must be increasing"),
        ("underdamped_langevin", "kappas", "0.5,10,100", "kappas must be at least 3 increasing values > 1"),
        ("underdamped_langevin", "step_size", "2.5", "step_size must be < 2"),
        ("mirrored_langevin", "projection_margin", "0.5", "projection_margin must be in [0, 1/K)"),
        ("mirrored_langevin", "alpha", "1.0", "alpha needs >= 2 entries"),
    ],
)
def test_configs_reject_bad_values(name, key, value, message):
    with pytest.raises(ValueError) as err:
        registry()[name].make_config(overrides={key: value})
    assert message in str(err.value)
