"""Directions: what an update template moves along, computed from the field (optax's `scale_by_*` transforms).

A direction maps the field g = V(z) at a point to the direction d each player moves along, keeping its own
state (moments, running averages); the template multiplies d by the step size and decides where the field is
evaluated (extrapolation, optimism, noise). Every direction is elementwise within each player, so the same
object serves a batch of games and nn.Module players. The three of saddle:

    Identity             d = g                                         (no state)
    AdamDirection        d = m̂ / (sqrt(v̂) + ε)                          (Kingma & Ba 2015; state AdamState)
    RMSPropDirection     d = G g,  G = 1 / (sqrt(v) + ε)               (Tieleman & Hinton 2012; state RMSPropState)

A direction of the form d = P g with a diagonal preconditioner P (Identity: P = I, RMSProp: P = G) also
gives P through `preconditioner`, which the Langevin templates need for their noise sqrt(2ηT) P^{1/2} ξ
(Li, Chen, Carlson & Carin 2016). Adam's direction is not of that form (m̂ averages past fields), so the
Langevin templates refuse it.

Writing a new direction: a class with `init(params) -> state` (a NamedTuple whose per-player fields are lists
with one tensor per player, so that `GameOptimizer.state_dict` saves them per player; or None) and
`__call__(grads, state) -> (d, new_state)` that leaves its inputs untouched; add `preconditioner(grads, state)
-> (P or None, new_state)` if d = P g, and it works with every template that takes a `direction=`.
Each call is one update of the state: a template that evaluates the field twice per step (extragradient)
calls the direction twice, as ExtraAdam's two moment updates per step (Gidel et al. 2019, Alg. 4).
"""

from __future__ import annotations

import math
from typing import Any, NamedTuple, Protocol, runtime_checkable

import torch
from torch import Tensor

from saddle.optim.base import Params
from saddle.validation import check_real

__all__ = [
    "AdamDirection",
    "AdamState",
    "Direction",
    "Identity",
    "RMSPropDirection",
    "RMSPropState",
    "check_direction",
]


@runtime_checkable
class Direction(Protocol):
    """The direction d(g) a template moves along (module doc); one call = one update of its state."""

    def init(self, params: Params) -> Any: ...

    def __call__(self, grads: list[Tensor], state: Any) -> tuple[list[Tensor], Any]: ...


class Identity:
    """d = g: the plain field (gradient descent-ascent and its relatives). No state; preconditioner P = I."""

    def init(self, params: Params) -> None:
        return None

    def __call__(self, grads: list[Tensor], state: None) -> tuple[list[Tensor], None]:
        return grads, state

    def preconditioner(self, grads: list[Tensor], state: None) -> tuple[None, None]:
        return None, state

    def __repr__(self) -> str:
        return "Identity()"


class AdamState(NamedTuple):
    """Number n of moment updates so far and the Adam moments (m, v), one tensor per player each."""

    count: int  # type: ignore[assignment]  # the update counter shadows tuple.count on purpose
    m: list[Tensor]
    v: list[Tensor]


class AdamDirection:
    """Exponential moments of the field and the scaled direction m̂ / (sqrt(v̂) + ε) (Kingma & Ba 2015).

    m ← β1 m + (1 − β1) g,  v ← β2 v + (1 − β2) g²,  m̂ = m / (1 − β1ⁿ),  v̂ = v / (1 − β2ⁿ),
    n the number of moment updates so far, this one included (bias correction of Kingma & Ba 2015); ε is added
    to sqrt(v̂) as torch.optim.Adam does. Args: betas (β1, β2) in [0, 1) (default (0.9, 0.999)), eps ε > 0
    (default 1e-8; ε = 0 gives 0/0 = NaN where g = 0).
    """

    def __init__(self, betas: tuple[float, float] = (0.9, 0.999), eps: float = 1e-8) -> None:
        if not isinstance(betas, (tuple, list)) or len(betas) != 2:
            raise ValueError(f"betas must be a pair (beta1, beta2), got {betas!r}")
        self.beta1 = check_real(f"betas={tuple(betas)!r}: beta1", betas[0], 0.0, 1.0, low_open=False, high_open=True)
        self.beta2 = check_real(f"betas={tuple(betas)!r}: beta2", betas[1], 0.0, 1.0, low_open=False, high_open=True)
        self.eps = check_real("eps", eps, 0.0, math.inf, high_open=True)

    def init(self, params: Params) -> AdamState:
        return AdamState(0, [torch.zeros_like(p) for p in params], [torch.zeros_like(p) for p in params])

    def __call__(self, grads: list[Tensor], state: AdamState) -> tuple[list[Tensor], AdamState]:
        # m̂ / (sqrt(v̂) + ε) = c m / (sqrt(v) + ε sqrt(1 − β2ⁿ)) with c = sqrt(1 − β2ⁿ) / (1 − β1ⁿ): three new
        # tensors per player and the rest in place. v is floored at the dtype's smallest normal number before the
        # root: the same values (sqrt(tiny) ≈ 1e-19 or 1e-154 beside ε), and a finite forward-mode derivative where
        # v = 0 (a coordinate whose field has been 0 so far, e.g. a dead ReLU unit), where d(sqrt v) = v̇ / (2 sqrt v)
        # is 0/0; there m = 0 too, so the true derivative is c ṁ / (ε sqrt(1 − β2ⁿ)), which the floor gives.
        n = state.count + 1
        grads = list(grads)
        m = list(torch._foreach_lerp(list(state.m), grads, 1.0 - self.beta1))
        v = list(torch._foreach_mul(list(state.v), self.beta2))
        torch._foreach_addcmul_(v, grads, grads, value=1.0 - self.beta2)
        root_c2 = math.sqrt(1.0 - self.beta2**n)
        denom = torch._foreach_clamp_min(v, torch.finfo(v[0].dtype).tiny)
        torch._foreach_sqrt_(denom)
        torch._foreach_add_(denom, self.eps * root_c2)
        d = list(torch._foreach_div(m, denom))
        torch._foreach_mul_(d, root_c2 / (1.0 - self.beta1**n))
        return d, AdamState(n, m, v)

    def __repr__(self) -> str:
        return f"AdamDirection(betas=({self.beta1}, {self.beta2}), eps={self.eps})"


class RMSPropState(NamedTuple):
    """The running mean square v of the field, one tensor per player."""

    v: list[Tensor]


class RMSPropDirection:
    """RMSProp's preconditioned field d = G g with v ← a v + (1 − a) g², G = 1/(sqrt(v) + ε).

    As torch.optim.RMSprop (Tieleman & Hinton 2012): v starts at 0 with no bias correction and ε is added to
    sqrt(v), so GDA with this direction is torch.optim.RMSprop(lr=η, alpha=a, eps=ε) on each player's own loss;
    `preconditioner` gives G for the Langevin noise (pSGLD, Li et al. 2016). Args: alpha a in [0, 1) (default
    0.99), eps ε > 0 (default 1e-8).
    """

    def __init__(self, alpha: float = 0.99, eps: float = 1e-8) -> None:
        self.alpha = check_real("alpha", alpha, 0.0, 1.0, low_open=False, high_open=True)
        self.eps = check_real("eps", eps, 0.0, math.inf, high_open=True)

    def init(self, params: Params) -> RMSPropState:
        return RMSPropState([torch.zeros_like(p) for p in params])

    def preconditioner(self, grads: list[Tensor], state: RMSPropState) -> tuple[list[Tensor], RMSPropState]:
        """G = 1/(sqrt(v) + ε) after the update of v with g (one tensor per player), and the new state."""
        v = list(torch._foreach_mul(list(state.v), self.alpha))
        torch._foreach_addcmul_(v, list(grads), list(grads), value=1.0 - self.alpha)
        return list(torch._foreach_reciprocal(torch._foreach_add(torch._foreach_sqrt(v), self.eps))), RMSPropState(v)

    def __call__(self, grads: list[Tensor], state: RMSPropState) -> tuple[list[Tensor], RMSPropState]:
        pre, state = self.preconditioner(grads, state)
        return [p * g for p, g in zip(pre, grads)], state

    def __repr__(self) -> str:
        return f"RMSPropDirection(alpha={self.alpha}, eps={self.eps})"


def check_direction(direction: Any, *, preconditioned: bool = False) -> Any:
    """`direction` if it has init and __call__ (and `preconditioner` when the template needs P), else ValueError."""
    if not (callable(getattr(direction, "init", None)) and callable(direction)):
        raise ValueError(f"direction must have init(params) and __call__(grads, state), got {direction!r}")
    if preconditioned and not callable(getattr(direction, "preconditioner", None)):
        raise ValueError(
            "this template needs a direction d = P g with a diagonal preconditioner P for its noise "
            f"(Identity, RMSPropDirection), got {direction!r}"
        )
    return direction
