"""Update-map Jacobians against closed forms: bilinear rates and the Dirac-GAN lemmas (Mescheder et al. 2018)."""

import math

import pytest
import torch

from saddle.analysis import map_jacobian, spectral_radius, update_jacobian
from saddle.games import Bilinear, DiracGAN
from saddle.optim.extragradient import ExtraGradient
from saddle.optim.gda import AlternatingGDA, SimultaneousGDA
from saddle.optim.optimistic import OptimisticGDA
from saddle.optim.proximal_point import ProximalPoint

ORIGIN = [torch.zeros(1, dtype=torch.float64), torch.zeros(1, dtype=torch.float64)]


@pytest.mark.parametrize("alpha", [0.05, 0.3, 0.7])
def test_bilinear_spectral_radii_match_closed_forms(alpha):
    game = Bilinear()
    cases = [
        (SimultaneousGDA(alpha), math.sqrt(1 + alpha**2)),
        (ExtraGradient(alpha), math.sqrt(1 - alpha**2 + alpha**4)),
    ]
    for method, expected in cases:
        assert abs(spectral_radius(update_jacobian(method, game, ORIGIN)) - expected) < 1e-12, type(method).__name__


@pytest.mark.parametrize("eta", [0.05, 0.3, 0.5, 0.9, 2.0])
def test_proximal_point_at_the_equilibrium_itself_is_the_resolvent(eta):
    # at z* = 0 the inner loop stops after one iteration (nothing moves); the implicit derivative of the
    # resolvent (I + ηA)⁻¹ still gives PP's radius 1/sqrt(1 + η²), not GDA's sqrt(1 + η²) of one inner step
    inner = {"inner_step_size": 0.2, "inner_steps": 2000} if eta > 1 else {}
    J = update_jacobian(ProximalPoint(eta, **inner), Bilinear(), ORIGIN)
    assert abs(spectral_radius(J) - 1 / math.sqrt(1 + eta**2)) < 1e-12
    A = torch.tensor([[0.0, 1.0], [-1.0, 0.0]], dtype=torch.float64)
    torch.testing.assert_close(J, torch.linalg.inv(torch.eye(2, dtype=torch.float64) + eta * A), rtol=0, atol=1e-14)


def _converged_pp_jacobian_by_differences(method, field, point, h=1e-6):
    """Central differences of the converged resolvent z ↦ z⁺ (float64), column by column."""
    z0 = torch.cat(point)
    cols = []
    for j in range(z0.numel()):
        e = torch.zeros_like(z0)
        e[j] = h
        out = []
        for sign in (1, -1):
            z = z0 + sign * e
            params = [z[:1].reshape(1, 1), z[1:].reshape(1, 1)]
            new, _ = method.step(params, method.init(params), field)
            out.append(torch.cat([p.reshape(-1) for p in new]))
        cols.append((out[0] - out[1]) / (2 * h))
    return torch.stack(cols, 1)


@pytest.mark.parametrize(
    "game, point, eta",
    [
        (Bilinear(), [0.3, -0.2], 0.5),
        (DiracGAN(), [0.7, -0.4], 0.6),  # nonlinear field: ∂V depends on the point
        (DiracGAN(), [-1.1, 0.9], 0.3),
    ],
)
def test_proximal_point_jacobian_agrees_with_differences_of_the_converged_resolvent(game, point, eta):
    method = ProximalPoint(eta, inner_steps=2000, inner_tol=0.0)
    pts = [torch.tensor([v], dtype=torch.float64) for v in point]
    J = update_jacobian(method, game, pts)
    J_fd = _converged_pp_jacobian_by_differences(method, game.field, pts)
    torch.testing.assert_close(J, J_fd, rtol=0, atol=1e-8)  # central differences: error O(h²) + O(ε/h) ≈ 1e-10
    # and it is the implicit formula (I + η ∂V(z⁺))⁻¹ at the resolvent point z⁺
    new, _ = method.step([p.reshape(1, 1) for p in pts], method.init(pts), game.field)
    w = torch.cat([p.reshape(-1) for p in new])
    dV = torch.func.jacfwd(
        lambda v: torch.cat([g.reshape(-1) for g in game.field([v[:1].reshape(1, 1), v[1:].reshape(1, 1)])])
    )(w)
    torch.testing.assert_close(J, torch.linalg.inv(torch.eye(2, dtype=torch.float64) + eta * dV), rtol=0, atol=1e-12)


def test_projected_proximal_point_jacobian_agrees_with_differences():
    # an active box constraint on y: the resolvent of η(V + N_C) freezes y at the boundary, so its column is 0
    from saddle.optim import per_player
    from saddle.sets import Box

    method = ProximalPoint(0.4, inner_steps=2000, inner_tol=0.0, projection=per_player(None, Box(-0.1, 0.1)))
    pts = [torch.tensor([0.5], dtype=torch.float64), torch.tensor([0.3], dtype=torch.float64)]
    J = update_jacobian(method, Bilinear(), pts)
    torch.testing.assert_close(
        J, _converged_pp_jacobian_by_differences(method, Bilinear().field, pts), rtol=0, atol=1e-8
    )
    assert float(J[1].abs().max()) == 0.0


@pytest.mark.parametrize("alpha", [0.1, 0.3, 0.45])
def test_ogda_augmented_jacobian_matches_characteristic_roots(alpha):
    J = update_jacobian(OptimisticGDA(alpha), Bilinear(), ORIGIN)
    assert J.shape == (4, 4)  # (x, y) and the stored field V(z_{k-1})
    assert abs(spectral_radius(J) - math.sqrt((1 + math.sqrt(1 - 4 * alpha**2)) / 2)) < 1e-12


@pytest.mark.parametrize("h", [0.1, 0.5, 1.3, 3.0])
def test_dirac_gan_simultaneous_gd_lemma_2_4(h):
    eig = torch.linalg.eigvals(update_jacobian(SimultaneousGDA(h), DiracGAN(), ORIGIN))
    fp = DiracGAN.f_prime_0
    expected = torch.tensor([complex(1, h * fp), complex(1, -h * fp)], dtype=torch.complex128)
    assert torch.allclose(eig[torch.argsort(-eig.imag)], expected, atol=1e-10, rtol=0)
    assert abs(eig.abs().max().item() - math.sqrt(1 + h**2 * fp**2)) < 1e-10


def _lemma_2_5(alpha):
    b = 1 - alpha**2 / 2
    root = complex(b * b - 1) ** 0.5
    return sorted([complex(b) + root, complex(b) - root], key=lambda c: (-c.imag, -c.real))


def _sorted(eig):
    return sorted((complex(e) for e in eig), key=lambda c: (-round(c.imag, 9), -c.real))


@pytest.mark.parametrize("h", [0.4, 2.0, 3.5, 5.0])
def test_dirac_gan_alternating_gd_lemma_2_5(h):
    eig = torch.linalg.eigvals(update_jacobian(AlternatingGDA(h), DiracGAN(), ORIGIN))
    for a, b in zip(_sorted(eig), _lemma_2_5(h * DiracGAN.f_prime_0)):
        assert abs(a - b) < 1e-10


@pytest.mark.parametrize("n_g, n_d, h", [(2, 3, 0.3), (1, 4, 1.2), (3, 2, 1.0)])
def test_dirac_gan_alternating_several_updates_lemma_2_5(n_g, n_d, h):
    game, gda = DiracGAN(), SimultaneousGDA(h)
    gen_only = lambda p: [game.field(p)[0], torch.zeros_like(p[1])]  # noqa: E731
    disc_only = lambda p: [torch.zeros_like(p[0]), game.field(p)[1]]  # noqa: E731

    def update(params):
        state = gda.init(params)
        for _ in range(n_g):
            params, state = gda.step(params, state, gen_only)
        for _ in range(n_d):
            params, state = gda.step(params, state, disc_only)
        return params

    eig = torch.linalg.eigvals(map_jacobian(update, ORIGIN))
    alpha = math.sqrt(n_g * n_d) * h * DiracGAN.f_prime_0
    for a, b in zip(_sorted(eig), _lemma_2_5(alpha)):
        assert abs(a - b) < 1e-10
    assert (spectral_radius(map_jacobian(update, ORIGIN)) > 1 + 1e-9) == (alpha > 2)


def test_spectral_radius_rejects_non_square():
    with pytest.raises(ValueError, match=r"J must have shape \(n, n\), got \(2, 3\)"):
        spectral_radius(torch.zeros(2, 3))


def test_update_jacobian_checks_point_dimensions():
    with pytest.raises(ValueError, match="dimension 1"):
        update_jacobian(SimultaneousGDA(0.1), Bilinear(), [torch.zeros(2), torch.zeros(1)])
