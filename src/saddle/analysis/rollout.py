"""Run a method for many steps on a batch of plays and record the trajectory (for figures and classifiers)."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import Any

import torch
from torch import Tensor

from saddle.games.base import Game
from saddle.progress import progress
from saddle.validation import check_int, check_players

StepCallback = Callable[[int, list[Tensor], Any], None]


def rollout(
    method: Any,
    field: Callable[[list[Tensor]], list[Tensor]],
    params: Sequence[Tensor],
    steps: int,
    every: int = 1,
    desc: str = "",
    *,
    checkpoints: Iterable[int] | None = None,
    callback: StepCallback | None = None,
) -> tuple[Tensor, Any]:
    """Iterate `params, state = method.step(params, state, field)` `steps` times from `params` (one (B, d_i) per player).

    Returns (trajectory, final state): trajectory has shape (1 + #recorded steps, B, Σd_i), players concatenated,
    starting with the initial point; a step k is recorded when k % every == 0 (default every step), or, when
    `checkpoints` is given, when k is one of them (`every` is then ignored; checkpoints outside 1..steps are
    dropped). After each recorded step k ≥ 1, `callback(k, params, state)` is called (e.g. to evaluate a gap on
    the method's ergodic average `state.average`); it must not modify its arguments. params: finite floating
    tensors of one dtype (checked against the game's players when `field` is a game's own `field`).
    """
    check_int("steps", steps, low=0)
    check_int("every", every, low=1)
    marks = None
    if checkpoints is not None:
        marks = {check_int("checkpoint", k, low=0) for k in checkpoints}
    game = getattr(field, "__self__", None)  # a game's own field (game.field): params checked against its players
    if isinstance(game, Game):
        game.check_params(params)
    z = check_players("params", params)
    state = method.init(z)
    out = [torch.cat(z, -1)]
    for k in progress(range(1, steps + 1), desc=desc or type(method).__name__, total=steps):
        z, state = method.step(z, state, field)
        if (k in marks) if marks is not None else (k % every == 0):
            out.append(torch.cat(z, -1))
            if callback is not None:
                callback(k, z, state)
    return torch.stack(out), state
