"""The `robust_rl` experiment at quick size: its statistics are the ones its docstring defines (drops, paired
differences by seed), the dynamics change is real, figures exist, bad configs are refused."""

import numpy as np
import pytest

from saddle.experiments import registry
from saddle.experiments.robust_rl import trained_pairs


def test_robust_rl_quick_metrics_are_the_declared_statistics(run_experiment):
    m = run_experiment("robust_rl", trained_return=-1e9)  # every seed counts as trained at quick size
    assert m["dynamics_really_change"] is True and all(v > 0 for v in m["dynamics_change"].values())
    config = registry()["robust_rl"].make_config("quick")
    for agent in config.agents:
        a = m[agent]
        clean = np.array(a["clean_return_seeds"])
        assert len(clean) == config.num_seeds and a["clean_return"].mean == pytest.approx(clean.mean())
        # the clean point is shared by the random-action and mass sweeps (mass 1, probability 0)
        assert a["sweeps"]["random_action"]["mean"][0] == pytest.approx(a["sweeps"]["mass"]["mean"][0])
        for kind, sweep in a["sweeps"].items():  # drop = clean − mean of the perturbed levels (linear in the seeds)
            i = sweep["levels"].index(0.0 if kind in ("random_action", "action_noise") else 1.0)
            others = [v for j, v in enumerate(sweep["mean"]) if j != i]
            assert a["drop"][kind].mean == pytest.approx(sweep["mean"][i] - np.mean(others))
        assert np.mean(a["grid_mean"]) == pytest.approx(a["grid_return"].mean)
    for kind in ("random_action", "mass"):  # the paired difference of drops has the difference of means as its mean
        gap = m["nr_mdp_vs_ddpg"][f"less_drop_{kind}"]
        assert gap.mean == pytest.approx(m["ddpg"]["drop"][kind].mean - m["nr_mdp"]["drop"][kind].mean)
        assert gap.n == config.num_seeds
    grid = m["mixedne_ld_vs_nr_mdp"]["grid_gain"]
    assert grid.mean == pytest.approx(m["mixedne_ld"]["grid_return"].mean - m["nr_mdp"]["grid_return"].mean)


def test_robust_rl_config_rejects_bad_values():
    exp = registry()["robust_rl"]
    for key, value, message in [
        ("agents", "nr_mdp", "must include 'ddpg'"),
        ("agents", "ddpg,sac", "'sac'"),
        ("num_seeds", "1", "at least 2 seeds"),
        ("masses", "0.5,2.0", "must contain the unperturbed level 1.0"),
        ("physics", "wind", "'length' \\(Pendulum\\) or 'friction'"),
        ("steps", "0", "steps must be finite and > 0"),
    ]:
        with pytest.raises(ValueError, match=message):
            exp.make_config(overrides={key: value})


def test_drop_comparisons_use_the_seeds_both_agents_trained_on():
    a, b = np.array([10.0, 20.0, 30.0, 40.0]), np.array([1.0, 2.0, 3.0, 4.0])
    clean_a, clean_b = np.array([-200.0, -900.0, -210.0, -220.0]), np.array([-230.0, -240.0, -1000.0, -250.0])
    d = trained_pairs(a, b, clean_a, clean_b, bar=-400.0)  # seeds 0 and 3 only: differences 9 and 36
    assert d.n == 2 and d.mean == pytest.approx(22.5) and d.se == pytest.approx(13.5)
    none = trained_pairs(a, b, clean_a, clean_b, bar=0.0)
    assert none.n == 0 and np.isnan(none.mean)
