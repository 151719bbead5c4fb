"""Square Attack: the paper's schedule p(i) and its two initialisations, the η pattern, the query budget, the
acceptance rule, other boxes and image shapes."""

import math

import pytest
import torch

from saddle.attacks import SquareAttack, square_fraction, square_pattern
from saddle.sets import lp_norm


def test_schedule_halves_p_after_the_papers_iterations():
    # Sec. 3 (and the authors' p_selection): p halves after 10, 50, 200, 500, 1000, 2000, 4000, 6000, 8000 of 10,000
    expected = {0: 1, 10: 1, 11: 2, 50: 2, 51: 4, 200: 4, 201: 8, 500: 8, 501: 16, 1000: 16, 1001: 32}
    expected |= {2001: 64, 4001: 128, 6001: 256, 8001: 512, 9999: 512}
    for i, div in expected.items():
        assert square_fraction(i, 0.8, 10_000, rescale=False) == pytest.approx(0.8 / div), i
    # rescaled to N = 1000 queries, iteration i plays the role of i · 10 (AutoAttack keeps N = 5000 unrescaled)
    assert square_fraction(1, 0.8, 1000) == 0.8 and square_fraction(2, 0.8, 1000) == 0.4
    assert square_fraction(6, 0.8, 1000) == 0.2
    assert square_fraction(6, 0.8, 1000, rescale=False) == 0.8


@pytest.mark.parametrize("s", [1, 2, 3, 5, 6, 7])
def test_eta_pattern_has_two_opposite_halves_of_nested_rectangles(s):
    eta = square_pattern(s)
    assert eta.shape == (s, s)
    assert float(eta.norm()) == pytest.approx(1.0)
    top, bottom = eta[: s // 2], eta[s // 2 :]
    assert (top > 0).all() and (bottom < 0).all()
    # each half: constant on the Chebyshev rings around its centre (r // 2, s // 2), falling off outward, and the
    # step from ring m to ring m + 1 is 1/(m + 1)² in the unnormalised pattern
    for half in (top, -bottom):
        if half.numel() == 0:
            continue
        r = half.shape[0]
        ring = torch.maximum((torch.arange(r) - r // 2).abs()[:, None], (torch.arange(s) - s // 2).abs()[None, :])
        values = [half[ring == m] for m in range(int(ring.max()) + 1)]
        assert all(torch.allclose(v, v[0].expand_as(v)) for v in values)
        levels = torch.stack([v[0] for v in values])
        steps = levels[:-1] - levels[1:]
        if len(steps):
            unit = levels[-1] * (int(ring.max()) + 1) ** 2  # the outermost ring holds 1/K² alone
            torch.testing.assert_close(steps, unit / torch.arange(1, len(steps) + 1, dtype=levels.dtype) ** 2)


class _Counting(torch.nn.Module):
    """A fixed affine 10-class model on (B, C, H, W) images that counts the points it is queried on."""

    def __init__(self, shape, seed=0):
        super().__init__()
        g = torch.Generator().manual_seed(seed)
        d = math.prod(shape)
        self.w = torch.nn.Parameter(torch.randn(10, d, generator=g) / math.sqrt(d), requires_grad=False)
        self.queries = 0

    def forward(self, x):
        self.queries += x.shape[0]
        return x.reshape(x.shape[0], -1) @ self.w.T * 10


def _images(n=16, shape=(1, 8, 8), seed=1, low=0.0, high=1.0):
    g = torch.Generator().manual_seed(seed)
    return low + (high - low) * torch.rand(n, *shape, generator=g)


def test_linf_initialisation_is_vertical_stripes():
    x = torch.full((4, 3, 6, 6), 0.5)
    attack = SquareAttack(0.1, "linf")
    delta = attack._init_linf(x) - x
    assert torch.allclose(delta.abs(), torch.full_like(delta, 0.1))
    assert (delta == delta[:, :, :1, :]).all()  # one sign per column and channel: vertical stripes of width 1


def test_l2_initialisation_lies_on_the_sphere():
    x = torch.full((4, 1, 28, 28), 0.5)
    delta = SquareAttack(1.0, "l2")._init_l2(x) - x
    torch.testing.assert_close(lp_norm(delta, 2.0), torch.ones(4))
    # tiles of h // 5 = 5 pixels starting at (28 − 25) // 2 = 1: the frame outside rows/columns 1..25 is untouched
    assert (delta[..., 0, :] == 0).all() and (delta[..., 26:, :] == 0).all() and (delta[..., :, 26:] == 0).all()


@pytest.mark.parametrize("norm, eps", [("linf", 0.05), ("l2", 0.5)])
def test_budget_ball_box_and_monotone_acceptance(norm, eps):
    x = _images(shape=(2, 8, 8))
    model = _Counting(x.shape[1:])
    with torch.no_grad():
        y = model(x).argmax(-1)
    model.queries = 0
    attack = SquareAttack(eps, norm, queries=60, generator=3)
    x_adv = attack(model, x, y)
    assert model.queries <= len(x) * (60 + 1) + 2 * len(x)  # init + one query per iteration (+ the checks)
    assert (lp_norm(x_adv - x, norm) <= eps * (1 + 1e-5)).all() and x_adv.min() >= 0 and x_adv.max() <= 1
    # the margin objective never gets worse than at the initial point (the first draws of the generator)
    attack.generator.manual_seed(3)
    start = (attack._init_linf if norm == "linf" else attack._init_l2)(x)
    margin = attack.objective.value
    with torch.no_grad():
        assert (margin(model(x_adv), y) >= margin(model(start), y) - 1e-6).all()
        assert (margin(model(x_adv), y) > margin(model(x), y)).all()


class _Moved(torch.nn.Module):
    """Class 1 once some pixel moved more than 0.1 away from 0.5, else class 0; counts the points queried."""

    queries = 0

    def forward(self, x):
        self.queries += x.shape[0]
        moved = (x - 0.5).abs().reshape(x.shape[0], -1).amax(-1)
        return torch.stack([torch.zeros_like(moved), 10 * (moved - 0.1)], -1)


@pytest.mark.parametrize("norm, eps", [("linf", 0.2), ("l2", 3.0)])
def test_points_stop_once_broken(norm, eps):
    x, y = torch.full((8, 1, 8, 8), 0.5), torch.zeros(8, dtype=torch.long)
    model = _Moved()
    x_adv = SquareAttack(eps, norm, queries=500)(model, x, y)
    assert (model(x_adv).argmax(-1) == 1).all()
    assert model.queries <= 1 + 2 * len(x) + len(x)  # label check, clean pass, the initial point (+ the check above)


def test_other_boxes_and_grey_images():
    x = _images(shape=(8, 8), low=-1.0, high=1.0)
    model = _Counting((1, 8, 8))
    wrapped = lambda z: model(z[:, None])  # noqa: E731
    with torch.no_grad():
        y = wrapped(x).argmax(-1)
    net = torch.nn.Module()
    net.forward = wrapped  # type: ignore[method-assign]
    x_adv = SquareAttack(0.2, "linf", queries=40, box=(-1.0, 1.0))(net, x, y)
    assert x_adv.shape == x.shape and x_adv.min() >= -1 and x_adv.max() <= 1
    assert (lp_norm(x_adv - x, "linf") <= 0.2 + 1e-6).all()
    flat = torch.nn.Sequential(torch.nn.Linear(8, 10))
    with pytest.raises(ValueError, match="needs images"):
        SquareAttack(0.2, box=(-1.0, 1.0))(flat, x[:, 0], y)


def test_square_checks_its_arguments():
    with pytest.raises(ValueError, match="supports norm 'linf' or 'l2'"):
        SquareAttack(0.1, "l1")
    with pytest.raises(ValueError, match="p_init must be"):
        SquareAttack(0.1, p_init=0.0)
    with pytest.raises(ValueError, match="queries must be"):
        SquareAttack(0.1, queries=0)
    assert SquareAttack.gradient_free and "queries=5000" in repr(SquareAttack(0.1))
