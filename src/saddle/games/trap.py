"""The trap game max_{ω∈[−2,2]} min_{x∈[−2,2]} −ω²x² + ωx (seed 000, "Escaping traps with the mixed-NE concept").

From Kamalaruban et al., NeurIPS 2020. It is the weird saddle on a box. The continuous GDA flow preserves
x² + ω² (V = (1 − 2ωx)·(ω, −x) is a rotation field scaled by 1 − 2ωx), so pure-strategy dynamics circle
until they hit the hyperbola ωx = 1/2, a curve of critical points at which the minimiser sits at a local
*maximum* (∇²_xx Φ = −2ω² < 0): traps, not equilibria. The mixed game min_p max_q E Φ on a strategy grid is a
finite matrix game (`discretise`), solved exactly by LP and approached by mirror descent / mirror-prox.
"""

from __future__ import annotations

import torch
from torch import Tensor

from saddle.games.matrix import MatrixGame
from saddle.games.saddles import WeirdSaddle
from saddle.sets import Box
from saddle.validation import check_int


class TrapGame(WeirdSaddle):
    """Φ(x, ω) = −ω²x² + ωx on [−2, 2]², x minimises, ω maximises; V = [ω(1 − 2ωx), −x(1 − 2ωx)]."""

    names = ("x", "omega")
    radius = 2.0

    def __init__(self) -> None:
        super().__init__(hyperbola_t=(1.0, 2.0))
        self.constraints = (Box(-self.radius, self.radius), Box(-self.radius, self.radius))

    def exploitability(self, xs: Tensor, p: Tensor, ws: Tensor, q: Tensor) -> Tensor:
        """max_{ω∈box} E_p Φ(x, ω) − min_{x∈box} E_q Φ(x, ω) for mixed strategies on support points, in closed form.

        xs (n,), p (..., n) and ws (m,), q (..., m); pure strategies are one-point supports. Shape p.shape[:-1].
        E_p Φ(·, ω) = −E_p[x²]ω² + E_p[x]ω is concave in ω (maximiser clipped to the box); E_q Φ(x, ·) is concave
        in x, so its minimum over the box is at an end point.
        """
        r = self.radius
        a, b = (p * xs**2).sum(-1), (p * xs).sum(-1)
        w_best = torch.where(a > 0, (b / (2 * a.clamp_min(1e-300))).clamp(-r, r), torch.sign(b) * r)
        best_omega = -a * w_best**2 + b * w_best
        c, d = (q * ws**2).sum(-1), (q * ws).sum(-1)
        best_x = torch.minimum(-c * r**2 + d * r, -c * r**2 - d * r)
        return best_omega - best_x

    def discretise(self, n: int = 41) -> tuple[MatrixGame, Tensor]:
        """The matrix game A[i, j] = Φ(x_i, ω_j) on the grid linspace(−2, 2, n) for both players; returns (game, grid)."""
        check_int("grid size n", n, 2)
        g = torch.linspace(-self.radius, self.radius, n, dtype=torch.float64)
        A = -(g[:, None] ** 2) * g[None, :] ** 2 + g[:, None] * g[None, :]
        return MatrixGame(A), g
