"""The trajectory classifier on real runs of saddle.optim methods on min_x max_y xy."""

import math

import torch

from saddle.analysis import CONVERGED, DIVERGED, classify_trajectory
from saddle.games import Bilinear
from saddle.optim.extragradient import ExtraGradient
from saddle.optim.gda import SimultaneousGDA


def _run(method, steps=1500):
    game, z = Bilinear(), [torch.ones(1, 1, dtype=torch.float64), torch.zeros(1, 1, dtype=torch.float64)]
    state, traj = method.init(z), [z]
    for _ in range(steps):
        z, state = method.step(z, state, game.field)
        traj.append(z)
    return traj


def test_gda_diverges_and_eg_converges_on_xy():
    assert classify_trajectory(_run(SimultaneousGDA(0.1))).label == DIVERGED
    r = classify_trajectory(_run(ExtraGradient(0.3)), target=torch.zeros(2))
    assert r.label == CONVERGED and r.evidence["distance_to_target"] < 1e-12
    assert abs(r.evidence["growth_per_step"] - math.sqrt(1 - 0.09 + 0.0081)) < 1e-6


def test_rollout_records_every_kth_point_and_matches_manual_loop():
    import pytest

    from saddle.analysis import rollout

    game, method = Bilinear(), SimultaneousGDA(0.1)
    start = [torch.tensor([[1.0], [0.5]], dtype=torch.float64), torch.tensor([[0.0], [-1.0]], dtype=torch.float64)]
    traj, state = rollout(method, game.field, start, 10, every=5)
    assert traj.shape == (3, 2, 2) and state.count == 10
    z, s = start, method.init(start)
    for _ in range(10):
        z, s = method.step(z, s, game.field)
    torch.testing.assert_close(traj[-1], torch.cat(z, -1), rtol=0, atol=0)
    # GDA on xy: ‖z‖ grows by exactly sqrt(1 + α²) per step, for every play of the batch
    torch.testing.assert_close(
        traj[-1].norm(dim=-1) / traj[0].norm(dim=-1), torch.full((2,), (1 + 0.01) ** 5, dtype=torch.float64)
    )
    with pytest.raises(ValueError, match="every must be an integer >= 1, got 0"):
        rollout(method, game.field, start, 10, every=0)
    with pytest.raises(ValueError, match="steps must be an integer >= 0, got -1"):
        rollout(method, game.field, start, -1)


def test_rollout_checkpoints_and_callback_see_the_same_iterates_as_a_manual_loop():
    """Recorded steps are exactly the checkpoints; the callback sees (k, params, state) after step k."""
    from saddle.analysis import rollout
    from saddle.games import rock_paper_scissors
    from saddle.optim import MirrorProx

    game, method = rock_paper_scissors(), MirrorProx(0.3)
    start = [torch.tensor([[0.6, 0.3, 0.1]], dtype=torch.float64), torch.tensor([[0.2, 0.2, 0.6]], dtype=torch.float64)]
    seen = []
    traj, _ = rollout(
        method,
        game.field,
        start,
        20,
        checkpoints=[3, 7, 20, 50],
        callback=lambda k, z, s: seen.append((k, torch.cat(z, -1), s.average[0].clone())),
    )
    z, s, manual = start, method.init(start), {}
    for k in range(1, 21):
        z, s = method.step(z, s, game.field)
        manual[k] = (torch.cat(z, -1), s.average[0].clone())
    assert [k for k, *_ in seen] == [3, 7, 20] and traj.shape == (4, 1, 6)
    for i, (k, zk, avg) in enumerate(seen):
        torch.testing.assert_close(zk, manual[k][0], rtol=0, atol=0)
        torch.testing.assert_close(traj[i + 1], manual[k][0], rtol=0, atol=0)
        torch.testing.assert_close(avg, manual[k][1], rtol=0, atol=0)


def test_seed_variant_of_almost_bilinear_has_no_attracting_cycle():
    """Seed 000 prints Φ = xy + εφ(x); with x the minimiser, 0 attracts and far starts escape, so the claimed
    spurious cycle needs the paper's εφ(y) (saddle.games.AlmostBilinear), where EG ends on a cycle instead."""
    from saddle.analysis import LIMIT_CYCLE, rollout
    from saddle.games import AlmostBilinear, ZeroSumGame
    from saddle.games.spurious import quartic

    class SeedVariant(ZeroSumGame):
        dims = (1, 1)

        def phi(self, x, y):
            return (x * y + 0.1 * quartic(x)).sum(-1)

    start = [torch.tensor([[0.3], [2.5]], dtype=torch.float64), torch.zeros(2, 1, dtype=torch.float64)]
    seed_traj, _ = rollout(ExtraGradient(0.05), SeedVariant().field, start, 4000)
    assert classify_trajectory(seed_traj[:, 0], tol=1e-6).label == CONVERGED
    assert classify_trajectory(seed_traj[:, 1]).label == DIVERGED
    paper_traj, _ = rollout(ExtraGradient(0.05), AlmostBilinear(0.1).field, start, 4000)
    assert [classify_trajectory(paper_traj[:, b]).label for b in range(2)] == [LIMIT_CYCLE, LIMIT_CYCLE]
