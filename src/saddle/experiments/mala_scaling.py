"""MALA's acceptance rate against step size and dimension: the step of acceptance 0.574 shrinks like d^{−1/3}.

Companion of seed 000's "Langevin Monte Carlo" slides (LMC and its Metropolis-adjusted version): MALA's proposal
is the one Langevin step, its Metropolis test (`saddle.sampling.metropolis`) keeps π invariant; the price is an
acceptance rate that falls with h, and faster in higher dimension. Roberts & Rosenthal (1998) show the optimal
acceptance is 0.574 with a step ∝ d^{−1/3}. Chains on N(0, I_d) are started in stationarity; the step giving
acceptance 0.574 is found by log-linear interpolation and its log-log slope against d is fitted.
Expected: acceptance decreases in h at every d, the 0.574 step decreases with d, the fitted exponent is negative
(−1/3 asymptotically; fewer and smaller dimensions give a rougher estimate).

Measured at full size (defaults: d = 2, 10, 50; 1000 chains × 50 steps; seed 0, 10 s): acceptance decreases in h
at every d (d = 50: 0.998 at h = 0.01, 0.529 at h = 0.4, 0.015 at h = 1.0); the 0.574 step is 1.19 (d = 2), 0.63
(d = 10), 0.36 (d = 50), a fitted exponent of −0.37 against the asymptotic −1/3: both claims hold.
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import pairwise

import numpy as np
import torch

from saddle.experiments.base import Claim, Experiment, ExperimentConfig, RunOutput, check_positive
from saddle.sampling import MALA, Gaussian, acceptance_rate, sample

DT = torch.float64
OPTIMAL = 0.574


@dataclass
class Config(ExperimentConfig):
    dims: tuple[int, ...] = (2, 10, 50)
    step_sizes: tuple[float, ...] = (0.01, 0.02, 0.05, 0.1, 0.2, 0.4, 0.7, 1.0, 1.5, 2.0)
    n_chains: int = 1000
    steps: int = 50

    def validate(self) -> None:
        check_positive(self, "dims", "step_sizes", "n_chains", "steps")
        for name in ("n_chains", "steps"):
            if not isinstance(getattr(self, name), int):
                raise ValueError(f"{name} must be an integer, got {getattr(self, name)!r}")
        if list(self.step_sizes) != sorted(self.step_sizes):
            raise ValueError(f"step_sizes must be increasing, got {self.step_sizes}")


def run(config: Config, out: RunOutput) -> dict:
    """Acceptance of MALA on N(0, I_d) for each (d, h); the 0.574 step per d and its scaling exponent."""
    import matplotlib.pyplot as plt

    device = torch.device(config.device)
    fig, ax = plt.subplots(figsize=(5.5, 4))
    best, table = {}, {}
    for j, d in enumerate(config.dims):
        target = Gaussian(torch.zeros(d, dtype=DT, device=device), 1.0)
        rates = []
        for i, h in enumerate(config.step_sizes):
            gen = torch.Generator(device=device)
            x0 = target.sample(config.n_chains, gen.manual_seed(1000 * config.seed + 300 + 50 * j + i))
            trace = sample(
                MALA(h, potential=target), x0, config.steps, gen.manual_seed(1000 * config.seed + 400 + 50 * j + i)
            )
            rates.append(acceptance_rate(trace.info))
        table[str(d)] = rates
        ax.semilogx(config.step_sizes, rates, "o-", label=f"d = {d}")
        lh, r = np.log(config.step_sizes), np.array(rates)
        cross = np.where((r[:-1] >= OPTIMAL) & (r[1:] < OPTIMAL))[0]
        if len(cross):
            k = cross[0]
            best[d] = float(np.exp(lh[k] + (r[k] - OPTIMAL) / (r[k] - r[k + 1]) * (lh[k + 1] - lh[k])))
        out.log.info("MALA d=%d acceptance %s", d, np.round(rates, 3).tolist())
    ax.axhline(OPTIMAL, color="gray", ls=":", label="0.574 (optimal scaling)")
    ax.set_xlabel("step size h")
    ax.set_ylabel("mean acceptance probability")
    ax.legend()
    out.savefig(
        fig,
        "mala_acceptance",
        "MALA acceptance rate on N(0, I_d) vs step size, chains started in "
        "stationarity: it decreases with h and, at fixed h, with the dimension d.",
    )
    decreasing = all(all(a >= b for a, b in pairwise(r)) for r in table.values())
    metrics: dict = {
        "acceptance": table,
        "acceptance_decreases_in_h": decreasing,
        "step_at_0574": {str(d): v for d, v in best.items()},
    }
    if len(best) >= 2:
        ds = np.array(list(best))
        metrics["step_scaling_exponent"] = float(np.polyfit(np.log(ds), np.log(list(best.values())), 1)[0])
    return metrics


CLAIMS = (
    Claim(
        "acceptance_falls_with_step",
        "MALA's acceptance decreases with the step size at every dimension",
        "Roberts & Rosenthal 1998; seed 000 'Langevin Monte Carlo'",
        "acceptance_decreases_in_h",
        "is_true",
    ),
    Claim(
        "optimal_step_shrinks_with_dimension",
        "the step of acceptance 0.574 shrinks with d (fitted log-log exponent < 0; −1/3 asymptotically)",
        "Roberts & Rosenthal 1998",
        "step_scaling_exponent",
        "<",
        0.0,
    ),
)

EXPERIMENT = Experiment(
    name="mala_scaling",
    summary="MALA acceptance vs step size and dimension; the 0.574-acceptance step shrinks with d",
    config=Config,
    run=run,
    quick={"n_chains": 300, "steps": 30},
    reproduces="seed 000 'Langevin Monte Carlo' (Metropolis-adjusted LMC); Roberts & Rosenthal 1998 optimal scaling",
    claims=CLAIMS,
)
