"""ExtraAdam and OptimisticAdam against the formulas of seed 001 / Gidel et al. 2019 and Daskalakis et al. 2018."""

import math

import pytest
import torch

from saddle.optim import ExtraAdam, OptimisticAdam


def field(p):
    """A nonlinear field so that the two evaluations differ: V(x, y) = (y + x³, −x + sin y)."""
    return [p[1] + p[0] ** 3, -p[0] + torch.sin(p[1])]


def field_py(x, y):
    return [y + x**3, -x + math.sin(y)]


def test_extra_adam_two_steps_by_hand():
    lr, b1, b2, eps = 0.1, 0.8, 0.95, 1e-3
    z = [torch.tensor([[0.7]], dtype=torch.float64), torch.tensor([[-0.4]], dtype=torch.float64)]
    method = ExtraAdam(lr, betas=(b1, b2), eps=eps)
    state = method.init(z)
    # by hand, with n = number of moment updates (Gidel et al. Alg. 4: 2t − 1 and 2t)
    x, m, v, n = [0.7, -0.4], [0.0, 0.0], [0.0, 0.0], 0
    for _ in range(2):
        z, state = method.step(z, state, field)
        g = field_py(*x)
        m = [b1 * mi + (1 - b1) * gi for mi, gi in zip(m, g)]
        v = [b2 * vi + (1 - b2) * gi**2 for vi, gi in zip(v, g)]
        n += 1
        mid = [xi - lr * (mi / (1 - b1**n)) / (math.sqrt(vi / (1 - b2**n)) + eps) for xi, mi, vi in zip(x, m, v)]
        g = field_py(*mid)
        m = [b1 * mi + (1 - b1) * gi for mi, gi in zip(m, g)]
        v = [b2 * vi + (1 - b2) * gi**2 for vi, gi in zip(v, g)]
        n += 1
        x = [xi - lr * (mi / (1 - b1**n)) / (math.sqrt(vi / (1 - b2**n)) + eps) for xi, mi, vi in zip(x, m, v)]
        assert [float(p) for p in z] == pytest.approx(x, rel=1e-13)
        assert [float(t) for t in state.direction.m] == pytest.approx(m, rel=1e-13)
        assert [float(t) for t in state.direction.v] == pytest.approx(v, rel=1e-13)


def test_extra_adam_first_extrapolation_is_a_sign_step():
    # after one moment update m̂ = g and v̂ = g², so the extrapolation moves each coordinate by ≈ lr · sign(g)
    seen = []

    def recording(p):
        seen.append([t.clone() for t in p])
        return field(p)

    z = [torch.tensor([[0.7]], dtype=torch.float64), torch.tensor([[-0.4]], dtype=torch.float64)]
    ExtraAdam(0.01, eps=1e-300).step(z, ExtraAdam(0.01).init(z), recording)  # ε → 0 (ε = 0 is refused)
    g = field(z)
    for a, b, gi in zip(seen[1], z, g):
        torch.testing.assert_close(a - b, -0.01 * torch.sign(gi), rtol=1e-12, atol=0)


def test_optimistic_adam_two_steps_by_hand():
    lr, b1, b2, eps = 0.05, 0.5, 0.9, 1e-4
    z = [torch.tensor([[0.3]], dtype=torch.float64), torch.tensor([[0.9]], dtype=torch.float64)]
    method = OptimisticAdam(lr, betas=(b1, b2), eps=eps)
    state = method.init(z)
    x, m, v, d_prev = [0.3, 0.9], [0.0, 0.0], [0.0, 0.0], None
    for t in range(1, 4):
        z, state = method.step(z, state, field)
        g = field_py(*x)
        m = [b1 * mi + (1 - b1) * gi for mi, gi in zip(m, g)]
        v = [b2 * vi + (1 - b2) * gi**2 for vi, gi in zip(v, g)]
        d = [(mi / (1 - b1**t)) / (math.sqrt(vi / (1 - b2**t)) + eps) for mi, vi in zip(m, v)]
        d_prev = d if d_prev is None else d_prev  # d_0 := d_1: the first step is a plain Adam step
        x = [xi - 2 * lr * di + lr * dpi for xi, di, dpi in zip(x, d, d_prev)]
        d_prev = d
        assert [float(p) for p in z] == pytest.approx(x, rel=1e-13)


def test_adam_methods_reject_bad_betas():
    with pytest.raises(ValueError, match="beta1"):
        ExtraAdam(0.1, betas=(1.0, 0.9))
    with pytest.raises(ValueError, match="pair"):
        OptimisticAdam(0.1, betas=0.9)


@pytest.mark.parametrize("cls", [ExtraAdam, OptimisticAdam])
@pytest.mark.parametrize("eps", [0.0, -1e-8, float("nan")])
def test_adam_methods_refuse_eps_that_is_not_positive(cls, eps):
    # with ε = 0 a coordinate whose field is 0 gives m̂/sqrt(v̂) = 0/0 = NaN
    with pytest.raises(ValueError, match=f"eps must be a finite number > 0, got {eps}"):
        cls(0.1, eps=eps)


def test_adam_methods_take_step_size_not_lr():
    assert ExtraAdam(step_size=0.1).step_size == 0.1 and OptimisticAdam(step_size=0.2).step_size == 0.2
    with pytest.raises(TypeError):
        ExtraAdam(lr=0.1)  # the old name is refused (renamed step_size)
