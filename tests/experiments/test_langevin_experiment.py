"""The `langevin` experiment at reduced size reproduces its claims (see its module docstring)."""

from saddle.experiments import registry
from saddle.experiments.base import RunOutput


def test_langevin_experiment_claims(tmp_path):
    exp = registry()["langevin"]
    config = exp.make_config(quick=True, overrides={"n_chains": "4000", "ula_step_sizes": "0.1,0.8,1.6",
                                                     "mala_dims": "2,50", "mala_step_sizes": "0.05,0.2,0.5,1,2",
                                                     "conv_steps": "600", "dirichlet_step_sizes": "0.03"})
    out = RunOutput(tmp_path)
    m = exp.run(config, out)
    # 1. ULA matches the closed form within 5 SE at every h, and the bias at h = 1.6 s² is large; MALA is unbiased
    assert m["ula_max_abs_z"] < 5 and m["mala_max_abs_z"] < 5
    assert all(r["ula_z"] ** 2 < 25 for r in m["ula_rows"])
    assert m["ula_relative_bias_at_largest_h"] > 3.0  # closed form: 1/(1 − 0.8) − 1 = 4
    # 2. the 0.574-acceptance step shrinks with the dimension
    steps = m["mala_step_at_0574"]
    assert steps["50"] < steps["2"]
    # 3. underdamped reaches the tolerance sooner than ULA and ends closer
    assert m["conv_speedup"] > 1.0 and m["conv_final_w2"]["BAOAB"] < m["conv_final_w2"]["ULA"]
    # 4. mirrored Langevin stays in the simplex and matches the Dirichlet mean within 5 SE; projected does not
    row = m["dirichlet_rows"][0]
    assert m["mirrored_always_in_simplex"] and row["mirrored_mean_max_abs_z"] < 5
    assert row["projected_mean_max_abs_z"] > 5
    assert len(out.figures) == 4


def test_langevin_config_rejects_bad_values():
    import pytest

    exp = registry()["langevin"]
    for key, value, message in [("ula_step_sizes", "0.1,2.5", "ula_step_sizes must be < 2·target_var"),
                                ("n_chains", "0", "n_chains must be finite and > 0"),
                                ("conv_condition", "0.5", "conv_condition must be >= 1"),
                                ("projection_margin", "0.5", "projection_margin must be in [0, 1/K)")]:
        with pytest.raises(ValueError) as err:
            exp.make_config(overrides={key: value})
        assert message in str(err.value)
