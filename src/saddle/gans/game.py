"""A GAN as a two-player game stepped by any Method of `saddle.optim` through `GameOptimizer`.

Player 1 (generator G, parameters x) minimises L_G, player 2 (critic d, parameters y) minimises L_D; for
the zero-sum losses L_D = −L_G = −Φ(x, y) (seed 001 eq. 11), for the others each player has its own loss
(a non-zero-sum game, SPEC §1). `GANTrainer.step` is one generator update:
- "simultaneous": (n_critic − 1) critic-only steps, then one Method step on both players, z⁺ = M(z, V(z));
- "alternating": n_critic Method steps on the critic alone, then one on the generator alone.
Weight clipping (WGAN, seed 001 eq. 12) is the Method's projection of the critic onto the box [−c, c].
"""

from __future__ import annotations

import copy
import math
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
from saddle.validation import check_int, check_real

__all__ = ["PENALTIES", "GANGame", "GANTrainer", "MethodFactory", "train_gan"]

#: builds a Method for a given projection (None = unconstrained), e.g. lambda p: ExtraAdam(1e-4, projection=p)
MethodFactory = Callable[[Projection | None], Method]
PENALTIES = ("none", "gp", "r1", "r2")


class GANGame:
    """The losses [L_G, L_D] of a GAN on one batch: (real (B, ...), latents (B, latent_dim)).

    Args: generator, critic (nn.Modules; critic outputs (B,)); loss: a key of GAN_LOSSES ('minimax',
    'non_saturating', 'wasserstein', 'hinge'); penalty: 'none', 'gp' (WGAN-GP, λ E(‖∇d(x̂)‖ − 1)²),
    'r1' / 'r2' ((γ/2) E‖∇d‖² on real / generated samples, Mescheder et al. 2018); penalty_weight: λ for
    'gp' (default 10) or γ for 'r1'/'r2' (default 1);
    instance_noise σ ≥ 0: Gaussian noise added to both batches before the critic (Sønderby et al. 2016;
    Mescheder et al. 2018 §3.1); generator: torch.Generator for interpolates and instance noise.
    A player whose module has `n_particles` K (particle ensembles of `saddle.gans.mixed`) has its loss
    multiplied by K, so each particle's gradient is that of its own expected payoff (mean-field dynamics).
    """

    def __init__(
        self,
        generator: nn.Module,
        critic: nn.Module,
        loss: str = "non_saturating",
        penalty: str = "none",
        penalty_weight: float | None = None,
        instance_noise: float = 0.0,
        rng: torch.Generator | None = None,
    ) -> None:
        if loss not in GAN_LOSSES:
            raise ValueError(f"loss must be one of {sorted(GAN_LOSSES)}, got {loss!r}")
        if penalty not in PENALTIES:
            raise ValueError(f"penalty must be one of {list(PENALTIES)}, got {penalty!r}")
        self.generator, self.critic, self.loss, self.penalty = generator, critic, loss, penalty
        default = 10.0 if penalty == "gp" else 1.0
        self.penalty_weight = check_real(
            "penalty_weight", default if penalty_weight is None else penalty_weight, 0.0, math.inf, low_open=False
        )
        self.instance_noise = check_real("instance_noise", instance_noise, 0.0, math.inf, low_open=False)
        self.rng = rng

    def _noisy(self, x: Tensor) -> Tensor:
        if self.instance_noise == 0.0:
            return x
        return x + self.instance_noise * torch.randn(x.shape, generator=self.rng, dtype=x.dtype, device=x.device)

    def losses(self, real: Tensor, latents: Tensor) -> list[Tensor]:
        """[L_G, L_D] at the current parameters (the closure of `GameOptimizer.step`)."""
        fake = self.generator(latents)
        real_in, fake_in = self._noisy(real), self._noisy(fake)
        loss_g, loss_d = GAN_LOSSES[self.loss](self.critic(real_in), self.critic(fake_in))
        if self.penalty == "gp":
            loss_d = loss_d + self.penalty_weight * gradient_penalty(self.critic, real_in, fake_in, self.rng)
        elif self.penalty == "r1":
            loss_d = loss_d + 0.5 * self.penalty_weight * r1_penalty(self.critic, real_in)
        elif self.penalty == "r2":
            loss_d = loss_d + 0.5 * self.penalty_weight * r2_penalty(self.critic, fake_in)
        return [loss_g * getattr(self.generator, "n_particles", 1), loss_d * getattr(self.critic, "n_particles", 1)]


class GANTrainer:
    """One generator update of a GAN per `step()`, by any Method through `GameOptimizer` (see module doc).

    Args: game (GANGame); method (a MethodFactory: projection -> Method, as METHODS[name].factory with the
    step size bound); sample_real(n, rng) -> (n, ...) real batch; sample_latent(n, rng) -> (n, latent_dim);
    batch_size; mode 'simultaneous' or 'alternating'; n_critic ≥ 1 critic steps per generator step;
    lr_generator / lr_critic: per-player step sizes (default: the method's own; see GameOptimizer);
    clip: c > 0 clips every critic parameter to [−c, c] after each step (WGAN weight clipping, the
    projection onto the box); ema_decay β ∈ [0, 1): `self.ema` averages the generator's weights
    θ̄ ← β θ̄ + (1 − β) θ after each step (torch.optim.swa_utils; Yazıcı et al. 2019), 0 disables;
    rng: torch.Generator for batches. One batch (real, latents) is drawn per Method step and reused by
    all of that step's field calls (the same sample ζ at the extrapolation and the update).
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
        rng: torch.Generator | None = None,
    ) -> None:
        if mode not in ("simultaneous", "alternating"):
            raise ValueError(f"mode must be 'simultaneous' or 'alternating', got {mode!r}")
        if not callable(method):
            raise ValueError(f"method must be a factory projection -> Method, got {method!r}")
        self.game, self.mode = game, mode
        self.batch_size = check_int("batch_size", batch_size)
        self.n_critic = check_int("n_critic", n_critic)
        self.sample_real, self.sample_latent = sample_real, sample_latent
        self.rng = rng if rng is not None else torch.Generator().manual_seed(0)
        box = None if clip is None else Box(-check_real("clip", clip), clip)
        gen, critic = game.generator, game.critic
        g_group = {"params": list(gen.parameters()), **({} if lr_generator is None else {"lr": lr_generator})}
        d_group = {"params": list(critic.parameters()), **({} if lr_critic is None else {"lr": lr_critic})}
        self.critic_opt = GameOptimizer([dict(d_group)], method(None if box is None else per_player(box)))
        self.joint_opt: GameOptimizer | None = None
        self.generator_opt: GameOptimizer | None = None
        if mode == "simultaneous":
            self.joint_opt = self._update_opt = GameOptimizer(
                [dict(g_group), dict(d_group)], method(None if box is None else per_player(None, box))
            )
        else:
            self.generator_opt = self._update_opt = GameOptimizer([g_group], method(None))
        decay = check_real("ema_decay", ema_decay, 0.0, 1.0, low_open=False, high_open=True)
        self.ema = AveragedModel(gen, multi_avg_fn=get_ema_multi_avg_fn(decay), use_buffers=True) if decay > 0 else None
        self.steps = 0

    def _batch(self) -> tuple[Tensor, Tensor]:
        return self.sample_real(self.batch_size, self.rng), self.sample_latent(self.batch_size, self.rng)

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
            self.ema.update_parameters(self.game.generator)
        self.steps += 1
        return {"loss_g": float(loss_g), "loss_d": float(loss_d)}

    @property
    def optimizers(self) -> list[GameOptimizer]:
        return [o for o in (self.critic_opt, self.joint_opt, self.generator_opt) if o is not None]

    def averaged_generator(self) -> nn.Module:
        """The EMA generator (an AveragedModel wrapping a copy) if ema_decay > 0, else the generator itself."""
        return self.ema.module if self.ema is not None else self.game.generator

    def state_dict(self) -> dict[str, Any]:
        """Everything needed to resume exactly: networks, optimisers (method states, lrs), EMA, counter, the
        batch RNG and the game's RNG (gradient-penalty interpolates, instance noise) when it has one."""
        return {
            "generator": copy.deepcopy(self.game.generator.state_dict()),
            "critic": copy.deepcopy(self.game.critic.state_dict()),
            "optimizers": [o.state_dict() for o in self.optimizers],
            "ema": None if self.ema is None else copy.deepcopy(self.ema.state_dict()),
            "steps": self.steps,
            "rng": self.rng.get_state(),
            "game_rng": None if self.game.rng is None else self.game.rng.get_state(),
        }

    def load_state_dict(self, state: dict[str, Any]) -> None:
        self.game.generator.load_state_dict(state["generator"])
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
        self.rng.set_state(state["rng"])
        game_rng = state.get("game_rng")  # absent from states saved before the game's RNG was part of them
        if game_rng is not None:
            if self.game.rng is None:
                raise ValueError("state holds the game's RNG (penalty/instance noise) but this trainer's game has none")
            self.game.rng.set_state(game_rng)


def train_gan(
    trainer: GANTrainer,
    steps: int,
    evaluate: Callable[[], dict[str, float]] | None = None,
    eval_every: int | None = None,
    desc: str = "GAN",
) -> Any:
    """Run `steps` generator updates of `trainer` through THE training loop (`saddle.train.train_loop`).

    Records hold the mean loss_g / loss_d since the last record and `evaluate()` every `eval_every` steps
    (default: once, at the end); a NaN/inf loss stops with `NonFiniteError`. Returns the loop's TrainResult.
    """
    every = check_int("eval_every", eval_every if eval_every is not None else max(steps, 1))
    return train_loop(
        trainer.step,
        steps=check_int("steps", steps, low=0),
        evaluate=evaluate,
        eval_every=every,
        state={"trainer": trainer},
        generators=[trainer.rng],
        desc=desc,
    )
