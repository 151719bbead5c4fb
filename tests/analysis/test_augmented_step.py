"""`augmented_step`: one method step as a map of (params, per-row state), against closed forms, row by row."""

import torch

from saddle.analysis import augmented_step
from saddle.optim import OptimisticGDA, SimultaneousGDA

A = torch.tensor([[1.0, -2.0, 0.5], [0.3, 0.0, 1.5]], dtype=torch.float64)  # x ∈ R², y ∈ R³


def bilinear_field(params):
    """f(x, y) = xᵀ A y: V = (∇_x f, −∇_y f) = (A y, −Aᵀ x), row by row."""
    x, y = params
    return [y @ A.T, -(x @ A)]


def rows(seed, b=3):
    g = torch.Generator().manual_seed(seed)
    return [torch.randn(b, 2, generator=g, dtype=torch.float64), torch.randn(b, 3, generator=g, dtype=torch.float64)]


def test_gda_map_is_the_affine_step_and_its_jacobian_is_identity_minus_eta_times_the_game_jacobian():
    eta = 0.2
    params = rows(0)
    F, z0 = augmented_step(SimultaneousGDA(eta), bilinear_field, params)
    torch.testing.assert_close(z0, torch.cat(params, -1), rtol=0, atol=0)  # GDA keeps no tensor state
    x, y = params
    expected = torch.cat([x - eta * y @ A.T, y + eta * x @ A], -1)
    torch.testing.assert_close(F(z0), expected, rtol=0, atol=1e-15)
    one, z1 = augmented_step(SimultaneousGDA(eta), bilinear_field, [p[1:2] for p in params])  # a single row
    J = torch.func.jacfwd(lambda z: one(z.unsqueeze(0))[0])(z1[0])  # forward mode passes the graph-free step
    game = torch.zeros(5, 5, dtype=torch.float64)
    game[:2, 2:], game[2:, :2] = A, -A.T
    torch.testing.assert_close(J, torch.eye(5, dtype=torch.float64) - eta * game, rtol=0, atol=1e-15)


def test_ogda_state_is_part_of_the_map_and_rows_step_independently():
    """OGDA keeps the last field d_{k−1} per row: z0 = [z, d_{k−1}] and F(z, d) = [z − 2ηV(z) + ηd, V(z)]; a batch
    of rows maps as each row alone."""
    eta = 0.1
    params = rows(1)
    method = OptimisticGDA(eta)
    _, state = method.step([p.clone() for p in params], method.init(params), bilinear_field)
    F, z0 = augmented_step(method, bilinear_field, params, state)
    past = torch.cat(state.past_direction, -1)
    torch.testing.assert_close(z0, torch.cat([*params, past], -1), rtol=0, atol=0)
    z = torch.cat(params, -1)
    v = torch.cat(bilinear_field(params), -1)
    torch.testing.assert_close(F(z0), torch.cat([z - 2 * eta * v + eta * past, v], -1), rtol=0, atol=1e-15)
    for r in range(3):
        alone, z_r = augmented_step(
            method,
            bilinear_field,
            [p[r : r + 1] for p in params],
            type(state)(state.count, [d[r : r + 1] for d in state.past_direction], state.direction),
        )
        torch.testing.assert_close(z_r, z0[r : r + 1], rtol=0, atol=0)
        torch.testing.assert_close(alone(z_r), F(z0)[r : r + 1], rtol=0, atol=0)
