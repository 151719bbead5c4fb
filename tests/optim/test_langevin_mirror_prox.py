"""LangevinMirrorProx: Mirror-Prox-GAN's loop (extrapolation chains against z_t, update chains from z_t against z̃_t)."""

import pytest
import torch

from saddle.optim import (
    ExtraGradient,
    GameOptimizer,
    LangevinMirrorDescent,
    LangevinMirrorProx,
    LangevinMirrorProxState,
)

DT = torch.float64


def bilinear(p):
    """min_x max_y xᵀBy with B = [[1, 0.5], [−0.3, 0.8]]: V = (By, −Bᵀx) — each player's gradient depends on the
    opponent only, so at T = 0 the chains against frozen opponents move in straight lines."""
    b = torch.tensor([[1.0, 0.5], [-0.3, 0.8]], dtype=DT)
    return [p[1] @ b.T, -(p[0] @ b)]


def starts(seed=0, n=4):
    g = torch.Generator().manual_seed(seed)
    return [torch.randn(n, 2, generator=g, dtype=DT), torch.randn(n, 2, generator=g, dtype=DT)]


def run(method, z, steps, field=bilinear):
    state = method.init(z)
    for _ in range(steps):
        z, state = method.step(z, state, field)
    return z, state


@pytest.mark.parametrize("inner_steps, beta", [(1, 1.0), (3, 1.0), (4, 0.6), (5, 0.9)])
def test_outer_step_on_a_bilinear_game_is_extragradient_with_step_c_gamma(inner_steps, beta):
    """T = 0: the extrapolation gives z̃ = z − cγV(z), the update z⁺ = z − cγV(z̃), c = c(K, β) — extragradient."""
    gamma, outer = 0.07, 6
    c = LangevinMirrorDescent.drift_factor(inner_steps, beta)
    prox, state = run(LangevinMirrorProx(gamma, 0.0, 0, inner_steps, beta), starts(), 2 * inner_steps * outer)
    eg, _ = run(ExtraGradient(c * gamma), starts(), outer)
    for a, b in zip(prox, eg):
        torch.testing.assert_close(a, b, rtol=1e-12, atol=1e-13)
    assert isinstance(state, LangevinMirrorProxState) and (state.count, state.inner, state.phase) == (outer, 0, 0)


def test_mirror_prox_contracts_a_bilinear_game_where_mirror_descent_expands():
    """The point of the extrapolation: on min_x max_y xᵀBy, entropic MD's sampling loop (GDA with step cγ) spirals
    out, mirror-prox's (EG with step cγ) spirals in (|λ| = sqrt(1 − (cγσ)² + (cγσ)⁴) < 1 per singular value σ)."""
    gamma, k, beta, outer = 0.1, 3, 0.9, 40
    z0 = starts(1)
    norm0 = torch.cat(z0, -1).norm(dim=-1)
    md, _ = run(LangevinMirrorDescent(gamma, 0.0, 0, k, beta), z0, k * outer)
    mp, _ = run(LangevinMirrorProx(gamma, 0.0, 0, k, beta), z0, 2 * k * outer)
    assert bool((torch.cat(md, -1).norm(dim=-1) > norm0).all())
    assert bool((torch.cat(mp, -1).norm(dim=-1) < norm0).all())


def test_the_update_chains_restart_from_z_t_and_the_noise_is_drawn_per_sgld_step():
    """With zero field and β = 1 the extrapolation hands back z̃, a random walk of K steps from z_t; the update chains
    restart from z_t, so the outer step's result is a fresh K-step walk from z_t (Var = 2γTK), not 2K steps."""
    n, gamma, temp, k = 20_000, 0.05, 0.4, 3
    z0 = [torch.zeros(n, 1, dtype=DT), torch.zeros(n, 1, dtype=DT)]
    zero = lambda p: [torch.zeros_like(t) for t in p]  # noqa: E731
    method = LangevinMirrorProx(gamma, temp, 5, k, 1.0)
    z, state = z0, method.init(z0)
    for _ in range(k):
        z, state = method.step(z, state, zero)
    assert state.phase == 1 and all(torch.equal(a, b) for a, b in zip(z, state.leader))  # z̃ handed back
    assert all(torch.equal(a, b) for a, b in zip(state.anchor, z0))
    for _ in range(k):
        z, state = method.step(z, state, zero)
    var = 2 * gamma * temp * k
    for p in z:
        assert abs(p.var().item() - var) < 5 * var * (2 / (n - 1)) ** 0.5


def test_game_optimizer_resumes_exactly_inside_the_update_phase():
    def make():
        gen = torch.Generator().manual_seed(9)
        x = torch.nn.Parameter(torch.tensor([0.3, -0.2], dtype=DT))
        y = torch.nn.Parameter(torch.tensor([0.1, 0.4], dtype=DT))
        return x, y, gen, GameOptimizer([[x], [y]], LangevinMirrorProx(0.05, 0.01, gen, 3, 0.7))

    def losses(x, y):
        phi = x @ torch.tensor([[1.0, 0.5], [-0.3, 0.8]], dtype=DT) @ y + 0.1 * (x @ x) - 0.1 * (y @ y)
        return [phi, -phi]

    x, y, _, opt = make()
    for _ in range(10):  # outer step 1, update phase, inner step 1
        opt.step(lambda: losses(x, y))
    assert (opt.method_state.phase, opt.method_state.inner) == (1, 1)
    saved = (opt.state_dict(), x.detach().clone(), y.detach().clone())
    for _ in range(8):
        opt.step(lambda: losses(x, y))
    x2, y2, _, opt2 = make()
    opt2.load_state_dict(saved[0])
    with torch.no_grad():
        x2.copy_(saved[1])
        y2.copy_(saved[2])
    for _ in range(8):
        opt2.step(lambda: losses(x2, y2))
    assert torch.equal(x, x2) and torch.equal(y, y2)
