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
