"""Mirror descent and mirror-prox on rock-paper-scissors (equilibrium: uniform for both players)."""

import itertools
import math

import torch

from saddle.optim import MirrorDescent, MirrorProx

A = torch.tensor([[0.0, -1.0, 1.0], [1.0, 0.0, -1.0], [-1.0, 1.0, 0.0]], dtype=torch.float64)


def rps(p):  # min_x max_y xᵀAy: V = (A y, −Aᵀ x)
    return [p[1] @ A.T, -(p[0] @ A)]


def gap(x, y):
    """Duality gap max_y' xᵀAy' − min_x' x'ᵀAy ≥ 0, zero only at equilibrium."""
    return (x @ A).max(-1).values - (y @ A.T).min(-1).values


def kl(p, q):
    return (p * (p / q).log()).sum(-1)


X0 = torch.tensor([[0.6, 0.3, 0.1]], dtype=torch.float64)
Y0 = torch.tensor([[0.2, 0.2, 0.6]], dtype=torch.float64)


def test_mirror_prox_ergodic_gap_within_nemirovski_bound():
    eta = 0.5  # ≤ 1/L with L = max |A_ij| = 1 for the ℓ1 / ℓ∞ pair of the entropy map
    method = MirrorProx(eta)
    z = [X0.clone(), Y0.clone()]
    state = method.init(z)
    # max over the simplex of KL(u ‖ u0) = log(1/min u0), summed over the two players
    radius = math.log(1 / X0.min().item()) + math.log(1 / Y0.min().item())
    checkpoints = {10, 100, 1000}
    gaps = {}
    for k in range(1, 1001):
        z, state = method.step(z, state, rps)
        assert all(abs(w - eta * k) < 1e-9 for w in state.weight)  # Σ η of each player
        if k in checkpoints:
            g = gap(*state.average).item()
            assert 0 <= g <= radius / (eta * k)  # Nemirovski 2004: O(1/k)
            gaps[k] = g
    assert gaps[1000] < gaps[100] < gaps[10]
    # the last iterate also converges here (interior equilibrium)
    assert gap(*z).item() < 1e-6
    for p in z:
        torch.testing.assert_close(p.sum(-1), torch.ones(1, dtype=torch.float64), rtol=0, atol=1e-12)


def test_mirror_descent_last_iterate_spirals_out():
    method = MirrorDescent(0.1)
    z = [X0.clone(), Y0.clone()]
    state = method.init(z)
    u = torch.full((1, 3), 1 / 3, dtype=torch.float64)
    dist = [(kl(u, z[0]) + kl(u, z[1])).item()]
    for _ in range(2000):
        z, state = method.step(z, state, rps)
        dist.append((kl(u, z[0]) + kl(u, z[1])).item())
    # Bailey & Piliouras 2018: KL(u* ‖ u_k) strictly increases for simultaneous MWU
    assert all(b > a for a, b in itertools.pairwise(dist))
    assert gap(*z).item() > gap(X0, Y0).item()
    for p in z:
        torch.testing.assert_close(p.sum(-1), torch.ones(1, dtype=torch.float64), rtol=0, atol=1e-12)


import pytest  # noqa: E402


@pytest.mark.parametrize("cls", [MirrorDescent, MirrorProx])
@pytest.mark.parametrize(
    "start, message",
    [
        (torch.tensor([[0.5, 0.6, -0.1]], dtype=torch.float64), "min entry -0.1"),
        (torch.tensor([[0.2, 0.2, 0.2]], dtype=torch.float64), "sums in [0.6, 0.6]"),
        (torch.tensor([[1.0, 1.0, 1.0]]), "sums in [3, 3]"),
    ],
)
def test_mirror_methods_refuse_starts_off_the_simplex(cls, start, message):
    good = torch.full((1, 3), 1 / 3, dtype=start.dtype)
    for params, player in (([start, good], 0), ([good, start], 1)):
        with pytest.raises(ValueError) as err:
            cls(0.1).init(params)
        assert f"params[{player}] (player {player}'s start) must lie on the probability simplex" in str(err.value)
        assert message in str(err.value)
    cls(0.1).init([good.float(), torch.tensor([[0.0, 0.25, 0.75]])])  # boundary points and float32 rounding are fine
