"""GameOptimizer: an update template as a `torch.optim.Optimizer` over nn.Module players (a param group per player)."""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Sequence
from typing import Any

import torch
from torch import Tensor, nn

from saddle.optim.base import Method, Params
from saddle.validation import check_int, check_real

__all__ = ["GameOptimizer"]

PlayerSpec = nn.Module | Tensor | Iterable[Tensor] | dict


def _player_group(i: int, player: PlayerSpec) -> dict[str, Any]:
    """The param group of player i: {'params': [leaf tensors], other options...}."""
    group: dict[str, Any] = dict(player) if isinstance(player, dict) else {"params": player}
    spec = group.get("params")
    params: list[Tensor]
    if isinstance(spec, nn.Module):
        params = [p for p in spec.parameters() if p.requires_grad]
    elif isinstance(spec, Tensor):
        params = [spec]
    elif spec is None:
        raise ValueError(f"player {i}: a param group dict needs a 'params' entry, got keys {sorted(group)}")
    else:
        params = list(spec)
    if not params:
        raise ValueError(f"player {i} has no parameters that require grad")
    for p in params:
        if not isinstance(p, Tensor) or not p.requires_grad or not p.is_leaf:
            raise ValueError(f"player {i}: every parameter must be a leaf tensor with requires_grad=True, got {p!r}")
    group["params"] = params
    return group


def _default_lrs(method: Method, n: int) -> list[float]:
    """Each player's default lr: the method's step size for that player, which must be a number (not a schedule)."""
    sizes = getattr(method, "step_size", None)
    if sizes is None:
        raise ValueError(f"method {method!r} has no step_size: give GameOptimizer's lr or every group's lr")
    per_player = list(sizes) if isinstance(sizes, (list, tuple)) else [sizes] * n
    if len(per_player) != n:
        raise ValueError(f"the method's step_size gives {len(per_player)} per-player steps for {n} players")
    for i, eta in enumerate(per_player):
        if callable(eta):
            raise ValueError(
                f"player {i}'s step size is a schedule {eta!r}: GameOptimizer steps every player with its param "
                "group's lr (torch's convention), so give the method numbers and schedule the lr with "
                "torch.optim.lr_scheduler (e.g. LambdaLR(optimizer, lambda k: schedule(k) / schedule(0)))"
            )
    return [float(eta) for eta in per_player]


def _method_generator(method: Method) -> torch.Generator | tuple[torch.Generator, ...] | None:
    """The torch.Generator a stochastic method draws its noise from (its `generator` attribute: one, or one per row
    of stacked runs), else None."""
    generator = getattr(method, "generator", None)
    if isinstance(generator, torch.Generator):
        return generator
    if isinstance(generator, tuple) and generator and all(isinstance(g, torch.Generator) for g in generator):
        return generator
    return None


def _generator_state(generator: torch.Generator | tuple[torch.Generator, ...]) -> Tensor | list[Tensor]:
    return generator.get_state() if isinstance(generator, torch.Generator) else [g.get_state() for g in generator]


def _set_generator_state(generator: torch.Generator | tuple[torch.Generator, ...], state: Any) -> None:
    if isinstance(generator, torch.Generator):
        if not isinstance(state, Tensor):
            raise ValueError("state_dict holds one generator state per row, this optimizer's method has one generator")
        generator.set_state(state.cpu())
        return
    if isinstance(state, Tensor) or len(state) != len(generator):
        raise ValueError(f"state_dict's generator states do not match this method's {len(generator)} row generators")
    for g, st in zip(generator, state):
        g.set_state(st.cpu())


def _saveable(value: Any) -> Any:
    if isinstance(value, Tensor):
        return value.detach().clone()
    if isinstance(value, (list, tuple)):
        return [_saveable(v) for v in value]
    return value


class GameOptimizer(torch.optim.Optimizer):
    """Apply a Method to players given as nn.Modules: a `torch.optim.Optimizer` with one param group per player.

    `step(closure)`: `closure()` recomputes and returns the per-player losses [L_1, ..., L_n] at the current
    parameters (it may be called several times per step, e.g. twice for extragradient); the field is
    V_i = ∇_{θ_i} L_i (each player's own loss, as `saddle.games.autograd_field`). Each player's parameters
    are one flat vector of shape (1, n_i) (one per row with `rows`), so projections and per-point quantities act on
    the whole player.
    Args: players (one entry per player: nn.Module, tensor, parameter list, or a torch-style group dict
    {'params': ..., 'lr': ...}); method (an update template of saddle.optim, whose step_size gives each
    group's default lr: a number, or one number per player; a schedule is refused, see below); lr (default for
    every group, overriding the method's); rows S ≥ 1 (keyword): every parameter holds S independent copies of
    the game along its first axis, in S equal blocks (the S seeds of a batched RL agent, whose losses the closure
    sums: leading dimension S; `saddle.gans.StackedModules`: S seeds as one batched model, K particles per seed
    make blocks of K) and each player's flat vector is (S, n_i), row s the copy s — the batch of trajectories a
    Method steps row by row, so per-point quantities (projections, the rows of a per-row Langevin noise source)
    act per copy. `step` returns the detached losses of the first closure call (at the parameters before the
    step, for every method with `first_call_at_start`).

    Group i's lr IS player i's step size η_i: `step` calls the template's functional core
    `method.update(params, state, field, [lr_1, ..., lr_n])`, so player i moves exactly as the method built with
    step lr_i for that player moves it — extrapolations, optimism, alternation, Adam/RMSProp directions and the
    Langevin noise sqrt(2 lr_i T) ξ included. `torch.optim.lr_scheduler.*` therefore changes every method's
    step; a schedule k -> η_k of the method itself has no number to put in a group, so it is refused with a
    pointer to `LambdaLR`. Steps that are not "the" step size stay the method's (EG's explicit
    extrapolation_step, SEG+'s α_k, CEG+'s relaxation).
    """

    def __init__(
        self, players: Sequence[PlayerSpec], method: Method, lr: float | None = None, *, rows: int = 1
    ) -> None:
        if isinstance(players, (nn.Module, Tensor, dict)) or len(players) < 1:
            raise ValueError(f"players must be a non-empty list with one entry per player, got {players!r}")
        if not all(callable(getattr(method, a, None)) for a in ("init", "step", "update")):
            raise ValueError(
                "method must be an update template of saddle.optim (init(params), step(params, state, field) and "
                f"update(params, state, field, step_sizes)), got {method!r}"
            )
        groups = [_player_group(i, p) for i, p in enumerate(players)]
        # the method's own steps must be numbers: a schedule is refused even where lr is given (it would not run)
        own = None if getattr(method, "step_size", None) is None else _default_lrs(method, len(groups))
        if lr is not None:
            defaults = [check_real("lr", lr, 0.0, math.inf, high_open=True)] * len(groups)
        else:
            defaults = _default_lrs(method, len(groups)) if own is None else own
        seen: set[int] = set()
        for i, g in enumerate(groups):
            for p in g["params"]:
                if id(p) in seen:
                    raise ValueError(f"a parameter of player {i} also belongs to another player")
                seen.add(id(p))
            lr_i = g["lr"] if "lr" in g else defaults[i]
            g["lr"] = check_real(f"lr of player {i}", lr_i, 0.0, math.inf, high_open=True)
        self.rows = check_int("rows", rows)
        for i, g in enumerate(groups):
            if rows > 1 and any(p.ndim == 0 or p.shape[0] % rows for p in g["params"]):
                raise ValueError(
                    f"player {i}: with rows={rows} every parameter's first axis must split into {rows} rows"
                )
        streams = _method_generator(method)
        if isinstance(streams, tuple) and len(streams) != self.rows:
            raise ValueError(f"the method draws noise from {len(streams)} row generators, the players have rows={rows}")
        super().__init__(groups, {"lr": defaults[0]})
        self.method = method
        self.method_state: Any = None

    @property
    def players(self) -> list[list[Tensor]]:
        """The parameters of each player (the param groups' 'params')."""
        return [g["params"] for g in self.param_groups]

    def flat_params(self) -> Params:
        """The current parameters, one (rows, n_i) tensor per player (copies; rows = 1 unless stacked)."""
        return [torch.cat([p.detach().reshape(self.rows, -1) for p in ps], dim=1) for ps in self.players]

    def _write(self, flat: Params) -> None:
        with torch.no_grad():
            for ps, f in zip(self.players, flat):
                chunks = f.reshape(self.rows, -1).split([p.numel() // self.rows for p in ps], dim=1)
                torch._foreach_copy_(ps, [c.reshape(p.shape) for p, c in zip(ps, chunks)])

    def _field(self, closure: Callable[[], Sequence[Tensor]], record: list) -> Callable[[Params], list[Tensor]]:
        def field(flat: Params) -> list[Tensor]:
            self._write(flat)
            with torch.enable_grad():
                out = closure()
                if not isinstance(out, (list, tuple)) or len(out) != len(self.players):
                    got = f"{len(out)} losses" if isinstance(out, (list, tuple)) else repr(out)
                    raise ValueError(
                        f"closure must return one loss per player, got {got} for {len(self.players)} players"
                    )
                losses = list(out)
                for i, loss in enumerate(losses):
                    if not isinstance(loss, Tensor) or loss.numel() != 1 or not loss.is_floating_point():
                        got = f"shape {tuple(loss.shape)} {loss.dtype}" if isinstance(loss, Tensor) else repr(loss)
                        raise ValueError(f"closure must return a scalar floating loss for player {i}, got {got}")
                grads = []
                for i, (loss, ps) in enumerate(zip(losses, self.players)):
                    gs = torch.autograd.grad(loss, ps, retain_graph=i < len(losses) - 1, allow_unused=True)
                    g = torch.cat(
                        [(torch.zeros_like(p) if g is None else g).reshape(self.rows, -1) for p, g in zip(ps, gs)], 1
                    )
                    grads.append(g)
            if not record:
                record.append([loss.detach() for loss in losses])
            return grads

        return field

    @torch.no_grad()
    def step(self, closure: Callable[[], Sequence[Tensor]]) -> list[Tensor]:  # type: ignore[override]
        """One step of the method with each group's lr as its player's step; returns the losses of the first call.

        A non-finite loss or step (NaN, inf) raises ValueError and leaves the parameters and the method's state as
        they were (as `saddle.train.fit` refuses a non-finite loss before touching the weights).
        """
        if closure is None or not callable(closure):
            raise ValueError("GameOptimizer.step needs a closure returning the list of per-player losses")
        lrs = [
            check_real(f"lr of player {i}", g["lr"], 0.0, math.inf, high_open=True)
            for i, g in enumerate(self.param_groups)
        ]
        params = self.flat_params()
        if self.method_state is None:
            self.method_state = self.method.init(params)
        record: list = []
        try:
            new, state = self.method.update(params, self.method_state, self._field(closure, record), lrs)
            values = [*(loss.reshape(()) for loss in record[0])] if record else []
            if not bool(torch.isfinite(torch.stack([*values, *(z.sum() for z in new)])).all()):
                bad = [i for i, v in enumerate(values) if not bool(torch.isfinite(v))]
                what = (
                    f"the closure's loss of player {bad[0]} is {values[bad[0]].item()}"
                    if bad
                    else "the step is not finite"
                )
                raise ValueError(f"GameOptimizer.step: {what}; the parameters were left unchanged")
        except BaseException:
            self._write(params)  # the closure's calls moved the players to the method's trial points
            raise
        self.method_state = state
        self._write(new)
        return record[0] if record else []

    def state_dict(self) -> dict[str, Any]:
        """torch.optim's format: {'state': {player i: {field: tensor}}, 'param_groups': [...]} plus the method.

        Per-player fields of the method state (lists with one tensor per player) go to state[i], the others (step
        counter, empty buffers) to 'method_state'; a field of a nested state (the direction's) is named by its
        path, e.g. 'direction.m'. A method that draws noise from its own `generator` (the Langevin templates) has
        that generator's state saved as 'generator_state' (None for the others), so a resumed run draws the noise
        of the uninterrupted one.
        """
        groups = []
        index = 0
        for g in self.param_groups:
            groups.append(
                {
                    **{k: v for k, v in g.items() if k != "params"},
                    "params": list(range(index, index + len(g["params"]))),
                }
            )
            index += len(g["params"])
        n = len(self.param_groups)
        generator = _method_generator(self.method)
        per_player: dict[int, dict[str, Tensor]] = {i: {} for i in range(n)}
        shared: dict[str, Any] = {}
        if self.method_state is not None:
            for key, value in _leaves(self.method_state).items():
                if isinstance(value, (list, tuple)) and len(value) == n and all(isinstance(v, Tensor) for v in value):
                    for i, v in enumerate(value):
                        per_player[i][key] = v.detach().clone()
                else:
                    shared[key] = _saveable(value)
        return {
            "state": per_player if self.method_state is not None else {},
            "param_groups": groups,
            "method": type(self.method).__name__,
            "method_state": shared if self.method_state is not None else None,
            "generator_state": None if generator is None else _generator_state(generator),
        }

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        """Restore a state saved by `state_dict`: same method class, players and parameter shapes (else ValueError)."""
        name = type(self.method).__name__
        if not isinstance(state_dict, dict) or state_dict.get("method") != name:
            got = state_dict.get("method") if isinstance(state_dict, dict) else state_dict
            raise ValueError(f"state_dict is for method {got!r}, this optimizer uses {name!r}")
        groups = state_dict.get("param_groups", [])
        if len(groups) != len(self.param_groups):
            raise ValueError(f"state_dict has {len(groups)} players, this optimizer has {len(self.param_groups)}")
        for i, (saved, g) in enumerate(zip(groups, self.param_groups)):
            if len(saved["params"]) != len(g["params"]):
                raise ValueError(
                    f"player {i}: state_dict has {len(saved['params'])} parameters, "
                    f"this optimizer has {len(g['params'])}"
                )
        generator = _method_generator(self.method)
        saved_generator = state_dict.get("generator_state")
        if generator is None and saved_generator is not None:
            raise ValueError(f"state_dict holds a generator state, but this optimizer's {name} draws no noise")
        if generator is not None and saved_generator is None:
            raise ValueError(
                f"state_dict holds no generator state, but this optimizer's {name} draws its noise from a generator "
                "whose state an exact resume needs"
            )
        shared = state_dict.get("method_state")
        if shared is None:
            new_state = None
        else:
            params = self.flat_params()
            template = self.method.init(params)
            device = params[0].device
            values: dict[str, Any] = {}
            for key, tmpl in _leaves(template).items():
                if key in shared:
                    values[key] = _restore(shared[key], device)
                    continue
                tensors = []
                for i in range(len(params)):
                    saved = state_dict["state"].get(i, {}).get(key)
                    if saved is None:
                        raise ValueError(f"state_dict misses field {key!r} of player {i}")
                    want = (
                        tmpl[i].shape
                        if isinstance(tmpl, (list, tuple)) and len(tmpl) == len(params)
                        else params[i].shape
                    )
                    if tuple(saved.shape) != tuple(want):
                        raise ValueError(
                            f"state_dict field {key!r} of player {i} has shape {tuple(saved.shape)}, "
                            f"this optimizer's player {i} needs {tuple(want)}"
                        )
                    tensors.append(saved.detach().clone().to(device))
                values[key] = tensors
            extra = set(shared) - set(values)
            if extra:
                raise ValueError(f"state_dict fields {sorted(extra)} are not fields of {type(template).__name__}")
            new_state = _rebuild(template, values)
        for saved, g in zip(groups, self.param_groups):
            g.update({k: v for k, v in saved.items() if k != "params"})
        self.method_state = new_state
        if generator is not None and saved_generator is not None:  # (both or neither: checked above)
            _set_generator_state(generator, saved_generator)


def _is_state(value: Any) -> bool:
    """A method or direction state: a NamedTuple (a tuple with `_asdict`)."""
    return isinstance(value, tuple) and hasattr(value, "_asdict")


def _leaves(state: Any, prefix: str = "") -> dict[str, Any]:
    """The fields of a (nested) state by path: {'count': 3, 'direction.m': [...], ...}."""
    out: dict[str, Any] = {}
    for key, value in state._asdict().items():
        if _is_state(value):
            out.update(_leaves(value, f"{prefix}{key}."))
        else:
            out[prefix + key] = value
    return out


def _rebuild(template: Any, values: dict[str, Any], prefix: str = "") -> Any:
    """The state of `template`'s (nested) type with the leaves `values` (the inverse of `_leaves`)."""
    fields = {
        key: _rebuild(tmpl, values, f"{prefix}{key}.") if _is_state(tmpl) else values[prefix + key]
        for key, tmpl in template._asdict().items()
    }
    return type(template)(**fields)


def _restore(value: Any, device: torch.device) -> Any:
    if isinstance(value, Tensor):
        return value.detach().clone().to(device)
    if isinstance(value, (list, tuple)):
        return [_restore(v, device) for v in value]
    return value
