"""NR-MDP mixing and PR-MDP sampling follow their definitions (Tessler et al. 2019), seed by seed."""

import math
import re

import pytest
import torch

from saddle.rl import SeedStreams, nr_mdp_action, pr_mdp_action, robust_action, robust_value
from saddle.rl.robust_action import check_robust_form


def test_nr_mdp_action_is_the_convex_mixture():
    g = torch.Generator().manual_seed(0)
    mu, nu = torch.randn(2, 7, 2, generator=g), torch.randn(2, 7, 2, generator=g)
    for alpha in [0.0, 0.1, 0.5, 1.0]:
        torch.testing.assert_close(nr_mdp_action(mu, nu, alpha), (1 - alpha) * mu + alpha * nu)
    assert torch.equal(nr_mdp_action(mu, nu, 0.0), mu) and torch.equal(nr_mdp_action(mu, nu, 1.0), nu)


@pytest.mark.parametrize("alpha", [0.1, 0.5])
def test_pr_mdp_picks_the_adversary_with_probability_alpha(alpha):
    n = 20_000
    streams = SeedStreams([1, 2])
    mu, nu = torch.zeros(2, n, 1), torch.ones(2, n, 1)
    a = pr_mdp_action(mu, nu, alpha, streams)
    assert set(a.unique().tolist()) <= {0.0, 1.0}  # every row is exactly μ or ν, never a mixture
    se = math.sqrt(alpha * (1 - alpha) / n)
    assert all(abs(a[s].mean().item() - alpha) < 4 * se for s in range(2))
    assert torch.equal(pr_mdp_action(mu, nu, 0.0, streams), mu) and torch.equal(pr_mdp_action(mu, nu, 1.0, streams), nu)
    # seed 2's coins are those of seed 2 alone
    alone = pr_mdp_action(mu[1:], nu[1:], alpha, SeedStreams([2]))
    fresh = SeedStreams([1, 2])
    assert torch.equal(pr_mdp_action(mu, nu, alpha, fresh)[1], alone[0])


def test_pr_mdp_draws_one_coin_per_state_for_all_action_dims():
    a = pr_mdp_action(torch.zeros(1, 1000, 3), torch.ones(1, 1000, 3), 0.5, SeedStreams([2]))
    assert torch.equal(a.min(-1).values, a.max(-1).values)
    with pytest.raises(ValueError, match=r"\(S, B, k\) with S = 1"):
        pr_mdp_action(torch.zeros(1000, 3), torch.ones(1000, 3), 0.5, SeedStreams([2]))


def test_robust_value_is_the_expected_q_of_the_executed_action():
    g = torch.Generator().manual_seed(3)
    w = torch.randn(3)

    def q(s, a):  # a non-linear Q so that NR (Q of the mean action) and PR (mean of Q) differ
        return (s * w).sum(-1) + (a**2).sum(-1)

    s, mu, nu = torch.randn(1, 5, 3, generator=g), torch.randn(1, 5, 1, generator=g), torch.randn(1, 5, 1, generator=g)
    alpha = 0.3
    torch.testing.assert_close(robust_value("nr", q, s, mu, nu, alpha), q(s, 0.7 * mu + 0.3 * nu))
    pr = robust_value("pr", q, s, mu, nu, alpha)
    torch.testing.assert_close(pr, 0.7 * q(s, mu) + 0.3 * q(s, nu))
    n = 20_000  # Monte-Carlo over the PR-MDP coin agrees with the closed-form expectation

    def rep(t):
        return t.repeat(1, n, 1)  # n independent draws per state, in one batch

    mc = q(rep(s), robust_action("pr", rep(mu), rep(nu), alpha, SeedStreams([0]))).reshape(n, 5).mean(0)
    se = (q(s, mu) - q(s, nu)).abs()[0] * math.sqrt(alpha * (1 - alpha) / n)
    assert ((mc - pr[0]).abs() <= 4 * se + 1e-6).all()


def test_bad_form_or_alpha_raises():
    with pytest.raises(ValueError, match="'xr'"):
        check_robust_form("xr", 0.1)
    with pytest.raises(ValueError, match=re.escape("1.5")):
        check_robust_form("nr", 1.5)
    with pytest.raises(ValueError, match="nan"):
        check_robust_form("pr", float("nan"))
