"""GameOptimizer: any Method as a `torch.optim.Optimizer` over nn.Module players (one param group per player)."""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Sequence
from typing import Any

import torch
from torch import Tensor, nn

from saddle.optim.adam_scaling import AdamScaling
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


def _reference_lr(method: Method) -> float:
    """The method's nominal step size: its constant `step_size`/`lr`, the value at k = 0 of a schedule, else 1."""
    eta = getattr(method, "step_size", getattr(method, "lr", None))
    if callable(eta):
        eta = eta(0)
    return float(eta) if isinstance(eta, (int, float)) and math.isfinite(eta) and eta > 0 else 1.0


def _method_generator(method: Method) -> torch.Generator | None:
    """The torch.Generator a stochastic method draws its noise from (its `generator` attribute), else None."""
    generator = getattr(method, "generator", None)
    return generator if isinstance(generator, torch.Generator) else None


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
    are one flat vector of shape (1, n_i), so projections and per-point quantities act on the whole player.
    Args: players (one entry per player: nn.Module, tensor, parameter list, or a torch-style group dict
    {'params': ..., 'lr': ...}); method (any Method); lr (default for every group; default the method's
    constant step size η, or η_0 of a schedule); rows S ≥ 1: every parameter holds S independent copies on its
    first axis (`saddle.gans.StackedModules`: S seeds as one batched model) and each player's flat vector is
    (S, n_i), row s the copy s — the batch of trajectories a Method steps row by row. `step` returns the detached
    losses of the first closure call (at the parameters before the step, for every method with
    `first_call_at_start`).

    Per-player step sizes: group i's `lr_i` makes player i move with step lr_i where the Method writes η,
    i.e. with the factor s_i = lr_i / η (η the method's reference step). For methods that use the field
    only through η·V (GDA, alternating GDA, EG, EG+, CEG+, OGDA, RFBS, proximal point, SEG+) player i's
    field is multiplied by s_i, which is exactly the method with step lr_i for that player (extrapolations
    and alternation included). Adam-type methods (ExtraAdam, OptimisticAdam: direction m̂/(sqrt(v̂)+ε),
    invariant to the field's scale) get s_i on player i's displacement from the step's start instead, at
    every point the field is evaluated and at the result, followed by the method's projection (exactly
    step lr_i when unconstrained). For LangevinGDA the
    drift is scaled but not the noise sqrt(2ηT), i.e. player i runs at temperature T/s_i. The method's own
    schedule still applies on top (η_k s_i). So `torch.optim.lr_scheduler.StepLR(opt, 10)` decays the
    step every method takes; with all s_i = 1 the method runs untouched.
    """

    def __init__(
        self, players: Sequence[PlayerSpec], method: Method, lr: float | None = None, rows: int = 1
    ) -> None:
        if isinstance(players, (nn.Module, Tensor, dict)) or len(players) < 1:
            raise ValueError(f"players must be a non-empty list with one entry per player, got {players!r}")
        if not (callable(getattr(method, "init", None)) and callable(getattr(method, "step", None))):
            raise ValueError(f"method must implement init(params) and step(params, state, field), got {method!r}")
        self.reference_lr = _reference_lr(method)
        default_lr = self.reference_lr if lr is None else check_real("lr", lr, 0.0, math.inf, high_open=True)
        groups = [_player_group(i, p) for i, p in enumerate(players)]
        seen: set[int] = set()
        for i, g in enumerate(groups):
            for p in g["params"]:
                if id(p) in seen:
                    raise ValueError(f"a parameter of player {i} also belongs to another player")
                seen.add(id(p))
            if "lr" in g:
                g["lr"] = check_real(f"lr of player {i}", g["lr"], 0.0, math.inf, high_open=True)
        self.rows = check_int("rows", rows)
        for i, g in enumerate(groups):
            if rows > 1 and any(p.ndim == 0 or p.shape[0] != rows for p in g["params"]):
                raise ValueError(f"player {i}: with rows={rows} every parameter needs {rows} rows on its first axis")
        super().__init__(groups, {"lr": default_lr})
        self.method = method
        self.method_state: Any = None
        self.scale_displacement = isinstance(getattr(method, "scaling", None), AdamScaling)

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

    def _scales(self) -> list[float]:
        lrs = [
            check_real(f"lr of player {i}", g["lr"], 0.0, math.inf, high_open=True)
            for i, g in enumerate(self.param_groups)
        ]
        return [lr / self.reference_lr for lr in lrs]

    def _scaled_displacement(self, start: Params, moved: Params, scales: list[float]) -> Params:
        """P(z_i + s_i (z'_i − z_i)): the displacement of each player scaled, then the method's projection again."""
        out = [z + s * (f - z) for z, f, s in zip(start, moved, scales)]
        projection = getattr(self.method, "projection", None)
        return out if projection is None else list(projection(out))

    def _field(
        self, closure: Callable[[], Sequence[Tensor]], record: list, start: Params, scales: list[float]
    ) -> Callable[[Params], list[Tensor]]:
        unit = all(s == 1.0 for s in scales)

        def field(flat: Params) -> list[Tensor]:
            if not unit and self.scale_displacement:
                flat = self._scaled_displacement(start, flat, scales)
            self._write(flat)
            with torch.enable_grad():
                losses = list(closure())
                if len(losses) != len(self.players):
                    raise ValueError(f"closure returned {len(losses)} losses for {len(self.players)} players")
                grads = []
                for i, (loss, ps) in enumerate(zip(losses, self.players)):
                    gs = torch.autograd.grad(loss, ps, retain_graph=i < len(losses) - 1, allow_unused=True)
                    g = torch.cat(
                        [(torch.zeros_like(p) if g is None else g).reshape(self.rows, -1) for p, g in zip(ps, gs)], 1
                    )
                    grads.append(g if unit or self.scale_displacement else scales[i] * g)
            if not record:
                record.append([loss.detach() for loss in losses])
            return grads

        return field

    @torch.no_grad()
    def step(self, closure: Callable[[], Sequence[Tensor]]) -> list[Tensor]:  # type: ignore[override]
        """One step of the method; returns the per-player losses of the first closure call (see class doc)."""
        if closure is None or not callable(closure):
            raise ValueError("GameOptimizer.step needs a closure returning the list of per-player losses")
        scales = self._scales()
        params = self.flat_params()
        if self.method_state is None:
            self.method_state = self.method.init(params)
        record: list = []
        new, self.method_state = self.method.step(
            params, self.method_state, self._field(closure, record, params, scales)
        )
        if self.scale_displacement and not all(s == 1.0 for s in scales):
            new = self._scaled_displacement(params, new, scales)
        self._write(new)
        return record[0] if record else []

    def state_dict(self) -> dict[str, Any]:
        """torch.optim's format: {'state': {player i: {field: tensor}}, 'param_groups': [...]} plus the method.

        Per-player fields of the method state (lists with one tensor per player) go to state[i]; the
        others (step counter, empty buffers) to 'method_state'. A method that draws noise from its own
        `generator` (LangevinGDA, PreconditionedLangevinGDA) has that generator's state saved as
        'generator_state' (None for the others), so a resumed run draws the noise of the uninterrupted one.
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
            for key, value in self.method_state._asdict().items():
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
            "generator_state": None if generator is None else generator.get_state(),
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
            for key, tmpl in template._asdict().items():
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
            new_state = type(template)(**values)
        for saved, g in zip(groups, self.param_groups):
            g.update({k: v for k, v in saved.items() if k != "params"})
        self.method_state = new_state
        if generator is not None and saved_generator is not None:  # (both or neither: checked above)
            generator.set_state(saved_generator.cpu())


def _restore(value: Any, device: torch.device) -> Any:
    if isinstance(value, Tensor):
        return value.detach().clone().to(device)
    if isinstance(value, (list, tuple)):
        return [_restore(v, device) for v in value]
    return value
