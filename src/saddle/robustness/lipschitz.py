"""Lipschitz constant of a feed-forward ReLU network f(a) = s · W_L σ(… σ(W_1 a + b_1) …) + b_L w.r.t. a.

Seeds 000/002 ("Robustness in deep learning: estimation of Lipschitz constant"): L = sup_a ‖∇_a f(a)‖_⋆,
the table of bounds (product of norms: any norm, loose; LipSDP: l2; LipMIP: exact). Here:

- `lipschitz_upper_bound_product`: ∏_l ‖W_l‖_{p→p}, the true operator norms (l1: max column abs sum,
  l2: largest singular value, l∞: max row abs sum), never the Frobenius norm.
- `spectral_norm_power_iteration`: power iteration on WᵀW with a certified interval [lower, upper].
- `lipschitz_lower_bound` / `local_lipschitz`: multi-start ascent; every reported number is a slope the
  network really attains, hence a lower bound of the (local) constant.
- `lipschitz_exact_relu`: enumerate the realisable activation regions of a tiny ReLU net (LP feasibility
  with scipy/HiGHS) and take the largest operator norm of the region Jacobians (what LipMIP computes).
- LipSDP lives in `saddle.robustness.lipsdp`.

Norms: the Lipschitz constant w.r.t. ‖·‖_p on the input and on the output (same p); for a scalar output
this is sup ‖∇_a f‖_q with q the dual exponent, as in the notes.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import torch
from torch import Tensor, nn

from saddle.model_state import frozen_eval
from saddle.robustness.stability import input_jacobian
from saddle.sets import Ball, parse_norm, sample_ball
from saddle.validation import (
    as_generator,
    as_real_tensor,
    check_int,
    check_model_input,
    check_real,
    check_step_size,
    check_tensor,
)


@dataclass(frozen=True)
class ReLULayers:
    """The weights of f(a) = scale · ρ(W_L σ(… σ(W_1 a + b_1) …) + b_L), σ = ReLU, ρ = ReLU or identity.

    `weights[l]` has shape (out_l, in_l) (torch.nn.Linear convention); `biases[l]` is (out_l,) or None;
    `final_relu` says whether ρ is a ReLU (the notes' h_x(a) = σ(X_L h^{(L-1)})/α has one); `scale` = 1/α.
    """

    weights: tuple[Tensor, ...]
    biases: tuple[Tensor | None, ...] = field(default=())
    scale: float = 1.0
    final_relu: bool = False

    def __post_init__(self) -> None:
        weights = tuple(self.weights)
        if not weights:
            raise ValueError("need at least one weight matrix, got 0")
        biases = tuple(self.biases) if self.biases else (None,) * len(weights)
        if len(biases) != len(weights):
            raise ValueError(f"got {len(weights)} weight matrices but {len(biases)} biases")
        for i, w in enumerate(weights):
            if w.ndim != 2:
                raise ValueError(f"weights[{i}] must be a matrix (out, in), got shape {tuple(w.shape)}")
            if i and w.shape[1] != weights[i - 1].shape[0]:
                raise ValueError(
                    f"weights[{i}] has {w.shape[1]} inputs but layer {i - 1} has {weights[i - 1].shape[0]} outputs"
                )
            b = biases[i]
            if b is not None and tuple(b.shape) != (w.shape[0],):
                raise ValueError(f"biases[{i}] must have shape ({w.shape[0]},), got {tuple(b.shape)}")
            if not torch.isfinite(w).all():
                raise ValueError(f"weights[{i}] contains NaN or inf")
        if not (math.isfinite(self.scale) and self.scale > 0):
            raise ValueError(f"scale must be finite and > 0, got {self.scale}")
        object.__setattr__(self, "weights", tuple(w.detach() for w in weights))
        object.__setattr__(self, "biases", tuple(None if b is None else b.detach() for b in biases))

    @property
    def in_features(self) -> int:
        return int(self.weights[0].shape[1])

    @property
    def out_features(self) -> int:
        return int(self.weights[-1].shape[0])

    def __call__(self, a: Tensor) -> Tensor:
        """f(a) for a batch a of shape (B, in_features) → (B, out_features)."""
        h = a
        for i, (w, b) in enumerate(zip(self.weights, self.biases)):
            h = h @ w.to(h.dtype).T
            if b is not None:
                h = h + b.to(h.dtype)
            if i < len(self.weights) - 1 or self.final_relu:
                h = torch.relu(h)
        return self.scale * h

    def to(self, dtype: torch.dtype) -> ReLULayers:
        """A copy with every weight and bias cast to `dtype`."""
        return ReLULayers(
            tuple(w.to(dtype) for w in self.weights),
            tuple(None if b is None else b.to(dtype) for b in self.biases),
            self.scale,
            self.final_relu,
        )


def relu_layers(model: nn.Module | ReLULayers | Sequence[Tensor]) -> ReLULayers:
    """Extract the layers of a feed-forward ReLU net.

    Accepts a `ReLULayers`, a list of weight matrices (out, in), a module exposing `.weights` (a list of
    (out, in) tensors, no bias; `.alpha` or `.scale` read as output scaling 1/α resp. scale, `.final_relu`
    or `.output_activation` if present, e.g. `saddle.theory.FullyConnectedReLU`), or any module whose
    leaf modules in order are Linear, ReLU (between Linear layers, or one after the last), Flatten/Identity/Dropout (e.g. `nn.Sequential`, `DigitsMLP`). Anything else
    raises ValueError naming the offending module.
    """
    if isinstance(model, ReLULayers):
        return model
    if isinstance(model, (list, tuple)):
        return ReLULayers(tuple(model))
    if not isinstance(model, nn.Module):
        raise ValueError(
            f"model must be an nn.Module, ReLULayers or a list of weight matrices, got {type(model).__name__}"
        )
    if hasattr(model, "weights") and not isinstance(model, nn.Linear):
        duck: Any = model  # a duck-typed network: .weights, and .alpha or .scale, .final_relu or .output_activation
        scale = 1.0 / float(duck.alpha) if hasattr(duck, "alpha") else float(getattr(duck, "scale", 1.0))
        final = getattr(duck, "final_relu", getattr(duck, "output_activation", False))
        return ReLULayers(tuple(duck.weights), scale=scale, final_relu=bool(final))
    weights: list[Tensor] = []
    biases: list[Tensor | None] = []
    relu_after: list[bool] = []
    for name, m in model.named_modules():
        if len(list(m.children())):
            continue
        if isinstance(m, nn.Linear):
            if weights and not relu_after[-1]:
                raise ValueError(f"model has two Linear layers without a ReLU between them at {name!r}")
            weights.append(m.weight)
            biases.append(m.bias)
            relu_after.append(False)
        elif isinstance(m, nn.ReLU):
            if not weights or relu_after[-1]:
                raise ValueError(f"model has a ReLU at {name!r} that does not follow a Linear layer")
            relu_after[-1] = True
        elif not isinstance(m, (nn.Flatten, nn.Identity, nn.Dropout)):
            raise ValueError(
                f"model has an unsupported module {name!r} of type {type(m).__name__}; allowed: Linear, ReLU, Flatten"
            )
    if not weights:
        raise ValueError(f"model has no Linear layer ({type(model).__name__})")
    return ReLULayers(tuple(weights), tuple(biases), final_relu=relu_after[-1])


def operator_norm(w: Tensor, p: float = 2) -> Tensor:
    """‖W‖_{p→p} = max_{‖v‖_p = 1} ‖Wv‖_p for p ∈ {1, 2, inf}: max column abs sum, largest singular value, max row abs sum."""
    p = parse_norm(p)
    w = as_real_tensor("w", w, ("m", "n"))
    if p == 1:
        return w.abs().sum(0).max()
    if p == math.inf:
        return w.abs().sum(1).max()
    return torch.linalg.matrix_norm(w, ord=2)


@dataclass(frozen=True)
class PowerIterationResult:
    """Power-iteration estimate of ‖W‖₂ with a certified interval lower ≤ ‖W‖₂ ≤ upper."""

    lower: float
    upper: float
    iterations: int
    converged: bool
    vector: Tensor  # (in,) unit right singular vector estimate


def spectral_norm_power_iteration(
    w: Tensor,
    tol: float = 1e-6,
    max_iter: int = 1000,
    squarings: int = 8,
    generator: torch.Generator | int | None = None,
) -> PowerIterationResult:
    """Largest singular value of W (out, in) by power iteration on G = WᵀW, with a certificate.

    Stops when the eigen-residual ‖Gv − ρv‖ ≤ tol·ρ (ρ = vᵀGv the Rayleigh quotient, v unit) or after
    `max_iter`. lower = ‖Wv‖ is attained, hence ≤ ‖W‖₂. upper = min(‖W‖_F, sqrt(‖W‖₁‖W‖_∞),
    tr(G^(2^k))^(1/2^(k+1))) for k = `squarings` (Weyl/Hölder bounds: λ_max(G)^{2^k} ≤ tr(G^{2^k}) ≤
    rank·λ_max^{2^k}, so upper/‖W‖₂ ≤ rank^(1/2^(k+1))). Defaults: tol 1e-6, 1000 iterations, 8 squarings,
    the start drawn from `generator` (default: a fresh generator seeded 0, so the global RNG is never used).
    """
    w = as_real_tensor("w", w, ("out", "in"))
    if min(w.shape) == 0:
        raise ValueError(f"w must be a non-empty matrix, got shape {tuple(w.shape)}")
    check_real("tol", tol, high_open=True)
    check_int("max_iter", max_iter)
    check_int("squarings", squarings, low=0)
    generator = as_generator(generator, default_seed=0)
    w64 = w.detach().to(torch.float64)
    v = torch.randn(w64.shape[1], generator=generator, dtype=torch.float64).to(w64.device)
    v = v / v.norm()
    converged = False
    it = 0
    for _ in range(max_iter):
        it += 1
        gv = w64.T @ (w64 @ v)
        rho = torch.dot(v, gv)
        if rho <= 0:  # v orthogonal to the row space (W = 0 or unlucky start)
            if torch.count_nonzero(w64) == 0:
                converged = True
                break
            v = torch.randn(v.shape, generator=generator, dtype=torch.float64).to(v.device)
            v = v / v.norm()
            continue
        if (gv - rho * v).norm() <= tol * rho:
            converged = True
            break
        v = gv / gv.norm()
    lower = float((w64 @ v).norm())
    # certificate: repeated squaring of the smaller Gram matrix, normalised to avoid overflow
    g = w64.T @ w64 if w64.shape[1] <= w64.shape[0] else w64 @ w64.T
    log_scale = 0.0
    for _ in range(squarings):
        nrm = float(torch.linalg.matrix_norm(g))
        if nrm == 0:
            break
        g = g / nrm
        log_scale = 2 * (log_scale + math.log(nrm))
        g = g @ g
    tr = float(torch.trace(g))
    trace_bound = math.exp((log_scale + math.log(tr)) / 2 ** (squarings + 1)) if tr > 0 else 0.0
    frob = float(torch.linalg.matrix_norm(w64))
    holder = math.sqrt(float(w64.abs().sum(0).max()) * float(w64.abs().sum(1).max()))
    upper = max(min(frob, holder, trace_bound * (1 + 1e-12)), lower)
    return PowerIterationResult(lower, upper, it, converged, v.to(w.dtype))


def lipschitz_upper_bound_product(model: nn.Module | ReLULayers | Sequence[Tensor], p: float = 2) -> float:
    """Product bound L ≤ scale · ∏_l ‖W_l‖_{p→p} (ReLU is 1-Lipschitz in every l_p norm; biases do not matter).

    Seed 000, table "comparison of methods for Lipschitz constant estimation", row "Product".
    `p` ∈ {1, 2, inf} (default 2); the norms are true operator norms, see `operator_norm`.
    """
    layers = relu_layers(model)
    p = parse_norm(p)
    prod = layers.scale
    for w in layers.weights:
        prod *= float(operator_norm(w.to(torch.float64), p))
    return prod


def jacobian_operator_norm(j: Tensor, p: float = 2) -> Tensor:
    """‖J‖_{p→p} for a batch of Jacobians j of shape (B, out, in) → (B,)."""
    p = parse_norm(p)
    if p == 1:
        return j.abs().sum(-2).amax(-1)
    if p == math.inf:
        return j.abs().sum(-1).amax(-1)
    return torch.linalg.matrix_norm(j, ord=2)


def _lp_norm(v: Tensor, p: float) -> Tensor:
    return torch.linalg.vector_norm(v, ord=p, dim=-1)


def _project_ball(a: Tensor, center: Tensor, eps: float, p: float) -> Tensor:
    return Ball(eps, p, batch_dims=1).project(a, center)


def _max_slope(
    f: Callable[[Tensor], Tensor],
    a: Tensor,
    d: Tensor,
    p: float,
    steps: int,
    step_size: float,
    project: Callable[[Tensor], Tensor] | None,
) -> tuple[float, Tensor]:
    """Adam ascent on the secant slope ‖f(a+d) − f(a)‖_p / ‖d‖_p over (a, d); also the Jacobian norms at a."""
    a = a.detach().clone().requires_grad_(True)
    d = d.detach().clone().requires_grad_(True)
    opt = torch.optim.Adam([a, d], lr=step_size)
    best = torch.tensor(0.0, dtype=a.dtype)
    best_point = a.detach()[0]
    for it in range(steps + 1):
        b = a + d if project is None else project(a + d)
        slope = _lp_norm(f(b) - f(a), p) / _lp_norm(b - a, p).clamp_min(torch.finfo(a.dtype).tiny)
        with torch.no_grad():
            jn = jacobian_operator_norm(input_jacobian(f, a.detach()), p)
            cand = torch.maximum(jn, slope.detach())
            i = int(cand.argmax())
            if cand[i] > best:
                best, best_point = cand[i].clone(), a.detach()[i].clone()
        if it == steps:
            break
        # gradients w.r.t. the inputs only: the model's parameters get no .grad
        a.grad, d.grad = torch.autograd.grad(-slope.sum(), [a, d])
        opt.step()
        if project is not None:
            with torch.no_grad():
                a.copy_(project(a))
                d.copy_(project(a + d) - a)
    return float(best), best_point


def _validate_ascent(starts: int, steps: int, step_size: float) -> None:
    check_int("starts", starts)
    check_int("steps", steps, low=0)
    check_step_size(step_size, allow_schedule=False)


def lipschitz_lower_bound(
    f: nn.Module | ReLULayers | Callable[[Tensor], Tensor],
    in_features: int,
    p: float = 2,
    starts: int = 32,
    steps: int = 100,
    step_size: float = 0.05,
    radius: float = 1.0,
    pool: int = 64,
    generator: torch.Generator | int | None = None,
    dtype: torch.dtype = torch.float64,
) -> float:
    """Lower bound on L = sup_a ‖∇_a f(a)‖ by multi-start ascent: the largest slope actually attained.

    Seed 000 definition L = sup_a ‖∇_a f‖_⋆. For ReLU nets ∇_a‖J(a)‖ = 0 almost everywhere, so the ascent
    runs on the secant slope ‖f(a+d) − f(a)‖_p/‖d‖_p (→ ‖J(a)d/‖d‖‖ as d → 0) over `starts` pairs. The
    starts a are the `starts` points with the largest ‖J(a)‖ among `pool`·`starts` draws a = r·g, g ~ N(0, I),
    r log-uniform in [radius/10, 10·radius] (regions of ReLU nets with biases can be far out); d ~
    N(0, (radius/10)²I). At every iterate the exact Jacobian norm ‖J(a)‖_{p→p}
    (`saddle.robustness.stability.input_jacobian`) is recorded too. Both are attained, so the max is a
    valid lower bound. The model's parameters receive no gradients; an nn.Module is evaluated in eval mode
    (BatchNorm running statistics, no Dropout: the function being bounded) and its modes restored after.
    f maps (B, in_features) → (B, out). Defaults: 32 starts, pool 64, 100 Adam steps of size 0.05·radius,
    float64.
    """
    p = parse_norm(p)
    _validate_ascent(starts, steps, step_size)
    generator = as_generator(generator)
    check_int("in_features", in_features)
    check_int("pool", pool)
    check_real("radius", radius, high_open=True)
    fn = _as_function(f, dtype)
    with _evaluating(f):
        check_model_input(
            fn, torch.zeros(1, in_features, dtype=dtype, device=_device(f)), "f", "a point of R^in_features", ("B", "k")
        )
    dev = _device(f)
    n = starts * pool
    r = torch.exp(torch.empty(n, 1, dtype=dtype).uniform_(math.log(0.1), math.log(10.0), generator=generator))
    a = (radius * r * torch.randn(n, in_features, generator=generator, dtype=dtype)).to(dev)
    d = 0.1 * radius * torch.randn(starts, in_features, generator=generator, dtype=dtype).to(dev)
    with _evaluating(f):
        if pool > 1:
            a = a[jacobian_operator_norm(input_jacobian(fn, a), p).argsort(descending=True)[:starts]]
        return _max_slope(fn, a, d, p, steps, step_size * radius, None)[0]


def local_lipschitz(
    f: nn.Module | ReLULayers | Callable[[Tensor], Tensor],
    x: Tensor,
    eps: float,
    p: float = 2,
    starts: int = 32,
    steps: int = 50,
    generator: torch.Generator | int | None = None,
) -> float:
    """Local Lipschitz estimate max_{a, b ∈ B_p(x, ε)} ‖f(a) − f(b)‖_p/‖a − b‖_p ≈ max_{a ∈ B} ‖∇_a f(a)‖.

    Multi-start projected ascent (starts uniform in the ball, `saddle.sets.sample_ball`) of the secant
    slope with the pair kept in the ball (x itself is the first start), plus the Jacobian norms at the
    iterates: a lower estimate of the local constant at x (shape (in,) or (1, in)). An nn.Module is
    evaluated in eval mode and its modes restored after. Defaults: 32 starts, 50 Adam steps of size ε/10.
    """
    p = parse_norm(p)
    _validate_ascent(starts, steps, 1.0)
    generator = as_generator(generator)
    check_real("eps", eps, high_open=True)
    check_tensor("x", x)
    if x.ndim not in (1, 2) or (x.ndim == 2 and x.shape[0] != 1):
        raise ValueError(
            f"x must be one point, shape (in,) or (1, in), got {tuple(x.shape)}: the local constant is at one point "
            f"(call local_lipschitz once per point of a batch)"
        )
    x = x.detach().reshape(1, -1)
    fn = _as_function(f, x.dtype)
    with _evaluating(f):
        check_model_input(fn, x, "f", "x", ("B", "k"))
    a = x + sample_ball(starts, x.shape[1], p, eps, generator=generator, dtype=x.dtype).to(x.device)
    a[0] = x[0]  # the centre itself is one start, so the estimate is ≥ ‖∇f(x)‖
    b = x + sample_ball(starts, x.shape[1], p, eps, generator=generator, dtype=x.dtype).to(x.device)
    with _evaluating(f):
        return _max_slope(fn, a, b - a, p, steps, eps / 10, lambda z: _project_ball(z, x, eps, p))[0]


def _evaluating(f: nn.Module | ReLULayers | Callable[[Tensor], Tensor]) -> AbstractContextManager:
    """Eval mode with frozen parameters for an nn.Module, restored on exit (as the attacks do); else nothing."""
    return frozen_eval(f) if isinstance(f, nn.Module) else nullcontext(f)


def _device(f: nn.Module | ReLULayers | Callable[[Tensor], Tensor]) -> torch.device:
    if isinstance(f, ReLULayers):
        return f.weights[0].device
    if isinstance(f, nn.Module):
        param = next(f.parameters(), None)
        return param.device if param is not None else torch.device("cpu")
    return torch.device("cpu")


def _as_function(
    f: nn.Module | ReLULayers | Callable[[Tensor], Tensor], dtype: torch.dtype
) -> Callable[[Tensor], Tensor]:
    if isinstance(f, ReLULayers):
        return f.to(dtype)
    if isinstance(f, nn.Module):
        param = next(f.parameters(), None)
        if param is not None and param.dtype != dtype:
            return lambda a: f(a.to(param.dtype)).to(dtype)
    return f


@dataclass(frozen=True)
class ReLURegions:
    """The realisable (full-dimensional) activation regions of a ReLU net and their Jacobians."""

    patterns: tuple[tuple[int, ...], ...]  # activation pattern per region (ReLU units in layer order)
    jacobians: tuple[np.ndarray, ...]  # (out, in) Jacobian of f on each region, output scale included
    lp_solves: int


@dataclass(frozen=True)
class ExactLipschitzResult:
    """Exact Lipschitz constant of a piecewise-linear ReLU net and the regions it was taken over."""

    value: float
    regions: int  # realisable (full-dimensional) activation regions found
    lp_solves: int
    pattern: tuple[int, ...]  # activation pattern of a maximising region (ReLU units in layer order)


def relu_regions(
    model: nn.Module | ReLULayers | Sequence[Tensor], max_units: int = 24, margin: float = 1e-9
) -> ReLURegions:
    """Enumerate the activation regions R = {a : pattern(a) = s} with non-empty interior, and J_R.

    Depth-first over the ReLU units in layer order; a partial pattern is kept iff the LP
    max t s.t. (2s_i − 1)(c_i·a + d_i) ≥ t‖c_i‖₂, t ≤ 1 (scipy HiGHS; c_i·a + d_i the unit's pre-activation,
    affine on the parent region) has t > `margin`. If the active half of a region is empty, the inactive
    half is the whole region, so it needs no LP. `max_units` (default 24) guards against the exponential
    blow-up. Float64 throughout; J_R = scale·[D_L] W_L D_{L−1} ⋯ D_1 W_1.
    """
    from scipy.optimize import linprog

    layers = relu_layers(model).to(torch.float64)
    ws = [w.cpu().numpy() for w in layers.weights]
    bs = [np.zeros(w.shape[0]) if b is None else b.cpu().numpy() for w, b in zip(ws, layers.biases)]
    n_relu_layers = len(ws) if layers.final_relu else len(ws) - 1
    units = sum(w.shape[0] for w in ws[:n_relu_layers])
    check_int("max_units", max_units)
    if units > max_units:
        raise ValueError(
            f"network has {units} ReLU units, more than max_units={max_units}; exact enumeration is exponential"
        )
    check_real("margin", margin, low_open=False, high_open=True)
    n = ws[0].shape[1]
    patterns: list[tuple[int, ...]] = []
    jacobians: list[np.ndarray] = []
    lp = [0]

    def feasible(rows: list[np.ndarray], offs: list[float]) -> bool:
        # variables (a, t): maximise t s.t. −row·a + t‖row‖ ≤ off (rows already sign-flipped)
        lp[0] += 1
        A = np.array([np.append(-r, np.linalg.norm(r)) for r in rows])
        res = linprog(
            np.append(np.zeros(n), -1.0),
            A_ub=A,
            b_ub=np.array(offs),
            bounds=[(None, None)] * n + [(None, 1.0)],
            method="highs",
        )
        return res.status == 0 and -res.fun > margin

    def leaf(j: np.ndarray, pattern: tuple[int, ...]) -> None:
        patterns.append(pattern)
        jacobians.append(layers.scale * j)

    def recurse(
        layer: int,
        unit: int,
        lin: np.ndarray,
        off: np.ndarray,
        pattern: tuple[int, ...],
        rows: list[np.ndarray],
        offs: list[float],
        mask: list[float],
    ) -> None:
        # lin, off: the affine map a -> lin @ a + off of layer `layer`'s pre-activations on this region
        if unit == lin.shape[0]:
            d = np.array(mask)
            if layer + 1 == len(ws):  # final ReLU done
                leaf(d[:, None] * lin, pattern)
                return
            new_lin, new_off = ws[layer + 1] @ (d[:, None] * lin), ws[layer + 1] @ (d * off) + bs[layer + 1]
            if layer + 1 == n_relu_layers:
                leaf(new_lin, pattern)
            else:
                recurse(layer + 1, 0, new_lin, new_off, pattern, rows, offs, [])
            return
        c, o = lin[unit], off[unit]
        if not np.any(c):  # constant unit on this region: its sign is fixed, no branching
            s = 1 if o > 0 else 0
            recurse(layer, unit + 1, lin, off, (*pattern, s), rows, offs, [*mask, float(s)])
            return
        if feasible([*rows, c], [*offs, o]):
            recurse(layer, unit + 1, lin, off, (*pattern, 1), [*rows, c], [*offs, o], [*mask, 1.0])
            if feasible([*rows, -c], [*offs, -o]):
                recurse(layer, unit + 1, lin, off, (*pattern, 0), [*rows, -c], [*offs, -o], [*mask, 0.0])
        else:  # the whole region is inactive for this unit
            recurse(layer, unit + 1, lin, off, (*pattern, 0), rows, offs, [*mask, 0.0])

    if n_relu_layers == 0:  # a single linear layer
        return ReLURegions(((),), (layers.scale * ws[0],), 0)
    recurse(0, 0, ws[0], bs[0], (), [], [], [])
    return ReLURegions(tuple(patterns), tuple(jacobians), lp[0])


def lipschitz_exact_relu(
    model: nn.Module | ReLULayers | Sequence[Tensor],
    p: float = 2,
    max_units: int = 24,
    margin: float = 1e-9,
    regions: ReLURegions | None = None,
) -> ExactLipschitzResult:
    """Exact L = max over activation regions R of ‖J_R‖_{p→p}, for tiny ReLU nets (what LipMIP computes).

    f is continuous and piecewise linear with Jacobian J_R on each region R (see `relu_regions`), so
    L = max_R ‖J_R‖ over regions with non-empty interior (seed 000, table row LipMIP: exact).
    Pass `regions` to reuse one enumeration for several norms. Float64 throughout.
    """
    p = parse_norm(p)
    regions = relu_regions(model, max_units, margin) if regions is None else regions
    values = [
        float(jacobian_operator_norm(torch.from_numpy(j)[None], p)[0]) if j.size else 0.0 for j in regions.jacobians
    ]
    i = int(np.argmax(values))
    return ExactLipschitzResult(values[i], len(values), regions.lp_solves, regions.patterns[i])
