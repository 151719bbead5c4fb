"""Robust RL: DDPG/TD3 vs action-robust DDPG (Tessler et al.'s NR-MDP training, GAD, MixedNE-LD) under action
perturbations and changed physics, S seeds trained at once.

Reproduces seeds 000/002 "Application: Noisy action robust reinforcement learning" and seeds 000/001 "Robust
Reinforcement Learning" (max_μ E_s min_ν Q(s, μ(s) + ν)): Tessler, Efroni & Mannor (ICML 2019, "Action robust
reinforcement learning and applications in continuous control"), whose action-robust agents lose less return than
DDPG as the probability of a random action and the relative mass move away from training, and Kamalaruban, Huang,
Hsieh, Rolland, Shi & Cevher (NeurIPS 2020), whose MixedNE-LD keeps more return than gradient descent-ascent on the
same NR-MDP game (α = δ = 0.1) over a grid of relative mass × probability of a random action (5 seeds). Agents:
`saddle.rl.AGENTS` (settings and their sources in `saddle.rl.robust_ddpg`); "gradient descent-ascent on the same
game" is Tessler et al.'s training of the NR-MDP (`nr_mdp`), `gad` (RMSProp descent-ascent) runs at full size.
Every agent trains `num_seeds` seeds in one process (one batched network, a vector env); each trained policy (the
actor alone) is tested on the papers' perturbations (`saddle.rl.evaluation`) with common random numbers.

Statistics. An agent's drop under a perturbation is, per seed, its clean return minus its mean return over the
perturbed levels; "A loses less return than B" is the mean of drop(B) − drop(A) over the seeds where both policies
are trained (clean return ≥ `trained_return`: a policy that learned nothing loses nothing), claimed > 0 at two
standard errors with at least 5 such seeds; "keeps more return over the grid" is the mean over all seeds of the
paired difference of returns averaged over the relative mass × random-action grid, > 0 at two standard errors.
`seeds_needed` gives, for each positive difference, the seeds at which its mean would sit 2 SE above 0.

Sizes. Default (the tour): Pendulum-v1, 8 seeds × 5,500 steps (2,250 updates), 50 updates per 100 steps
(Kamalaruban et al.'s ratio), lr 1e-3 for every agent (the papers' 1e-4 does not learn Pendulum in this budget),
batch 128 and 64×64 networks (both papers), four agents (ddpg, td3, nr_mdp, mixedne_ld), 2 test episodes per level.
The cost is the updates (per 1,000 steps, 8 seeds, the four agents: 28 CPU s at load 28; the tests 14 CPU s), so
the budget of 150 CPU s fixes the steps; 8 seeds so that 5 trained seeds can remain for the drop claims (n ≥ 5).
`--full`: Kamalaruban et al.'s Hopper-v5 setting (300k steps, lr 1e-4, τ = 0.001, critic L2 1e-2, σ = 0.2, 5 seeds,
their 11 × 11 test grid, five agents).

Measured at default size (one thread, shared 2-core machine): 98 CPU s (load 1.7; 148 CPU s at load 27 → 18 before).
Clean returns (mean ± SE, 8 seeds): ddpg −601 ± 103, td3 −1354 ± 31, nr_mdp −738 ± 147, mixedne_ld −508 ± 97;
trained seeds (≥ −400): 3, 0, 3, 4 — so the drop claims have n = 1 (nr_mdp vs ddpg), 2 (mixedne_ld vs ddpg) or 0
(vs td3) pairs and are "not significant"; MixedNE-LD − nr_mdp over the grid +119.5 ± 49.8 (n = 8, reproduced, but
against an nr_mdp of which 5 of 8 seeds learned nothing: the larger run below, where all seeds train, finds −16.1 ±
14.9); ddpg's −200 is not reached. Verdicts 2/9 reproduced (dynamics_really_change, mixedne_ld_more_robust_than_gda),
6 not significant, 1 not reproduced: at 2,250 updates the agents are not yet trained (rl-zoo's DDPG for Pendulum:
20k steps, ≈ 10⁴ updates), which the budget does not buy, and an untrained run is chaotic in round-off: the Adam
arithmetic change of issue 18 (≈ 1 ulp per step) moved nr_mdp's clean return from −555 ± 99 to −738 ± 147 and this
claim from +52 ± 43 (not significant) to +119.5 ± 49.8.

The largest run (the papers' figures, docs guide "Robust RL" and `docs/figures/robust_rl/`): Pendulum-v1, 12 seeds
× 30,000 steps (14,500 updates), six agents (ddpg, td3, nr_mdp, pr_mdp, gad, mixedne_ld), tests with 4 episodes
per level on relative mass {0.5, 0.75, ..., 2.0} × random-action probability {0, 0.1, ..., 0.5}, action noise
{0, 0.2, ..., 1.0} and length {0.7, 0.85, ..., 1.3} (`--set steps=30000 num_seeds=12 agents=... test_episodes=4
...`, the guide gives the command): 1,204 CPU s (one thread, load 3.2–3.5). Every agent trained (evaluation return
−203 to −207 at 30k steps). Verdicts (mean ± SE, n = 12): 4 of 9 reproduced — nr_mdp loses less than ddpg under
random actions (+37.4 ± 14.8) and mass (+32.0 ± 10.2), mixedne_ld less than ddpg under random actions
(+35.9 ± 17.7), dynamics_really_change; not significant — nr_mdp vs ddpg under action noise (+24.7 ± 19.1), nr_mdp
vs td3 under random actions (+22.2 ± 14.2) and mass (+23.0 ± 12.5); not reproduced — mixedne_ld_more_robust_than_gda
(−16.1 ± 14.9: MixedNE-LD keeps less return over the grid than Tessler's training; −16.1 ± 14.3 against GAD), and
ddpg_reaches_minus_200 (clean test return −258.0 ± 2.6: the 4 common test starts are harder than average — all six
agents score −246 to −258 on them while their evaluation return on other starts is −203; the SE over seeds does not
include the spread over start states). MixedNE-LD's likely reason: at 14,500 updates its inner loop is still one
step (K_t > 1 from t = 69,315) and ε = 1e-3 noise is small against lr 1e-3 steps, so it is GAD plus small noise.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from saddle.claims import Claim
from saddle.experiments.base import Experiment, ExperimentConfig, RunOutput, check_positive
from saddle.metrics.stats import MeanSE, mean_se, paired_difference, seeds_needed
from saddle.rl import (
    AGENTS,
    DDPG,
    DDPGConfig,
    Runner,
    dynamics_change,
    make_agent,
    perturbation_grid,
    perturbation_sweep,
    train,
)

BASELINES = ("ddpg", "td3")
ROBUST = ("nr_mdp", "pr_mdp", "gad", "mixedne_ld")


@dataclass
class Config(ExperimentConfig):
    env_id: str = "Pendulum-v1"
    max_episode_steps: int = 0  # 0: the task's own limit (200 for Pendulum, 1000 for MuJoCo)
    agents: tuple[str, ...] = ("ddpg", "td3", "nr_mdp", "mixedne_ld")
    num_seeds: int = 8
    steps: int = 5500
    hidden: tuple[int, ...] = (64, 64)
    batch_size: int = 128
    lr: float = 1e-3
    game_step_size: float = 1e-3  # the robust agents' step η for actor and adversary (RobustGameConfig.step_size)
    tau: float = 0.005
    critic_weight_decay: float = 0.0
    exploration_noise: float = 0.1
    learning_starts: int = 1000
    train_freq: int = 2
    alpha: float = 0.1
    trained_return: float = -400.0  # a seed's policy is trained when its clean return reaches this (drop claims)
    temperature: float = 1e-6  # MixedNE-LD's T_0 (the paper's thermal noise ε_0 = √T_0 = 1e-3)
    steps_per_record: int = 1000
    eval_every: int = 2
    eval_episodes: int = 3
    test_episodes: int = 2
    random_action_probs: tuple[float, ...] = (0.0, 0.2, 0.4)
    action_noises: tuple[float, ...] = (0.0, 0.5, 1.0)
    masses: tuple[float, ...] = (0.5, 1.0, 1.5, 2.0)
    physics: str = "length"  # the second physical sweep: 'length' (Pendulum) or 'friction' (MuJoCo)
    physics_levels: tuple[float, ...] = (0.7, 1.0, 1.3)

    def validate(self) -> None:
        check_positive(
            self,
            "num_seeds",
            "steps",
            "hidden",
            "batch_size",
            "lr",
            "game_step_size",
            "tau",
            "train_freq",
            "steps_per_record",
            "eval_every",
            "eval_episodes",
            "test_episodes",
            "masses",
            "physics_levels",
        )
        check_positive(
            self,
            "learning_starts",
            "random_action_probs",
            "action_noises",
            "max_episode_steps",
            "temperature",
            "critic_weight_decay",
            "exploration_noise",
            allow_zero=True,
        )
        unknown = [a for a in self.agents if a not in AGENTS]
        if unknown or "ddpg" not in self.agents:
            raise ValueError(f"agents must include 'ddpg' and be among {sorted(AGENTS)}, got {self.agents!r}")
        if not math.isfinite(self.trained_return):
            raise ValueError(f"trained_return must be a finite return, got {self.trained_return!r}")
        if self.num_seeds < 2:
            raise ValueError(f"num_seeds needs at least 2 seeds for a standard error, got {self.num_seeds!r}")
        if self.physics not in ("length", "friction"):
            raise ValueError(f"physics must be 'length' (Pendulum) or 'friction' (MuJoCo), got {self.physics!r}")
        for name, levels, clean in (
            ("masses", self.masses, 1.0),
            ("physics_levels", self.physics_levels, 1.0),
            ("random_action_probs", self.random_action_probs, 0.0),
            ("action_noises", self.action_noises, 0.0),
        ):
            if clean not in levels or len(levels) < 2:
                raise ValueError(f"{name} must contain the unperturbed level {clean} and another one, got {levels!r}")
        if max(self.random_action_probs) > 1 or not 0 <= self.alpha <= 1:
            raise ValueError(
                f"random_action_probs and alpha must lie in [0, 1], got {self.random_action_probs}, {self.alpha}"
            )


def record(values: np.ndarray) -> MeanSE:
    """The mean ± standard error over seeds (a claim's record {'mean', 'se', 'n'} in the metrics)."""
    return mean_se(np.asarray(values, dtype=np.float64))


def trained_pairs(a: np.ndarray, b: np.ndarray, clean_a: np.ndarray, clean_b: np.ndarray, bar: float) -> MeanSE:
    """Paired difference a − b over the seeds whose policies both reached the clean return `bar` (a robustness
    comparison is about trained policies: one that learned nothing loses nothing under perturbation); n counts
    them (n = 0: NaN)."""
    keep = (clean_a >= bar) & (clean_b >= bar)
    if not keep.any():
        return MeanSE(math.nan, math.nan, 0)
    return paired_difference(a[keep], b[keep])


def drop(levels: tuple[float, ...], returns: np.ndarray, clean: float) -> np.ndarray:
    """Per seed: clean return minus the mean return over the perturbed levels. returns (levels, S) → (S,)."""
    i = levels.index(clean)
    others = [j for j in range(len(levels)) if j != i]
    return returns[i] - returns[others].mean(0)


def clean_return(test: dict, config: Config) -> np.ndarray:
    """Per seed: the return without perturbation (mass 1, no random action). Shape (S,)."""
    return np.asarray(test["mass"][config.masses.index(1.0)])


def grid_return(test: dict) -> np.ndarray:
    """Per seed: the mean return over the grid relative mass × probability of a random action. Shape (S,)."""
    return test["grid"].mean(axis=(0, 1))


def evaluate_agent(agent: DDPG, config: Config, env_kwargs: dict, seed: int) -> dict:
    """The papers' tests of S trained policies: the grid mass × random-action probability, the action-noise sweep,
    the second physical sweep. Every array is the mean over test episodes, per seed."""
    c, s, n = config, agent.num_seeds, config.test_episodes
    common: dict[str, Any] = {
        "env_id": c.env_id,
        "num_policies": s,
        "episodes": n,
        "seed": seed,
        "env_kwargs": env_kwargs,
    }
    grid = perturbation_grid(agent.act, ("mass", c.masses), ("random_action", c.random_action_probs), **common)
    grid = grid.mean(-1)  # (masses, probs, S)
    i_m, j_p = c.masses.index(1.0), c.random_action_probs.index(0.0)
    return {
        "grid": grid,
        "random_action": grid[i_m],  # (probs, S) at mass 1
        "mass": grid[:, j_p],  # (masses, S) without random actions
        "action_noise": perturbation_sweep(agent.act, "action_noise", c.action_noises, **common).mean(-1),
        c.physics: perturbation_sweep(agent.act, c.physics, c.physics_levels, **common).mean(-1),
    }


def _ddpg_config(c: Config) -> DDPGConfig:
    """The DDPG settings every agent shares (the robust agents add their game's on top)."""
    return DDPGConfig(
        hidden=c.hidden,
        actor_lr=c.lr,
        critic_lr=c.lr,
        tau=c.tau,
        critic_weight_decay=c.critic_weight_decay,
        exploration_noise=c.exploration_noise,
        batch_size=c.batch_size,
        learning_starts=c.learning_starts,
        train_freq=c.train_freq,
        buffer_size=max(c.steps, 1),
    )


def _train_agent(name: str, c: Config, env_kwargs: dict) -> tuple[list, dict]:
    """Train every seed of one agent at once; returns its learning curve [(env steps, [return per seed])] and its
    test under the papers' perturbations (`evaluate_agent`)."""
    game = (
        {}
        if AGENTS[name][1] is None
        else {"alpha": c.alpha, "step_size": c.game_step_size, "temperature": c.temperature}
    )
    agent = make_agent(name, c.env_id, _ddpg_config(c), list(range(c.seed, c.seed + c.num_seeds)), **game)
    result = train(
        Runner(agent, c.env_id, **env_kwargs),
        c.steps,
        c.steps_per_record,
        c.eval_every,
        c.eval_episodes,
        eval_seed=c.seed + 20_000,
        desc=f"{name} ({c.num_seeds} seeds)",
    )
    curve = [
        (r["env_steps"], [r[f"eval_return_s{i}"] for i in range(c.num_seeds)])
        for r in result.history
        if "eval_return" in r
    ]
    return curve, evaluate_agent(agent, c, env_kwargs, seed=c.seed + 10_000)


def _levels(c: Config) -> tuple[dict[str, tuple[float, ...]], dict[str, float]]:
    """The levels of each perturbation and the clean level among them."""
    levels = {
        "random_action": c.random_action_probs,
        "action_noise": c.action_noises,
        "mass": c.masses,
        c.physics: c.physics_levels,
    }
    return levels, {"random_action": 0.0, "action_noise": 0.0, "mass": 1.0, c.physics: 1.0}


def _agent_metrics(t: dict, c: Config) -> dict[str, Any]:
    """One agent's clean return, drop under each perturbation (mean ± SE over seeds), sweeps and grid."""
    levels, clean_level = _levels(c)
    clean = clean_return(t, c)
    return {
        "clean_return": record(clean),
        "clean_return_seeds": clean.tolist(),
        "trained_seeds": int((clean >= c.trained_return).sum()),
        "drop": {k: record(drop(levels[k], t[k], clean_level[k])) for k in levels},
        "sweeps": {k: {"levels": list(levels[k]), **_bands(t[k])} for k in levels},
        "grid_mean": t["grid"].mean(axis=2).tolist(),
        "grid_return": record(grid_return(t)),
    }


def _pair_metrics(r: dict, b: dict, c: Config) -> dict[str, Any]:
    """A robust agent's tests `r` against a baseline's `b`, seed by seed; each record's seeds_needed."""
    levels, clean_level = _levels(c)
    pair = {
        # > 0: the robust agent loses less than the baseline as the perturbation grows (trained seeds only)
        **{
            f"less_drop_{k}": trained_pairs(
                drop(levels[k], b[k], clean_level[k]),
                drop(levels[k], r[k], clean_level[k]),
                clean_return(b, c),
                clean_return(r, c),
                c.trained_return,
            )
            for k in levels
        },
        # > 0: the robust agent keeps more return over the grid relative mass × random-action probability
        "grid_gain": paired_difference(grid_return(r), grid_return(b)),
    }
    return {**pair, "seeds_needed": {name: seeds_needed(rec) for name, rec in pair.items()}}


def _dynamics_changes(c: Config) -> dict[str, float]:
    """How much the largest mass and the largest level of the second physical sweep change the dynamics."""
    return {
        "mass": dynamics_change(c.env_id, steps=30, mass=max(c.masses)),
        c.physics: dynamics_change(
            c.env_id,
            steps=30,
            friction=max(c.physics_levels) if c.physics == "friction" else None,
            length=max(c.physics_levels) if c.physics == "length" else None,
        ),
    }


def run(config: Config, out: RunOutput) -> dict:
    """Train every agent's seeds at once, test them under the papers' perturbations; figures + metrics."""
    c = config
    env_kwargs = {"max_episode_steps": c.max_episode_steps} if c.max_episode_steps else {}
    tests: dict[str, dict] = {}
    curves: dict[str, list] = {}
    metrics: dict[str, Any] = {}
    for name in c.agents:
        curves[name], tests[name] = _train_agent(name, c, env_kwargs)
        metrics[name] = _agent_metrics(tests[name], c)
        clean = clean_return(tests[name], c)
        out.log.info("%s: clean return %.1f ± %.1f over %d seeds", name, clean.mean(), mean_se(clean).se, len(clean))
    pairs = [(r, b) for r in c.agents if r in ROBUST for b in c.agents if b in BASELINES]
    pairs += [("mixedne_ld", b) for b in ("nr_mdp", "gad") if b in c.agents and "mixedne_ld" in c.agents]
    for robust, base in pairs:
        metrics[f"{robust}_vs_{base}"] = _pair_metrics(tests[robust], tests[base], c)
    metrics["dynamics_change"] = changes = _dynamics_changes(c)
    metrics["dynamics_really_change"] = bool(all(v > 0 for v in changes.values()))
    metrics["not_measured"] = {
        f"{a}_vs_{b}": f"agent {a if a not in c.agents else b!r} not in this run's `agents`"
        for a in ROBUST
        for b in (*BASELINES, "nr_mdp", "gad")
        if a != b and (a not in c.agents or b not in c.agents)
    }
    out.save_json("curves", curves)
    _figures(c, out, curves, tests, _levels(c)[0])
    return metrics


def _bands(per_level: np.ndarray) -> dict:
    """Mean and standard error over seeds at each level of a (levels, S) array."""
    stats = [mean_se(row) for row in per_level]
    return {"mean": [s.mean for s in stats], "se": [s.se for s in stats]}


def _figures(c: Config, out: RunOutput, curves: dict, tests: dict, levels: dict) -> None:
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6.5, 4.2))
    for name, points in curves.items():
        steps = np.array([s for s, _ in points])
        values = np.array([v for _, v in points]).T  # (S, points)
        band = _bands(values.T)
        mean, se = np.array(band["mean"]), np.array(band["se"])
        ax.plot(steps, mean, marker="o", label=name)
        ax.fill_between(steps, mean - se, mean + se, alpha=0.2)
    ax.set_xlabel("environment steps per seed")
    ax.set_ylabel(f"evaluation return ({c.eval_episodes} episodes)")
    ax.set_title(f"{c.env_id}: learning curves")
    ax.legend()
    out.savefig(
        fig,
        "learning_curves",
        f"Mean evaluation return of the deterministic policies vs environment steps, mean ± SE over "
        f"{c.num_seeds} seeds trained at once.",
    )

    labels = {
        "random_action": "probability of a random action",
        "action_noise": "action noise σ (× half-range)",
        "mass": "relative mass",
        "length": "pendulum length",
        "friction": "relative friction",
    }
    fig, axes = plt.subplots(1, len(levels), figsize=(4.3 * len(levels), 3.8), sharey=True, layout="constrained")
    axes[0].set_ylabel("mean return")
    for ax, (kind, lv) in zip(axes, levels.items()):
        for name, t in tests.items():
            band = _bands(t[kind])
            mean, se = np.array(band["mean"]), np.array(band["se"])
            ax.plot(lv, mean, marker="o", label=name)
            ax.fill_between(lv, mean - se, mean + se, alpha=0.2)
        ax.set_xlabel(labels[kind])
    axes[0].legend()
    out.savefig(
        fig,
        "perturbation_sweeps",
        "Return vs each perturbation alone (mean ± SE over seeds): the papers' return-vs-relative-mass and "
        "return-vs-perturbation figures. Tessler et al. (Figs. 2–3) and Kamalaruban et al. (Figs. 2–6) show the "
        "robust agents' curves falling off more slowly than DDPG's as the test moves away from training.",
    )

    fig, axes = plt.subplots(1, len(tests), figsize=(4.3 * len(tests), 3.8), squeeze=False)
    grids = {name: t["grid"].mean(axis=2) for name, t in tests.items()}
    vmin, vmax = min(float(g.min()) for g in grids.values()), max(float(g.max()) for g in grids.values())
    for ax, (name, grid) in zip(axes[0], grids.items()):
        im = ax.imshow(grid, origin="lower", aspect="auto", vmin=vmin, vmax=vmax, cmap="viridis")
        ax.set_xticks(range(len(c.random_action_probs)), [f"{v:g}" for v in c.random_action_probs])
        ax.set_yticks(range(len(c.masses)), [f"{v:g}" for v in c.masses])
        for (i, j), v in np.ndenumerate(grid):
            ax.text(
                j,
                i,
                f"{v:.0f}",
                ha="center",
                va="center",
                fontsize=7,
                color="k" if (v - vmin) > 0.6 * (vmax - vmin) else "w",
            )
        ax.set_xlabel("probability of a random action")
        ax.set_ylabel("relative mass")
        ax.set_title(name)
    fig.colorbar(im, ax=axes[0].tolist(), label="mean return")
    out.savefig(
        fig,
        "return_heatmaps",
        "Mean return over seeds on the grid relative mass × probability of a random action, one panel per agent on "
        "a common scale (Kamalaruban et al.'s heat maps, Figs. 2–6; Tessler et al.'s 2-D evaluation).",
    )


_TESSLER = "Tessler, Efroni & Mannor 2019, Figs. 2–3; seeds 000/001 'Robust Reinforcement Learning'"
_KAMALARUBAN = "Kamalaruban et al. 2020, Figs. 2–6; seed 000 'Application: Noisy action robust RL'"


def _loses_less(robust: str, base: str, kind: str, what: str) -> Claim:
    return Claim(
        f"{robust}_loses_less_than_{base}_{kind}",
        f"{robust} loses less return than {base} as {what} grows",
        _TESSLER if robust in ("nr_mdp", "pr_mdp") else _KAMALARUBAN,
        metric=f"{robust}_vs_{base}.less_drop_{kind}",
        op=">",
        threshold=0.0,
        sigmas=2.0,
        min_n=5,
        at_quick=False,
    )


CLAIMS = (
    Claim(
        "ddpg_reaches_minus_200",
        "plain DDPG reaches a mean evaluation return >= -200 on Pendulum-v1",
        "issue 11 (SB3's tuned DDPG about -190; good policies about -150)",
        metric="ddpg.clean_return",
        op=">",
        threshold=-200.0,
        sigmas=2.0,
        min_n=5,
        at_quick=False,
    ),
    _loses_less("nr_mdp", "ddpg", "random_action", "the probability of a random action"),
    _loses_less("nr_mdp", "ddpg", "action_noise", "the action noise"),
    _loses_less("nr_mdp", "ddpg", "mass", "the relative mass moves away from 1"),
    _loses_less("nr_mdp", "td3", "random_action", "the probability of a random action"),
    _loses_less("nr_mdp", "td3", "mass", "the relative mass moves away from 1"),
    Claim(
        "mixedne_ld_more_robust_than_gda",
        "MixedNE-LD keeps more return than gradient descent-ascent on the same NR-MDP game (Tessler et al.'s "
        "training) over relative mass × probability of a random action",
        _KAMALARUBAN,
        metric="mixedne_ld_vs_nr_mdp.grid_gain",
        op=">",
        threshold=0.0,
        sigmas=2.0,
        min_n=5,
        at_quick=False,
    ),
    _loses_less("mixedne_ld", "ddpg", "random_action", "the probability of a random action"),
    Claim(
        "dynamics_really_change",
        "setting the relative mass and the second physical parameter changes the simulated dynamics",
        "issue 11 (defect of the public research code)",
        metric="dynamics_really_change",
        op="is_true",
    ),
)

EXPERIMENT = Experiment(
    name="robust_rl",
    summary="DDPG/TD3 vs Tessler's NR-MDP, GAD and MixedNE-LD under random actions, action noise, mass, length",
    config=Config,
    run=run,
    quick={
        "num_seeds": 2,
        "steps": 150,
        "max_episode_steps": 50,
        "learning_starts": 50,
        "hidden": (16, 16),
        "batch_size": 32,
        "steps_per_record": 50,
        "eval_every": 1,
        "eval_episodes": 1,
        "test_episodes": 1,
        "random_action_probs": (0.0, 0.5),
        "masses": (1.0, 2.0),
        "action_noises": (0.0, 1.0),
        "physics_levels": (1.0, 1.5),
    },
    full={
        # Kamalaruban et al.'s setting for Hopper (their code and runs: 300k steps, 50 updates per 100 steps, 64×64,
        # batch 128, τ = 0.001, lr 1e-4 with RMSProp/Adam, critic L2 1e-2, exploration σ = 0.2, ε_0 = 1e-3) and
        # their test grids (relative mass and friction 0.5–2.0, probability of a random action 0–0.5, 10 episodes)
        "env_id": "Hopper-v5",
        "agents": ("ddpg", "td3", "nr_mdp", "gad", "mixedne_ld"),
        "num_seeds": 5,
        "steps": 300_000,
        "lr": 1e-4,
        "game_step_size": 1e-4,
        "tau": 0.001,
        "critic_weight_decay": 1e-2,
        "exploration_noise": 0.2,
        "steps_per_record": 10_000,
        "eval_every": 5,
        "eval_episodes": 10,
        "test_episodes": 10,
        "random_action_probs": (0.0, 0.05, 0.1, 0.15, 0.2, 0.25, 0.3, 0.35, 0.4, 0.45, 0.5),
        "action_noises": (0.0, 0.2, 0.4, 0.6),
        "masses": (0.5, 0.6, 0.7, 0.8, 0.9, 1.0, 1.2, 1.4, 1.6, 1.8, 2.0),
        "physics": "friction",
        "physics_levels": (0.5, 0.6, 0.7, 0.8, 0.9, 1.0, 1.2, 1.4, 1.6, 1.8, 2.0),
        "trained_return": 1000.0,  # Hopper: standing and hopping (a fallen Hopper scores ≈ 100–300)
    },
    claims=CLAIMS,
    reproduces="seeds 000/002 'Application: Noisy action robust reinforcement learning' and seeds 000/001 'Robust "
    "Reinforcement Learning' (Tessler et al. ICML 2019; Kamalaruban et al. NeurIPS 2020)",
)
