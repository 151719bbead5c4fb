"""The Game protocol: players with parameters, a loss per player, and the game's vector field V.

A game with n players is played on `params = [z_1, ..., z_n]`, one tensor per player, each of
shape (B, d_i) for a batch of B independent plays (B trajectories of the same game). Player i
minimises its own loss L_i(z); the vector field is V(z) = [∇_{z_1} L_1, ..., ∇_{z_n} L_n].
For a zero-sum game min_x max_y Φ(x, y): L_x = Φ, L_y = −Φ, so V = [∇_x Φ, −∇_y Φ] (seed 000).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import torch
from torch import Tensor

from saddle.validation import check_players

Params = list[Tensor]


class Game:
    """Base class: subclasses define `losses` (per-player loss, shape (B,)); `field` defaults to autograd.

    Test games override `field` with the closed form for speed; tests check it against autograd.
    """

    #: dimension of each player's strategy vector
    dims: tuple[int, ...] = ()
    #: human-readable player names, e.g. ("x", "y")
    names: tuple[str, ...] = ()
    #: one constraint set per player (a callable projection such as `saddle.sets.Box`), or None = unconstrained
    constraints: tuple[Callable[[Tensor], Tensor] | None, ...] | None = None

    @property
    def n_players(self) -> int:
        return len(self.dims)

    def losses(self, params: Sequence[Tensor]) -> list[Tensor]:
        raise NotImplementedError

    def field(self, params: Sequence[Tensor]) -> list[Tensor]:
        """V(z): each player's gradient of its own loss, same shapes as `params`."""
        return autograd_field(self, params)

    def project(self, params: Sequence[Tensor]) -> list[Tensor]:
        """Euclidean projection of each player's strategy onto its constraint set (identity when unconstrained).

        Pass `projection=game.project` to any `saddle.optim` method to play the constrained game.
        """
        if self.constraints is None:
            return list(params)
        return [p if s is None else s(p) for p, s in zip(params, self.constraints)]

    def critical_points(self, dtype: torch.dtype = torch.float64) -> list[list[Tensor]]:
        """Known points with V(z) = 0, each as one (d_i,) tensor per player; [] when none are known in closed form."""
        return []

    def check_params(self, params: Sequence[Tensor], name: str = "params") -> None:
        """Raise ValueError unless params is one finite floating (..., d_i) tensor per player with the game's d_i, all
        with the same batch shape (the leading dims); `name` is how the message calls the argument."""
        check_players(name, params)
        if len(params) != self.n_players:
            raise ValueError(
                f"{name} must hold one tensor per player: {type(self).__name__} has {self.n_players} players, "
                f"got {len(params)} tensors"
            )
        for i, (p, d) in enumerate(zip(params, self.dims)):
            if p.ndim == 0 or p.shape[-1] != d:
                raise ValueError(
                    f"{name}[{i}]: player {i} of {type(self).__name__} has dimension {d}, got shape {tuple(p.shape)}"
                )
            if p.shape[:-1] != params[0].shape[:-1]:
                raise ValueError(
                    f"{name} must share one batch shape, got player shapes {[tuple(q.shape) for q in params]}"
                )


class ZeroSumGame(Game):
    """min_x max_y Φ(x, y): subclasses define `phi(x, y)` returning shape (B,)."""

    names = ("x", "y")

    def phi(self, x: Tensor, y: Tensor) -> Tensor:
        raise NotImplementedError

    def losses(self, params: Sequence[Tensor]) -> list[Tensor]:
        value = self.phi(params[0], params[1])
        return [value, -value]


def autograd_field(game: Game, params: Sequence[Tensor]) -> list[Tensor]:
    """V(z) by reverse-mode autodiff: ∇_{z_i} of Σ_batch L_i for each player i (plays are independent).

    Written with `torch.func.vjp`, so the field itself composes with torch.func (jvp, vjp, vmap, jacfwd).
    """

    def totals(*ps: Tensor) -> tuple[Tensor, ...]:
        return tuple(loss.sum() for loss in game.losses(list(ps)))

    vjp_out = torch.func.vjp(totals, *params)
    values, pullback = vjp_out[0], vjp_out[1]
    grads = []
    for i in range(len(values)):
        cotangents = tuple(torch.ones_like(v) if j == i else torch.zeros_like(v) for j, v in enumerate(values))
        grads.append(pullback(cotangents)[i])
    return grads
