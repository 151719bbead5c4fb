"""Constraint sets: Euclidean projections (box, l∞/l2/l1 balls, simplex) and the entropic mirror map.

All projections act on a batch: the first `batch_dims` dimensions index independent points and
the remaining dimensions form one vector (an image, a parameter vector, a strategy). With
`batch_dims=0` the whole tensor is one point (e.g. the parameters of an `nn.Module`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import torch
from torch import Tensor

from saddle.broadcast import per_point_broadcast
from saddle.validation import check_generator, check_int, check_real, check_tensor

__all__ = [
    "Ball",
    "Box",
    "EntropicMirrorMap",
    "Set",
    "Simplex",
    "ThreatModel",
    "lp_norm",
    "make_box",
    "project_box",
    "project_l1_ball",
    "project_l2_ball",
    "project_linf_ball",
    "project_simplex",
    "sample_ball",
]

_NORMS = {"inf": math.inf, "linf": math.inf, "l2": 2.0, "2": 2.0, "l1": 1.0, "1": 1.0}


def parse_norm(p: float | int | str) -> float:
    """Return 1.0, 2.0 or inf for the names 'l1', 'l2', 'linf'/'inf' or the numbers 1, 2, inf."""
    if isinstance(p, str):
        if p.lower() not in _NORMS:
            raise ValueError(f"norm must be one of 'l1', 'l2', 'linf', got {p!r}")
        return _NORMS[p.lower()]
    if p in (1, 2) or p == math.inf:
        return float(p)
    raise ValueError(f"norm must be 1, 2 or inf, got {p!r}")


def _points(z: Tensor, name: str = "z") -> Tensor:
    """z if it is a floating tensor with values (not meta); no finiteness check: the projections are per-step
    kernels (a NaN comes back as NaN), their callers check their inputs once."""
    return check_tensor(name, z, finite=False, nonempty=False)


def _flat(z: Tensor, batch_dims: int) -> Tensor:
    check_int("batch_dims", batch_dims, 0, z.ndim)
    return z.reshape(*z.shape[:batch_dims], math.prod(z.shape[batch_dims:]))


def _radius(radius: float | Tensor, name: str = "radius") -> float | Tensor:
    """A radius is a finite number >= 0, or a tensor of per-point radii (not checked: it lives on the device)."""
    return (
        radius
        if isinstance(radius, Tensor)
        else check_real(name, radius, 0.0, math.inf, low_open=False, high_open=True)
    )


def _bound(name: str, value: float | Tensor) -> float | Tensor:
    return value if isinstance(value, Tensor) else check_real(name, value, -math.inf, math.inf, low_open=False)


def lp_norm(z: Tensor, p: float | str, batch_dims: int = 1) -> Tensor:
    """‖z_i‖_p for each point of the batch; shape z.shape[:batch_dims]."""
    p = parse_norm(p)
    return torch.linalg.vector_norm(_flat(_points(z), batch_dims), ord=p, dim=-1)


def project_box(z: Tensor, lower: float | Tensor = 0.0, upper: float | Tensor = 1.0) -> Tensor:
    """Elementwise clamp to [lower, upper]; the exact Euclidean projection onto a box."""
    _points(z)
    lower, upper = _bound("lower", lower), _bound("upper", upper)
    if not isinstance(lower, Tensor) and not isinstance(upper, Tensor):
        return torch.clamp(z, min=lower, max=upper)
    lo = lower if isinstance(lower, Tensor) else torch.as_tensor(lower, dtype=z.dtype, device=z.device)
    hi = upper if isinstance(upper, Tensor) else torch.as_tensor(upper, dtype=z.dtype, device=z.device)
    return torch.minimum(torch.maximum(z, lo), hi)


def project_linf_ball(z: Tensor, radius: float | Tensor, center: Tensor | None = None) -> Tensor:
    """Projection onto {u : ‖u − center‖_∞ ≤ radius} (elementwise, so no batch_dims needed)."""
    _points(z)
    radius = _radius(radius)
    c = 0.0 if center is None else center
    return (
        torch.clamp(z - c, -radius, radius) + c
        if not isinstance(radius, Tensor)
        else (torch.minimum(torch.maximum(z - c, -radius), radius) + c)
    )


def project_l2_ball(z: Tensor, radius: float | Tensor, center: Tensor | None = None, batch_dims: int = 1) -> Tensor:
    """Projection onto {u : ‖u − center‖_2 ≤ radius}: rescale points outside the ball."""
    _points(z)
    radius = _radius(radius)
    d = z if center is None else z - center
    norm = lp_norm(d, 2, batch_dims)
    r = torch.as_tensor(radius, dtype=z.dtype, device=z.device)
    scale = torch.where(norm > r, r / norm.clamp_min(torch.finfo(z.dtype).tiny), torch.ones_like(norm))
    out = d * per_point_broadcast(scale, z)
    return out if center is None else out + center


def project_simplex(z: Tensor, radius: float = 1.0, batch_dims: int = 1) -> Tensor:
    """Exact projection onto {u ≥ 0, Σu = radius} by sorting (Held et al. 1974; Duchi et al. 2008), O(d log d)."""
    check_real("simplex radius", radius, 0.0, math.inf, high_open=True)
    flat = _flat(_points(z), batch_dims)
    d = flat.shape[-1]
    u, _ = torch.sort(flat, dim=-1, descending=True)
    css = torch.cumsum(u, dim=-1) - radius
    k = torch.arange(1, d + 1, dtype=z.dtype, device=z.device)
    cond = u - css / k > 0
    # cond holds on a prefix and u_1 − (u_1 − r) = r > 0 in exact arithmetic, so rho ≥ 0; in floating point a radius
    # below u_1's rounding unit makes u_1 − r == u_1 and cond all False: rho = 0 is then the exact answer to rounding
    rho = (cond.sum(-1, keepdim=True) - 1).clamp_min(0)
    theta = css.gather(-1, rho) / (rho + 1).to(z.dtype)
    return torch.clamp(flat - theta, min=0).reshape(z.shape)


def project_l1_ball(z: Tensor, radius: float | Tensor, center: Tensor | None = None, batch_dims: int = 1) -> Tensor:
    """Exact projection onto {u : ‖u − center‖_1 ≤ radius} via the simplex projection of |u| (Duchi et al. 2008)."""
    _points(z)
    radius = _radius(radius)
    d = z if center is None else z - center
    flat = _flat(d, batch_dims)
    r = float(radius) if not isinstance(radius, Tensor) else radius
    inside = torch.linalg.vector_norm(flat, ord=1, dim=-1, keepdim=True) <= (
        r if not isinstance(r, Tensor) else r.reshape(*r.shape, 1)
    )
    if isinstance(r, Tensor):
        # per-point radii: scale to the unit ball, project, scale back
        rr = r.reshape(*r.shape, 1).clamp_min(torch.finfo(z.dtype).tiny)
        proj = torch.sign(flat) * project_simplex(flat.abs() / rr, 1.0, batch_dims=flat.ndim - 1) * rr
    else:
        proj = (
            torch.sign(flat) * project_simplex(flat.abs(), r, batch_dims=flat.ndim - 1)
            if r > 0
            else torch.zeros_like(flat)
        )
    out = torch.where(inside, flat, proj).reshape(z.shape)
    return out if center is None else out + center


class Set:
    """A closed convex set with a Euclidean projection."""

    def project(self, z: Tensor) -> Tensor:
        raise NotImplementedError

    def contains(self, z: Tensor, atol: float = 1e-6) -> Tensor:
        raise NotImplementedError

    def __call__(self, z: Tensor) -> Tensor:
        return self.project(z)


@dataclass(frozen=True)
class Box(Set):
    """{u : lower ≤ u ≤ upper} elementwise."""

    lower: float = 0.0
    upper: float = 1.0

    def __post_init__(self) -> None:
        object.__setattr__(self, "lower", check_real("lower", self.lower, -math.inf, math.inf, low_open=False))
        object.__setattr__(self, "upper", check_real("upper", self.upper, -math.inf, math.inf, low_open=False))
        if not self.lower <= self.upper:
            raise ValueError(f"Box needs lower <= upper, got [{self.lower}, {self.upper}]")

    def project(self, z: Tensor) -> Tensor:
        return project_box(z, self.lower, self.upper)

    def contains(self, z: Tensor, atol: float = 1e-6) -> Tensor:
        return ((z >= self.lower - atol) & (z <= self.upper + atol)).all()


@dataclass(frozen=True)
class Ball(Set):
    """{u : ‖u − center‖_p ≤ radius} for p ∈ {1, 2, ∞}, per point of a batch."""

    radius: float
    p: float | str = "l2"
    batch_dims: int = 1

    def __post_init__(self) -> None:
        check_real("ball radius", self.radius, 0.0, math.inf, low_open=False, high_open=True)
        object.__setattr__(self, "p", parse_norm(self.p))

    def project(self, z: Tensor, center: Tensor | None = None) -> Tensor:
        if self.p == math.inf:
            return project_linf_ball(z, self.radius, center)
        if self.p == 2.0:
            return project_l2_ball(z, self.radius, center, self.batch_dims)
        return project_l1_ball(z, self.radius, center, self.batch_dims)

    def contains(self, z: Tensor, atol: float = 1e-6, center: Tensor | None = None) -> Tensor:
        d = z if center is None else z - center
        return (lp_norm(d, self.p, self.batch_dims) <= self.radius + atol).all()


@dataclass(frozen=True)
class Simplex(Set):
    """{u ≥ 0 : Σu = radius} per point of a batch (probability vectors when radius = 1)."""

    radius: float = 1.0
    batch_dims: int = 1

    def __post_init__(self) -> None:
        check_real("simplex radius", self.radius, 0.0, math.inf, high_open=True)

    def project(self, z: Tensor) -> Tensor:
        return project_simplex(z, self.radius, self.batch_dims)

    def contains(self, z: Tensor, atol: float = 1e-6) -> Tensor:
        flat = _flat(z, self.batch_dims)
        return (flat >= -atol).all() & ((flat.sum(-1) - self.radius).abs() <= atol * flat.shape[-1]).all()


class EntropicMirrorMap:
    """Negative-entropy mirror map on the simplex: ∇h(u) = log u, (∇h)^{-1}(θ) = softmax(θ).

    The mirror step u⁺ = softmax(log u − η g) is the exponentiated-gradient / multiplicative-weights
    update (Nemirovski & Yudin; Beck & Teboulle 2003). Acts on the last dimension.
    """

    def to_dual(self, u: Tensor) -> Tensor:
        return torch.log(u.clamp_min(torch.finfo(u.dtype).tiny))

    def to_primal(self, theta: Tensor) -> Tensor:
        return torch.softmax(theta, dim=-1)

    def step(self, u: Tensor, grad: Tensor, step_size: float | Tensor) -> Tensor:
        """u ⊙ exp(−η g) renormalised, computed stably in the dual; u, grad of one shape, η > 0 (or a tensor)."""
        _points(u, "u")
        if _points(grad, "grad").shape != u.shape:
            raise ValueError(f"grad must have the shape of u {tuple(u.shape)}, got {tuple(grad.shape)}")
        if not isinstance(step_size, Tensor):
            check_real("step_size", step_size, 0.0, math.inf, high_open=True)
        return self.to_primal(self.to_dual(u) - step_size * grad)

    def bregman(self, u: Tensor, v: Tensor) -> Tensor:
        """KL(u ‖ v) = Σ u log(u/v), the Bregman divergence of negative entropy on the simplex."""
        return (torch.xlogy(u, u) - torch.xlogy(u, v.clamp_min(torch.finfo(v.dtype).tiny))).sum(-1)


def sample_ball(
    n: int,
    shape: tuple[int, ...] | int,
    p: float | str = "l2",
    radius: float = 1.0,
    generator: torch.Generator | None = None,
    dtype: torch.dtype = torch.float32,
    device: torch.device | str | None = None,
) -> Tensor:
    """n points uniform in the p-ball of `radius` in dimension d = prod(shape); returns (n, *shape).

    l2: Gaussian direction times U^{1/d} radius; l∞: uniform cube; l1: Laplace direction
    normalised times U^{1/d} (Barthe, Guédon, Mendelson, Naor 2005).
    """
    check_int("n", n, low=0)
    shape = (shape,) if isinstance(shape, int) and not isinstance(shape, bool) else shape
    if not isinstance(shape, (tuple, list, torch.Size)) or not shape:
        raise ValueError(f"shape must be a positive int or a non-empty tuple of them, got {shape!r}")
    shape = tuple(check_int("shape", s) for s in shape)
    d = math.prod(shape)
    p = parse_norm(p)
    radius = check_real("radius", radius, 0.0, math.inf, low_open=False, high_open=True)
    check_generator(generator, allow_none=True)
    if p == math.inf:
        u = torch.rand(n, d, generator=generator, dtype=dtype, device=device) * 2 - 1
    else:
        if p == 2.0:
            g = torch.randn(n, d, generator=generator, dtype=dtype, device=device)
        else:
            e = torch.empty(n, d, dtype=dtype, device=device).exponential_(generator=generator)
            s = torch.randint(0, 2, (n, d), generator=generator, device=device).to(dtype) * 2 - 1
            g = e * s
        g = g / torch.linalg.vector_norm(g, ord=p, dim=-1, keepdim=True)
        r = torch.rand(n, 1, generator=generator, dtype=dtype, device=device) ** (1.0 / d)
        u = g * r
    return (u * radius).reshape(n, *shape)


def make_box(box: tuple[float, float] | Box | None) -> Box:
    """The input box as a `Box` (None = unbounded inputs)."""
    if box is None:
        return Box(-math.inf, math.inf)
    if isinstance(box, Box):
        return box
    try:
        lower, upper = box
    except (TypeError, ValueError):
        raise ValueError(f"box must be a pair (lower, upper) or None, got {box!r}") from None
    return Box(float(lower), float(upper))


@dataclass(frozen=True, init=False)
class ThreatModel:
    """The set an attack searches: {x' : ‖x' − x‖_p ≤ ε} ∩ box, per point of a batch x (B, ...).

    eps ε ≥ 0 (finite); norm 'linf' (default) / 'l2' / 'l1' or 1, 2, inf (stored as 1.0, 2.0, inf);
    box a pair (lower, upper), a `saddle.sets.Box` or None (unbounded); default (0, 1), stored as a `Box`.
    """

    eps: float
    norm: float
    box: Box
    ball: Ball = field(init=False, repr=False, compare=False)

    def __init__(
        self, eps: float, norm: float | str = math.inf, box: Box | tuple[float, float] | None = (0.0, 1.0)
    ) -> None:
        # the fields hold the normalised values (norm a float, box a Box), hence an explicit __init__
        eps = check_real("eps", eps, 0.0, math.inf, low_open=False, high_open=True)
        p = parse_norm(norm)
        object.__setattr__(self, "eps", eps)
        object.__setattr__(self, "norm", p)
        object.__setattr__(self, "box", make_box(box))
        object.__setattr__(self, "ball", Ball(eps, p, batch_dims=1))

    def project(self, x: Tensor, x_adv: Tensor) -> Tensor:
        """box(x + Π_ball(x_adv − x)): in both sets because x is in the box (clipping only shrinks |δ_i|)."""
        if _points(x_adv, "x_adv").shape != _points(x, "x").shape:
            raise ValueError(f"x_adv must have the shape of x {tuple(x.shape)}, got {tuple(x_adv.shape)}")
        return self.box.project(x + self.ball.project(x_adv - x))

    def distance(self, x: Tensor, x_adv: Tensor) -> Tensor:
        """‖x_adv_i − x_i‖_p per point, shape (B,)."""
        return lp_norm(x_adv - x, self.norm, batch_dims=1)

    def contains(self, x: Tensor, x_adv: Tensor, rtol: float = 1e-5, atol: float = 1e-6) -> Tensor:
        """(B,) bool: x_adv_i within ε (1 + rtol) + atol of x_i and inside the box (up to atol)."""
        inside = (x_adv >= self.box.lower - atol) & (x_adv <= self.box.upper + atol)
        return (self.distance(x, x_adv) <= self.eps * (1 + rtol) + atol) & inside.reshape(x.shape[0], -1).all(-1)
