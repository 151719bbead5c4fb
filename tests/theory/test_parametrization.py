"""abc-parametrisations and µP: the table values, learning-rate groups, and the abc symmetry."""

import pytest
import torch

from saddle.theory.parametrization import (
    AbcParametrization,
    abc_network,
    abc_param_groups,
    mup,
    ntk_parametrization,
    parametrization,
    standard_parametrization,
)


def test_mup_table_values():
    """Seed 002: a = (−1/2, 0, …, 0, 1/2), b = 1/2, c = 0."""
    p = mup(4)
    assert p.a == (-0.5, 0.0, 0.0, 0.5) and p.b == (0.5,) * 4 and p.c == 0.0
    m = 256
    assert p.multipliers(m) == pytest.approx([16.0, 1.0, 1.0, 1 / 16])
    assert p.init_variances(m) == pytest.approx([1 / m] * 4)
    assert p.init_variances(m, "effective") == pytest.approx([1.0, 1 / m, 1 / m, 1 / m**2])
    # SGD on X_l directly: input layer η·m, hidden η, output η/m (the per-layer rates µP prescribes)
    assert p.learning_rates(0.1, m, "effective") == pytest.approx([0.1 * m, 0.1, 0.1, 0.1 / m])
    assert p.learning_rates(0.1, m) == pytest.approx([0.1] * 4)
    assert parametrization("mup", 4) == p


def test_sp_and_ntk_values():
    sp, ntk = standard_parametrization(3), ntk_parametrization(3)
    assert sp.init_variances(100, "effective") == pytest.approx([1.0, 0.01, 0.01])
    assert sp.learning_rates(0.5, 100, "effective") == pytest.approx([0.5] * 3)
    assert ntk.multipliers(100) == pytest.approx([1.0, 0.1, 0.1])
    assert ntk.learning_rates(0.5, 100, "effective") == pytest.approx([0.5, 0.005, 0.005])


def test_param_groups_carry_the_rates():
    net = abc_network([8, 32, 32, 3], mup(3), torch.Generator().manual_seed(0), form="effective")
    groups = abc_param_groups(net, mup(3), 0.2, form="effective")
    assert [g["lr"] for g in groups] == pytest.approx([0.2 * 32, 0.2, 0.2 / 32])
    assert [g["params"][0] is w for g, w in zip(groups, net.params)] == [True] * 3
    torch.optim.SGD(groups, lr=1.0)  # usable as-is


@pytest.mark.parametrize("param", [mup(3), standard_parametrization(3), ntk_parametrization(3)])
def test_multiplier_and_effective_forms_train_identically(param):
    """SGD on W_l with multiplier m^{−a_l} and rate η m^{−c} equals SGD on X_l with rate η m^{−c−2a_l}."""
    torch.set_default_dtype(torch.float64)
    try:
        widths = [6, 16, 16, 2]
        nets = {
            f: abc_network(widths, param, torch.Generator().manual_seed(3), form=f) for f in ("multiplier", "effective")
        }
        for f in nets:
            nets[f] = nets[f].double()
        for w1, w2 in zip(nets["multiplier"].weights, nets["effective"].weights):
            torch.testing.assert_close(w1, w2)
        opts = {f: torch.optim.SGD(abc_param_groups(n, param, 0.05, form=f), lr=1.0) for f, n in nets.items()}
        g = torch.Generator().manual_seed(9)
        a, y = (
            torch.randn(20, 6, generator=g, dtype=torch.float64),
            torch.randn(20, 2, generator=g, dtype=torch.float64),
        )
        for _ in range(5):
            for f, n in nets.items():
                opts[f].zero_grad()
                ((n(a) - y) ** 2).mean().backward()
                opts[f].step()
        torch.testing.assert_close(nets["multiplier"](a), nets["effective"](a))
        for w1, w2 in zip(nets["multiplier"].weights, nets["effective"].weights):
            torch.testing.assert_close(w1, w2)
    finally:
        torch.set_default_dtype(torch.float32)


def test_abc_symmetry():
    """(a+θ, b−θ, c−2θ) leaves the effective initialisation and effective learning rates unchanged."""
    p = mup(4)
    q = p.shifted(0.25)
    for m in (16, 1024):
        assert q.init_variances(m, "effective") == pytest.approx(p.init_variances(m, "effective"))
        assert q.learning_rates(0.3, m, "effective") == pytest.approx(p.learning_rates(0.3, m, "effective"))


def test_bad_input_raises():
    with pytest.raises(ValueError, match=r"depth .* must be an integer >= 2"):
        mup(1)
    with pytest.raises(ValueError, match="parametrization must be one of"):
        parametrization("xyz", 3)
    with pytest.raises(ValueError, match="lr must be a finite number > 0"):
        mup(3).learning_rates(-1.0, 8)
    with pytest.raises(ValueError, match="form must be one of"):
        mup(3).init_variances(8, form="other")
    with pytest.raises(ValueError, match="one entry per layer"):
        AbcParametrization((0.0,), (0.0,), 0.0)
    with pytest.raises(ValueError, match="equal hidden widths"):
        abc_network([4, 8, 16, 1], mup(3))
    net = abc_network([4, 8, 8, 1], mup(3), torch.Generator().manual_seed(0), form="multiplier")
    with pytest.raises(ValueError, match="do not match the effective form"):
        abc_param_groups(net, mup(3), 0.1, form="effective")
    with pytest.raises(ValueError, match="has 3 layers, the model has"):
        abc_param_groups(abc_network([4, 8, 1], mup(2)), mup(3), 0.1)


def _one_step_output_change(name, m, seeds=3):
    g = torch.Generator().manual_seed(0)
    a = torch.randn(32, 16, generator=g, dtype=torch.float64)
    a = a / a.norm(dim=1, keepdim=True)
    y = torch.randn(32, 1, generator=g, dtype=torch.float64)
    total = 0.0
    for s in range(seeds):
        p = parametrization(name, 3)
        net = abc_network([16, m, m, 1], p, torch.Generator().manual_seed(s)).double()
        h0 = net(a).detach()
        opt = torch.optim.SGD(abc_param_groups(net, p, 0.1), lr=1.0)
        ((net(a) - y) ** 2).mean().backward()
        opt.step()
        total += (net(a).detach() - h0).abs().mean().item() / seeds
    return total


def test_mup_update_effect_is_width_independent():
    """µP's design rule (seed 002): one SGD step changes the output by Θ(1) in width; under SP by Θ(m)."""
    mup_ratio = _one_step_output_change("mup", 1024) / _one_step_output_change("mup", 64)
    sp_ratio = _one_step_output_change("sp", 1024) / _one_step_output_change("sp", 64)
    assert 0.5 < mup_ratio < 2.0
    assert sp_ratio > 4.0  # Θ(m) predicts 16
