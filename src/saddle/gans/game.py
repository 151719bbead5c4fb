"""A GAN as a two-player game stepped by any Method of `saddle.optim` through `GameOptimizer`.

Player 1 (generator G, parameters x) minimises L_G, player 2 (critic d, parameters y) minimises L_D; for
the zero-sum losses L_D = −L_G = −Φ(x, y) (seed 001 eq. 11), for the others each player has its own loss
(a non-zero-sum game, SPEC §1). `GANTrainer.step` is one generator update:
- "simultaneous": (n_critic − 1) critic-only steps, then one Method step on both players, z⁺ = M(z, V(z));
- "alternating": n_critic Method steps on the critic alone, then one on the generator alone.
Weight clipping (WGAN, seed 001 eq. 12) is the Method's projection of the critic onto the box [−c, c].
Names: the generator network G is `generator_net`; `generator` is always a torch.Generator (DESIGN.md).
"""

from __future__ import annotations

import copy
import math
import os
from collections.abc import Callable, Sequence
from typing import Any

import torch
from torch import Tensor, nn
from torch.optim.swa_utils import AveragedModel, get_ema_multi_avg_fn

from saddle.gans.losses import GAN_LOSSES
from saddle.gans.regularizers import gradient_penalty, r1_penalty, r2_penalty
from saddle.optim import GameOptimizer, Method, Projection, per_player
from saddle.sets import Box
from saddle.train import train_loop
from saddle.validation import check_int, check_real, random_rows

__all__ = ["PENALTIES", "GANGame", "GANTrainer", "MethodFactory", "train_gan"]

#: builds a Method for a given projection (None = unconstrained), e.g. lambda p: ExtraAdam(1e-4, projection=p)
MethodFactory = Callable[[Projection | None], Method]
PENALTIES = ("none", "gp", "r1", "r2")


class GANGame(nn.Module):
    """The losses [L_G, L_D] of a GAN on one batch: (real (B, ...), latents (B, latent_dim)).

    Args: generator_net G, critic (nn.Modules; the critic outputs one score per sample, (B,) or (S, B) for S stacked
    rows, or with a trailing axis of size 1; another shape raises ValueError); loss: a key of GAN_LOSSES ('minimax',
    'non_saturating', 'wasserstein', 'hinge'); penalty: 'none', 'gp' (WGAN-GP, λ E(‖∇d(x̂)‖ − 1)²),
    'r1' / 'r2' ((γ/2) E‖∇d‖² on real / generated samples, Mescheder et al. 2018); penalty_weight: λ for
    'gp' (default 10) or γ for 'r1'/'r2' (default 1);
    instance_noise σ ≥ 0: Gaussian noise added to both batches before the critic (Sønderby et al. 2016;
    Mescheder et al. 2018 §3.1); generator: torch.Generator for interpolates and instance noise (one per row for
    stacked networks); packing m ≥ 1: PacGAN (Lin et al. 2018) — the critic judges m samples at once, concatenated
    along the first feature axis ((B, d) -> (B/m, m·d), (B, C, H, W) -> (B/m, m·C, H, W)), real with real and
    generated with generated; the critic's input size is m times the data's and B must be divisible by m.
    Networks stacked by `saddle.gans.StackedModules` (S rows) take batches (S, B, ...) and the losses are the SUM
    over the S rows of each row's losses, so every row's gradient is its own; a player whose module has
    `n_particles` K (particle ensembles of `saddle.gans.mixed`) has its loss multiplied by K, so each particle's
    gradient is that of its own expected payoff (mean-field dynamics). The game is an nn.Module whose forward is
    `losses`, so `functional_field` can evaluate it at any parameters (torch.func.functional_call).
    """

    def __init__(
        self,
        generator_net: nn.Module,
        critic: nn.Module,
        loss: str = "non_saturating",
        penalty: str = "none",
        penalty_weight: float | None = None,
        instance_noise: float = 0.0,
        generator: torch.Generator | Sequence[torch.Generator] | None = None,
        packing: int = 1,
    ) -> None:
        super().__init__()
        if loss not in GAN_LOSSES:
            raise ValueError(f"loss must be one of {sorted(GAN_LOSSES)}, got {loss!r}")
        if penalty not in PENALTIES:
            raise ValueError(f"penalty must be one of {list(PENALTIES)}, got {penalty!r}")
        self.generator_net, self.critic, self.loss, self.penalty = generator_net, critic, loss, penalty
        default = 10.0 if penalty == "gp" else 1.0
        self.penalty_weight = check_real(
            "penalty_weight", default if penalty_weight is None else penalty_weight, 0.0, math.inf, low_open=False
        )
        self.instance_noise = check_real("instance_noise", instance_noise, 0.0, math.inf, low_open=False)
        self.generator = generator
        self.packing = check_int("packing", packing)
        rows = [getattr(m, "n_rows", None) for m in (generator_net, critic)]
        if rows[0] != rows[1]:
            raise ValueError(f"generator_net and critic must be stacked alike, got {rows[0]} and {rows[1]} rows")
        #: S for stacked networks (batches (S, B, ...)), None for single ones (batches (B, ...))
        self.rows: int | None = rows[0]

    @property
    def sample_dims(self) -> int:
        """Leading axes of a batch that index samples: 2 for stacked networks (S, B, ...), else 1."""
        return 1 if self.rows is None else 2

    def pack(self, x: Tensor) -> Tensor:
        """PacGAN's packing: groups of m consecutive samples concatenated along the first feature axis."""
        m, k = self.packing, self.sample_dims
        if m == 1:
            return x
        n = x.shape[k - 1]
        if n % m:
            raise ValueError(f"batch of {n} samples cannot be packed in groups of packing={m}")
        lead, feat = x.shape[: k - 1], x.shape[k:]
        first = feat[0] if feat else 1
        return x.reshape(*lead, n // m, m * first, *feat[1:])

    def draw_noise(
        self, real: Tensor, generator: torch.Generator | Sequence[torch.Generator] | None = None
    ) -> dict[str, Tensor]:
        """The randomness of one evaluation of `losses` on batches shaped like `real`, drawn from `generator` (default
        the game's) in the order `losses` uses it: instance noise on the real then the generated batch, then GP's
        interpolation weights."""
        source = self.generator if generator is None else generator
        noise: dict[str, Tensor] = {}
        dtype, device = real.dtype, real.device
        if self.instance_noise > 0:
            noise["real"] = random_rows(real.shape, source, dtype=dtype, device=device)
            noise["fake"] = random_rows(real.shape, source, dtype=dtype, device=device)
        if self.penalty == "gp":
            packed = self.pack(real)
            k = self.sample_dims
            shape = packed.shape[:k] + (1,) * (packed.ndim - k)
            noise["t"] = random_rows(shape, source, uniform=True, dtype=dtype, device=device)
        return noise

    def _scores(self, name: str, x: Tensor) -> Tensor:
        """The critic's scores of a (packed) batch x, one per sample: (B,) or (S, B); a trailing axis of size 1
        (an nn.Linear(·, 1) head) is dropped, any other shape raises ValueError."""
        d = self.critic(x)
        lead = tuple(x.shape[: self.sample_dims])
        if isinstance(d, Tensor) and tuple(d.shape) == (*lead, 1):
            d = d.squeeze(-1)
        if not isinstance(d, Tensor) or tuple(d.shape) != lead:
            got = tuple(d.shape) if isinstance(d, Tensor) else type(d).__name__
            raise ValueError(
                f"the critic must return one score per {name} sample, shape {lead} (or {(*lead, 1)}) for its input of "
                f"shape {tuple(x.shape)}, got {got}"
            )
        return d

    def losses(self, real: Tensor, latents: Tensor, noise: dict[str, Tensor] | None = None) -> list[Tensor]:
        """[L_G, L_D] at the current parameters (the closure of `GameOptimizer.step`); `noise` as `draw_noise`
        returns it (drawn from the game's `generator` when None)."""
        fake = self.generator_net(latents)
        if noise is None:
            noise = self.draw_noise(real)
        real_in, fake_in = real, fake
        if self.instance_noise > 0:
            real_in = real + self.instance_noise * noise["real"]
            fake_in = fake + self.instance_noise * noise["fake"]
        real_in, fake_in = self.pack(real_in), self.pack(fake_in)
        k = self.sample_dims
        d_real, d_fake = (self._scores(name, x) for name, x in (("real", real_in), ("generated", fake_in)))
        loss_g, loss_d = GAN_LOSSES[self.loss](d_real, d_fake)
        if self.penalty == "gp":
            penalty = gradient_penalty(self.critic, real_in, fake_in, sample_dims=k, t=noise["t"])
            loss_d = loss_d + self.penalty_weight * penalty
        elif self.penalty == "r1":
            loss_d = loss_d + 0.5 * self.penalty_weight * r1_penalty(self.critic, real_in, k)
        elif self.penalty == "r2":
            loss_d = loss_d + 0.5 * self.penalty_weight * r2_penalty(self.critic, fake_in, k)
        rows = 1 if self.rows is None else self.rows
        return [
            loss_g * (rows * getattr(self.generator_net, "n_particles", 1)),
            loss_d * (rows * getattr(self.critic, "n_particles", 1)),
        ]

    forward = losses

    def players(self) -> list[list[tuple[str, Tensor]]]:
        """(name, parameter) of each player (generator_net, critic) that requires grad, in `parameters()` order."""
        return [
            [(f"{prefix}.{n}", p) for n, p in module.named_parameters() if p.requires_grad]
            for prefix, module in (("generator_net", self.generator_net), ("critic", self.critic))
        ]

    def flat_params(self) -> list[Tensor]:
        """The current parameters as one (rows, n_i) tensor per player (rows = S stacked networks, else 1), in the
        layout of `GameOptimizer` (each player's parameters flattened and concatenated in `parameters()` order)."""
        rows = 1 if self.rows is None else self.rows
        return [torch.cat([p.detach().reshape(rows, -1) for _, p in ps], -1) for ps in self.players()]

    def functional_field(
        self, real: Tensor, latents: Tensor, noise: dict[str, Tensor] | None = None
    ) -> Callable[[list[Tensor]], list[Tensor]]:
        """V as a pure function of flat parameters [x (rows, n_G), y (rows, n_D)] at a FIXED batch and noise (drawn
        once from the game's `generator` when None): V_i = ∇_i L_i by `torch.func.vjp`, so jvp/vjp/vmap compose with it (the game's
        health, `saddle.analysis.game_health`)."""
        noise = self.draw_noise(real) if noise is None else noise
        players = self.players()
        rows = 1 if self.rows is None else self.rows
        buffers = dict(self.named_buffers())

        def unflatten(flat: list[Tensor]) -> dict[str, Tensor]:
            out: dict[str, Tensor] = {}
            for ps, f in zip(players, flat):
                chunks = torch.split(f, [p.numel() // rows for _, p in ps], dim=-1)
                out.update({n: c.reshape(p.shape) for (n, p), c in zip(ps, chunks)})
            return out

        def totals(x: Tensor, y: Tensor) -> tuple[Tensor, Tensor]:
            lg, ld = torch.func.functional_call(self, {**unflatten([x, y]), **buffers}, (real, latents, noise))
            return lg, ld

        def field(flat: list[Tensor]) -> list[Tensor]:
            if len(flat) != 2:
                raise ValueError(f"a GAN has 2 players, got {len(flat)} parameter tensors")
            vjp_out = torch.func.vjp(totals, flat[0], flat[1])
            (lg, ld), pullback = vjp_out[0], vjp_out[1]
            gx, _ = pullback((torch.ones_like(lg), torch.zeros_like(ld)))
            _, gy = pullback((torch.zeros_like(lg), torch.ones_like(ld)))
            return [gx, gy]

        return field


def _row_generators(
    generator: torch.Generator | Sequence[torch.Generator] | None, rows: int | None
) -> torch.Generator | list[torch.Generator]:
    """The trainer's batch generator: one for a single GAN, one per row for S stacked ones (default seeds)."""
    if rows is None:
        if generator is None:
            return torch.Generator().manual_seed(0)
        if not isinstance(generator, torch.Generator):
            raise ValueError(f"generator must be a torch.Generator for a game of single networks, got {generator!r}")
        return generator
    gens = [torch.Generator().manual_seed(s) for s in range(rows)] if generator is None else generator
    if isinstance(gens, torch.Generator) or len(gens) != rows or not all(isinstance(g, torch.Generator) for g in gens):
        raise ValueError(f"generator must be {rows} torch.Generators (one per stacked row), got {generator!r}")
    return list(gens)


#: added to a generator's initial seed (times its position) to give a later optimiser a distinct noise stream
_SEED_STRIDE = 0x9E3779B97F4A7C15


def _noise_streams_apart(methods: Sequence[Any]) -> None:
    """Methods that draw noise (Langevin) from distinct generators in the same state would draw the same noise in
    the critic's and the update's optimiser — a factory that seeds afresh per call, as METHODS' Langevin entries,
    does that. Every later one is re-seeded (initial seed + i·stride mod 2⁶³): distinct and reproducible streams."""
    seen: list[torch.Generator] = []
    for m in methods:
        item = getattr(m, "generator", None)
        for g in item if isinstance(item, tuple) else (item,):  # one generator, or one per stacked row
            if not isinstance(g, torch.Generator):
                continue
            if any(other is not g and torch.equal(other.get_state(), g.get_state()) for other in seen):
                g.manual_seed((g.initial_seed() + len(seen) * _SEED_STRIDE) % 2**63)
            seen.append(g)


def _generator_state(generator: torch.Generator | Sequence[torch.Generator]) -> Tensor | list[Tensor]:
    return generator.get_state() if isinstance(generator, torch.Generator) else [g.get_state() for g in generator]


def _set_generator_state(generator: torch.Generator | Sequence[torch.Generator], state: Any, what: str) -> None:
    if isinstance(generator, torch.Generator):
        if not isinstance(state, Tensor):
            raise ValueError(f"state holds {len(state)} generator states for {what}, this trainer has one generator")
        generator.set_state(state)
        return
    if isinstance(state, Tensor) or len(state) != len(generator):
        raise ValueError(f"state's generator states for {what} do not match this trainer's {len(generator)} generators")
    for g, st in zip(generator, state):
        g.set_state(st)


class GANTrainer:
    """One generator update of a GAN per `step()`, by any Method through `GameOptimizer` (see module doc).

    Args: game (GANGame); method (a MethodFactory: projection -> Method, as METHODS[name].factory with the
    step size bound); sample_real(n, generator) -> (n, ...) real batch; sample_latent(n, generator) -> (n, latent_dim);
    batch_size; mode 'simultaneous' or 'alternating'; n_critic ≥ 1 critic steps per generator step;
    lr_generator / lr_critic: per-player step sizes (default: the method's own; see GameOptimizer);
    clip: c > 0 clips every critic parameter to [−c, c] after each step (WGAN weight clipping, the
    projection onto the box); ema_decay β ∈ [0, 1): `self.ema` averages the generator's weights
    θ̄ ← β θ̄ + (1 − β) θ after each step (torch.optim.swa_utils; Yazıcı et al. 2019), 0 disables;
    generator: torch.Generator for batches — for a game of S stacked networks one per row (default seeds
    0, …, S−1), each row drawing its own batch, so row s runs exactly as the same GAN alone with generator s.
    One batch (real, latents) is drawn per Method step and reused by all of that step's field calls (the same
    sample ζ at the extrapolation and the update).
    """

    def __init__(
        self,
        game: GANGame,
        method: MethodFactory,
        sample_real: Callable[[int, torch.Generator], Tensor],
        sample_latent: Callable[[int, torch.Generator], Tensor],
        batch_size: int = 256,
        mode: str = "simultaneous",
        n_critic: int = 1,
        lr_generator: float | None = None,
        lr_critic: float | None = None,
        clip: float | None = None,
        ema_decay: float = 0.0,
        generator: torch.Generator | Sequence[torch.Generator] | None = None,
    ) -> None:
        if mode not in ("simultaneous", "alternating"):
            raise ValueError(f"mode must be 'simultaneous' or 'alternating', got {mode!r}")
        if not callable(method):
            raise ValueError(f"method must be a factory projection -> Method, got {method!r}")
        self.game, self.mode = game, mode
        self.batch_size = check_int("batch_size", batch_size)
        self.n_critic = check_int("n_critic", n_critic)
        self.sample_real, self.sample_latent = sample_real, sample_latent
        self.generator: torch.Generator | list[torch.Generator] = _row_generators(generator, game.rows)
        box = None if clip is None else Box(-check_real("clip", clip), clip)
        gen, critic = game.generator_net, game.critic
        g_group = {"params": list(gen.parameters()), **({} if lr_generator is None else {"lr": lr_generator})}
        d_group = {"params": list(critic.parameters()), **({} if lr_critic is None else {"lr": lr_critic})}
        rows = 1 if game.rows is None else game.rows
        self.critic_opt = GameOptimizer([dict(d_group)], method(None if box is None else per_player(box)), rows=rows)
        self.joint_opt: GameOptimizer | None = None
        self.generator_opt: GameOptimizer | None = None
        if mode == "simultaneous":
            self.joint_opt = self._update_opt = GameOptimizer(
                [dict(g_group), dict(d_group)], method(None if box is None else per_player(None, box)), rows=rows
            )
        else:
            self.generator_opt = self._update_opt = GameOptimizer([g_group], method(None), rows=rows)
        _noise_streams_apart([self._update_opt.method, self.critic_opt.method])
        decay = check_real("ema_decay", ema_decay, 0.0, 1.0, low_open=False, high_open=True)
        self.ema = AveragedModel(gen, multi_avg_fn=get_ema_multi_avg_fn(decay), use_buffers=True) if decay > 0 else None
        self.steps = 0

    def _batch(self) -> tuple[Tensor, Tensor]:
        g = self.generator
        if isinstance(g, torch.Generator):
            return self.sample_real(self.batch_size, g), self.sample_latent(self.batch_size, g)
        rows = [(self.sample_real(self.batch_size, r), self.sample_latent(self.batch_size, r)) for r in g]
        return torch.stack([real for real, _ in rows]), torch.stack([z for _, z in rows])

    @property
    def generators(self) -> list[torch.Generator]:
        """Every generator the trainer draws batches from (what a checkpoint must save)."""
        return [self.generator] if isinstance(self.generator, torch.Generator) else list(self.generator)

    def _critic_step(self) -> list[Tensor]:
        real, z = self._batch()
        return self.critic_opt.step(lambda: self.game.losses(real, z)[1:])

    def step(self, batch: Any = None, step: int | None = None) -> dict[str, float]:
        """One generator update (with its critic steps); returns {'loss_g', 'loss_d'} at the step's start.

        Signature `(batch, step)` so that it plugs into `saddle.train`'s loop as its step function.
        """
        n_alone = self.n_critic - 1 if self.mode == "simultaneous" else self.n_critic
        critic_losses = [self._critic_step()[0] for _ in range(n_alone)]
        real, z = self._batch()
        if self.mode == "simultaneous":
            loss_g, loss_d = self._update_opt.step(lambda: self.game.losses(real, z))
        else:  # n_critic ≥ 1 critic steps came first
            loss_g, loss_d = self._update_opt.step(lambda: self.game.losses(real, z)[:1])[0], critic_losses[-1]
        if self.ema is not None:
            self.ema.update_parameters(self.game.generator_net)
        self.steps += 1
        return {"loss_g": float(loss_g), "loss_d": float(loss_d)}

    @property
    def optimizers(self) -> list[GameOptimizer]:
        return [o for o in (self.critic_opt, self.joint_opt, self.generator_opt) if o is not None]

    def averaged_generator(self) -> nn.Module:
        """The EMA generator (an AveragedModel wrapping a copy) if ema_decay > 0, else the generator itself."""
        return self.ema.module if self.ema is not None else self.game.generator_net

    def state_dict(self) -> dict[str, Any]:
        """Everything needed to resume exactly: networks, optimisers (method states, lrs), EMA, counter, the
        batch generator(s) and the game's generator (gradient-penalty interpolates, instance noise) when it has one."""
        return {
            "generator_net": copy.deepcopy(self.game.generator_net.state_dict()),
            "critic": copy.deepcopy(self.game.critic.state_dict()),
            "optimizers": [o.state_dict() for o in self.optimizers],
            "ema": None if self.ema is None else copy.deepcopy(self.ema.state_dict()),
            "steps": self.steps,
            "batch_generator": _generator_state(self.generator),
            "game_generator": None if self.game.generator is None else _generator_state(self.game.generator),
        }

    def load_state_dict(self, state: dict[str, Any]) -> None:
        if "rng" in state:  # saved before the renames generator -> generator_net, rng -> batch_generator
            old = {"generator": "generator_net", "rng": "batch_generator", "game_rng": "game_generator"}
            state = {old.get(k, k): v for k, v in state.items()}
        self.game.generator_net.load_state_dict(state["generator_net"])
        self.game.critic.load_state_dict(state["critic"])
        opts: Sequence[GameOptimizer] = self.optimizers
        if len(state["optimizers"]) != len(opts):
            raise ValueError(f"state has {len(state['optimizers'])} optimisers, this trainer has {len(opts)}")
        for o, s in zip(opts, state["optimizers"]):
            o.load_state_dict(s)
        if (state["ema"] is None) != (self.ema is None):
            raise ValueError("state and trainer disagree on whether the generator's EMA is kept")
        if self.ema is not None:
            self.ema.load_state_dict(state["ema"])
        self.steps = int(state["steps"])
        _set_generator_state(self.generator, state["batch_generator"], "the trainer's batch generator")
        game_state = state.get("game_generator")  # absent from states saved before the game's was part of them
        if game_state is not None:
            if self.game.generator is None:
                raise ValueError(
                    "state holds the game's generator (penalty/instance noise) but this trainer's game has none"
                )
            _set_generator_state(self.game.generator, game_state, "the game's generator")


def train_gan(
    trainer: GANTrainer,
    steps: int,
    evaluate: Callable[[], dict[str, float]] | None = None,
    eval_every: int | None = None,
    desc: str = "GAN",
    *,
    checkpoint_dir: str | os.PathLike | None = None,
    checkpoint_every: int | None = None,
    resume: bool = False,
    log_path: str | os.PathLike | None = None,
    tensorboard_dir: str | os.PathLike | None = None,
) -> Any:
    """Run `steps` generator updates of `trainer` through THE training loop (`saddle.train.train_loop`).

    Records hold the mean loss_g / loss_d since the last record and `evaluate()` every `eval_every` steps
    (default: once, at the end); a NaN/inf loss stops with `NonFiniteError`. checkpoint_dir / checkpoint_every
    (default eval_every) / resume: the trainer (networks, optimisers, EMA, generators) is saved to
    `checkpoint_dir/last.pt` and `resume=True` continues bit for bit; log_path / tensorboard_dir: the records
    as JSON lines and TensorBoard scalars (the game's health among them when `evaluate` reports it, e.g.
    `GANTrainer.health_evaluator`). Returns the loop's TrainResult.
    """
    every = check_int("eval_every", eval_every if eval_every is not None else max(steps, 1))
    return train_loop(
        trainer.step,
        steps=check_int("steps", steps, low=0),
        evaluate=evaluate,
        eval_every=every,
        state={"trainer": trainer},
        generators=trainer.generators,
        checkpoint_dir=checkpoint_dir,
        checkpoint_every=every if checkpoint_every is None else check_int("checkpoint_every", checkpoint_every),
        resume=resume,
        log_path=log_path,
        tensorboard_dir=tensorboard_dir,
        desc=desc,
    )
