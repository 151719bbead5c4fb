"""The `robust_rl` experiment at quick size: metrics are consistent with the evaluation, the dynamics change is
real, figures exist, bad configs are refused."""

import numpy as np
import pytest

from saddle.experiments import registry


def test_robust_rl_quick_metrics_are_consistent(run_experiment):
    m = run_experiment("robust_rl")
    assert m["mass_changes_dynamics"] is True
    for agent in ("ddpg", "nr_extra_adam", "mixedne_ld"):
        a = m[agent]
        assert len(a["clean_return_seeds"]) == 2 and np.mean(a["clean_return_seeds"]) == pytest.approx(
            a["clean_return"]
        )
        lo, hi = a["clean_return_ci"]
        assert lo <= a["clean_return"] <= hi
        # the clean point is shared by the random-action and mass sweeps (mass 1, probability 0)
        assert a["random_action"]["mean"][0] == pytest.approx(a["mass"]["mean"][0])
        assert a["drop_random_action"] == pytest.approx(a["random_action"]["mean"][0] - a["random_action"]["mean"][-1])
        assert all(-2000 < v <= 0 for v in a["action_noise"]["mean"] + a["length"]["mean"])  # Pendulum returns
    gap = m["mixedne_ld_vs_ddpg"]["drop_gap_action_noise"]
    assert gap == pytest.approx(m["mixedne_ld"]["drop_action_noise"] - m["ddpg"]["drop_action_noise"])


def test_robust_rl_config_rejects_bad_values():
    exp = registry()["robust_rl"]
    for key, value, message in [
        ("agents", "nr_gda", "must include 'ddpg'"),
        ("agents", "ddpg,sac", "'sac'"),
        ("seeds", "0", "at least 2 seeds"),
        ("masses", "0.5,2.0", "must contain 1.0"),
        ("episodes", "0", "episodes must be finite and > 0"),
    ]:
        with pytest.raises(ValueError, match=message):
            exp.make_config(overrides={key: value})
