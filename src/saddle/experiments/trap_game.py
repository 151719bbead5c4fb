"""Escaping traps with mixed strategies: max_{ω∈[−2,2]} min_{x∈[−2,2]} −ω²x² + ωx (seed 000, "Escaping traps
with the mixed-NE concept", Kamalaruban et al. NeurIPS 2020).

Pure strategies: projected GDA and EG (x minimises, ω maximises, both on the box) from a grid of starts. The
GDA flow preserves x² + ω² and stops on the hyperbola ωx = 1/2 of critical points where the minimiser sits at a
local *maximum* (`saddle.analysis` labels them "critical, not local Nash"): traps with a large exploitability
max_ω' Φ(x, ω') − min_x' Φ(x', ω) (closed form over the box). Mixed strategies: the game on a strategy grid is a
matrix game; mirror descent and mirror-prox (entropic, ergodic averages) drive its duality gap to 0 and the
exploitability of the mixed pair over the whole box to the grid's resolution level; the LP gives the exact value.
Langevin (the seed's route to mixed equilibria without a grid): N particles per player follow the mean-field
velocity of the mixed game (`saddle.games.MixedExtension`) plus Gaussian noise sqrt(2ηT)ξ: projected Langevin GDA
(`saddle.optim.LangevinGDA(η, temperature=T)`; config `langevin_step_size` = η, `langevin_temperature` = T, the
seed's 1/β; the one Langevin step of `saddle.langevin`, step size given once);
the exploitability of the particles' empirical measures is tracked. Every loop is `saddle.analysis.rollout` with
checkpoints and a callback.
Expected: most pure starts (all starts outside the unit disc) end in traps with exploitability ≥ 1, whereas the
mirror-prox average's exploitability falls below 0.05 (its O(1/K) bound is printed alongside) and the Langevin
particles' exploitability settles at a few hundredths (entropic bias at temperature T plus particle error).
Note: (0, 0) is itself a pure equilibrium of this game (Φ(0, ·) = Φ(·, 0) = 0); near it the game is bilinear, so
EG spirals towards it (slowly, like EG on xy) from starts inside the unit disc, while GDA spirals out of it.

Measured at full size (defaults, seed 0, 21 s): GDA ends in traps from 99.8 % of the starts (100 % from outside
the unit disc), EG from 78 % (98 %), median exploitability 1.23 / 1.13; mirror-prox average exploitability 0.029
(its bound 0.037), mirror descent 0.030; Langevin particles (LangevinGDA, T = 1/β = 0.01) 0.019 at the end,
0.017 averaged over the second half.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import torch
from torch import Tensor

from saddle.analysis import NOT_NASH, grid, nash_labels, rollout
from saddle.experiments.base import Claim, Experiment, ExperimentConfig, RunOutput, check_positive
from saddle.games import MixedExtension, TrapGame
from saddle.metrics.stats import batch_means
from saddle.optim import ExtraGradient, LangevinGDA, MirrorDescent, MirrorProx, SimultaneousGDA


@dataclass
class Config(ExperimentConfig):
    pure_step_size: float = 0.05
    pure_steps: int = 4000
    n_starts: int = 21
    strategy_grid: int = 41
    mirror_steps: int = 4000
    particles: int = 100
    langevin_steps: int = 1000
    langevin_step_size: float = 0.01
    langevin_temperature: float = 0.01

    def validate(self) -> None:
        check_positive(
            self,
            "pure_step_size",
            "pure_steps",
            "n_starts",
            "strategy_grid",
            "mirror_steps",
            "particles",
            "langevin_steps",
            "langevin_step_size",
            "langevin_temperature",
        )
        if self.strategy_grid < 3 or self.n_starts < 2:
            raise ValueError(f"strategy_grid must be >= 3 and n_starts >= 2, got {self.strategy_grid}, {self.n_starts}")


def _pure(config: Config, trap: TrapGame, starts: Tensor, metrics: dict) -> tuple[dict, dict]:
    """Projected GDA and EG from every start on the box: where they end (traps, the pure equilibrium) and how
    exploitable the end points are; returns the trajectories and end points per method."""
    one = torch.ones(1, dtype=torch.float64)
    a = config.pure_step_size
    pure = {"GDA": SimultaneousGDA(a, projection=trap.project), "EG": ExtraGradient(a, projection=trap.project)}
    ends, trajs = {}, {}
    for name, m in pure.items():
        traj, _ = rollout(
            m,
            trap.field,
            [starts[:, :1].clone(), starts[:, 1:].clone()],
            config.pure_steps,
            every=max(1, config.pure_steps // 400),
            desc=name,
        )
        traj = traj.cpu()
        trajs[name], z = traj, traj[-1]
        ends[name] = z
        expl = torch.stack([trap.exploitability(z[i, :1], one, z[i, 1:], one) for i in range(len(z))])
        labels = nash_labels(trap, z, tol=1e-6, hessian_tol=1e-6)
        on_hyperbola = torch.tensor([lab == NOT_NASH for lab in labels])
        outside = torch.linalg.vector_norm(starts.cpu(), dim=-1) > 1
        metrics[f"{name}_fraction_in_traps"] = on_hyperbola.double().mean().item()
        metrics[f"{name}_fraction_in_traps_from_outside_unit_disc"] = on_hyperbola[outside].double().mean().item()
        metrics[f"{name}_fraction_within_0.05_of_pure_equilibrium"] = (
            (torch.linalg.vector_norm(z, dim=-1) < 0.05).double().mean().item()
        )
        metrics[f"{name}_median_exploitability"] = expl.median().item()
        metrics[f"{name}_min_exploitability_in_traps"] = expl[on_hyperbola].min().item() if on_hyperbola.any() else None
    return trajs, ends


def _mixed_on_grid(config: Config, trap: TrapGame, dev: torch.device, metrics: dict) -> tuple[Tensor, dict, dict]:
    """Entropic mirror-prox and mirror descent on the discretised game (a matrix game): duality gap and
    exploitability over the box of the averaged strategies along the run; returns the grid, curves, final averages."""
    game, g = trap.discretise(config.strategy_grid)
    ne = game.nash()
    L = game.A.abs().max().item()
    eta = 1 / L
    n = config.strategy_grid
    checkpoints = sorted({round(v) for v in torch.logspace(0, math.log10(config.mirror_steps), 40).tolist()})
    curves = {}
    finals = {}
    for name, m in {"mirror-prox": MirrorProx(eta), "mirror descent": MirrorDescent(eta)}.items():
        p = [torch.full((1, n), 1 / n, dtype=torch.float64, device=dev) for _ in range(2)]
        curve: list[tuple[int, float, float]] = []

        def record_average(
            k: int, params: list[Tensor], state: Any, curve: list[tuple[int, float, float]] = curve
        ) -> None:
            avg = [t.cpu() for t in state.average]
            curve.append(
                (k, game.duality_gap(avg[0], avg[1]).item(), trap.exploitability(g, avg[0][0], g, avg[1][0]).item())
            )

        traj, state = rollout(
            m, game.field, p, config.mirror_steps, desc=name, checkpoints=checkpoints, callback=record_average
        )
        curves[name] = curve
        finals[name] = [t.cpu()[0] for t in state.average]
        metrics[f"{name}_grid_duality_gap"] = curve[-1][1]
        metrics[f"{name}_exploitability_on_box"] = curve[-1][2]
        last = traj[-1].cpu()
        metrics[f"{name}_last_iterate_grid_gap"] = game.duality_gap(last[:, :n], last[:, n:]).item()
    metrics["lp_value_on_grid"] = ne.value
    metrics["lp_equilibrium_exploitability_on_box"] = trap.exploitability(g, ne.p, g, ne.q).item()
    metrics["mirror_prox_gap_bound"] = 2 * math.log(n) / (eta * config.mirror_steps)
    metrics["mirror_prox_step_size"] = eta
    return g, curves, finals


def _langevin_particles(
    config: Config, trap: TrapGame, dev: torch.device, metrics: dict
) -> tuple[list[tuple[int, float]], list[Tensor]]:
    """Mixed strategies as Langevin particles (no grid): exploitability of the empirical measures along the run
    (its second half as batch means); returns the curve and the final particles of both players."""
    mix = MixedExtension(trap, config.particles)
    gen = torch.Generator(device=dev).manual_seed(config.seed)
    parts = [torch.rand(1, config.particles, generator=gen, dtype=torch.float64, device=dev) * 4 - 2 for _ in range(2)]
    langevin = LangevinGDA(config.langevin_step_size, config.langevin_temperature, gen, projection=mix.project)
    uniform = torch.full((config.particles,), 1 / config.particles, dtype=torch.float64)
    lcheck = sorted(  # log-spaced for the figure, 50 evenly spaced over the second half for its mean ± SE
        {round(v) for v in torch.logspace(0, math.log10(config.langevin_steps), 30).tolist()}
        | {round(v) for v in torch.linspace(config.langevin_steps / 2, config.langevin_steps, 50).tolist()}
    )
    lcurve: list[tuple[int, float]] = []

    def record_particles(k: int, params: list[Tensor], state: Any) -> None:
        lcurve.append((k, trap.exploitability(params[0][0].cpu(), uniform, params[1][0].cpu(), uniform).item()))

    traj, _ = rollout(
        langevin,
        mix.field,
        parts,
        config.langevin_steps,
        desc="Langevin",
        checkpoints=lcheck,
        callback=record_particles,
    )
    parts = [traj[-1][:, : config.particles], traj[-1][:, config.particles :]]
    tail = [e for k, e in lcurve if k >= 0.5 * config.langevin_steps]
    metrics["langevin_exploitability_final"] = lcurve[-1][1]
    # the curve is autocorrelated: the SE comes from the means of 5 contiguous batches (batch means)
    metrics["langevin_exploitability_second_half_mean"] = batch_means(tail, 5)
    metrics["langevin_temperature"] = config.langevin_temperature
    return lcurve, [t[0].cpu() for t in parts]


def run(config: Config, out: RunOutput) -> dict:
    """Pure GDA/EG on the box vs mixed strategies (mirror descent/prox on a grid, Langevin particles)."""
    dev = torch.device(config.device)
    trap = TrapGame()
    metrics: dict = {}
    starts = grid([-1.9, -1.9], [1.9, 1.9], config.n_starts).to(dev)
    trajs, ends = _pure(config, trap, starts, metrics)
    g, curves, finals = _mixed_on_grid(config, trap, dev, metrics)
    lcurve, final_particles = _langevin_particles(config, trap, dev, metrics)
    out.log.info(
        "pure GDA traps %.2f, mirror-prox exploitability %.3g",
        metrics["GDA_fraction_in_traps"],
        metrics["mirror-prox_exploitability_on_box"],
    )
    _figure(config, out, metrics, starts, trajs, ends, g, curves, finals, lcurve, final_particles)
    return metrics


def _figure(
    config: Config,
    out: RunOutput,
    metrics: dict,
    starts: Tensor,
    trajs: dict,
    ends: dict,
    g: Tensor,
    curves: dict,
    finals: dict,
    lcurve: list[tuple[int, float]],
    final_particles: list[Tensor],
) -> None:
    import matplotlib.pyplot as plt

    n = config.strategy_grid
    fig, axes = plt.subplots(1, 4, figsize=(21, 4.9))
    xs = torch.linspace(-2, 2, 201, dtype=torch.float64)
    X, W = torch.meshgrid(xs, xs, indexing="ij")
    axes[0].contourf(X, W, -(W**2) * X**2 + W * X, levels=30, cmap="RdBu_r", alpha=0.6)
    hx = torch.linspace(0.25, 2, 100)
    for s in (1, -1):
        axes[0].plot(s * hx, s * 0.5 / hx, "k", lw=2.5, alpha=0.7, label="traps ωx = 1/2" if s == 1 else None)
    for name, color in (("GDA", "C3"), ("EG", "C2")):
        for i in range(0, len(starts), max(1, len(starts) // 12)):
            axes[0].plot(
                trajs[name][:, i, 0], trajs[name][:, i, 1], color=color, lw=0.8, label=name if i == 0 else None
            )
        axes[0].plot(ends[name][:, 0], ends[name][:, 1], ".", color=color, ms=3)
    axes[0].set(xlabel="x (min)", ylabel="ω (max)", title="pure strategies on [−2, 2]²", xlim=(-2, 2), ylim=(-2, 2))
    axes[0].legend(fontsize=8, loc="lower left")
    axes[1].bar(g - 0.02, finals["mirror-prox"][0], width=0.04, label="p over x (mirror-prox average)")
    axes[1].bar(g + 0.02, finals["mirror-prox"][1], width=0.04, label="q over ω (mirror-prox average)")
    axes[1].set(xlabel="strategy", ylabel="probability", title=f"mixed strategies on a {n}-point grid")
    axes[1].legend(fontsize=8)
    for name, color in (("mirror-prox", "C0"), ("mirror descent", "C1")):
        ks, gaps, expls = zip(*curves[name])
        axes[2].loglog(ks, expls, color=color, label=f"{name} average: exploitability on the box")
        axes[2].loglog(
            ks, [max(v, 1e-16) for v in gaps], color=color, ls=":", label=f"{name} average: grid duality gap"
        )
    for name, color in (("GDA", "C3"), ("EG", "C2")):
        axes[2].axhline(
            metrics[f"{name}_median_exploitability"],
            color=color,
            ls="--",
            label=f"pure {name}: median exploitability at the end",
        )
    k, e = zip(*lcurve)
    axes[2].loglog(
        k, e, color="C4", label=f"Langevin particles (N = {config.particles}, T = {config.langevin_temperature:g})"
    )
    axes[2].set(xlabel="iteration", ylabel="exploitability / gap", title="pure traps vs mixed equilibrium")
    axes[2].legend(fontsize=7)
    bins = torch.linspace(-2, 2, 41).tolist()
    axes[3].hist(final_particles[0].tolist(), bins=bins, alpha=0.6, label="x particles (min player)")
    axes[3].hist(final_particles[1].tolist(), bins=bins, alpha=0.6, label="ω particles (max player)")
    axes[3].set(xlabel="strategy", ylabel="particles", title="mixed strategies by Langevin dynamics")
    axes[3].legend(fontsize=8)
    out.savefig(
        fig,
        "trap_game",
        "Trap game −ω²x² + ωx on [−2, 2]². Left: projected GDA (red) and EG (green) trajectories over the "
        "payoff; they stop on the hyperbola ωx = 1/2 (black), critical points that are not Nash equilibria. "
        "Middle: mixed strategies found by entropic mirror-prox on the discretised game. Right: exploitability "
        "over the whole box of the averaged mixed strategies (solid; the dotted grid duality gap coincides "
        "with it here) falls towards 0, while pure methods stay stuck at large values (dashed); Langevin particles (purple) reach a "
        "small exploitability within a few hundred steps. Far right: histograms of the final particles.",
    )


_TRAP = "seed 000, 'Escaping traps with the mixed-NE concept' (Kamalaruban et al. 2020)"
CLAIMS = (
    Claim(
        "gda_trapped_outside_disc",
        "pure GDA from every start outside the unit disc ends in a trap (a non-Nash critical point)",
        _TRAP,
        "GDA_fraction_in_traps_from_outside_unit_disc",
        ">=",
        1.0,
    ),
    Claim("eg_mostly_trapped", "most pure EG starts end in traps", _TRAP, "EG_fraction_in_traps", ">", 0.5),
    Claim(
        "traps_exploitable",
        "every trap has exploitability ≥ 1 (to round-off)",
        _TRAP,
        "GDA_min_exploitability_in_traps",
        ">=",
        1 - 1e-9,
    ),
    Claim(
        "mirror_prox_escapes",
        "the mirror-prox average's exploitability over the box falls below 0.05",
        _TRAP,
        "mirror-prox_exploitability_on_box",
        "<",
        0.05,
        at_quick=False,
    ),
    Claim(
        "langevin_mixed",
        "Langevin particles' exploitability settles at a few hundredths (< 0.1)",
        _TRAP,
        "langevin_exploitability_second_half_mean",
        "<",
        0.1,
        sigmas=2.0,
        min_n=5,
    ),
)


EXPERIMENT = Experiment(
    claims=CLAIMS,
    name="trap_game",
    summary="Trap game: pure GDA/EG stuck at non-Nash points; mirror-prox mixed equilibrium escapes",
    config=Config,
    run=run,
    quick={"pure_steps": 1500, "n_starts": 13, "mirror_steps": 1000, "particles": 60, "langevin_steps": 400},
    reproduces="seed 000, 'Escaping traps with the mixed-NE concept' (Kamalaruban et al. 2020)",
)
