"""The game's health along a GAN run: `saddle.analysis.game_health` at the trainer's iterate, logged and plotted.

At a fresh batch (drawn from the health generator, never from the trainer's generators, so logging does not change the
run): ‖V_G‖ and ‖V_D‖ (each player's gradient of its own loss), ‖S v‖ and ‖A v‖ for the symmetric (potential)
and antisymmetric (rotational) parts of the game Jacobian (Balduzzi et al. 2018), and the spectral radius of the
trainer's whole update — critic-only steps, then the joint (simultaneous) or generator (alternating) step, each
optimiser with its own method, state and param-group lr — linearised at that batch (Mescheder et al. 2017:
ρ < 1 is local convergence). For S stacked seeds every quantity is per seed; the log holds the mean over seeds.
"""

from __future__ import annotations

import importlib.util
import os
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any, TypedDict

import torch
from torch import Tensor

from saddle.analysis import GameHealth, game_health
from saddle.gans.game import GANTrainer
from saddle.optim import GameOptimizer

__all__ = ["HEALTH_KEYS", "TrainerStep", "gan_health", "health_evaluator", "log_paths", "plot_health"]

#: the scalars `health_evaluator` reports (prefixed "health/")
HEALTH_KEYS = (
    "field_norm/generator",
    "field_norm/critic",
    "symmetric",
    "antisymmetric",
    "rotational_share",
    "update_radius",
)


def _update(opt: GameOptimizer) -> Callable[[list[Tensor], Any, Callable], tuple[list[Tensor], Any]]:
    """opt's step as a function (params, state, field) -> (params, state), with its groups' lr as the players'
    steps when the method has the per-player functional core `update`, else the method's own step."""
    update = getattr(opt.method, "update", None)
    if callable(update):
        lrs = [float(g["lr"]) for g in opt.param_groups]
        return lambda p, s, f: update(p, s, f, lrs)
    return opt.method.step


class TrainerStep:
    """One `GANTrainer.step` at a fixed batch as a Method on [x (rows, n_G), y (rows, n_D)]: the critic-only steps,
    then the joint or generator step, from the optimisers' current states (for `update_map_radius`)."""

    def __init__(self, trainer: GANTrainer) -> None:
        self.trainer = trainer
        self.n_alone = trainer.n_critic - 1 if trainer.mode == "simultaneous" else trainer.n_critic
        self.critic_update = _update(trainer.critic_opt)
        main = trainer.joint_opt if trainer.joint_opt is not None else trainer.generator_opt
        assert main is not None  # the trainer builds one of the two
        self.main: GameOptimizer = main
        self.main_update = _update(self.main)
        #: every generator the step's methods draw noise from (restored by `update_map_radius`)
        noise = [getattr(o.method, "generator", None) for o in trainer.optimizers]
        rows = [g for item in noise for g in (item if isinstance(item, tuple) else (item,))]  # per-row streams
        self.generators = list({id(g): g for g in rows if isinstance(g, torch.Generator)}.values())

    def init(self, params: list[Tensor]) -> tuple[Any, Any]:
        x, y = params
        critic_state = self.trainer.critic_opt.method_state
        main_state = self.main.method_state
        if critic_state is None:
            critic_state = self.trainer.critic_opt.method.init([y])
        if main_state is None:
            main_state = self.main.method.init([x, y] if self.trainer.mode == "simultaneous" else [x])
        return critic_state, main_state

    def step(self, params: list[Tensor], state: tuple[Any, Any], field: Callable) -> tuple[list[Tensor], Any]:
        x, y = params
        critic_state, main_state = state
        for _ in range(self.n_alone):
            (y,), critic_state = self.critic_update([y], critic_state, lambda p, x=x: [field([x, p[0]])[1]])
        if self.trainer.mode == "simultaneous":
            (x, y), main_state = self.main_update([x, y], main_state, field)
        else:
            (x,), main_state = self.main_update([x], main_state, lambda p, y=y: [field([p[0], y])[0]])
        return [x, y], (critic_state, main_state)


def gan_health(
    trainer: GANTrainer, generator: torch.Generator, iters: int = 8, radius: bool = True, direction_seed: int = 0
) -> GameHealth:
    """The game's health at the trainer's current iterate on a batch drawn from `generator` (module doc); the random
    unit vectors v (of ‖S v‖, ‖A v‖ and the Arnoldi start) come from a generator seeded `direction_seed` afresh, so
    successive calls measure along the same v and their curves are comparable."""
    game = trainer.game
    rows = 1 if game.rows is None else game.rows
    draws = [
        (trainer.sample_real(trainer.batch_size, generator), trainer.sample_latent(trainer.batch_size, generator))
        for _ in range(rows)
    ]
    real = draws[0][0] if game.rows is None else torch.stack([d[0] for d in draws])
    latents = draws[0][1] if game.rows is None else torch.stack([d[1] for d in draws])
    noise = game.draw_noise(real, generator=generator if game.rows is None else [generator] * rows)
    field = game.functional_field(real, latents, noise)
    params = game.flat_params()
    method = TrainerStep(trainer)
    state = method.init(params) if radius else None
    directions = torch.Generator().manual_seed(direction_seed)
    return game_health(field, params, method if radius else None, state, iters, directions)


def health_evaluator(
    trainer: GANTrainer,
    evaluate: Callable[[], Mapping[str, float]] | None = None,
    seed: int = 0,
    iters: int = 8,
    radius: bool = True,
) -> Callable[[], dict[str, float]]:
    """An `evaluate` for `train_gan`: the game's health (keys "health/…", HEALTH_KEYS) plus `evaluate()`'s metrics;
    its own generator (seeded `seed`) draws the health batches, so the run's numbers do not change."""
    generator = torch.Generator().manual_seed(seed)

    def run() -> dict[str, float]:
        out = gan_health(trainer, generator, iters, radius, seed).scalars(["generator", "critic"])
        if evaluate is not None:
            out.update({k: float(v) for k, v in evaluate().items()})
        return out

    return run


class LogPaths(TypedDict):
    """`train_gan`'s log arguments (`log_paths`)."""

    log_path: Path
    tensorboard_dir: Path | None


def log_paths(folder: str | os.PathLike, name: str) -> LogPaths:
    """`train_gan`'s log arguments for a run called `name` under `folder`: JSON lines `logs/<name>.jsonl` always,
    TensorBoard scalars under `tensorboard/<name>` when the `tensorboard` package is installed (else None)."""
    root = Path(folder)
    tensorboard = importlib.util.find_spec("tensorboard") is not None
    return LogPaths(
        log_path=root / "logs" / f"{name}.jsonl", tensorboard_dir=root / "tensorboard" / name if tensorboard else None
    )


def plot_health(axes: Sequence[Any], history: Sequence[Mapping[str, Any]], label: str, color: str = "C0") -> None:
    """The health records of one run on three axes: ‖V_G‖, ‖V_D‖; ‖S v‖ (solid), ‖A v‖ (dashed); update radius."""
    records = [r for r in history if "health/symmetric" in r]
    steps = [r["step"] for r in records]
    ax_v, ax_j, ax_r = axes
    ax_v.plot(steps, [r["health/field_norm/generator"] for r in records], color=color, label=f"{label}: ‖V_G‖")
    ax_v.plot(steps, [r["health/field_norm/critic"] for r in records], color=color, ls=":", label=f"{label}: ‖V_D‖")
    ax_j.plot(steps, [r["health/symmetric"] for r in records], color=color, label=f"{label}: ‖S v‖ (potential)")
    ax_j.plot(steps, [r["health/antisymmetric"] for r in records], color=color, ls="--", label=f"{label}: ‖A v‖")
    if records and "health/update_radius" in records[0]:
        ax_r.plot(steps, [r["health/update_radius"] for r in records], color=color, label=label)
    ax_r.axhline(1.0, color="k", lw=0.6)
    ax_v.set(xlabel="generator step", ylabel="‖V_i‖", yscale="log", title="each player's gradient")
    ax_j.set(xlabel="generator step", ylabel="norm", yscale="log", title="potential vs rotational part of ∇V")
    # log axis: an Adam run's radius is 10²–10⁶ (its step m̂/(√v̂ + ε) has slope up to 1/ε where a gradient is near 0)
    ax_r.set(xlabel="generator step", ylabel="ρ(∇F)", yscale="log", title="update map's spectral radius")
    for ax in axes:
        ax.legend(fontsize=7)
