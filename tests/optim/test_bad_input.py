"""Issue 24's repros for saddle.optim: NaN losses, fields of the wrong shape or dtype, mixed-dtype players."""

import math

import pytest
import torch
from torch import nn

from saddle.optim import ExtraGradient, GameOptimizer, SimultaneousGDA


def test_game_optimizer_refuses_a_nan_loss_and_leaves_the_weights_unchanged():
    x, y = nn.Linear(2, 1), nn.Linear(2, 1)
    before = [p.detach().clone() for p in [*x.parameters(), *y.parameters()]]
    opt = GameOptimizer([x, y], ExtraGradient(0.1))

    def closure():
        phi = (x.weight * y.weight).sum() * math.nan
        return [phi, -phi]

    with pytest.raises(ValueError, match="the closure's loss of player 0 is nan; the parameters were left unchanged"):
        opt.step(closure)
    assert all(torch.equal(a, b) for a, b in zip(before, [*x.parameters(), *y.parameters()]))


@pytest.mark.parametrize(
    "field",
    [
        lambda z: [torch.cat([z[1], z[1]], -1), -z[0]],  # a player's gradient of another size
        lambda z: [z[1][:1], -z[0]],  # one point's gradient broadcast over the batch
    ],
)
def test_a_field_of_the_wrong_shape_is_refused(field):
    params = [torch.ones(3, 2), torch.ones(3, 2)]
    method = SimultaneousGDA(0.1)
    with pytest.raises(ValueError, match=r"field must return player 0's gradient with the player's shape"):
        method.step(params, method.init(params), field)


def test_a_field_of_another_dtype_is_refused():
    params = [torch.ones(3, 2), torch.ones(3, 2)]
    method = SimultaneousGDA(0.1)
    with pytest.raises(ValueError, match=r"\(3, 2\) torch.float32 on cpu\), got \(3, 2\) torch.float64"):
        method.step(params, method.init(params), lambda z: [z[1].double(), -z[0].double()])


def test_players_of_mixed_dtypes_are_refused():
    # float32 and float64 players came back both float64
    method = SimultaneousGDA(0.1)
    with pytest.raises(ValueError, match="params must share one dtype and device"):
        method.init([torch.ones(3, 2), torch.ones(3, 2, dtype=torch.float64)])
