"""AdamDirection: the textbook m̂/(√v̂ + ε) over several calls, and a finite forward-mode derivative where v = 0."""

import math

import torch
from torch.func import jvp

from saddle.optim.directions import AdamDirection


def textbook(grads, betas=(0.9, 0.999), eps=1e-8):
    """Kingma & Ba (2015), Algorithm 1, written literally: the direction after each gradient."""
    m = torch.zeros_like(grads[0])
    v = torch.zeros_like(grads[0])
    out = []
    for n, g in enumerate(grads, start=1):
        m = betas[0] * m + (1 - betas[0]) * g
        v = betas[1] * v + (1 - betas[1]) * g * g
        out.append((m / (1 - betas[0] ** n)) / ((v / (1 - betas[1] ** n)).sqrt() + eps))
    return out


def test_direction_equals_the_textbook_formula_over_many_calls():
    gen = torch.Generator().manual_seed(0)
    grads = [torch.randn(50, generator=gen, dtype=torch.float64) * 10.0 ** (k % 5 - 2) for k in range(30)]
    grads[3][:10] = 0.0  # zero fields mixed in
    direction = AdamDirection(betas=(0.8, 0.99), eps=1e-6)
    state = direction.init([grads[0]])
    for g, want in zip(grads, textbook(grads, (0.8, 0.99), 1e-6)):
        (d,), state = direction([g], state)
        torch.testing.assert_close(d, want, rtol=1e-13, atol=0.0)


def test_forward_mode_derivative_is_finite_and_exact_where_the_field_has_been_zero():
    # coordinate 0: field 0 so far (v = 0, m = 0), where d(sqrt v) is 0/0; coordinate 1: a live coordinate
    direction = AdamDirection()
    g = torch.tensor([0.0, 0.3], dtype=torch.float64)
    state = direction.init([g])
    tangent = torch.tensor([1.0, 1.0], dtype=torch.float64)
    value, derivative = jvp(lambda x: direction([x], state)[0][0], (g,), (tangent,))
    assert torch.isfinite(derivative).all()
    b1, b2, eps, n = 0.9, 0.999, 1e-8, 1
    c = math.sqrt(1 - b2**n) / (1 - b1**n)
    # at v = m = 0 the direction is c m / (sqrt(v) + ε sqrt(1 − β2)) to first order, so its derivative is c (1 − β1) / (ε sqrt(1 − β2))
    assert math.isclose(derivative[0].item(), c * (1 - b1) / (eps * math.sqrt(1 - b2)), rel_tol=1e-12)
    # the live coordinate: at n = 1 the direction is g / (|g| + ε) exactly, whose derivative is ε / (|g| + ε)²
    # (forward mode forms it as a difference of two terms ≈ 3.3, so about 1e-16 · 3.3 / 1.1e-7 ≈ 3e-9 relative round-off)
    assert math.isclose(derivative[1].item(), eps / (0.3 + eps) ** 2, rel_tol=1e-7)
    assert value[0].item() == 0.0
