"""Langevin Monte Carlo: discretisation bias, Metropolis correction, underdamped acceleration, constrained targets.

Reproduces the "Langevin Monte Carlo" slides of seed 000 (and their copy in seed 002): the LMC/ULA recursion
a_{k+1} = a_k − η ∇f(a_k) + √(2η) z_{k+1} is a *biased* discretisation of the overdamped Langevin diffusion;
the underdamped diffusion gives an acceleration analogous to Nesterov's; projected and mirrored versions handle
constrained targets (Hsieh, Kavis, Rolland, Cevher 2018 for the Dirichlet). Four panels, expected outcomes:

1. ULA on N(0, s²): the stationary variance equals s²/(1 − h/(2s²)) at every step size h (|z| < 5 standard
   errors), so the bias grows with h; MALA at the same h has variance s² (unbiased).
2. MALA acceptance rate falls with h, faster in higher dimension: the step giving the optimal 0.574
   acceptance shrinks roughly like d^{−1/3} (Roberts & Rosenthal 1998).
3. On an ill-conditioned Gaussian (condition number κ) with the same step and one gradient per step,
   underdamped Langevin (BAOAB, friction γ = 2√m, critical damping of the slowest mode) reaches a W2 tolerance
   several times sooner than ULA (the slow-mode rates are ≈ γh/2 = h√m vs hm, a factor of order √κ; the measured
   ratio of steps, `conv_speedup`, is > 1 but below √κ since fast modes and the tolerance also matter), and ends
   lower because BAOAB has no position bias on Gaussians.
   W2 is the closed-form distance between Gaussians, using the chains' empirical mean and covariance (the law
   of every chain stays Gaussian under these linear dynamics); the "floor" is that estimator on exact samples.
4. Dirichlet target with some α_i < 1 (density unbounded at a face, as in sparse LDA posteriors): mirrored
   Langevin's samples stay in the simplex and reach the W2 noise floor (W2 between two exact sample sets) at
   every step size tried, while projected Langevin (in the first K−1 coordinates, projected onto the simplex
   shrunk by a margin δ, since f = ∞ on the faces) sees a gradient that is unbounded near the faces and
   collapses onto them: its W2 stays far above the floor.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import torch

from saddle.experiments.base import Experiment, ExperimentConfig, RunOutput, check_positive
from saddle.sampling import (BAOAB, MALA, ULA, Dirichlet, Gaussian, MirroredLangevin, ProjectedLangevin,
                             acceptance_rate, gaussian_w2, project_simplex_corner, sample, w2_to_reference)

DT = torch.float64


@dataclass
class Config(ExperimentConfig):
    target_var: float = 1.0
    ula_step_sizes: tuple[float, ...] = (0.05, 0.1, 0.2, 0.4, 0.8, 1.2, 1.6)
    n_chains: int = 20_000
    mala_dims: tuple[int, ...] = (2, 10, 50)
    mala_step_sizes: tuple[float, ...] = (0.01, 0.02, 0.05, 0.1, 0.2, 0.4, 0.7, 1.0, 1.5, 2.0)
    mala_chains: int = 1000
    mala_steps: int = 50
    conv_dim: int = 10
    conv_condition: float = 100.0
    conv_step_size: float = 0.5
    conv_steps: int = 1000
    conv_chains: int = 2000
    conv_tolerance: float = 0.5
    conv_eval_every: int = 5
    dirichlet_alpha: tuple[float, ...] = (0.7, 2.0, 4.0)
    dirichlet_step_sizes: tuple[float, ...] = (0.03, 0.01, 0.003, 0.001)
    dirichlet_time: float = 20.0
    dirichlet_chains: int = 1000
    projection_margin: float = 1e-4

    def validate(self) -> None:
        check_positive(self, "target_var", "ula_step_sizes", "n_chains", "mala_dims", "mala_step_sizes", "mala_chains",
                       "mala_steps", "conv_dim", "conv_step_size", "conv_steps", "conv_chains", "conv_tolerance", "conv_eval_every",
                       "dirichlet_alpha", "dirichlet_step_sizes", "dirichlet_time", "dirichlet_chains")
        if max(self.ula_step_sizes) >= 2 * self.target_var:
            raise ValueError(f"ula_step_sizes must be < 2·target_var = {2 * self.target_var} (ULA diverges beyond), "
                             f"got {self.ula_step_sizes}")
        if self.conv_condition < 1:
            raise ValueError(f"conv_condition must be >= 1, got {self.conv_condition}")
        if self.conv_step_size >= 2.0:
            raise ValueError(f"conv_step_size must be < 2 (the largest precision is 1), got {self.conv_step_size}")
        if len(self.dirichlet_alpha) < 2:
            raise ValueError(f"dirichlet_alpha needs >= 2 entries, got {self.dirichlet_alpha}")
        if not 0 <= self.projection_margin < 1 / (len(self.dirichlet_alpha)):
            raise ValueError(f"projection_margin must be in [0, 1/K), got {self.projection_margin}")
        for name in ("n_chains", "mala_chains", "mala_steps", "conv_dim", "conv_steps", "conv_chains", "conv_eval_every",
                     "dirichlet_chains"):
            if not isinstance(getattr(self, name), int):
                raise ValueError(f"{name} must be an integer, got {getattr(self, name)!r}")


def _gen(config: Config, offset: int) -> torch.Generator:
    return torch.Generator().manual_seed(1000 * config.seed + offset)


def _ula_bias(config: Config, out: RunOutput, device: torch.device) -> dict:
    import matplotlib.pyplot as plt

    s2, n = config.target_var, config.n_chains
    target = Gaussian(torch.zeros(1, dtype=DT, device=device), s2)
    rows = []
    for i, h in enumerate(config.ula_step_sizes):
        # ULA contracts the variance gap by (1 − h/s²)² per step: run until that factor is < e^{−25}
        contraction = (1 - h / s2) ** 2
        steps = max(1, math.ceil(25 / -math.log(contraction))) if contraction > 0 else 1
        x0 = torch.zeros(n, 1, dtype=DT, device=device)
        ula = sample(ULA(h, potential=target), x0, steps, _gen(config, i), thin=steps).positions[-1, :, 0]
        mala_steps = max(steps, 200)
        x0m = math.sqrt(s2) * torch.randn(n, 1, generator=_gen(config, 100 + i), dtype=DT).to(device) * 3
        mala_trace = sample(MALA(h, potential=target), x0m, mala_steps, _gen(config, 200 + i), thin=mala_steps)
        mala = mala_trace.positions[-1, :, 0]
        exact = s2 / (1 - h / (2 * s2))
        se = exact * math.sqrt(2 / (n - 1))
        rows.append(dict(h=h, ula_var=ula.var().item(), closed_form=exact, ula_se=se, ula_z=(ula.var().item() - exact) / se,
                         mala_var=mala.var().item(), mala_se=s2 * math.sqrt(2 / (n - 1)),
                         mala_z=(mala.var().item() - s2) / (s2 * math.sqrt(2 / (n - 1))),
                         mala_acceptance=acceptance_rate(mala_trace.info)))
        out.log.info("ULA h=%.3g: var %.4f (closed form %.4f, z=%.2f); MALA var %.4f (z=%.2f)", h, rows[-1]["ula_var"],
                     exact, rows[-1]["ula_z"], rows[-1]["mala_var"], rows[-1]["mala_z"])
    hs = np.array([r["h"] for r in rows])
    fig, ax = plt.subplots(figsize=(5.5, 4))
    grid = np.linspace(0, hs.max() * 1.05, 200)
    ax.plot(grid, s2 / (1 - grid / (2 * s2)), "k-", label=r"closed form $s^2/(1-h/(2s^2))$")
    ax.axhline(s2, color="gray", ls=":", label=r"target $s^2$")
    ax.errorbar(hs, [r["ula_var"] for r in rows], yerr=[2 * r["ula_se"] for r in rows], fmt="o", label="ULA (±2 SE)")
    ax.errorbar(hs, [r["mala_var"] for r in rows], yerr=[2 * r["mala_se"] for r in rows], fmt="s", label="MALA (±2 SE)")
    ax.set_xlabel("step size h")
    ax.set_ylabel("stationary variance")
    ax.legend()
    out.savefig(fig, "ula_bias", f"Stationary variance on N(0, {s2:g}) from {n} independent chains. ULA follows the "
                "closed form s²/(1 − h/(2s²)) (biased, growing with h); MALA's Metropolis test removes the bias.")
    return {"ula_max_abs_z": max(abs(r["ula_z"]) for r in rows), "mala_max_abs_z": max(abs(r["mala_z"]) for r in rows),
            "ula_relative_bias_at_largest_h": rows[-1]["ula_var"] / s2 - 1, "ula_rows": rows}


def _mala_acceptance(config: Config, out: RunOutput, device: torch.device) -> dict:
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(5.5, 4))
    best = {}
    for j, d in enumerate(config.mala_dims):
        target = Gaussian(torch.zeros(d, dtype=DT, device=device), 1.0)
        rates = []
        for i, h in enumerate(config.mala_step_sizes):
            x0 = target.sample(config.mala_chains, _gen(config, 300 + 50 * j + i))  # start in stationarity
            trace = sample(MALA(h, potential=target), x0, config.mala_steps, _gen(config, 400 + 50 * j + i))
            rates.append(acceptance_rate(trace.info))
        ax.semilogx(config.mala_step_sizes, rates, "o-", label=f"d = {d}")
        # step with acceptance 0.574 by log-linear interpolation (acceptance decreases in h)
        lh, r = np.log(config.mala_step_sizes), np.array(rates)
        cross = np.where((r[:-1] >= 0.574) & (r[1:] < 0.574))[0]
        if len(cross):
            k = cross[0]
            best[d] = float(np.exp(lh[k] + (r[k] - 0.574) / (r[k] - r[k + 1]) * (lh[k + 1] - lh[k])))
        out.log.info("MALA d=%d acceptance %s", d, np.round(rates, 3).tolist())
    ax.axhline(0.574, color="gray", ls=":", label="0.574 (optimal scaling)")
    ax.set_xlabel("step size h")
    ax.set_ylabel("mean acceptance probability")
    ax.legend()
    out.savefig(fig, "mala_acceptance", "MALA acceptance rate on N(0, I_d) vs step size, chains started in "
                "stationarity: it decreases with h and, at fixed h, with the dimension d.")
    metrics: dict = {"mala_step_at_0574": {str(d): v for d, v in best.items()}}
    if len(best) >= 2:
        ds = np.array(list(best))
        metrics["mala_step_scaling_exponent"] = float(np.polyfit(np.log(ds), np.log(list(best.values())), 1)[0])
    return metrics


def _convergence(config: Config, out: RunOutput, device: torch.device) -> dict:
    import matplotlib.pyplot as plt

    d, kappa, h = config.conv_dim, config.conv_condition, config.conv_step_size
    variances = torch.logspace(0, math.log10(kappa), d, dtype=DT)  # precisions from 1 down to m = 1/κ
    mean = torch.full((d,), 3.0, dtype=DT)
    target = Gaussian(mean.to(device), torch.diag(variances).to(device))
    friction = 2 * math.sqrt(1 / kappa)  # critical damping of the slowest mode
    # start every chain 3 standard deviations away in every direction, so the slow directions matter
    x0 = (mean - 3 * variances.sqrt()).to(device).expand(config.conv_chains, d).clone()

    eye = torch.eye(d, dtype=DT, device=device)

    def w2(x: torch.Tensor) -> float:
        # whitened coordinates z = L⁻¹(x − μ) (Σ = L Lᵀ) make every direction count equally; target N(0, I)
        z = torch.linalg.solve_triangular(target.scale_tril, (x - target.mean).T, upper=False).T
        return gaussian_w2(z.mean(0), torch.cov(z.T), torch.zeros_like(z[0]), eye)

    curves = {}
    every = config.conv_eval_every
    for name, kernel in [("ULA", ULA(h, potential=target)), ("BAOAB", BAOAB(h, friction, potential=target))]:
        curve: list[float] = []
        sample(kernel, x0, config.conv_steps, _gen(config, 500 + len(curves)),
               callback=lambda i, s, info: curve.append(w2(s.position)) if (i + 1) % every == 0 else None)
        curves[name] = curve
    floor = w2(target.sample(config.conv_chains, _gen(config, 600)))
    reach = {k: next(((i + 1) * every for i, v in enumerate(c) if v < config.conv_tolerance), None)
             for k, c in curves.items()}
    fig, ax = plt.subplots(figsize=(5.5, 4))
    for k, c in curves.items():
        ax.semilogy(every * np.arange(1, len(c) + 1), c, label=k)
    ax.axhline(floor, color="gray", ls=":", label="estimator floor (exact samples)")
    ax.axhline(config.conv_tolerance, color="k", ls="--", lw=0.8, label=f"tolerance {config.conv_tolerance:g}")
    ax.set_xlabel("iteration (one gradient each)")
    ax.set_ylabel("W2 to target (whitened coordinates)")
    ax.legend()
    out.savefig(fig, "underdamped_vs_overdamped", f"Gaussian in d={d} with condition number {kappa:g}, step {h:g}, "
                f"{config.conv_chains} chains started 3 standard deviations off in every direction: W2 between the chains' Gaussian fit and the target, in "
                "the target's whitened coordinates (so every direction counts equally). "
                f"Underdamped Langevin (BAOAB, friction {friction:.2g}) converges much faster than ULA and without "
                "ULA's position bias.")
    metrics = {"conv_steps_to_tolerance": reach, "conv_final_w2": {k: c[-1] for k, c in curves.items()},
               "conv_w2_floor": floor}
    if reach["ULA"] and reach["BAOAB"]:
        metrics["conv_speedup"] = reach["ULA"] / reach["BAOAB"]
    out.log.info("steps to W2 < %g: %s; final W2 %s; floor %.3g", config.conv_tolerance, reach,
                 metrics["conv_final_w2"], floor)
    return metrics


def _barycentric(x: torch.Tensor) -> np.ndarray:
    corners = np.array([[0.0, 0.0], [1.0, 0.0], [0.5, math.sqrt(3) / 2]])
    return x[:, :3].cpu().numpy() @ corners if x.shape[1] == 3 else x[:, :2].cpu().numpy()


def _dirichlet(config: Config, out: RunOutput, device: torch.device) -> dict:
    import matplotlib.pyplot as plt

    alpha = torch.tensor(config.dirichlet_alpha, dtype=DT, device=device)
    target = Dirichlet(alpha)
    k, n = len(alpha), config.dirichlet_chains
    ref = target.sample(n, _gen(config, 700)).to(device)
    floor = w2_to_reference(target.sample(n, _gen(config, 701)).to(device), ref)

    def full(u: torch.Tensor) -> torch.Tensor:
        return torch.cat([u, 1 - u.sum(-1, keepdim=True)], dim=-1)

    def project(z: torch.Tensor) -> torch.Tensor:
        return project_simplex_corner(z, config.projection_margin)

    start = torch.full((n, k), 1.0 / k, dtype=DT, device=device)
    rows, last = [], {}
    for i, h in enumerate(config.dirichlet_step_sizes):
        steps = max(1, round(config.dirichlet_time / h))
        mir = sample(MirroredLangevin(h, potential=target), start, steps, _gen(config, 800 + i), thin=steps).positions[-1]
        proj_kernel = ProjectedLangevin(h, project, potential=lambda u: target.potential(full(u)))
        proj = full(sample(proj_kernel, start[:, :-1], steps, _gen(config, 900 + i), thin=steps).positions[-1])
        in_simplex = bool((mir > 0).all() and torch.allclose(mir.sum(-1), torch.ones_like(mir[:, 0])))
        se = (target.cov.diagonal() / n).sqrt()
        rows.append(dict(h=h, steps=steps, w2_mirrored=w2_to_reference(mir, ref), w2_projected=w2_to_reference(proj, ref),
                         mirrored_mean_max_abs_z=((mir.mean(0) - target.mean).abs() / se).max().item(),
                         projected_mean_max_abs_z=((proj.mean(0) - target.mean).abs() / se).max().item(),
                         mirrored_in_simplex=in_simplex))
        last = {"mirrored": mir, "projected": proj}
        out.log.info("Dirichlet h=%g: W2 mirrored %.4f, projected %.4f (floor %.4f)", h, rows[-1]["w2_mirrored"],
                     rows[-1]["w2_projected"], floor)
    fig, axes = plt.subplots(1, 2 if k != 3 else 4, figsize=(5 if k != 3 else 15, 3.8))
    axes = np.atleast_1d(axes)
    hs = [r["h"] for r in rows]
    axes[0].loglog(hs, [r["w2_mirrored"] for r in rows], "o-", label="mirrored Langevin")
    axes[0].loglog(hs, [r["w2_projected"] for r in rows], "s-", label=f"projected Langevin (δ={config.projection_margin:g})")
    axes[0].axhline(floor, color="gray", ls=":", label="floor: W2(exact, exact)")
    axes[0].set_xlabel("step size h")
    axes[0].set_ylabel(f"W2 to {n} exact samples")
    axes[0].legend(fontsize=8)
    if k == 3:
        for ax, (name, pts) in zip(axes[1:], [("exact", ref), ("mirrored", last["mirrored"]), ("projected", last["projected"])]):
            xy = _barycentric(pts)
            ax.plot([0, 1, 0.5, 0], [0, 0, math.sqrt(3) / 2, 0], "k-", lw=0.8)
            ax.scatter(xy[:, 0], xy[:, 1], s=3, alpha=0.4)
            ax.set_title(f"{name}" + ("" if name == "exact" else f", h={hs[-1]:g}"))
            ax.set_aspect("equal")
            ax.axis("off")
    out.savefig(fig, "dirichlet", f"Dirichlet{tuple(config.dirichlet_alpha)} on the simplex, {n} chains run for time "
                f"{config.dirichlet_time:g} from the barycentre. Mirrored Langevin (entropic mirror map, Hsieh et al. "
                "2018) reaches the W2 noise floor; projected Langevin collapses onto the faces, where the gradient of "
                "the potential is unbounded.")
    return {"dirichlet_w2_floor": floor, "dirichlet_rows": rows,
            "mirrored_max_w2_over_floor": max(r["w2_mirrored"] for r in rows) / floor,
            "projected_min_w2_over_floor": min(r["w2_projected"] for r in rows) / floor,
            "mirrored_always_in_simplex": all(r["mirrored_in_simplex"] for r in rows)}


def run(config: Config, out: RunOutput) -> dict:
    device = torch.device(config.device)
    metrics: dict = {}
    threads = torch.get_num_threads()
    torch.set_num_threads(1)  # thousands of chains in a few dimensions: intra-op threads only add overhead
    try:
        metrics.update(_ula_bias(config, out, device))
        metrics.update(_mala_acceptance(config, out, device))
        metrics.update(_convergence(config, out, device))
        metrics.update(_dirichlet(config, out, device))
    finally:
        torch.set_num_threads(threads)
    return metrics


EXPERIMENT = Experiment(
    name="langevin",
    summary="Langevin samplers: ULA bias vs step (closed form), MALA acceptance, underdamped vs overdamped, "
            "mirrored vs projected on a Dirichlet",
    config=Config,
    run=run,
    quick={"n_chains": 5000, "mala_chains": 300, "mala_steps": 30, "conv_steps": 800, "conv_chains": 1000,
           "dirichlet_step_sizes": (0.03, 0.01), "dirichlet_chains": 500},
    reproduces="seed 000 (and 002) 'Langevin Monte Carlo' slides: LMC/ULA is a biased discretisation; underdamped "
               "Langevin accelerates; projected and mirrored variants for constrained targets (Hsieh et al. 2018)",
)
