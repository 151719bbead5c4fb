"""Score-based diffusion on 2-D toys: VE / VP / sub-VP SDEs and DDPM, every registered sampler against NFE.

Reproduces seed 002 (and 000), slides "Score-based generative models with SDEs" (forward SDE, reverse SDE,
joint training of the score network) and seed 004's DDPM (ε-prediction). One ε-network (`ScoreMLP`) is
trained per (toy, process) with the ε-loss; then every sampler of `saddle.diffusion.SAMPLERS` that supports the
process runs through `saddle.diffusion.sample` at each network-evaluation budget in `nfe` (a 2-evaluation
sampler gets ⌊nfe/2⌋ steps) on the `grid` ("uniform" or the Karras ρ = 7 grid), plus adaptive RK45 on the
probability-flow ODE of the SDEs (its own count is reported). Quality: exact W2 (POT) between `n_samples`
generated and `n_samples` true points, divided by the W2 between two independent i.i.d. true draws of the
same size (the baseline must be i.i.d. like the sampler's output: stratified draws, exactly half the points per
moon, are closer to each other than any i.i.d. sample, which once made an exact sampler score 1.7 on moons).
Claim: the best sampler of a sweep is a best-of-N statistic (ratios below 1 appear by noise: 0.56 on 8gaussians
at full size), so the claim is on one pre-declared sampler — DDIM with 50 network evaluations on the first process
(VP) — and on `claim_batches` independent batches of `n_samples` points, each against its own fresh true batch
and divided by the mean W2 of pairs of fresh true batches of that size: the worst toy's mean ratio is ≤ 1.5 by
2 SE. (Smaller batches would hide the error: at 200 points the ratio of an under-trained network is ≈ 1 where at
1,000 points it is ≈ 2.) The full sweep (every process and sampler) and its best ratio are reported, not claimed; issue
12's target of ≤ 1.15 with at most 25 evaluations is measured by `benchmarks/diffusion.py`.
Sizes: the default trains one VP network per toy for 8,000 steps (at 4,000 the ratios at 1,000 points were still
1.9-2.1 on swissroll and moons) and runs DDIM and DPM-Solver++(2M) at 20 and 50 evaluations on 1,000 points; full is the earlier default (VE, VP, sub-VP and DDPM networks of 10,000 steps, every sampler at
10-100 evaluations, 2,000 points: 708 CPU-s at a load of 19); quick one toy, VP and DDPM, 1,500 steps.
Measured at full size: see the closing note of issue 12 (the numbers of this registry-driven version were not
re-measured at full size before the merge; the earlier 5-sampler version measured best ratios swissroll 0.66,
8gaussians 0.67, moons 1.20 at 100 evaluations, each with a single-seed noise of roughly ±0.3).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

import matplotlib.pyplot as plt
import torch
from matplotlib.ticker import LogLocator
from torch import Tensor

from saddle.data import sample_toy
from saddle.diffusion import (
    PROCESSES,
    SAMPLERS,
    SDE,
    EvaluationCounter,
    NoiseProcess,
    ScoreMLP,
    karras_timesteps,
    model_eps_fn,
    probability_flow_rk45,
    sample,
    train_epsilon_model,
    uniform_timesteps,
)
from saddle.experiments.base import Claim, Experiment, ExperimentConfig, RunOutput, check_positive
from saddle.metrics.stats import MeanSE, mean_se
from saddle.metrics.transport import wasserstein
from saddle.models import reinitialize_
from saddle.validation import check_choice

TOYS = ("swissroll", "8gaussians", "moons", "25gaussians")
GRIDS: dict[str, Callable[[NoiseProcess, int], Tensor]] = {"uniform": uniform_timesteps, "karras": karras_timesteps}


@dataclass
class Config(ExperimentConfig):
    toys: tuple[str, ...] = ("swissroll", "8gaussians", "moons")
    processes: tuple[str, ...] = ("vp",)
    samplers: tuple[str, ...] = ("ddim", "dpm_solver_pp_2m")
    grid: str = "uniform"
    train_steps: int = 8000
    batch_size: int = 256
    hidden: int = 128
    lr: float = 2e-3
    n_train: int = 20000
    n_samples: int = 1000
    nfe: tuple[int, ...] = (20, 50)
    rk45_tol: float = 1e-3
    claim_sampler: str = "ddim"
    claim_nfe: int = 50
    claim_batches: int = 5

    def validate(self) -> None:
        check_positive(self, "train_steps", "batch_size", "hidden", "lr", "n_train", "n_samples", "nfe", "rk45_tol")
        for value in self.toys:
            check_choice("toys", value, TOYS)
        for value in self.processes:
            check_choice("processes", value, PROCESSES)
        for value in self.samplers:
            check_choice("samplers", value, SAMPLERS)
        check_choice("grid", self.grid, GRIDS)
        check_choice("claim_sampler", self.claim_sampler, self.samplers)
        check_positive(self, "claim_nfe", "claim_batches")
        if self.processes[0] not in SAMPLERS[self.claim_sampler].processes:
            raise ValueError(f"claim_sampler {self.claim_sampler!r} does not run on process {self.processes[0]!r}")
        if any(n < 2 for n in self.nfe):
            raise ValueError(f"nfe budgets must be >= 2 (Heun samplers use 2 evaluations per step), got {self.nfe}")


def run(config: Config, out: RunOutput) -> dict:
    device = torch.device(config.device)
    metrics: dict = {
        "baseline_w2": {},
        "ratio": {},
        "nfe": {},
        "seconds": {},
        "best_ratio": {},
        "best_sampler": {},
        "best_ratio_at_most_25_nfe": {},
        "prior_w2_ratio": {},
        "declared_ratio": {},
    }
    samples: dict = {}
    for ti, toy in enumerate(config.toys):
        g = torch.Generator().manual_seed(config.seed * 1000 + ti)
        data = sample_toy(toy, config.n_train, g).to(device)
        ref, ref2 = sample_toy(toy, config.n_samples, g), sample_toy(toy, config.n_samples, g)
        base = wasserstein(ref, ref2)
        metrics["baseline_w2"][toy] = base
        for pi, pname in enumerate(config.processes):
            process = PROCESSES[pname]()
            net = _train(config, out, data, process, toy, pname, ti, pi, device)
            x_T = process.prior_sample(
                (config.n_samples, 2), torch.Generator().manual_seed(config.seed + 7), device=device
            )
            if pname == config.processes[0]:
                metrics["prior_w2_ratio"][toy] = wasserstein(x_T.cpu() / process.prior_std(), ref) / base
            runs: dict[str, tuple[str, int | None]] = {
                f"{name}@{nfe}": (name, nfe)
                for name in config.samplers
                if pname in SAMPLERS[name].processes
                for nfe in config.nfe
            }
            if isinstance(process, SDE):
                runs["rk45"] = ("rk45", None)
            if pi == 0:  # the pre-declared (process, sampler, NFE) of the claim, on independent sample batches
                metrics["declared_ratio"][toy] = _declared_ratio(config, net, process, toy, g, device)
            for label, (name, nfe) in runs.items():
                x0, calls, seconds = _sample_once(config, net, process, x_T, name, nfe)
                key = f"{toy}/{pname}/{label}"
                metrics["seconds"][key] = seconds
                metrics["nfe"][key] = calls
                w2 = wasserstein(x0, ref) if torch.isfinite(x0).all() else float("inf")
                metrics["ratio"][key] = w2 / base
                samples[key] = x0
                out.log.info("%s: W2 %.4f (ratio %.2f), %d evaluations", key, w2, w2 / base, calls)
        keys = [k for k in metrics["ratio"] if k.startswith(toy + "/")]
        best = min(keys, key=lambda k: metrics["ratio"][k])
        metrics["best_ratio"][toy], metrics["best_sampler"][toy] = metrics["ratio"][best], best
        cheap = [metrics["ratio"][k] for k in keys if metrics["nfe"][k] <= 25]
        metrics["best_ratio_at_most_25_nfe"][toy] = min(cheap) if cheap else None
        samples[f"{toy}/data"] = ref
    _figures(config, out, metrics, samples)
    metrics["max_best_ratio"] = max(metrics["best_ratio"].values())
    # the claim is about every toy: the toy whose ratio has the largest upper bound mean + 2 SE decides it
    metrics["declared_ratio_worst_toy"] = max(metrics["declared_ratio"].values(), key=lambda r: r.mean + 2 * r.se)
    return metrics


def _train(
    config: Config,
    out: RunOutput,
    data: torch.Tensor,
    process: NoiseProcess,
    toy: str,
    pname: str,
    ti: int,
    pi: int,
    device: torch.device,
) -> torch.nn.Module:
    """The ε-network of toy `ti` and process `pi`, trained on `data` (initialisation and batches seeded per pair)."""
    net = reinitialize_(
        ScoreMLP(2, config.hidden, 4), torch.Generator().manual_seed(config.seed * 1000 + 10 * ti + pi)
    ).to(device)
    t0 = time.perf_counter()
    losses = train_epsilon_model(
        net,
        process,
        data,
        steps=config.train_steps,
        batch_size=config.batch_size,
        lr=config.lr,
        seed=config.seed + pi,
        desc=f"train {toy}/{pname}",
    )
    out.log.info(
        "%s/%s: trained %d steps in %.1fs, final loss %.4f",
        toy,
        pname,
        config.train_steps,
        time.perf_counter() - t0,
        sum(losses[-100:]) / min(100, len(losses)),
    )
    return net


def _sample_once(
    config: Config, net: torch.nn.Module, process: NoiseProcess, x_T: torch.Tensor, name: str, nfe: int | None
) -> tuple[torch.Tensor, int, float]:
    """Samples of sampler `name` at `nfe` evaluations on the configured grid (rk45 when nfe is None), on the CPU;
    with the evaluations spent and the wall seconds."""
    model = EvaluationCounter(model_eps_fn(net, process))
    t0 = time.perf_counter()
    if nfe is None:  # "rk45", the adaptive probability-flow solve, is added for SDE processes only
        assert isinstance(process, SDE)
        x0 = probability_flow_rk45(model, process, x_T, process.T, process.t_min, config.rk45_tol, config.rk45_tol)[0]
    else:
        info = SAMPLERS[name]
        ts = GRIDS[config.grid](process, info.steps_for_nfe(nfe))
        x0 = sample(
            model,
            process,
            info.factory(),
            ts,
            x_T,
            torch.Generator().manual_seed(config.seed + 11),
            progress=False,
        )
    return x0.cpu(), model.calls, time.perf_counter() - t0


def _declared_ratio(
    config: Config, net: torch.nn.Module, process: NoiseProcess, toy: str, g: torch.Generator, device: torch.device
) -> MeanSE:
    """W2 ratio of the declared sampler (`claim_sampler` at `claim_nfe` on the first process) on `claim_batches`
    independent batches of n_samples points: each batch's W2 to its own fresh true batch, divided by the mean W2
    between pairs of fresh true batches of the same size (the i.i.d. baseline); mean ± SE over batches."""
    n = config.n_samples
    info = SAMPLERS[config.claim_sampler]
    ts = GRIDS[config.grid](process, info.steps_for_nfe(config.claim_nfe))
    base = sum(wasserstein(sample_toy(toy, n, g), sample_toy(toy, n, g)) for _ in range(config.claim_batches))
    base /= config.claim_batches
    ratios = []
    for b in range(config.claim_batches):
        gb = torch.Generator().manual_seed(config.seed * 7919 + 31 * b + 1)
        x_T = process.prior_sample((n, 2), gb, device=device)
        x0 = sample(model_eps_fn(net, process), process, info.factory(), ts, x_T, gb, progress=False).cpu()
        w2 = wasserstein(x0, sample_toy(toy, n, g)) if torch.isfinite(x0).all() else float("inf")
        ratios.append(w2 / base)
    return mean_se(ratios)


def _figures(config: Config, out: RunOutput, metrics: dict, samples: dict) -> None:
    show = min(config.nfe, key=lambda n: abs(n - 20))
    for toy in config.toys:
        lim = 5 if toy == "25gaussians" else 3
        rows = len(config.processes)
        fig, axes = plt.subplots(
            rows, len(config.samplers) + 1, figsize=(1.9 * (len(config.samplers) + 1), 2.0 * rows + 0.4), squeeze=False
        )
        for r, pname in enumerate(config.processes):
            d = samples[f"{toy}/data"]
            axes[r, 0].scatter(d[:, 0], d[:, 1], s=1, c="k")
            axes[r, 0].set_ylabel(pname)
            axes[r, 0].set_title("data" if r == 0 else "", fontsize=8)
            for c, name in enumerate(config.samplers, start=1):
                key = f"{toy}/{pname}/{name}@{show}"
                if key in samples:
                    x = samples[key]
                    axes[r, c].scatter(x[:, 0], x[:, 1], s=1, c="C0")
                    axes[r, c].set_title(f"{name}\nW2 ratio {metrics['ratio'][key]:.2f}", fontsize=6)
                else:
                    axes[r, c].set_title(f"{name}\n(not for {pname})", fontsize=6)
            for ax in axes[r]:
                ax.set_xlim(-lim, lim), ax.set_ylim(-lim, lim)
                ax.set_xticks([]), ax.set_yticks([])
        out.savefig(
            fig,
            f"samples_{toy}",
            f"{toy}: {config.n_samples} samples per process (rows) and sampler (columns) at {show} network "
            f"evaluations ({config.grid} grid). Titles: W2 to data divided by the W2 between two independent "
            f"true draws (1 = as good as a fresh data sample).",
        )
        fig, axes = plt.subplots(1, rows, figsize=(4.2 * rows, 4.4), squeeze=False, layout="constrained")
        ticks = sorted(set(config.nfe))
        for ax, pname in zip(axes[0], config.processes):
            for k, name in enumerate(config.samplers):
                pts = sorted(
                    (metrics["nfe"][key], metrics["ratio"][key])
                    for key in metrics["ratio"]
                    if key.startswith(f"{toy}/{pname}/{name}@")
                )
                if pts:
                    ax.plot(*zip(*pts), "o-", ms=3, label=name, color=f"C{k % 10}")
            rk = f"{toy}/{pname}/rk45"
            if rk in metrics["ratio"]:
                ax.plot(metrics["nfe"][rk], metrics["ratio"][rk], "k*", ms=9, label="RK45 (adaptive)")
            ax.axhline(1.0, color="gray", ls=":", label="fresh data draw")
            ax.axhline(1.15, color="r", ls="--", lw=0.8, label="1.15 × (issue 12 target)")
            ax.set(xscale="log", yscale="log", xlabel="network evaluations (NFE)", title=pname)
            ax.set_xticks(ticks, [str(n) for n in ticks], minor=False)
            ax.xaxis.set_minor_locator(plt.NullLocator())
            ax.yaxis.set_major_locator(LogLocator(subs=(1.0, 1.5, 2.0, 3.0, 5.0)))
            ax.yaxis.set_major_formatter(plt.ScalarFormatter())
            ax.yaxis.set_minor_formatter(plt.NullFormatter())
        axes[0, 0].set_ylabel("W2 / W2(data, data)")
        handles, labels = axes[0, 0].get_legend_handles_labels()
        for ax in axes[0, 1:]:
            for h, lab in zip(*ax.get_legend_handles_labels()):
                if lab not in labels:
                    handles.append(h), labels.append(lab)
        fig.legend(handles, labels, loc="outside lower center", ncol=4, fontsize=7)
        out.savefig(
            fig,
            f"w2_vs_nfe_{toy}",
            f"{toy}: W2 to the data relative to the W2 between two independent "
            f"data draws, against network evaluations, for every sampler ({config.grid} grid) and process.",
        )


_SDE = "seed 002, 'Score-based generative models with SDEs'; seed 004, DDPM"
CLAIMS = (
    Claim(
        "declared_sampler_close",
        "the reverse process turns noise into the data distribution: with the pre-declared sampler (DDIM, 50 network "
        "evaluations, VP SDE) the W2 to the data is within 1.5× of two i.i.d. true draws' W2 on every toy (mean ± SE "
        "over independent sample batches)",
        _SDE,
        "declared_ratio_worst_toy",
        "<=",
        1.5,
        sigmas=2.0,
        min_n=5,
    ),
)


EXPERIMENT = Experiment(
    claims=CLAIMS,
    name="diffusion_2d",
    summary="VE/VP/sub-VP SDEs and DDPM on 2-D toys; every registered sampler, W2 against network evaluations",
    config=Config,
    run=run,
    quick={
        "toys": ("8gaussians",),
        "processes": ("vp", "ddpm"),
        "train_steps": 1500,
        "n_samples": 500,
        "nfe": (10, 20),
        "claim_nfe": 20,
        "samplers": ("euler_maruyama", "ddim", "ancestral", "dpm_solver_pp_2m"),
    },
    full={
        "processes": ("vp", "ve", "subvp", "ddpm"),
        "samplers": tuple(SAMPLERS),
        "train_steps": 10000,
        "n_samples": 2000,
        "nfe": (10, 20, 50, 100),
    },
    reproduces="seed 002 (and 000): score-based generative modelling with SDEs (forward/reverse SDE, joint "
    "score training); seed 004: DDPM with ε-prediction",
)
