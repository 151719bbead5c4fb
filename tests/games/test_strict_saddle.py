"""The strict-saddle function of the saddle-escape experiment: field, critical points, the stable manifold."""

import pytest
import torch

from saddle.analysis import field_jacobian
from saddle.games import StrictSaddle, autograd_field
from saddle.optim import SimultaneousGDA


@pytest.mark.parametrize("dim", [1, 2, 5])
def test_field_is_the_gradient_and_vanishes_at_the_critical_points(dim, gen):
    game = StrictSaddle(dim)
    z = torch.randn(7, dim, generator=gen, dtype=torch.float64)
    torch.testing.assert_close(game.field([z])[0], autograd_field(game, [z])[0], rtol=0, atol=1e-12)
    values = []
    for (point,) in game.critical_points():
        assert game.field([point[None]])[0].abs().max() == 0
        values.append(game.value(point[None]).item())
    assert values == [0.0, -0.25, -0.25]


def test_saddle_hessian_has_one_negative_eigenvalue():
    game = StrictSaddle(4)
    (saddle,), (minimum,), _ = game.critical_points()
    eig = torch.linalg.eigvalsh(field_jacobian(game, [saddle]))
    torch.testing.assert_close(eig, torch.tensor([-1.0, 1.0, 1.0, 1.0], dtype=torch.float64))
    assert bool((torch.linalg.eigvalsh(field_jacobian(game, [minimum])) > 0).all())  # x-part 1, y-part 3y² − 1 = 2


def test_gradient_descent_on_the_stable_manifold_converges_to_the_saddle():
    """y = 0 is invariant and x contracts by (1 − η) per step: ‖z_k‖ = (1 − η)^k ‖z_0‖ exactly."""
    game, method = StrictSaddle(3), SimultaneousGDA(0.1)
    z = [torch.tensor([[0.6, -0.8, 0.0]], dtype=torch.float64)]
    state = method.init(z)
    for _ in range(50):
        z, state = method.step(z, state, game.field)
    assert z[0][0, -1] == 0
    assert abs(z[0].norm().item() - 0.9**50) < 1e-15


def test_bad_dimension_is_refused():
    with pytest.raises(ValueError, match="dim"):
        StrictSaddle(0)
