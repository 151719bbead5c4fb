"""Per-point broadcasting: a batch-shaped value against data with trailing dims, and the per-point inner product."""

import pytest
import torch

from saddle.broadcast import per_point_broadcast, per_point_dot


def test_per_point_broadcast_scales_each_point_by_its_own_value():
    g = torch.Generator().manual_seed(0)
    x = torch.randn(4, 3, 5, 2, generator=g, dtype=torch.float64)
    for batch_dims in (0, 1, 2):
        v = torch.rand(x.shape[:batch_dims], generator=g, dtype=torch.float64) + 0.5
        assert per_point_broadcast(v, x).shape == x.shape[:batch_dims] + (1,) * (x.ndim - batch_dims)
        for i in [()] if batch_dims == 0 else [(1,), (3,)] if batch_dims == 1 else [(0, 2), (3, 1)]:
            torch.testing.assert_close((per_point_broadcast(v, x) * x)[i], v[i] * x[i], rtol=0, atol=0)


def test_per_point_dot_is_the_sum_over_players_of_flattened_inner_products():
    g = torch.Generator().manual_seed(1)
    a = [torch.randn(6, 3, generator=g, dtype=torch.float64), torch.randn(6, 2, 2, generator=g, dtype=torch.float64)]
    b = [torch.randn(6, 3, generator=g, dtype=torch.float64), torch.randn(6, 2, 2, generator=g, dtype=torch.float64)]
    expected = torch.tensor(
        [sum(float(u[i].flatten() @ w[i].flatten()) for u, w in zip(a, b)) for i in range(6)], dtype=torch.float64
    )
    torch.testing.assert_close(per_point_dot(a, b, 1), expected.to(torch.float64), rtol=1e-14, atol=1e-14)
    torch.testing.assert_close(per_point_dot(a, b, 0), expected.sum(), rtol=1e-13, atol=1e-13)


def test_per_point_dot_of_no_players_is_refused():
    with pytest.raises(ValueError, match="at least one player"):
        per_point_dot([], [], 1)
