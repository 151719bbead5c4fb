"""Games whose attracting sets are spurious limit cycles (Hsieh, Mertikopoulos, Cevher, ICML 2021).

"The limits of min-max optimization algorithms: convergence to spurious non-critical sets", Examples 5.1
(almost bilinear) and 5.2 (forsaken solutions), quoted in seed 000 ("Minimax is more difficult than just
optimization [37]"). Convention throughout: min over x (first player), max over y (second player).
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import torch
from torch import Tensor

from saddle.games.base import ZeroSumGame
from saddle.validation import check_real


def quartic(u: Tensor) -> Tensor:
    """φ(u) = u²/2 − u⁴/4 of the almost-bilinear game."""
    return u**2 / 2 - u**4 / 4


def sextic(u: Tensor) -> Tensor:
    """φ(u) = u²/4 − u⁴/2 + u⁶/6 of the forsaken game."""
    return u**2 / 4 - u**4 / 2 + u**6 / 6


def _sextic_grad(u: Tensor) -> Tensor:
    return u / 2 - 2 * u**3 + u**5


class AlmostBilinear(ZeroSumGame):
    """Φ(x, y) = xy + εφ(y), φ(u) = u²/2 − u⁴/4 (Hsieh et al. 2021, Example 5.1); V = [y, −x − ε(y − y³)].

    Seed 000 prints εφ(x); with x the minimiser that variant makes 0 locally attracting and sends far-away
    trajectories to infinity, so there is no attracting cycle. The paper's choice puts the perturbation on
    the maximiser: 0 is the unique critical point and is *repelling* (Jacobian trace −ε), while φ's quartic
    term confines trajectories, so every method that follows the flow ends on a limit cycle. ε = 0.01 by default.
    What decides it here is the notes' own claim (a spurious attractor without critical points): with εφ(x) the
    origin attracts (tests/analysis/test_trajectory_runs.py), with εφ(y) the cycle exists; the paper's text itself
    was not re-read for this remark.
    """

    dims = (1, 1)

    def __init__(self, eps: float = 0.01) -> None:
        check_real("eps", eps, 0.0, math.inf, low_open=False, high_open=True)
        self.eps = float(eps)

    def phi(self, x: Tensor, y: Tensor) -> Tensor:
        return (x * y + self.eps * quartic(y)).sum(-1)

    def field(self, params: Sequence[Tensor]) -> list[Tensor]:
        x, y = params
        return [y, -x - self.eps * (y - y**3)]

    def critical_points(self, dtype: torch.dtype = torch.float64) -> list[list[Tensor]]:
        return [[torch.zeros(1, dtype=dtype), torch.zeros(1, dtype=dtype)]]


class Forsaken(ZeroSumGame):
    """Φ(x, y) = x(y − c) + φ(x) − φ(y), φ(u) = u²/4 − u⁴/2 + u⁶/6, c = 0.5 (Hsieh et al. 2021, Example 5.2).

    V = [y − c + φ'(x), −x + φ'(y)]. Seed 000 writes the same function as Φ(y, x) = y(x − 0.5) + φ(y) − φ(x),
    i.e. with the names swapped; here x minimises and y maximises, as in the paper. Pethick et al. (ICLR 2022)
    use c = 0.45 on the box |x|, |y| ≤ 3/2 (pass `box=1.5` to constrain both players).
    The unique critical point is found by Newton's method from (0.08, 0.4) (`critical_points`).
    """

    dims = (1, 1)

    def __init__(self, c: float = 0.5, box: float | None = None) -> None:
        check_real("c", c, -math.inf, math.inf, high_open=True)
        if box is not None:
            check_real("box", box, 0.0, math.inf, high_open=True)
        self.c = float(c)
        self.box = box
        if box is not None:
            from saddle.sets import Box

            self.constraints = (Box(-box, box), Box(-box, box))

    def phi(self, x: Tensor, y: Tensor) -> Tensor:
        return (x * (y - self.c) + sextic(x) - sextic(y)).sum(-1)

    def field(self, params: Sequence[Tensor]) -> list[Tensor]:
        x, y = params
        return [y - self.c + _sextic_grad(x), -x + _sextic_grad(y)]

    def critical_points(self, dtype: torch.dtype = torch.float64) -> list[list[Tensor]]:
        z = torch.tensor([0.08, 0.4], dtype=torch.float64)
        for _ in range(50):
            x, y = z
            F = torch.stack([y - self.c + _sextic_grad(x), -x + _sextic_grad(y)])
            h = lambda u: 0.5 - 6 * u**2 + 5 * u**4  # noqa: E731  φ''
            J = torch.tensor([[h(x), 1.0], [-1.0, h(y)]], dtype=torch.float64)
            z = z - torch.linalg.solve(J, F)
        return [[z[:1].to(dtype), z[1:].to(dtype)]]
