"""GameOptimizer: any Method as a torch.optim-style optimizer over nn.Module players."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import Any

import torch
from torch import Tensor, nn

from saddle.optim.base import Method, Params

__all__ = ["GameOptimizer"]

PlayerSpec = nn.Module | Tensor | Iterable[Tensor]


def _player_params(i: int, player: PlayerSpec) -> list[Tensor]:
    if isinstance(player, nn.Module):
        params = [p for p in player.parameters() if p.requires_grad]
    elif isinstance(player, Tensor):
        params = [player]
    else:
        params = list(player)
    if not params:
        raise ValueError(f"player {i} has no parameters that require grad")
    for p in params:
        if not isinstance(p, Tensor) or not p.requires_grad or not p.is_leaf:
            raise ValueError(f"player {i}: every parameter must be a leaf tensor with requires_grad=True, got {p!r}")
    return params


def _to_saveable(value: Any) -> Any:
    if isinstance(value, Tensor):
        return value.detach().clone()
    if isinstance(value, (list, tuple)):
        return [_to_saveable(v) for v in value]
    return value


class GameOptimizer:
    """Apply a Method to players given as nn.Modules (or parameter lists): `step(closure)` like torch.optim.

    Each player's parameters are viewed as one flat vector of shape (1, n_i) (a batch of one point),
    so the Method, its projection and its per-point quantities act on the player's whole parameter
    vector. `closure()` must recompute and return the list of per-player losses [L_1, ..., L_n] at
    the current parameters; it may be called several times per step (twice for extragradient) at
    intermediate points. The field is V_i = ∇_{θ_i} L_i (each player's own loss w.r.t. its own
    parameters), the same as `saddle.games.autograd_field`.
    Args: players (list of nn.Module / tensors / parameter lists, one per player), method (a Method).
    `step` returns the losses of the first closure call, detached: the losses at the parameters before
    the step for every method whose registry entry has first_call_at_start (all but RFBS).
    """

    def __init__(self, players: Sequence[PlayerSpec], method: Method) -> None:
        if isinstance(players, (nn.Module, Tensor)) or len(players) < 1:
            raise ValueError(f"players must be a non-empty list with one entry per player, got {players!r}")
        if not (callable(getattr(method, "init", None)) and callable(getattr(method, "step", None))):
            raise ValueError(f"method must implement init(params) and step(params, state, field), got {method!r}")
        self.players = [_player_params(i, p) for i, p in enumerate(players)]
        seen: set[int] = set()
        for i, ps in enumerate(self.players):
            for p in ps:
                if id(p) in seen:
                    raise ValueError(f"a parameter of player {i} also belongs to another player")
                seen.add(id(p))
        self.method = method
        self.state: Any = None

    def flat_params(self) -> Params:
        """The current parameters, one (1, n_i) tensor per player (copies)."""
        return [torch.cat([p.detach().reshape(-1) for p in ps]).unsqueeze(0) for ps in self.players]

    def _write(self, flat: Params) -> None:
        with torch.no_grad():
            for ps, f in zip(self.players, flat):
                chunks = f.reshape(-1).split([p.numel() for p in ps])
                for p, c in zip(ps, chunks):
                    p.copy_(c.view_as(p))

    def _field(self, closure: Callable[[], Sequence[Tensor]], record: list) -> Callable[[Params], list[Tensor]]:
        def field(flat: Params) -> list[Tensor]:
            self._write(flat)
            with torch.enable_grad():
                losses = list(closure())
                if len(losses) != len(self.players):
                    raise ValueError(f"closure returned {len(losses)} losses for {len(self.players)} players")
                grads = []
                for i, (loss, ps) in enumerate(zip(losses, self.players)):
                    gs = torch.autograd.grad(loss, ps, retain_graph=i < len(losses) - 1, allow_unused=True)
                    grads.append(torch.cat([(torch.zeros_like(p) if g is None else g).reshape(-1)
                                            for p, g in zip(ps, gs)]).unsqueeze(0))
            if not record:
                record.append([loss.detach() for loss in losses])
            return grads

        return field

    def step(self, closure: Callable[[], Sequence[Tensor]]) -> list[Tensor]:
        """One step of the method; returns the per-player losses of the first closure call (see class doc)."""
        if closure is None or not callable(closure):
            raise ValueError("GameOptimizer.step needs a closure returning the list of per-player losses")
        params = self.flat_params()
        if self.state is None:
            self.state = self.method.init(params)
        record: list = []
        new, self.state = self.method.step(params, self.state, self._field(closure, record))
        self._write(new)
        return record[0] if record else []

    def zero_grad(self, set_to_none: bool = True) -> None:
        """Clear `.grad` of every player parameter (the optimizer itself never reads `.grad`)."""
        for ps in self.players:
            for p in ps:
                if p.grad is not None:
                    if set_to_none:
                        p.grad = None
                    else:
                        p.grad.zero_()

    def state_dict(self) -> dict[str, Any]:
        """{'method': class name, 'state': the method state's fields as a dict (tensors cloned) or None}."""
        state = None if self.state is None else {k: _to_saveable(v) for k, v in self.state._asdict().items()}
        return {"method": type(self.method).__name__, "state": state}

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        """Restore a state saved by `state_dict` (same method class, same parameter shapes) for exact resume."""
        name = type(self.method).__name__
        if state_dict.get("method") != name:
            raise ValueError(f"state_dict is for method {state_dict.get('method')!r}, this optimizer uses {name!r}")
        saved = state_dict.get("state")
        if saved is None:
            self.state = None
            return
        params = self.flat_params()
        template = self.method.init(params)
        device = params[0].device

        def restore(v: Any) -> Any:
            if isinstance(v, Tensor):
                return v.detach().clone().to(device)
            if isinstance(v, (list, tuple)):
                return [restore(u) for u in v]
            return v

        fields = set(template._fields)
        if set(saved) != fields:
            raise ValueError(f"state_dict fields {sorted(saved)} do not match {type(template).__name__} {sorted(fields)}")
        self.state = type(template)(**{k: restore(v) for k, v in saved.items()})
