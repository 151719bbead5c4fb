"""Action-robust DDPG: actor μ_θ and adversary ν_ω play max_θ min_ω Φ(θ, ω) through `saddle.optim.GameOptimizer`.

Φ(θ, ω) = E_s Q(s, (1 − α) μ_θ(s) + α ν_ω(s)) (NR-MDP) or E_s [(1 − α) Q(s, μ_θ(s)) + α Q(s, ν_ω(s))] (PR-MDP),
on the current states s of the minibatch (Tessler, Efroni & Mannor 2019; seeds 000/002 "Noisy action robust
reinforcement learning"). The critic learns the value of the executed (mixed) action,
y = r + γ (1 − terminated) Φ'(s') with target networks. Three algorithms for the same game (`algorithm`):

'tessler'     Tessler et al.'s training (their code, `main.py`/`ddpg.py`, README: `--updates_per_step 10`): Adam on
              each player, one adversary update and then `adversary_every − 1` agent updates, each player's loss
              against the other's target network (μ', ν'), each player's target averaged when it moves.
              Two single-player GameOptimizers (GDA × Adam direction): the schedule moves one player at a time.
'gad'         gradient descent-ascent on Φ with RMSProp (Kamalaruban et al.'s GAD baseline, their code's
              `RMSprop`, α_RMS = 0.999): both players every update, one GameOptimizer (GDA × RMSProp), the field
              at the current point. (Their code plays each player against the other's target network; saddle uses
              the game's field, so that GAD is exactly MixedNE-LD at T = 0, K = 1, β = 1.)
'mixedne_ld'  MixedNE-LD (Kamalaruban, Huang, Hsieh, Rolland, Shi & Cevher, NeurIPS 2020, Alg. 3), see
              `saddle.optim.LangevinMirrorDescent`: K_t RMSProp-preconditioned SGLD steps per player against the
              other's outer iterate, damped averaging β, thermal noise ε_t (temperature T_t = ε_t²). One agent
              update is one SGLD step with a fresh minibatch and a critic step (as the authors' code); the Runner
              updates until the outer step is closed, so the agent acts with the outer iterate.

Where MixedNE-LD's settings come from: the authors' public code (`main.py`, `ddpg.py`, built on Tessler et al.'s)
gives lr 1e-4, RMSProp α = 0.999, β = 0.9 (`--beta`), ε = 1e-3 (`--epsilon`, "thermal noise": T_0 = ε² = 1e-6), the warm-up
K_t = min(K, ⌊(1 + 10⁻⁵)^t⌋) with t the training step, and 50 updates per 100 environment steps; K = 15 is the
value a public reproduction of the paper's runs uses; the decay ε_t = ε_0 (1 − 5·10⁻⁵)^t is the paper's
appendix as we read it (the public code passes a constant ε to an SGLD optimiser whose source we could not read,
so the exact preconditioning of its noise is ours: pSGLD's sqrt(2η T G) ξ, Li et al. 2016). Their code evaluates
the players' losses at Q(s, a(s')) — current state, next state's action, a defect; saddle uses Q(s, a(s)), the
papers' equations.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
import torch
from torch import Tensor

from saddle.optim import METHODS, GameOptimizer, RMSPropDirection
from saddle.rl.ddpg import DDPG, DDPGConfig, soft_update
from saddle.rl.networks import Actor, Critic
from saddle.rl.robust_action import check_robust_form, robust_action, robust_value
from saddle.rl.seeds import SeedStreams
from saddle.validation import check_choice, check_int, check_real

__all__ = ["ALGORITHMS", "ActionRobustDDPG", "RobustGameConfig", "inner_steps_schedule", "temperature_schedule"]

ALGORITHMS = ("tessler", "gad", "mixedne_ld")


@dataclass
class RobustGameConfig:
    """The action-robust game and the algorithm that plays it (module doc).

    form 'nr' or 'pr'; alpha: the adversary's weight α (0.1: Tessler et al.'s README and Kamalaruban et al.'s
    δ = 0.1); algorithm: 'tessler', 'gad' or 'mixedne_ld'; step_size: the actor's and adversary's step η, the
    GameOptimizer's group lr (both papers' learning rate: 1e-4); adversary_every: Tessler's schedule, one adversary update per `adversary_every` policy updates (their
    README's updates_per_step = 10); rmsprop_alpha: RMSProp's averaging (Kamalaruban et al.'s code: 0.999);
    temperature T_0, noise_decay d: MixedNE-LD's temperature T_t = T_0 (1 − d)^{2t} at outer step t, i.e. the
    paper's thermal noise ε_t = √T_t = ε_0 (1 − d)^t (ε_0 = 1e-3, so T_0 = 1e-6, for Hopper and InvertedPendulum
    in the authors' runs; d = 5e-5 per outer step);
    inner_steps K, inner_growth r: MixedNE-LD's warm-up K_t = min(K, ⌊(1 + r)^t⌋) (K = 15, r = 1e-5); beta: the
    damping β (0.9).
    """

    form: str = "nr"
    alpha: float = 0.1
    algorithm: str = "tessler"
    step_size: float = 1e-4
    adversary_every: int = 10
    rmsprop_alpha: float = 0.999
    temperature: float = 1e-6
    noise_decay: float = 5e-5
    inner_steps: int = 15
    inner_growth: float = 1e-5
    beta: float = 0.9

    def validate(self) -> RobustGameConfig:
        check_robust_form(self.form, self.alpha)
        check_choice("algorithm", self.algorithm, ALGORITHMS)
        check_real("step_size", self.step_size, 0.0, math.inf, high_open=True)
        check_int("adversary_every", self.adversary_every, 2)
        check_real("rmsprop_alpha", self.rmsprop_alpha, 0.0, 1.0, low_open=False, high_open=True)
        check_real("temperature", self.temperature, 0.0, math.inf, low_open=False, high_open=True)
        check_real("noise_decay", self.noise_decay, 0.0, 1.0, low_open=False, high_open=True)
        check_int("inner_steps", self.inner_steps)
        check_real("inner_growth", self.inner_growth, 0.0, math.inf, low_open=False, high_open=True)
        check_real("beta", self.beta, 0.0, 1.0)
        return self


def temperature_schedule(temperature: float, noise_decay: float) -> Callable[[int], float]:
    """MixedNE-LD's temperature at outer step t: T_t = T_0 (1 − d)^{2t}. Kamalaruban et al.'s thermal noise
    ε_t = ε_0 (1 − d)^t multiplies sqrt(2η) ξ in their SGLD step, so it is √T_t in `saddle.langevin`'s
    sqrt(2ηT) ξ: T_0 = ε_0², and the noise scale, not the temperature, decays by (1 − d) per step."""
    t0 = check_real("temperature", temperature, 0.0, math.inf, low_open=False, high_open=True)
    d = check_real("noise_decay", noise_decay, 0.0, 1.0, low_open=False, high_open=True)
    return lambda t: t0 * (1.0 - d) ** (2 * t)


def inner_steps_schedule(inner_steps: int, growth: float) -> Callable[[int], int]:
    """MixedNE-LD's warm-up: K_t = min(K, ⌊(1 + r)^t⌋) SGLD steps at outer step t (K = 15, r = 1e-5: one step until
    t = 69,315, two until 109,861, ..., K = 15 from t = 270,807)."""
    k = check_int("inner_steps", inner_steps)
    r = check_real("inner_growth", growth, 0.0, math.inf, low_open=False, high_open=True)
    return lambda t: min(k, max(1, math.floor(math.exp(t * math.log1p(r)))))


class ActionRobustDDPG(DDPG):
    """DDPG whose policy step is a step of the actor/adversary game (module doc), for S seeds at once.

    Args: as DDPG, plus game (RobustGameConfig). `act(obs)` is the actor alone (the adversary is a training device);
    `explore(obs)` executes the mixed action of the game's form plus Gaussian noise.
    """

    def __init__(
        self,
        obs_dim: int,
        low: Sequence[float] | np.ndarray,
        high: Sequence[float] | np.ndarray,
        config: DDPGConfig | None = None,
        game: RobustGameConfig | None = None,
        generator: int | Sequence[int] | SeedStreams = 0,
    ) -> None:
        self.game = (game or RobustGameConfig()).validate()
        self.policy_updates = 0
        super().__init__(obs_dim, low, high, config, generator)

    def setup_players(self) -> None:
        self.adversary = Actor(self.obs_dim, self.low, self.high, self.config.hidden, self.generator)
        g = self.game
        self.actor_optimizer: Any
        self.adversary_optimizer: GameOptimizer | None = None
        if g.algorithm == "tessler":  # two single-player optimisers: the schedule moves one player at a time
            self.actor_optimizer = GameOptimizer([self.actor], METHODS["sim_adam"].build(g.step_size))
            self.adversary_optimizer = GameOptimizer([self.adversary], METHODS["sim_adam"].build(g.step_size))
            return
        players = [self.actor, self.adversary]
        rmsprop = RMSPropDirection(g.rmsprop_alpha)
        if g.algorithm == "gad":
            self.actor_optimizer = GameOptimizer(players, METHODS["sim_gda"].build(g.step_size, direction=rmsprop))
        else:
            method = METHODS["langevin_mirror_descent"].build(
                g.step_size,
                temperature=temperature_schedule(g.temperature, g.noise_decay),
                generator=self.generator,  # the agent's one SeedStreams: row s's noise from seed s's generator
                inner_steps=inner_steps_schedule(g.inner_steps, g.inner_growth),
                beta=g.beta,
                direction=rmsprop,
            )
            self.actor_optimizer = GameOptimizer(players, method, rows=len(self.generator))

    def inner_pending(self) -> bool:
        """True between two SGLD steps of MixedNE-LD's inner loop (the outer step is not closed yet)."""
        state = getattr(self.actor_optimizer, "method_state", None)
        return bool(getattr(state, "inner", 0))

    def online(self) -> dict[str, Tensor]:
        return super().online() | {"adversary": self.adversary.params}

    def behaviour_mean(self, obs: Tensor) -> Tensor:
        return robust_action(self.game.form, self.actor(obs), self.adversary(obs), self.game.alpha, self.generator)

    def target_value(self, critic: Critic, critic_params: Tensor, next_obs: Tensor) -> Tensor:
        mu = self.smoothed(self.actor(next_obs, self.targets["actor"]))
        nu = self.adversary(next_obs, self.targets["adversary"])
        return robust_value(self.game.form, lambda s, a: critic(s, a, critic_params), next_obs, mu, nu, self.game.alpha)

    def payoff(self, obs: Tensor, actor: Tensor | None = None, adversary: Tensor | None = None) -> Tensor:
        """Φ per seed on the minibatch of current states (S,): the actor maximises it, the adversary minimises it.
        actor, adversary: other parameters of the two players (default: their current ones)."""
        g = self.game
        q = self.critic_list[0]
        return robust_value(g.form, q, obs, self.actor(obs, actor), self.adversary(obs, adversary), g.alpha).mean(1)

    def policy_step(self, obs: Tensor) -> dict[str, np.ndarray]:
        g = self.game
        per_seed: list[Tensor] = []  # Φ per seed at the step's start, recorded by the first closure call

        def record(phi: Tensor) -> Tensor:
            if not per_seed:
                per_seed.append(phi.detach())
            return phi.sum()

        if g.algorithm == "tessler":
            if self.policy_updates % g.adversary_every == 0:
                self.moved: tuple[str, ...] = ("adversary",)
                optimizer = self.adversary_optimizer
                assert optimizer is not None  # built for 'tessler'
                optimizer.step(lambda: [record(self.payoff(obs, actor=self.targets["actor"]))])
            else:
                self.moved = ("actor",)
                self.actor_optimizer.step(lambda: [-record(self.payoff(obs, adversary=self.targets["adversary"]))])
        else:

            def closure() -> list[Tensor]:
                phi = record(self.payoff(obs))
                return [-phi, phi]

            self.moved = ("actor", "adversary")
            self.actor_optimizer.step(closure)
        self.policy_updates += 1
        return {"payoff": per_seed[0].numpy()}

    def soft_update_targets(self) -> None:
        """The critics' targets and the targets of the players that moved in this policy step."""
        online = self.online()
        names = [k for k in online if k.startswith("critic")] + list(self.moved)
        soft_update([self.targets[k] for k in names], [online[k] for k in names], self.config.tau)

    def modules(self) -> dict[str, torch.nn.Module]:
        return super().modules() | {"adversary": self.adversary}

    def state_dict(self) -> dict[str, Any]:
        """DDPG's state + the game, the policy-update count and the adversary's optimiser. MixedNE-LD's optimiser
        draws its noise from the agent's generator, which DDPG's state already holds: saved once, there."""
        state = super().state_dict() | {"game": asdict(self.game), "policy_updates": self.policy_updates}
        if state["actor_optimizer"].get("generator_state") is not None:
            state["actor_optimizer"] = {**state["actor_optimizer"], "generator_state": None}
        if self.adversary_optimizer is not None:
            state["adversary_optimizer"] = self.adversary_optimizer.state_dict()
        return state

    def load_state_dict(self, state: dict[str, Any]) -> None:
        if state.get("game") != asdict(self.game):
            raise ValueError(f"state_dict was saved with game {state.get('game')}, this agent has {asdict(self.game)}")
        if self.game.algorithm == "mixedne_ld":  # its optimiser's generator is the agent's, restored from there
            generator = state["generator"]["states"]
            state = {**state, "actor_optimizer": {**state["actor_optimizer"], "generator_state": generator}}
        super().load_state_dict(state)
        if self.adversary_optimizer is not None:
            self.adversary_optimizer.load_state_dict(state["adversary_optimizer"])
        self.policy_updates = int(state["policy_updates"])
