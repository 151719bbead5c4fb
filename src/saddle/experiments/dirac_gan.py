"""Dirac-GAN: simultaneous vs alternating gradient descent (seed 002: Mescheder et al. 2018, Fig. 2 and
Lemmas 2.4-2.5).

Reproduces (a) the trajectories of Fig. 2: simultaneous GD spirals away from the equilibrium (0, 0) with
monotonically increasing ‖(θ_k, ψ_k)‖, alternating GD circles around it without converging; (b) the lemmas:
the eigenvalues of the Jacobian of the update map at the equilibrium, computed by `saddle.analysis`
(torch.func on the actual `SimultaneousGDA`/`AlternatingGDA` steps), against Lemma 2.4 (1 ± i h f'(0),
|λ| = sqrt(1 + h²f'(0)²)) and Lemma 2.5 (1 − α²/2 ± sqrt((1 − α²/2)² − 1), α = sqrt(n_g n_d) h f'(0)) over a
grid of step sizes h, for (n_g, n_d) = (1, 1) and a second pair. Expected: deviations at round-off level;
all alternating eigenvalues on the unit circle iff α ≤ 2. (c) The regularised variants of Mescheder et al.
2018 §3-4 (Fig. 3), trained as GANs by `saddle.gans.GANTrainer` on the Dirac-GAN modules with simultaneous
GD (step `reg_step_size`): unregularised, R1 (γ (ψ²)/2 on the critic: converges, their Thm 4.1), instance
noise N(0, σ²) on both batches (converges for σ large enough, their §3.1, Lemma 3.2), and WGAN-GP
(λ(|ψ| − 1)²; does not converge to the equilibrium, their §3.1/Fig. 3).
(d) Lemma 2.4 at full strength ("for every initial condition and learning rate h > 0, the norm of the iterates
... is monotonically increasing"): one batched run from 32 starts (radii 0.1 … 2, 8 angles) × 6 step sizes
(0.01 … 3), each for the same flow time `grid_time`; per step ‖z_{k+1}‖² = (1 + h²f'(θ_kψ_k)²)‖z_k‖² exactly (the
cross terms cancel), checked to 1e-12; steps whose growth h²f'² is below float64's resolution (θψ ≈ 40 after a
few steps of h = 3) are exempt from the strict increase (they stall exactly). (e) Lemma 2.3 ("even the
continuous system does not converge"): the flow ż = −V(z) from the same starts by scipy's DOP853 — ‖z‖ is
conserved and every start turns around the equilibrium. (f) Two time scales (Heusel et al. 2017, "do not help
convergence"): h_D/h_G = 0.1 … 10 for simultaneous and alternating GD; spectral radius at the equilibrium ≥ 1 and
no run labelled converged. The one stochastic run (instance noise) is repeated over `noise_seeds` noise
sequences and claimed on the mean ± SE of its tail distance.
Sizes: default 1,000 GANTrainer steps per regularised run (8 runs with the noise seeds), full 3,000 (the earlier
default); quick 400 steps and shorter grid, flow and two-time-scale runs.
Measured (h = 0.1, start (1, 1), 1000 steps): unregularised ‖z‖ = 2.76 and growing; R1 (γ = 1)
‖z‖ = 2.8e-20 (rate 1 − hγ/2 per step); instance noise (σ = 1, batches of 64) mean ‖z‖ over the last 10%
= 0.028; WGAN-GP (λ = 1) stops at (θ, ψ) = (2, 0) = (2λ, 0): at ψ → 0⁺ the penalty's pull 2λ balances the
generator term θ, a stationary point away from the equilibrium (‖z‖ = 2).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import torch

from saddle.analysis import classify_trajectory, map_jacobian, rollout, spectral_radius, update_jacobian
from saddle.experiments.base import Claim, Experiment, ExperimentConfig, RunOutput, check_positive
from saddle.games import DiracGAN
from saddle.gans import DiracCritic, DiracGenerator, GANGame, GANTrainer, train_gan
from saddle.metrics.stats import mean_se
from saddle.optim import AlternatingGDA, SimultaneousGDA


@dataclass
class Config(ExperimentConfig):
    step_size: float = 0.1
    steps: int = 3000
    theta0: float = 1.0
    psi0: float = 1.0
    h_max: float = 6.0
    n_h: int = 120
    n_g: int = 1
    n_d: int = 4
    reg_steps: int = 1000
    reg_step_size: float = 0.1
    r1_gamma: float = 1.0
    noise_std: float = 1.0
    noise_batch: int = 64
    gp_weight: float = 1.0
    grid_radii: tuple[float, ...] = (0.1, 0.5, 1.0, 2.0)
    grid_angles: int = 8
    grid_step_sizes: tuple[float, ...] = (0.01, 0.03, 0.1, 0.3, 1.0, 3.0)
    grid_time: float = 10.0
    flow_time: float = 200.0
    ttur_ratios: tuple[float, ...] = (0.1, 0.3, 1.0, 3.0, 10.0)
    ttur_steps: int = 2000
    noise_seeds: int = 5

    def validate(self) -> None:
        check_positive(
            self,
            "step_size",
            "steps",
            "h_max",
            "n_h",
            "n_g",
            "n_d",
            "reg_steps",
            "reg_step_size",
            "r1_gamma",
            "noise_std",
            "noise_batch",
            "gp_weight",
            "grid_radii",
            "grid_angles",
            "grid_step_sizes",
            "grid_time",
            "flow_time",
            "ttur_ratios",
            "ttur_steps",
            "noise_seeds",
        )
        if self.steps < 20:
            raise ValueError(f"steps must be >= 20, got {self.steps}")


def lemma_2_4(h: float) -> list[complex]:
    """Eigenvalues 1 ± i h f'(0) of simultaneous GD's update Jacobian at the Dirac-GAN equilibrium."""
    return [complex(1, h * DiracGAN.f_prime_0), complex(1, -h * DiracGAN.f_prime_0)]


def lemma_2_5(h: float, n_g: int = 1, n_d: int = 1) -> list[complex]:
    """Eigenvalues 1 − α²/2 ± sqrt((1 − α²/2)² − 1), α = sqrt(n_g n_d) h f'(0), of alternating GD."""
    alpha = math.sqrt(n_g * n_d) * h * DiracGAN.f_prime_0
    b = 1 - alpha**2 / 2
    root = complex(b * b - 1) ** 0.5
    return [b + root, b - root]


def _match(eig: torch.Tensor, expected: list[complex]) -> float:
    """Largest distance between two 2-element multisets of complex numbers (best of the two pairings)."""
    e = [complex(v) for v in eig]
    return min(
        max(abs(e[0] - expected[0]), abs(e[1] - expected[1])), max(abs(e[0] - expected[1]), abs(e[1] - expected[0]))
    )


def player_steps(h: float, n_g: int, n_d: int) -> Callable[[list[torch.Tensor]], list[torch.Tensor]]:
    """n_g generator then n_d discriminator GD steps, each a SimultaneousGDA step on one player's field."""
    game, gda = DiracGAN(), SimultaneousGDA(h)
    gen_only = lambda p: [game.field(p)[0], torch.zeros_like(p[1])]  # noqa: E731
    disc_only = lambda p: [torch.zeros_like(p[0]), game.field(p)[1]]  # noqa: E731

    def update(params: list[torch.Tensor]) -> list[torch.Tensor]:
        state = gda.init(params)
        for _ in range(n_g):
            params, state = gda.step(params, state, gen_only)
        for _ in range(n_d):
            params, state = gda.step(params, state, disc_only)
        return params

    return update


#: below this h²f'(θψ)², one step's growth of ‖z‖² (a factor 1 + h²f'(θψ)²) is under float64's resolution: the
#: iterates stall exactly (e.g. h = 3 from ‖z‖ = 2 reaches θψ ≈ 40, f' ≈ 1e-18), so strict increase is checked
#: only on steps above it (non-decrease on every step)
RESOLVABLE = 1e-12


def grid_starts(radii: tuple[float, ...], n_angles: int) -> list[tuple[float, float]]:
    """(θ0, ψ0) on circles of the given radii, `n_angles` each at angles 2π(k + ½)/n_angles (none on an axis)."""
    return [
        (r * math.cos(2 * math.pi * (k + 0.5) / n_angles), r * math.sin(2 * math.pi * (k + 0.5) / n_angles))
        for r in radii
        for k in range(n_angles)
    ]


def simultaneous_grid(config: Config) -> dict:
    """Simultaneous GD from every grid start with every step h, each for round(grid_time/h) steps (equal flow time).

    One batched rollout: row b takes the step h_b through SimultaneousGDA(1) on the field h_b·V. Per step,
    ‖z_{k+1}‖² = (1 + h²f'(θ_kψ_k)²)‖z_k‖² exactly (the cross terms cancel), which is Lemma 2.4's monotone growth;
    at the equilibrium the factor is 1 + h²f'(0)².
    """
    game = DiracGAN()
    starts = grid_starts(config.grid_radii, config.grid_angles)
    rows = [(h, t, p) for h in config.grid_step_sizes for t, p in starts]
    h = torch.tensor([r[0] for r in rows], dtype=torch.float64)[:, None]
    z0 = [
        torch.tensor([[r[1]] for r in rows], dtype=torch.float64),
        torch.tensor([[r[2]] for r in rows], dtype=torch.float64),
    ]
    steps = torch.tensor([max(1, round(config.grid_time / r[0])) for r in rows])
    traj, _ = rollout(
        SimultaneousGDA(1.0), lambda p: [h * v for v in game.field(p)], z0, int(steps.max()), desc="sim GD grid"
    )
    norm = torch.linalg.vector_norm(traj, dim=-1)  # (K + 1, B)
    theta, psi = traj[:-1, :, 0], traj[:-1, :, 1]
    growth = h.T**2 * torch.sigmoid(-theta * psi) ** 2  # h²f'(θψ)², f'(t) = sigmoid(−t)
    active = torch.arange(norm.shape[0] - 1)[:, None] < steps[None, :]
    resolvable = active & (growth > RESOLVABLE)
    up, not_down = norm[1:] > norm[:-1], norm[1:] >= norm[:-1]
    identity_dev = (((norm[1:] / norm[:-1]) ** 2 - 1 - growth).abs() * active).max().item()
    return {
        "runs": len(rows),
        "steps_checked": int(active.sum()),
        "steps_below_float_resolution": int((active & ~resolvable).sum()),
        "norm_increasing": bool((up | ~resolvable).all() and (not_down | ~active).all()),
        "max_dev_growth_identity": identity_dev,
    }


def flow_circles(config: Config) -> dict:
    """The continuous flow ż = −V(z) from every grid start, by scipy's DOP853 (rtol 1e-10, atol 1e-12), for `flow_time`.

    d‖z‖²/dt = 2f'(θψ)(−θψ + ψθ) = 0: the flow turns around the equilibrium at angular speed f'(θψ) on a circle of
    constant radius (Lemma 2.3: the continuous system does not converge). Reports the largest relative drift of ‖z‖
    and the fewest full turns made by any start.
    """
    import numpy as np
    from scipy.integrate import solve_ivp

    game = DiracGAN()
    starts = np.array(grid_starts(config.grid_radii, config.grid_angles))

    def rhs(t: float, y: np.ndarray) -> np.ndarray:
        z = torch.from_numpy(y.reshape(-1, 2))
        return -torch.cat(game.field([z[:, :1], z[:, 1:]]), dim=-1).numpy().ravel()

    ts = np.linspace(0.0, config.flow_time, int(20 * config.flow_time) + 1)  # ≤ 0.05 rad between samples
    sol = solve_ivp(rhs, (0.0, config.flow_time), starts.ravel(), method="DOP853", t_eval=ts, rtol=1e-10, atol=1e-12)
    if not sol.success:
        raise RuntimeError(f"solve_ivp failed on the Dirac-GAN flow: {sol.message}")
    y = sol.y.reshape(len(starts), 2, -1)
    radius = np.hypot(y[:, 0], y[:, 1])
    angle = np.unwrap(np.arctan2(y[:, 1], y[:, 0]), axis=-1)
    turns = np.abs(angle[:, -1] - angle[:, 0]) / (2 * math.pi)
    return {
        "max_relative_norm_drift": float(np.abs(radius / radius[:, :1] - 1).max()),
        "min_turns": float(turns.min()),
        "min_distance_to_equilibrium": float(radius.min()),
    }


def two_time_scale(config: Config) -> dict:
    """Sim and alt GD with generator step h_G = `step_size` and discriminator step h_D = r·h_G, r in `ttur_ratios`
    (Heusel et al. 2017's two time scales, through the field [V_θ, r·V_ψ]): update-map spectral radius at the
    equilibrium and the trajectory label of `ttur_steps` steps from (θ0, ψ0)."""
    game, h = DiracGAN(), config.step_size
    origin = [torch.zeros(1, dtype=torch.float64), torch.zeros(1, dtype=torch.float64)]
    start = [torch.tensor([[config.theta0]], dtype=torch.float64), torch.tensor([[config.psi0]], dtype=torch.float64)]
    runs = []
    for r in config.ttur_ratios:
        field = lambda p, r=r: [v * c for v, c in zip(game.field(p), (1.0, r))]  # noqa: E731
        for name, method in (("simultaneous", SimultaneousGDA(h)), ("alternating", AlternatingGDA(h))):
            radius = spectral_radius(update_jacobian(method, field, origin))
            traj, _ = rollout(method, field, start, config.ttur_steps, desc=f"TTUR {name} h_D/h_G={r:g}")
            z = traj[:, 0]
            runs.append(
                {
                    "method": name,
                    "h_G": h,
                    "h_D": r * h,
                    "spectral_radius": radius,
                    "label": classify_trajectory(z).label,
                    "final_distance": torch.linalg.vector_norm(z[-1]).item(),
                    "min_distance": torch.linalg.vector_norm(z, dim=-1).min().item(),
                }
            )
    return {
        "runs": runs,
        "min_spectral_radius": min(r["spectral_radius"] for r in runs),
        "converged_runs": sum(r["label"] == "converged" for r in runs),
        "min_distance": min(r["min_distance"] for r in runs),
    }


REGULARISED = {  # name -> (loss, penalty, weight field, instance noise?)
    "unregularised": ("minimax", "none", None, False),
    "r1": ("minimax", "r1", "r1_gamma", False),
    "instance_noise": ("minimax", "none", None, True),
    "wgan_gp": ("wasserstein", "gp", "gp_weight", False),
}


def regularised_trajectory(name: str, config: Config, seed: int | None = None) -> torch.Tensor:
    """(θ_k, ψ_k), k = 0..reg_steps, of the Dirac-GAN trained by GANTrainer with sim GD and one regulariser
    (the noise draws, for instance noise, from `seed`, default config.seed)."""
    loss, penalty, weight, noisy = REGULARISED[name]
    rng = torch.Generator().manual_seed(config.seed if seed is None else seed)
    gen, critic = DiracGenerator(config.theta0), DiracCritic(config.psi0)
    game = GANGame(
        gen,
        critic,
        loss,
        penalty=penalty,
        penalty_weight=getattr(config, weight) if weight else None,
        instance_noise=config.noise_std if noisy else 0.0,
        generator=rng,
    )
    zeros = lambda n, r: torch.zeros(n, 1, dtype=torch.float64)  # noqa: E731   data δ_0; latents unused
    trainer = GANTrainer(
        game,
        lambda p: SimultaneousGDA(config.reg_step_size, projection=p),
        zeros,
        zeros,
        batch_size=config.noise_batch if noisy else 1,
        generator=rng,
    )
    point = lambda: {"theta": float(gen.theta.detach()), "psi": float(critic.psi.detach())}  # noqa: E731
    history = train_gan(trainer, config.reg_steps, evaluate=point, eval_every=1, desc=f"Dirac-GAN {name}").history
    return torch.tensor([[config.theta0, config.psi0]] + [[r["theta"], r["psi"]] for r in history], dtype=torch.float64)


def _trajectories(config: Config) -> tuple[torch.Tensor, torch.Tensor, float]:
    """Simultaneous and alternating GD from (θ0, ψ0), and sim GD's growth factor per step next to the equilibrium."""
    game, dev = DiracGAN(), torch.device(config.device)
    h = config.step_size
    start = [
        torch.tensor([[config.theta0]], dtype=torch.float64, device=dev),
        torch.tensor([[config.psi0]], dtype=torch.float64, device=dev),
    ]
    sim, _ = rollout(SimultaneousGDA(h), game.field, start, config.steps, desc="sim GD")
    alt, _ = rollout(AlternatingGDA(h), game.field, start, config.steps, desc="alt GD")
    sim, alt = sim[:, 0].cpu(), alt[:, 0].cpu()
    # near the equilibrium the linearisation rules: ‖z_{k+1}‖/‖z_k‖ → sqrt(1 + h²f'(0)²) (Lemma 2.4)
    tiny = [
        torch.full((1, 1), 1e-6, dtype=torch.float64, device=dev),
        torch.zeros(1, 1, dtype=torch.float64, device=dev),
    ]
    near, _ = rollout(SimultaneousGDA(h), game.field, tiny, 50, desc="sim GD near z*")
    near_norm = torch.linalg.vector_norm(near[:, 0].cpu(), dim=-1)
    near_growth = (near_norm[-1] / near_norm[0]).item() ** (1 / 50)
    return sim, alt, near_growth


def _jacobian_sweep(config: Config) -> tuple[list[float], dict[str, list[float]], dict]:
    """The update-map Jacobian's eigenvalues at the equilibrium over a grid of step sizes h against Lemmas 2.4-2.5:
    the step sizes, the spectral radii per method, and the largest deviations from the lemmas."""
    game = DiracGAN()
    origin = [torch.zeros(1, dtype=torch.float64), torch.zeros(1, dtype=torch.float64)]
    # midpoints h = h_max (k + 1/2) / n_h: avoids α = 2 exactly, where the Jacobian is defective (double
    # eigenvalue −1) and any eigenvalue solver loses half of the digits
    hs = ((torch.arange(config.n_h, dtype=torch.float64) + 0.5) * config.h_max / config.n_h).tolist()
    rad: dict[str, list[float]] = {"sim": [], "alt": [], "alt_ngnd": []}
    dev_sim = dev_alt = dev_ngnd = 0.0
    inside_iff_alpha_le_2 = True
    for hh in hs:
        e_sim = torch.linalg.eigvals(update_jacobian(SimultaneousGDA(hh), game, origin))
        e_alt = torch.linalg.eigvals(update_jacobian(AlternatingGDA(hh), game, origin))
        e_nn = torch.linalg.eigvals(map_jacobian(player_steps(hh, config.n_g, config.n_d), origin))
        dev_sim = max(dev_sim, _match(e_sim, lemma_2_4(hh)))
        dev_alt = max(dev_alt, _match(e_alt, lemma_2_5(hh)))
        dev_ngnd = max(dev_ngnd, _match(e_nn, lemma_2_5(hh, config.n_g, config.n_d)))
        rad["sim"].append(e_sim.abs().max().item())
        rad["alt"].append(e_alt.abs().max().item())
        rad["alt_ngnd"].append(e_nn.abs().max().item())
        for e, ng, nd in ((e_alt, 1, 1), (e_nn, config.n_g, config.n_d)):
            alpha = math.sqrt(ng * nd) * hh * DiracGAN.f_prime_0
            on_circle = bool(((e.abs() - 1).abs() < 1e-9).all())
            inside_iff_alpha_le_2 &= on_circle == (alpha <= 2 + 1e-12)
    checks = {
        "max_dev_lemma_2_4": dev_sim,
        "max_dev_lemma_2_5": dev_alt,
        "max_dev_lemma_2_5_ngnd": dev_ngnd,
        "max_deviation": max(dev_sim, dev_alt, dev_ngnd),
        "unit_circle_iff_alpha_le_2": inside_iff_alpha_le_2,
    }
    return hs, rad, checks


def _regularised(config: Config, out: RunOutput, metrics: dict) -> dict[str, torch.Tensor]:
    """The Dirac-GAN trained as a GAN with each regulariser (instance noise over `noise_seeds` noise sequences)."""
    reg = {name: regularised_trajectory(name, config) for name in REGULARISED}
    tail = max(config.reg_steps // 10, 1)
    for name, z in reg.items():
        norms = torch.linalg.vector_norm(z, dim=-1)
        metrics[name] = {
            "final_norm": norms[-1].item(),
            "tail_mean_norm": norms[-tail:].mean().item(),
            "final_abs_psi": abs(z[-1, 1].item()),
            "label": classify_trajectory(z).label,
        }
        out.log.info(
            "Dirac-GAN %s: final ‖z‖ %.3g (mean over the last 10%%: %.3g), %s",
            name,
            metrics[name]["final_norm"],
            metrics[name]["tail_mean_norm"],
            metrics[name]["label"],
        )
    # instance noise is the one stochastic run: its tail distance over `noise_seeds` independent noise sequences
    noisy_tails = [metrics["instance_noise"]["tail_mean_norm"]]
    for k in range(1, config.noise_seeds):
        z = regularised_trajectory("instance_noise", config, config.seed + 1000 * k)
        noisy_tails.append(torch.linalg.vector_norm(z, dim=-1)[-tail:].mean().item())
    metrics["instance_noise"]["tail_mean_norm_over_seeds"] = mean_se(noisy_tails)
    return reg


def run(config: Config, out: RunOutput) -> dict:
    """Trajectories of sim/alt GD and the update-Jacobian eigenvalues against Lemmas 2.4-2.5 over a grid of h."""
    h = config.step_size
    sim, alt, near_growth = _trajectories(config)
    sim_norm, alt_norm = torch.linalg.vector_norm(sim, dim=-1), torch.linalg.vector_norm(alt, dim=-1)
    r_sim, r_alt = classify_trajectory(sim), classify_trajectory(alt)
    hs, rad, checks = _jacobian_sweep(config)
    metrics = {
        "sim_label": r_sim.label,
        "alt_label": r_alt.label,
        "sim_norm_monotone_increasing": bool((sim_norm[1:] > sim_norm[:-1]).all()),
        "sim_final_norm": sim_norm[-1].item(),
        "alt_norm_range": [alt_norm.min().item(), alt_norm.max().item()],
        "sim_norm_growth_near_equilibrium": near_growth,
        "lemma_2_4_growth": math.sqrt(1 + h * h * DiracGAN.f_prime_0**2),
        "alt_period": r_alt.evidence.get("period"),
        **checks,
        "n_g": config.n_g,
        "n_d": config.n_d,
        "n_step_sizes": len(hs),
    }
    out.log.info("max eigenvalue deviation from Lemmas 2.4/2.5: %.3g", metrics["max_deviation"])
    metrics["sim_grid"] = simultaneous_grid(config)
    metrics["flow"] = flow_circles(config)
    metrics["two_time_scale"] = two_time_scale(config)
    for key in ("sim_grid", "flow"):
        out.log.info("%s: %s", key, metrics[key])
    out.log.info("two time scales: %s", {k: v for k, v in metrics["two_time_scale"].items() if k != "runs"})
    reg = _regularised(config, out, metrics)
    _figures(config, out, sim, alt, r_sim.label, r_alt.label, hs, rad, reg)
    return metrics


def _figures(
    config: Config,
    out: RunOutput,
    sim: torch.Tensor,
    alt: torch.Tensor,
    sim_label: str,
    alt_label: str,
    hs: list[float],
    rad: dict[str, list[float]],
    reg: dict[str, torch.Tensor],
) -> None:
    import matplotlib.pyplot as plt

    h = config.step_size
    fig, axes = plt.subplots(1, 3, figsize=(15, 4.6))
    for ax, z, name, label in (
        (axes[0], sim, "simultaneous GD", sim_label),
        (axes[1], alt, "alternating GD", alt_label),
    ):
        ax.plot(z[:, 0], z[:, 1], lw=0.8)
        ax.plot([config.theta0], [config.psi0], "ro", label="start")
        ax.plot([0], [0], "k*", ms=12, label="Nash equilibrium")
        ax.set(xlabel="θ (generator)", ylabel="ψ (discriminator)", title=f"{name}, h = {h}: {label}")
        ax.set_aspect("equal")
        ax.legend(fontsize=8, loc="lower left")
    axes[2].plot(hs, rad["sim"], "C0", lw=2, label="simultaneous (Jacobian)")
    axes[2].plot(hs, [math.sqrt(1 + x * x * 0.25) for x in hs], "k:", label="Lemma 2.4: sqrt(1 + h²f'(0)²)")
    axes[2].plot(hs, rad["alt"], "C1", lw=2, label="alternating n_g = n_d = 1 (Jacobian)")
    axes[2].plot(hs, [max(abs(c) for c in lemma_2_5(x)) for x in hs], "k--", lw=0.8, label="Lemma 2.5")
    axes[2].plot(hs, rad["alt_ngnd"], "C2", lw=2, label=f"alternating n_g={config.n_g}, n_d={config.n_d} (Jacobian)")
    axes[2].plot(
        hs,
        [max(abs(c) for c in lemma_2_5(x, config.n_g, config.n_d)) for x in hs],
        "k-.",
        lw=0.8,
        label="Lemma 2.5 with α = sqrt(n_g n_d) h f'(0)",
    )
    axes[2].set(
        xlabel="step size h", ylabel="spectral radius at (0, 0)", yscale="log", title="update-map spectral radius vs h"
    )
    axes[2].legend(fontsize=7)
    out.savefig(
        fig,
        "dirac_gan",
        "Dirac-GAN Φ(θ, ψ) = f(ψθ) + f(0), f(t) = −log(1+e^{−t}). Left: simultaneous GD spirals out (‖z_k‖ "
        "increases at every step); middle: alternating GD circles the equilibrium without converging "
        "(Mescheder et al. 2018, Fig. 2). Right: spectral radius of the update map's Jacobian at the "
        "equilibrium (computed by autodiff through the optimiser step) against Lemmas 2.4 and 2.5; "
        "alternating GD is on the unit circle until α = sqrt(n_g n_d) h f'(0) exceeds 2.",
    )

    fig, axes = plt.subplots(1, 2, figsize=(12, 4.8))
    for i, (name, z) in enumerate(reg.items()):
        axes[0].plot(z[:, 0], z[:, 1], f"C{i}", lw=0.8, label=name)
        axes[1].semilogy(torch.linalg.vector_norm(z, dim=-1).clamp_min(1e-300), f"C{i}", lw=1.2, label=name)
    axes[0].plot([config.theta0], [config.psi0], "ro", label="start")
    axes[0].plot([0], [0], "k*", ms=12, label="Nash equilibrium")
    axes[0].set(
        xlabel="θ (generator)",
        ylabel="ψ (discriminator)",
        title=f"regularised Dirac-GANs, sim GD h = {config.reg_step_size}",
    )
    axes[0].set_aspect("equal")
    axes[0].legend(fontsize=7)
    axes[1].set(xlabel="iteration k", ylabel="‖(θ_k, ψ_k)‖", title="distance to the equilibrium")
    axes[1].legend(fontsize=7)
    out.savefig(
        fig,
        "dirac_gan_regularised",
        f"Dirac-GAN trained as a GAN (saddle.gans) by simultaneous GD, h = {config.reg_step_size}, from "
        f"({config.theta0}, {config.psi0}): unregularised (spirals out), R1 with γ = {config.r1_gamma} "
        f"(converges), instance noise σ = {config.noise_std} on batches of {config.noise_batch} (converges "
        f"up to the sampling noise) and WGAN-GP with λ = {config.gp_weight} (Mescheder et al. 2018, Fig. 3).",
    )


_REGULARISED = "Mescheder et al. 2018 §3-4 (Fig. 3, Thm 4.1), seed 002 Dirac-GAN excerpt"
REGULARISED_CLAIMS = (
    Claim(
        "r1_converges",
        "with R1 simultaneous GD converges to the equilibrium (Thm 4.1)",
        _REGULARISED,
        "r1.final_norm",
        "<",
        1e-3,
    ),
    Claim(
        "unregularised_does_not_converge",
        "without regularisation simultaneous GD does not converge",
        _REGULARISED,
        "unregularised.final_norm",
        ">",
        0.5,
    ),
    Claim(
        "instance_noise_converges",
        "with instance noise GD approaches the equilibrium (up to sampling noise): mean distance over the last 10% "
        "of the steps < 0.2, mean ± SE over independent noise sequences",
        _REGULARISED,
        "instance_noise.tail_mean_norm_over_seeds",
        "<",
        0.2,
        sigmas=2.0,
        min_n=5,
    ),
    Claim(
        "wgan_gp_does_not_converge",
        "WGAN-GP does not converge to the equilibrium",
        _REGULARISED,
        "wgan_gp.tail_mean_norm",
        ">",
        0.1,
    ),
)


_MESCHEDER = "seed 002, Mescheder et al. 2018, Fig. 2 and Lemmas 2.3-2.5"
CLAIMS = (
    Claim(
        "simultaneous_spirals_out",
        "simultaneous GD moves away from the equilibrium, ‖(θ, ψ)‖ increasing monotonically",
        _MESCHEDER,
        "sim_norm_monotone_increasing",
        "is_true",
    ),
    Claim(
        "lemma_2_4_every_start_every_h",
        "'for every initial condition and learning rate h > 0, the norm of the iterates (θ_k, ψ_k) obtained by "
        "simultaneous gradient descent is monotonically increasing' (Lemma 2.4; a grid of starts × h)",
        _MESCHEDER,
        "sim_grid.norm_increasing",
        "is_true",
    ),
    Claim(
        "lemma_2_4_growth_factor",
        "each simultaneous step multiplies ‖z‖ by exactly sqrt(1 + h²f'(θ_kψ_k)²) (sqrt(1 + h²f'(0)²) at the "
        "equilibrium, Lemma 2.4), on the same grid",
        _MESCHEDER,
        "sim_grid.max_dev_growth_identity",
        "<",
        1e-12,
    ),
    Claim(
        "lemma_2_3_flow_conserves_norm",
        "'even the continuous system does not converge' (Lemma 2.3): the flow keeps ‖(θ, ψ)‖ constant",
        _MESCHEDER,
        "flow.max_relative_norm_drift",
        "<",
        1e-6,
    ),
    Claim(
        "lemma_2_3_flow_circles",
        "the continuous flow circles the equilibrium: every start makes at least one full turn",
        _MESCHEDER,
        "flow.min_turns",
        ">=",
        1.0,
    ),
    Claim(
        "two_time_scale_no_linear_convergence",
        "'two-time scale updates as suggested by Heusel et al. (2017) do not help convergence towards the "
        "Nash-equilibrium': for every h_D/h_G the update map's spectral radius at the equilibrium is ≥ 1",
        _MESCHEDER,
        "two_time_scale.min_spectral_radius",
        ">=",
        1.0 - 1e-12,
    ),
    Claim(
        "two_time_scale_no_run_converges",
        "two-time-scale simultaneous and alternating GD do not converge: no run is labelled 'converged'",
        _MESCHEDER,
        "two_time_scale.converged_runs",
        "<",
        0.5,
    ),
    Claim(
        "alternating_circles",
        "alternating GD circles around the equilibrium without converging",
        _MESCHEDER,
        "alt_label",
        "==",
        "limit cycle",
    ),
    Claim(
        "lemma_2_4",
        "simultaneous GD's Jacobian eigenvalues are 1 ± i h f'(0) (Lemma 2.4)",
        _MESCHEDER,
        "max_dev_lemma_2_4",
        "<",
        1e-9,
    ),
    Claim(
        "lemma_2_5",
        "alternating GD's Jacobian eigenvalues follow Lemma 2.5 for n_g = n_d = 1",
        _MESCHEDER,
        "max_dev_lemma_2_5",
        "<",
        1e-9,
    ),
    Claim(
        "lemma_2_5_ngnd",
        "alternating GD's Jacobian eigenvalues follow Lemma 2.5 with α = sqrt(n_g n_d) h f'(0)",
        _MESCHEDER,
        "max_dev_lemma_2_5_ngnd",
        "<",
        1e-9,
    ),
    Claim(
        "unit_circle_iff_alpha_le_2",
        "'For α ≤ 2, all eigenvalues are hence on the unit circle. Moreover for α > 2, there are eigenvalues "
        "outside the unit circle' (Lemma 2.5)",
        _MESCHEDER,
        "unit_circle_iff_alpha_le_2",
        "is_true",
    ),
)


EXPERIMENT = Experiment(
    name="dirac_gan",
    summary="Dirac-GAN: simultaneous vs alternating GD; update-Jacobian spectra vs Lemmas 2.4/2.5",
    config=Config,
    run=run,
    quick={"steps": 1500, "n_h": 30, "reg_steps": 400, "grid_time": 5.0, "flow_time": 100.0, "ttur_steps": 1000},
    full={"reg_steps": 3000},
    claims=CLAIMS + REGULARISED_CLAIMS,
    reproduces="seed 002, Mescheder et al. 2018 Fig. 2 and Lemmas 2.4-2.5",
)
