"""Random linear games V(z) = Mz with a controlled spectrum: monotone, strongly monotone, bilinear, weak-MVI.

All are built from d decoupled 2×2 blocks [[a_i, b_i], [−b_i, a_i]] acting on (x_i, y_i), hidden by random
orthogonal changes of basis Q_x, Q_y of each player (which keep the game zero-sum):
A = Q_x diag(a) Q_xᵀ, B = Q_x diag(b) Q_yᵀ, C = Q_y diag(a) Q_yᵀ. Each block is normal, so
L = max_i sqrt(a_i² + b_i²), μ = min_i a_i, and the weak-MVI constant (Diakonikolas et al. 2021)
ρ = min_i a_i / (a_i² + b_i²) in closed form. `generator`: a torch.Generator, an int seed or None (global RNG).
"""

from __future__ import annotations

import math

import torch
from torch import Tensor

from saddle.games.bilinear import Bilinear
from saddle.games.quadratic import QuadraticGame
from saddle.validation import as_generator, as_real_tensor, check_int, check_real


def random_orthogonal(d: int, generator: torch.Generator | None = None) -> Tensor:
    """A Haar-distributed d×d orthogonal matrix (QR of a Gaussian matrix with sign correction), float64."""
    g = torch.randn(d, d, generator=generator, dtype=torch.float64)
    q, r = torch.linalg.qr(g)
    return q * torch.sign(torch.diagonal(r)).where(torch.diagonal(r) != 0, torch.ones((), dtype=torch.float64))


def block_game(a: Tensor, b: Tensor, generator: torch.Generator | int | None = None) -> QuadraticGame:
    """The zero-sum quadratic game with 2×2 blocks [[a_i, b_i], [−b_i, a_i]] in random orthonormal bases."""
    sizes: dict[str, int] = {}
    a = as_real_tensor("a", a, ("d",), sizes=sizes).to(torch.float64)
    b = as_real_tensor("b (the same length d as a)", b, ("d",), sizes=sizes).to(torch.float64)
    generator = as_generator(generator)
    d = a.numel()
    qx, qy = random_orthogonal(d, generator), random_orthogonal(d, generator)
    A = qx @ torch.diag(a) @ qx.T
    C = qy @ torch.diag(a) @ qy.T
    return QuadraticGame((A + A.T) / 2, qx @ torch.diag(b) @ qy.T, (C + C.T) / 2)


def strongly_monotone_game(
    d: int, mu: float, L: float, generator: torch.Generator | int | None = None
) -> QuadraticGame:
    """A μ-strongly monotone, L-Lipschitz linear game (κ = L/μ), each player of dimension d.

    a_i = μ, b_i = sqrt(L² − μ²)·u_i with u_1 = 1, u_2 = 0 (when d ≥ 2) and u_i ~ U[0, 1] otherwise, so both
    constants are attained, and (for d ≥ 2) a purely convex-concave mode of curvature μ is present, the slow
    mode behind the O(κ log 1/ε) rates of seed 000 (rotation modes are contracted faster by EG/OGDA/PP).
    """
    check_int("dimension d", d)
    mu, L = check_real("mu", mu, high_open=True), check_real("L", L, high_open=True)
    if not mu <= L:
        raise ValueError(f"need 0 < mu <= L < inf, got mu={mu}, L={L}")
    generator = as_generator(generator)
    u = torch.rand(d, generator=generator, dtype=torch.float64)
    u[0] = 1.0
    if d >= 2:
        u[1] = 0.0
    return block_game(torch.full((d,), float(mu), dtype=torch.float64), math.sqrt(L * L - mu * mu) * u, generator)


def bilinear_game(
    d: int, sigma_min: float, sigma_max: float, generator: torch.Generator | int | None = None
) -> Bilinear:
    """min_x max_y xᵀAy with A's singular values evenly spread over [σ_min, σ_max] in random bases.

    Its condition number in the rate analysis of Mokhtari, Ozdaglar, Pattathil (2020) is κ = σ_max²/σ_min².
    """
    check_int("dimension d", d)
    sigma_min = check_real("sigma_min", sigma_min, high_open=True)
    sigma_max = check_real("sigma_max", sigma_max, high_open=True)
    if not sigma_min <= sigma_max:
        raise ValueError(f"need 0 < sigma_min <= sigma_max < inf, got sigma_min={sigma_min}, sigma_max={sigma_max}")
    generator = as_generator(generator)
    s = (
        torch.linspace(sigma_min, sigma_max, d, dtype=torch.float64)
        if d > 1
        else torch.tensor([sigma_max], dtype=torch.float64)
    )
    qx, qy = random_orthogonal(d, generator), random_orthogonal(d, generator)
    return Bilinear(qx @ torch.diag(s) @ qy.T)


def weak_mvi_game(d: int, rho: float, L: float = 1.0, generator: torch.Generator | int | None = None) -> QuadraticGame:
    """A linear game whose weak-MVI constant is exactly ρ (possibly negative), with Lipschitz constant L.

    Each block is L times a rotation by θ with cos θ = ρL: ⟨V(z), z⟩ = ρ‖V(z)‖² for every z. Needs |ρ|L ≤ 1.
    ρ < 0 means V may point away from z* = 0 (seed 000, "weak Minty variational inequality").
    """
    check_int("dimension d", d)
    L = check_real("L", L, 0.0, math.inf, high_open=True)
    rho = check_real("rho", rho, -math.inf, math.inf, high_open=True)
    if not abs(rho) * L <= 1:
        raise ValueError(f"need |rho| * L <= 1, got rho={rho}, L={L}")
    a = torch.full((d,), rho * L * L, dtype=torch.float64)
    b = torch.full((d,), L * math.sqrt(max(0.0, 1 - (rho * L) ** 2)), dtype=torch.float64)
    return block_game(a, b, generator)
