"""The mixed extension of a two-player zero-sum game played with N particles per player (seed 000, "From pure to
mixed Nash equilibrium": min_p max_q E_{x∼p} E_{y∼q} Φ(x, y), solved "via sampling: mirror descent + Langevin").

Strategies are empirical measures p = (1/N) Σ δ_{x_i}, q = (1/N) Σ δ_{y_j}; the payoff is
Φ_N(X, Y) = (1/N²) Σ_{i,j} Φ(x_i, y_j). Each particle moves with the mean-field velocity
V_x(x_i) = (1/N) Σ_j ∇_x Φ(x_i, y_j), V_y(y_j) = −(1/N) Σ_i ∇_y Φ(x_i, y_j) (players' losses are ±N Φ_N, a time
rescaling that leaves equilibria unchanged). A GDA step plus Gaussian noise sqrt(2η/β)ξ is the Langevin dynamics
of the entropy-regularised mixed game (Hsieh, Liu, Cevher ICML 2019; Kamalaruban et al. NeurIPS 2020).
"""

from __future__ import annotations

from collections.abc import Sequence

from torch import Tensor

from saddle.games.base import ZeroSumGame
from saddle.sets import Box
from saddle.validation import check_int


class MixedExtension(ZeroSumGame):
    """Mixed extension of `game` with `n_particles` particles per player; params (B, N·d_x) and (B, N·d_y).

    Box constraints of the base game apply to every particle; other constraint sets are rejected.
    """

    def __init__(self, game: ZeroSumGame, n_particles: int) -> None:
        if not isinstance(game, ZeroSumGame) or game.n_players != 2:
            raise ValueError(f"need a two-player ZeroSumGame, got {type(game).__name__}")
        check_int("n_particles", n_particles)
        if game.constraints is not None and not all(c is None or isinstance(c, Box) for c in game.constraints):
            raise ValueError("MixedExtension supports only box constraints (applied to each particle)")
        self.game, self.n = game, n_particles
        self.dims = (n_particles * game.dims[0], n_particles * game.dims[1])
        self.names = game.names
        self.constraints = game.constraints

    def _pairs(self, x: Tensor, y: Tensor) -> tuple[Tensor, Tensor]:
        B, n = x.shape[0], self.n
        xs = x.reshape(B, n, 1, -1).expand(B, n, n, self.game.dims[0])
        ys = y.reshape(B, 1, n, -1).expand(B, n, n, self.game.dims[1])
        return xs.reshape(B * n * n, -1), ys.reshape(B * n * n, -1)

    def phi(self, x: Tensor, y: Tensor) -> Tensor:
        """Φ_N = (1/N²) Σ_{i,j} Φ(x_i, y_j), shape (B,)."""
        xp, yp = self._pairs(x, y)
        return self.game.phi(xp, yp).reshape(x.shape[0], self.n, self.n).mean((1, 2))

    def losses(self, params: Sequence[Tensor]) -> list[Tensor]:
        value = self.n * self.phi(params[0], params[1])
        return [value, -value]

    def field(self, params: Sequence[Tensor]) -> list[Tensor]:
        x, y = params
        B, n = x.shape[0], self.n
        vx, vy = self.game.field(list(self._pairs(x, y)))
        return [vx.reshape(B, n, n, -1).mean(2).reshape(B, -1), vy.reshape(B, n, n, -1).mean(1).reshape(B, -1)]
