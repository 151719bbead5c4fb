"""Score-matching objectives (Hyvärinen, sliced, denoising) and Tweedie's denoiser.

Seeds 000/002 ("Hyvärinen's trick", eq. (5); "Tweedie's formula"). Seed 002 eq. (5) writes
tr(J) + ‖h‖² without the ½ on its left-hand side; its right-hand side, the integration by parts on the same slide,
and Hyvärinen (2005, JMLR), Theorem 1: J(θ) = ∫ p_x(ξ) Σ_i [∂_i ψ_i(ξ; θ) + ½ ψ_i(ξ; θ)²] dξ + const decide it:
½‖h‖² + tr(J) is implemented (without the ½ the minimiser would be half the score).

All losses take `score_fn: x ↦ s(x)` mapping a batch (n, *shape) to (n, *shape) and return the
batch mean of a per-sample objective, differentiable in the parameters of `score_fn`.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Literal

import torch
from torch import Tensor

from saddle.broadcast import per_point_broadcast
from saddle.validation import check_callable, check_choice, check_generator, check_int, check_real, check_tensor

ScoreFn = Callable[[Tensor], Tensor]


def _flat(v: Tensor) -> Tensor:
    return v.reshape(v.shape[0], -1)


def _check_batch(x: Tensor, score_fn: ScoreFn) -> None:
    """The losses' boundary: score_fn callable, x a floating batch (n, *event_shape), n ≥ 1 (NaN propagates)."""
    check_callable("score_fn", score_fn, "a callable x -> s(x) of x's shape")
    check_tensor("x", x, ("n", "d", ...), finite=False)
    if x.shape[0] == 0:
        raise ValueError(f"x must have shape (n, *event_shape) with n >= 1, got {tuple(x.shape)}")


def _score(score_fn: ScoreFn, x: Tensor) -> Tensor:
    """s(x), refused unless it has x's shape (a mis-shaped score would broadcast into a finite, wrong loss)."""
    s = score_fn(x)
    if not isinstance(s, Tensor) or s.shape != x.shape:
        got = tuple(s.shape) if isinstance(s, Tensor) else type(s).__name__
        raise ValueError(f"score_fn must return a tensor of x's shape {tuple(x.shape)}, got {got}")
    return s


def hyvarinen_loss(score_fn: ScoreFn, x: Tensor) -> Tensor:
    """Hyvärinen's score-matching objective E[½‖s(x)‖² + tr ∇ₓs(x)] with the exact Jacobian trace.

    Hyvärinen (2005), seed 002 eq. (5). The trace is computed with one backward pass per input
    dimension (d passes for x of shape (n, *shape), d = prod(shape)), so this is O(d) times the cost
    of the others; it equals J(π‖μ_s)/2 minus a constant, J the Fisher divergence. Returns a scalar.
    """
    _check_batch(x, score_fn)
    x = x.detach().requires_grad_(True)
    with torch.enable_grad():
        s = _flat(_score(score_fn, x))
        trace = torch.zeros(x.shape[0], dtype=s.dtype, device=x.device)
        for i in range(s.shape[1]):
            (grad,) = torch.autograd.grad(s[:, i].sum(), x, create_graph=True)
            trace = trace + _flat(grad)[:, i]
        return (0.5 * (s * s).sum(dim=1) + trace).mean()


def sliced_score_matching_loss(
    score_fn: ScoreFn,
    x: Tensor,
    n_projections: int = 1,
    projection: Literal["rademacher", "gaussian"] = "rademacher",
    variance_reduced: bool = False,
    generator: torch.Generator | None = None,
) -> Tensor:
    """Sliced score matching E_v E_x[vᵀ∇ₓs(x) v + ½(vᵀs(x))²], with E[vvᵀ] = I.

    Song, Garg, Shi & Ermon (UAI 2020), eq. (7); `variance_reduced=True` replaces ½(vᵀs)² by its
    expectation over v, ½‖s‖² (their SSM-VR). One backward pass per projection. Projections v are
    Rademacher (±1) or standard Gaussian, `n_projections` per sample. Returns a scalar whose expectation
    equals `hyvarinen_loss`.
    """
    _check_batch(x, score_fn)
    check_int("n_projections", n_projections)
    check_choice("projection", projection, ("rademacher", "gaussian"))
    check_generator(generator, allow_none=True)
    x = x.detach().requires_grad_(True)
    total = torch.zeros((), dtype=x.dtype, device=x.device)
    with torch.enable_grad():
        s = _score(score_fn, x)
        for _ in range(n_projections):
            v = torch.randn(x.shape, generator=generator, dtype=x.dtype, device="cpu").to(x.device)
            if projection == "rademacher":
                v = v.sign()
            (jtv,) = torch.autograd.grad((s * v).sum(), x, create_graph=True)
            vjv = _flat(jtv * v).sum(dim=1)
            quad = 0.5 * _flat(s * s).sum(dim=1) if variance_reduced else 0.5 * _flat(s * v).sum(dim=1) ** 2
            total = total + (vjv + quad).mean()
    return total / n_projections


def denoising_score_matching_loss(
    score_fn: ScoreFn, x: Tensor, sigma: float, generator: torch.Generator | None = None
) -> Tensor:
    """Denoising score matching E‖s(x̃) − ∇log p(x̃|x)‖² = E‖s(x + σz) + z/σ‖², z ~ N(0, I).

    Vincent (2011). Convention: no ½ and no σ² weighting, sum over dimensions, mean over the batch.
    Its minimiser is ∇log π_σ, the score of the data convolved with N(0, σ²I); the minimum is not 0:
    for π = N(0, s²I) in d dimensions it is d·s²/(σ²(s² + σ²)) (derivation in
    tests/diffusion/test_score_matching.py). Returns a scalar.
    """
    _check_batch(x, score_fn)
    check_real("sigma", sigma, high_open=True)
    check_generator(generator, allow_none=True)
    z = torch.randn(x.shape, generator=generator, dtype=x.dtype, device="cpu").to(x.device)
    s = _score(score_fn, x + sigma * z)
    return _flat(s + z / sigma).pow(2).sum(dim=1).mean()


def tweedie_denoise(x_noisy: Tensor, score: Tensor, sigma: float | Tensor, alpha: float | Tensor = 1.0) -> Tensor:
    """Tweedie's formula E[X | X_t] = (X_t + σ²∇log π_t(X_t)) / α for X_t = αX + σZ.

    Robbins (1956) / Efron (2011); seed 002 states the case α = 1: E[X|X_σ] = X_σ + σ²∇log π_σ(X_σ).
    `score` is ∇log π_t at `x_noisy` (same shape); σ ≥ 0 and α > 0 are scalars or per-sample tensors (n,).
    """
    check_tensor("x_noisy", x_noisy, ("n", ...), finite=False, nonempty=False)
    if check_tensor("score", score, finite=False, nonempty=False).shape != x_noisy.shape:
        raise ValueError(f"score must have the shape of x_noisy {tuple(x_noisy.shape)}, got {tuple(score.shape)}")
    for name, value, low_open in (("sigma", sigma, False), ("alpha", alpha, True)):
        if isinstance(value, Tensor):
            check_tensor(name, value, finite=False, nonempty=False)
            if value.ndim > 0 and value.shape != x_noisy.shape[:1]:
                raise ValueError(
                    f"{name} must be a number or one per sample ({x_noisy.shape[0]},), got {tuple(value.shape)}"
                )
        else:
            check_real(name, value, 0.0, math.inf, low_open=low_open, high_open=True)
    sigma = torch.as_tensor(sigma, dtype=x_noisy.dtype, device=x_noisy.device)
    alpha = torch.as_tensor(alpha, dtype=x_noisy.dtype, device=x_noisy.device)
    if not bool(torch.all(torch.isfinite(alpha) & (alpha > 0))):
        raise ValueError(f"alpha must be finite and > 0 (E[X | X_t] = (X_t + σ²∇log π_t)/α), got {alpha.min().item()}")
    if not bool(torch.all(torch.isfinite(sigma) & (sigma >= 0))):
        raise ValueError(f"sigma must be finite and >= 0, got {sigma.min().item()}")
    sigma, alpha = per_point_broadcast(sigma, x_noisy), per_point_broadcast(alpha, x_noisy)
    return (x_noisy + sigma**2 * score) / alpha
