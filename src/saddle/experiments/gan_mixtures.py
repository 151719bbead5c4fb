"""GANs on 25 Gaussians and the 8-Gaussian ring: algorithms matter (seed 000 "Application to 25 Gaussians:
Algorithms matter", panels SGD / Adam / Mirror-GAN / Mirror-Prox-GAN; seed 001 "ExtraAdam for GANs"; Hsieh,
Liu & Cevher 2019), and PacGAN's table at PacGAN's setup (Lin et al. 2018).

The same MLP generator/critic pair (ReLU, latent 2, non-saturating loss) is trained by several Methods of
`saddle.optim` — simultaneous GDA (the figure's SGD, step 0.02), alternating GDA, OGDA, SEG+ (constant α),
simultaneous Adam, ExtraAdam, optimistic Adam (step 1e-3, betas (0.5, 0.9)) — by the mixed-strategy GAN (K
particle generators and critics moved by Langevin GDA, T = 1e-6), and by the paper's two sampling algorithms:
Mirror-GAN (`LangevinMirrorDescent`, the paper's Alg. 3: K SGLD steps per player against the opponents' outer
iterate, damped averaging β) and Mirror-Prox-GAN (`LangevinMirrorProx`, Alg. 4: an extrapolation phase and an
update phase of K SGLD steps each per outer step). Their settings and where each comes from:
- β = 0.9 and thermal noise ε = 1e-3 (temperature T = ε² = 1e-6): the values of MixedNE-LD's public code
  (`--beta`, `--epsilon`; `saddle.rl.robust_ddpg`), the same group's algorithm with the same inner loop;
- K = 1: the warm-up K_t = ⌊(1 + 10⁻⁵)^t⌋ (`saddle.optim.langevin_mirror_descent`'s reading of the paper's LSUN
  runs; MixedNE-LD's code uses it too) is 1 for every outer step t < 69,315, so at every size here;
- γ = 0.02/c(K, β) (c(1, 0.9) = β² = 0.81: γ = 0.0247), so that an outer step moves like SGD's step of 0.02.
The paper's own synthetic-experiment values (its appendix) could not be read: the stored copies of arXiv
1811.02002 reachable here hold its abstract and introduction only, and no code of the paper was found.
`steps` counts generator updates — SGLD steps for the two mirror methods (an outer step is K, resp. 2K, of them).
Seeds train in parallel as one batched model (`saddle.gans.StackedModules`: row s is seed s, exactly the run of
seed s alone). Each run reports the modes captured and the % of high-quality samples (within 3σ of a mode, as
PacGAN's code computes them), the reverse KL of the mode histogram and the exact W2 to fresh data (POT), mean ±
SE over seeds; the game's health (`saddle.gans.health`) every `health_every` steps goes to
`logs/<dataset>_<method>.jsonl` (and TensorBoard when it is installed).

The report's sample figure has one column per method: the samples, and under them the game's health along the
run, means over the seeds, every `health_every` steps on a fresh batch: ‖V_G‖ and ‖V_D‖ (each player's gradient
of its own loss); ‖S v‖ and ‖A v‖, the potential and rotational parts of the game Jacobian on a random unit v
(Balduzzi et al. 2018); and the spectral radius of the method's whole update map (one SGLD step for the mirror
methods). What they show at default size: ‖V_G‖ falls over the run (SGD 2.4 → 0.26, Mirror-GAN 2.2 → 0.64) while
‖V_D‖ stays near 1 — the generator settles, the critic keeps chasing; the potential part dominates (‖A v‖/(‖S v‖ +
‖A v‖) ≈ 0.2–0.35 for every method) and grows as the critic sharpens (‖S v‖ 0.2 → 0.4; Adam 1.0 → 3.6, its W2
and mode count the worst); the update radius is 1.00–1.03 (slightly expanding early, neutral later: at steps of
0.02 the map is near the identity). Adam's radius swings between 1.7 and 725 (log axis): its step m̂/(sqrt(v̂) + ε) has slope up to
1/ε in a coordinate whose gradient is near 0, so its linearisation is dominated by the parameters with the
smallest gradients. The second figure adds
simultaneous GD on the Dirac-GAN (Mescheder et al. 2018): the rotational share swings between 0.01 and 0.88 and the
radius between 0.97 and 1.07 as the iterate circles the equilibrium (sqrt(1 + h²/4) there).

Why Mirror-GAN covered ~1 of 25 modes (last release: K = 5, β = 0.9, T = 1e-6, γ = 0.02/c(5, 0.9) = 0.0045; 1.0 ±
0.3 modes, Mirror-Prox-GAN 0.2 ± 0.2). Not a defect: on a fixed batch one outer step through GANTrainer equals one
GDA step of c(K, β)γ = 0.02 to 3e-5 (generator) and 2e-2 (critic) relative — O(γ²), the chains' drift against
frozen opponents — and the loop equals LangevinGDA at K = 1, β = 1 and extragradient at T = 0 (tests). Not the
budget alone either: measured at default size (5 seeds, 3×64, batch 128; modes mean [min..max]; load 2–3):

  setting                                                   modes           HQ %   W2     CPU-s
  SGD 0.02, 400 steps (= Mirror-GAN K=5's 400 outer steps)   1.8 [0..4]     2.8   5.17
  SGD 0.02, 2000 steps (batch 26 / 128 / 640)                19.6 / 19.6 / 20.4  ≤ 1.8  1.13–1.36
  SGD 0.0045 (Mirror-GAN K=5's SGLD step), 10,000 steps       19.0 [16..23]   1.7   1.08   48.0
  Mirror-GAN K=5, 2000 SGLD steps = 400 outer                 1.0 [0..2]     2.9   4.67   23.4
  Mirror-GAN K=5, 10,000 SGLD steps = 2000 outer              0.8 [0..4]     0.3   4.39  106.4
  Mirror-GAN K=5, γ = 0.02 per SGLD step, 2000 steps          0.0            0.0   5.39   22.1
  Mirror-GAN K=5, T = 1e-3, 2000 steps                        0.8 [0..1]     1.8   5.17   22.5
  Mirror-GAN K=5, RMSProp-preconditioned (pSGLD), γ = 1e-3/c  4.2 [0..15]    1.1   3.95   25.1
  Mirror-Prox-GAN K=5, 2000 SGLD steps = 200 outer            0.2 [0..1]     0.3   6.61   25.8
  Mirror-GAN K=1, 2000 steps                                 16.6 [5..21]    1.6   1.51   14.0
  Mirror-Prox-GAN K=1, 2000 SGLD steps = 1000 outer          17.8 [15..20]   1.5   1.30   20.8

At SGD's field-call count (K = 5 costs 1 + 2(K − 1) = 9 field calls per outer step: 2000 calls ≈ 1100 SGLD steps)
K = 5 covers 0.0 modes (at 1200 SGLD steps) where SGD covers 19.6; at SGD's own outer-step count (2000, 9× its
field calls) it still covers 0.8; SGD does not care about the batch (26 to 640) and SGD at Mirror-GAN's own small step covers 19.0 after as many
gradient steps, so neither the outer-step budget, nor the five minibatches per outer step, nor γ explain it. What
differs is the inner loop: K = 5 chains against frozen opponents, whose O(γ²) drift the GAN's unstable dynamics
amplify (on a fixed batch the K = 5 and GDA trajectories part after ~50 outer steps:
parameter distance 1e-3 at 50, 2 at 200, for parameter norms ≈ 9) — into a generator that stays near a single
mode. K = 5 was our own choice; with K_t = 1 (the warm-up) both mirror methods cover modes as SGD does. Neither
reaches the notes' ≥ 24/25: no method learns the grid with these 3×64 networks (HQ ≤ 3%: the "modes" are hits of
a blurred cloud), and five times the steps do not change that — at 10,000 steps Mirror-GAN K = 1 has 20.4, 18.4,
19.6, 14.2 modes at steps 4000…10,000 (HQ 1.8–2.1%, 58.2 CPU-s) and SGD 20.0, 19.4, 17.4, 17.0 (HQ 1.7–2.8%,
47.5 CPU-s). The paper trains 3×512 networks for 10⁵ iterations with hyperparameters we could not read: its
setup, not the loop, is what this size lacks.

Sizes. Default (the tour, ≤ 150 CPU-s on the shared machine): the four panels of the figure plus the particle
GAN on 25 Gaussians, 5 seeds (the claims' SE needs n ≥ 5), 3×64 networks, batch 128, 2000 steps. Full: every
method on both datasets, 3×128, batch 256, 10⁴ steps (the paper runs 10⁵ iterations of 3×512 networks), and
PacGAN's table: GAN and PacGAN2/3/4 on PacGAN's grid (means {−4, −2, 0, 2, 4}², σ = 0.05) and ring (radius 1,
σ = 0.01) with PacGAN's networks (`BatchNormMLPGenerator` 4×400, `MaxoutCritic` 3×200 × 5 pieces, N(0, 0.02²)
init), Adam (1e-4, β₁ = 0.8), 100 packed samples per batch, as their code (`fjxmlzn/PacGAN`,
synthetic_data_experiments) — whose budget, 400 epochs of 100,000 samples (400,000 steps), is `pacgan_steps`.

Data and metric are those of VEEGAN/PacGAN (grid {−4, …, 4}² with σ = 0.05; the ring of the 9-method table has
radius 2 and σ = 0.02, σ/radius = 0.01 as PacGAN's ring of radius 1 and σ = 0.01).

Measured at default size (5 seeds, 3×64, batch 128, 2000 generator steps; mean ± SE of modes over seeds):

  25 Gaussians     modes        per seed            HQ %   reverse KL   W2
  sim_gda (SGD)    19.6 ± 0.5   18 21 20 20 19      1.6    0.070        1.36
  adam              9.6 ± 2.5    5 18 12  8  5      2.1    0.732        1.98
  mixed_langevin   17.0 ± 0.4   18 16 17 18 16      1.9    0.090        1.25
  mirror_gan       16.6 ± 2.9   21  5 19 20 18      1.6    0.259        1.51
  mirror_prox_gan  17.8 ± 0.9   17 20 19 18 15      1.5    0.043        1.30

CPU 84.5 s for the run (89.1 s for the process; load 3). Adam had 13.8 ± 2.4 in the previous tour; optim has
since reordered Adam's arithmetic (same update, other rounding), the likely reason: GAN trajectories part from tiny
differences (above).
No method has learnt the grid at 2000 steps (HQ ≤ 2%), so `mirror_gan_covers_modes`, `mirror_prox_gan_covers_modes`
(≥ 24), `pure_strategies_miss_modes` (Mirror-GAN − max(SGD, Adam) per seed: −3.0 ± 3.3), `mixed_beats_sgd`
(−2.6 ± 0.8) and `adam_beats_sgd` (−10.0 ± 2.0) do not reproduce here: the setup (the paper: 3×512 networks,
10⁵ iterations, its own hyperparameters), not a defect (above).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import torch
from torch import nn

from saddle.claims import NOT_MEASURED_KEY
from saddle.data.toy import eight_gaussians, grid_centers, ring_centers, twenty_five_gaussians
from saddle.experiments.base import Claim, Experiment, ExperimentConfig, RunOutput, check_positive
from saddle.gans import (
    BatchNormMLPGenerator,
    DiracCritic,
    DiracGenerator,
    GANGame,
    GANTrainer,
    MaxoutCritic,
    ParticleCritic,
    ParticleGenerator,
    StackedModules,
    health_evaluator,
    log_paths,
    plot_health,
    stacked_mlp_gan,
    train_gan,
)
from saddle.metrics import mode_coverage, wasserstein
from saddle.metrics.stats import mean_se, paired_difference
from saddle.optim import METHODS, LangevinMirrorDescent, SimultaneousAdam
from saddle.validation import check_choice

#: mode centres and component std of each dataset: the 2D-grid and 2D-ring of VEEGAN/PacGAN (grid {−4,…,4}²
#: with σ = 0.05; ring of radius 2 with σ = 0.02, i.e. σ/radius = 0.01 as PacGAN's ring of radius 1 and σ = 0.01;
#: `saddle.data.toy`'s default ring is 2.8 times wider, σ = 0.0566, which makes the 3σ mode metric easier)
DATASETS = {
    "25gaussians": (lambda: grid_centers(5, 2.0), 0.05),
    "8gaussians": (lambda: ring_centers(8, 2.0), 0.02),
}
_SAMPLERS = {"25gaussians": twenty_five_gaussians, "8gaussians": eight_gaussians}
#: PacGAN's own two datasets (their config.py): the grid as above, the ring of radius 1 with σ = 0.01
PACGAN_DATASETS = {
    "grid": (lambda: grid_centers(5, 2.0), 0.05, "25gaussians", 1.0),
    "ring": (lambda: ring_centers(8, 1.0), 0.01, "8gaussians", 0.5),
}


def sample_data(dataset: str, n: int, generator: torch.Generator | None) -> torch.Tensor:
    """n samples (n, 2) of one dataset of DATASETS, with its component std."""
    return _SAMPLERS[dataset](n, generator, std=DATASETS[dataset][1])


def sample_pacgan(dataset: str, n: int, generator: torch.Generator | None) -> torch.Tensor:
    """n samples of PacGAN's grid or ring (radius 1, σ = 0.01: the radius-2 ring scaled by ½)."""
    _, std, base, scale = PACGAN_DATASETS[dataset]
    return scale * _SAMPLERS[base](n, generator, std=std / scale)


METHOD_NAMES = (
    "sim_gda",
    "alt_gda",
    "ogda",
    "seg_plus",
    "adam",
    "extra_adam",
    "optimistic_adam",
    "mixed_langevin",
    "mirror_gan",
    "mirror_prox_gan",
)
#: the figure's panels (seed 000) by method
PANELS = {"sim_gda": "SGD", "adam": "Adam", "mirror_gan": "Mirror-GAN", "mirror_prox_gan": "Mirror-Prox-GAN"}
DEFAULT_METHODS = ("sim_gda", "adam", "mixed_langevin", "mirror_gan", "mirror_prox_gan")


@dataclass
class Config(ExperimentConfig):
    methods: list[str] = field(default_factory=lambda: list(DEFAULT_METHODS))
    datasets: list[str] = field(default_factory=lambda: ["25gaussians"])
    seeds: int = 5
    steps: int = 2000
    batch_size: int = 128
    hidden: int = 64
    latent_dim: int = 2
    sgd_step_size: float = 0.02
    adam_step_size: float = 1e-3
    seg_alpha: float = 0.5
    n_particles: int = 4
    temperature: float = 1e-6  # T = ε², ε = 1e-3 (MixedNE-LD's public code, `--epsilon`)
    mirror_inner_steps: int = 1  # K: the warm-up K_t = ⌊(1 + 10⁻⁵)^t⌋ is 1 for t < 69,315 (module doc)
    mirror_beta: float = 0.9  # damping β (MixedNE-LD's public code, `--beta`)
    #: SGLD step γ of the mirror methods; 0: sgd_step_size / c(K, β), so that an outer step moves like a GDA step
    mirror_step_size: float = 0.0
    ema_decay: float = 0.0
    n_eval: int = 2500
    n_w2: int = 500
    health_every: int = 250
    health_iters: int = 6
    dirac_steps: int = 400
    dirac_step_size: float = 0.1
    pacgan_packings: list[int] = field(default_factory=list)
    pacgan_datasets: list[str] = field(default_factory=lambda: ["grid", "ring"])
    pacgan_seeds: int = 5
    pacgan_steps: int = 400_000
    pacgan_batch: int = 100

    def validate(self) -> None:
        for value in self.methods:
            check_choice("methods", value, METHOD_NAMES)
        for value in self.datasets:
            check_choice("datasets", value, DATASETS)
        for value in self.pacgan_datasets:
            check_choice("pacgan_datasets", value, PACGAN_DATASETS)
        check_positive(
            self,
            "seeds",
            "steps",
            "batch_size",
            "hidden",
            "latent_dim",
            "sgd_step_size",
            "adam_step_size",
            "seg_alpha",
            "n_particles",
            "mirror_inner_steps",
            "mirror_beta",
            "n_eval",
            "n_w2",
            "health_every",
            "health_iters",
            "dirac_steps",
            "dirac_step_size",
            "pacgan_packings",
            "pacgan_seeds",
            "pacgan_steps",
            "pacgan_batch",
        )
        check_positive(self, "temperature", "ema_decay", "mirror_step_size", allow_zero=True)
        if self.ema_decay >= 1:
            raise ValueError(f"ema_decay must be in [0, 1), got {self.ema_decay}")
        if not self.methods or not self.datasets:
            raise ValueError("methods and datasets must be non-empty")
        if self.seg_alpha > 1:
            raise ValueError(f"seg_alpha must be in (0, 1], got {self.seg_alpha}")
        if self.mirror_beta > 1:
            raise ValueError(f"mirror_beta must be in (0, 1], got {self.mirror_beta}")
        for name, per_outer in (("mirror_gan", 1), ("mirror_prox_gan", 2)):
            if name in self.methods and self.steps % (per_outer * self.mirror_inner_steps):
                raise ValueError(
                    f"steps {self.steps} must be a multiple of {per_outer * self.mirror_inner_steps} for {name} (so that "
                    "it ends on an outer iterate, not inside a Langevin chain)"
                )
        if self.batch_size % self.n_particles:
            raise ValueError(f"batch_size {self.batch_size} must be a multiple of n_particles {self.n_particles}")


def method_factory(name: str, config: Config, generator: torch.Generator | list[torch.Generator]) -> Callable:
    """The Method of each name as a factory projection -> Method, built through METHODS with this experiment's
    settings (Adam family with betas (0.5, 0.9), GAN practice)."""
    betas = (0.5, 0.9)
    k_mirror = config.mirror_inner_steps
    langevin: dict[str, Any] = {"temperature": config.temperature, "generator": generator}
    mirror_step = config.mirror_step_size or config.sgd_step_size / LangevinMirrorDescent.drift_factor(
        k_mirror, config.mirror_beta
    )
    mirror = {**langevin, "inner_steps": k_mirror, "beta": config.mirror_beta}
    table: dict[str, tuple[str, float, dict[str, Any]]] = {
        "sim_gda": ("sim_gda", config.sgd_step_size, {}),
        "alt_gda": ("alt_gda", config.sgd_step_size, {}),
        "ogda": ("ogda", config.sgd_step_size, {}),
        "seg_plus": ("seg_plus", config.sgd_step_size, {"alpha": config.seg_alpha}),
        "adam": ("sim_adam", config.adam_step_size, {"betas": betas}),
        "extra_adam": ("extra_adam", config.adam_step_size, {"betas": betas}),
        "optimistic_adam": ("optimistic_adam", config.adam_step_size, {"betas": betas}),
        "mixed_langevin": ("langevin_gda", config.sgd_step_size, langevin),
        "mirror_gan": ("langevin_mirror_descent", mirror_step, mirror),
        "mirror_prox_gan": ("langevin_mirror_prox", mirror_step, mirror),
    }
    entry, step_size, settings = table[name]
    info = METHODS[entry]
    return lambda p: info.build(step_size, projection=p, **settings)


def _stacked_networks(name: str, config: Config, seeds: list[int], device: torch.device) -> tuple[nn.Module, nn.Module]:
    """S seeds of one method's networks as one batched model; seed s initialised exactly as it would be alone."""
    hidden = (config.hidden,) * 3
    if name == "mixed_langevin":
        k = config.n_particles
        gens = [torch.Generator().manual_seed(s) for s in seeds]  # the generator's particles, then the critic's
        gen = ParticleGenerator(k, config.latent_dim, 2, hidden[:2], generator=gens)
        return gen.to(device), ParticleCritic(k, 2, hidden[:2], generator=gens).to(device)
    stacked_gen, stacked_critic = stacked_mlp_gan(seeds, config.latent_dim, 2, hidden)
    return stacked_gen.to(device), stacked_critic.to(device)


def train_method(
    name: str, dataset: str, config: Config, device: torch.device, out: RunOutput
) -> tuple[torch.Tensor, list[dict]]:
    """Train `seeds` GANs of one method as one batched model; returns (samples (S, n_eval, 2) on CPU, records)."""
    seeds = [config.seed + s for s in range(config.seeds)]
    gen, critic = _stacked_networks(name, config, seeds, device)
    noise = [torch.Generator().manual_seed(10_000 + s) for s in seeds]  # Langevin noise: one stream per seed
    trainer = GANTrainer(
        GANGame(gen, critic, "non_saturating"),
        method_factory(name, config, noise),
        lambda n, r: sample_data(dataset, n, r).to(device),
        lambda n, r: torch.randn(n, config.latent_dim, generator=r).to(device),
        batch_size=config.batch_size,
        ema_decay=config.ema_decay,
        generator=[torch.Generator().manual_seed(s) for s in seeds],
    )
    result = train_gan(
        trainer,
        config.steps,
        evaluate=health_evaluator(trainer, seed=config.seed, iters=config.health_iters),
        eval_every=min(config.health_every, config.steps),
        desc=f"{name} on {dataset}, {config.seeds} seeds",
        **log_paths(out.path, f"{dataset}_{name}"),
    )
    n_eval = config.n_eval - config.n_eval % (config.n_particles if name == "mixed_langevin" else 1)
    z = torch.stack(
        [torch.randn(n_eval, config.latent_dim, generator=torch.Generator().manual_seed(20_000 + s)) for s in seeds]
    )
    with torch.no_grad():
        return trainer.averaged_generator()(z.to(device)).cpu(), result.history


def _scores(x: torch.Tensor, real: torch.Tensor, centers: torch.Tensor, std: float, n_w2: int) -> dict[str, float]:
    finite = bool(torch.isfinite(x).all())
    cov = mode_coverage(x, centers, std) if finite else None
    return {
        "modes": cov.modes_captured if cov else 0,
        "hq": cov.high_quality if cov else 0.0,
        "reverse_kl": cov.reverse_kl if cov else float("inf"),
        "w2": wasserstein(x[:n_w2], real[:n_w2], p=2) if finite else float("inf"),
    }


def _table_row(runs: list[dict[str, float]]) -> dict[str, Any]:
    row: dict[str, Any] = {key: mean_se([float(r[key]) for r in runs]) for key in ("modes", "hq", "reverse_kl", "w2")}
    row["per_seed"] = {key: [r[key] for r in runs] for key in ("modes", "hq")}
    return row


def dirac_health(config: Config, out: RunOutput) -> list[dict]:
    """Simultaneous GD on the Dirac-GAN from (θ, ψ) = (1, 1) with its health every 10 steps (Mescheder et al. 2018:
    the iterates spiral out, the field is a rotation, the update radius is sqrt(1 + h²f′(0)²) at the equilibrium)."""
    zeros = lambda n, r: torch.zeros(n, 1, dtype=torch.float64)  # noqa: E731
    trainer = GANTrainer(
        GANGame(DiracGenerator(1.0), DiracCritic(1.0), "minimax"),
        lambda p: METHODS["sim_gda"].build(config.dirac_step_size, projection=p),
        zeros,
        zeros,
        batch_size=1,
    )
    every = max(1, config.dirac_steps // 40)
    return train_gan(
        trainer,
        config.dirac_steps,
        evaluate=health_evaluator(trainer, seed=config.seed, iters=2),
        eval_every=every,
        desc="Dirac-GAN health",
        **log_paths(out.path, "dirac_gan"),
    ).history


def _pacgan_sampler(dataset: str, device: torch.device) -> Callable[[int, torch.Generator], torch.Tensor]:
    return lambda n, r: sample_pacgan(dataset, n, r).to(device)


def pacgan_table(config: Config, device: torch.device, out: RunOutput) -> dict[str, Any]:
    """GAN (m = 1) and PacGANm on PacGAN's grid and ring at PacGAN's setup (module doc): modes, HQ, reverse KL."""
    table: dict[str, Any] = {}
    seeds = [config.seed + s for s in range(config.pacgan_seeds)]
    for dataset in config.pacgan_datasets:
        centers_fn, std, _, _ = PACGAN_DATASETS[dataset]
        centers = centers_fn()
        real = sample_pacgan(dataset, 2500, torch.Generator().manual_seed(30_000 + config.seed))
        rows: dict[str, Any] = {}
        for m in config.pacgan_packings:
            inits = [torch.Generator().manual_seed(s) for s in seeds]
            gen = StackedModules([BatchNormMLPGenerator(generator=g) for g in inits]).to(device)
            critic = StackedModules([MaxoutCritic(2 * m, generator=g) for g in inits]).to(device)
            trainer = GANTrainer(
                GANGame(gen, critic, "non_saturating", packing=m),
                lambda p: SimultaneousAdam(1e-4, betas=(0.8, 0.999), projection=p),
                _pacgan_sampler(dataset, device),
                lambda n, r: torch.randn(n, 2, generator=r).to(device),
                batch_size=config.pacgan_batch * m,  # their batch: 100 packed samples of m each
                generator=[torch.Generator().manual_seed(100 + s) for s in seeds],
            )
            train_gan(
                trainer,
                config.pacgan_steps,
                desc=f"PacGAN{m} on the {dataset}",
                **log_paths(out.path, f"pacgan{m}_{dataset}"),
            )
            gen.eval()  # BatchNorm's population statistics, as their figures
            z = torch.stack([torch.randn(2500, 2, generator=torch.Generator().manual_seed(40_000 + s)) for s in seeds])
            with torch.no_grad():
                x = gen(z.to(device)).cpu()
            rows[f"pacgan{m}" if m > 1 else "gan"] = _table_row(
                [_scores(x[s], real, centers, std, 500) for s in range(len(seeds))]
            )
        if "gan" in rows and "pacgan4" in rows:
            rows["pacgan4_minus_gan_modes"] = paired_difference(
                rows["pacgan4"]["per_seed"]["modes"], rows["gan"]["per_seed"]["modes"]
            )
        table[dataset] = rows
    return table


def _comparisons(config: Config, metrics: dict, not_measured: dict[str, str]) -> None:
    """The paired per-seed differences of modes on 25 Gaussians that the claims read (a method against the best of
    the others, seed by seed) into `metrics`; what this run's methods cannot measure into `not_measured`."""
    grid = metrics.get("25gaussians", {})
    per_seed = {name: grid[name]["per_seed"]["modes"] for name in config.methods if name in grid}
    comparisons = {
        "pure_miss_modes_25": ("mirror_gan", ("sim_gda", "adam")),
        "prox_pure_miss_modes_25": ("mirror_prox_gan", ("sim_gda", "adam")),
        "mixed_minus_sgd_modes_25": ("mixed_langevin", ("sim_gda",)),
        "adam_minus_sgd_modes_25": ("adam", ("sim_gda",)),
    }
    for key, (better, others) in comparisons.items():
        if better in per_seed and all(o in per_seed for o in others):
            best_other = [max(vals) for vals in zip(*(per_seed[o] for o in others))]
            metrics[key] = paired_difference(per_seed[better], best_other)
        else:
            not_measured[key] = f"needs methods {better} and {', '.join(others)} on 25gaussians"
    for name in ("mirror_gan", "mirror_prox_gan"):
        if name not in grid:
            not_measured[f"25gaussians.{name}"] = f"method {name} not in this run's `methods`"


def _health_figure(config: Config, out: RunOutput, histories: dict[tuple[str, str], list[dict]]) -> None:
    """The game's health along the Dirac-GAN's simultaneous GD and along one method's run on 25 Gaussians."""
    import matplotlib.pyplot as plt

    dirac = dirac_health(config, out)
    shown = next((m for m in ("mirror_gan", "sim_gda", *config.methods) if ("25gaussians", m) in histories), None)
    fig, axes = plt.subplots(2, 3, figsize=(15, 8))
    plot_health(axes[0], dirac, f"Dirac-GAN, sim GD h = {config.dirac_step_size}", "C3")
    if shown is not None:
        plot_health(axes[1], histories[("25gaussians", shown)], f"25 Gaussians, {shown} (mean of {config.seeds} seeds)")
    else:
        for ax in axes[1]:
            ax.axis("off")
    fig.tight_layout()
    out.savefig(
        fig,
        "health",
        "The game's health along two runs. Top: simultaneous GD on the Dirac-GAN from (θ, ψ) = (1, 1) — ‖V‖ of "
        "each player, the potential ‖S v‖ and rotational ‖A v‖ parts of the game Jacobian on a random unit v, and "
        "the spectral radius of the update map (1 is the black line; at the equilibrium it is sqrt(1 + h²/4)). "
        "Bottom: the same on 25 Gaussians for one method, means over the seeds, on a fresh batch each time.",
    )


def run(config: Config, out: RunOutput) -> dict:
    """Every method on every dataset for `seeds` seeds: modes, HQ, reverse KL, W2; samples, health; PacGAN's table."""
    import matplotlib.pyplot as plt

    device = torch.device(config.device)
    metrics: dict = {}
    samples: dict[tuple[str, str], torch.Tensor] = {}
    histories: dict[tuple[str, str], list[dict]] = {}
    for dataset in config.datasets:
        centers_fn, std = DATASETS[dataset]
        centers = centers_fn()
        reference = torch.Generator().manual_seed(10_000 + config.seed)
        real = sample_data(dataset, config.n_eval, reference)
        real_cov = mode_coverage(real, centers, std)
        table: dict = {
            "real_data": {
                "modes": real_cov.modes_captured,
                "hq": real_cov.high_quality,
                "reverse_kl": real_cov.reverse_kl,
                "w2": wasserstein(real[: config.n_w2], sample_data(dataset, config.n_w2, reference), p=2),
            }
        }
        for name in config.methods:
            x, history = train_method(name, dataset, config, device, out)
            samples[(dataset, name)], histories[(dataset, name)] = x[0], history
            table[name] = _table_row([_scores(x[s], real, centers, std, config.n_w2) for s in range(len(x))])
            row = table[name]
            out.log.info(
                "%s on %s: modes %.1f ± %.1f, HQ %.1f%%, reverse KL %.3f, W2 %.3f",
                name,
                dataset,
                row["modes"].mean,
                row["modes"].se,
                100 * row["hq"].mean,
                row["reverse_kl"].mean,
                row["w2"].mean,
            )
        metrics[dataset] = table
    not_measured = {d: "dataset not in this run's `datasets`" for d in DATASETS if d not in config.datasets}
    _comparisons(config, metrics, not_measured)
    if config.pacgan_packings:
        metrics["pacgan"] = pacgan_table(config, device, out)
    else:
        not_measured["pacgan"] = "PacGAN's table runs when `pacgan_packings` is set (full size)"
    metrics[NOT_MEASURED_KEY] = not_measured

    for dataset in config.datasets:
        _plot_samples(plt, out, config, dataset, samples, metrics[dataset], histories)
    _health_figure(config, out, histories)
    return metrics


def _plot_samples(
    plt: Any, out: RunOutput, config: Config, dataset: str, samples: dict, table: dict, histories: dict
) -> None:
    """One column per method: its samples (top) and, under them, its game's health (‖V‖ per player, ‖S v‖ and
    ‖A v‖, the update map's spectral radius; means over the seeds)."""
    centers = DATASETS[dataset][0]()
    n = len(config.methods)
    fig, axes = plt.subplots(4, n, figsize=(3.6 * n, 13.5), squeeze=False, height_ratios=(1.3, 1, 1, 1))
    lim = 5.5 if dataset == "25gaussians" else 3.0
    for col, name in enumerate(config.methods):
        ax = axes[0, col]
        x = samples[(dataset, name)]
        row = table[name]
        ax.scatter(x[:, 0], x[:, 1], s=2, alpha=0.4, label="generated")
        ax.scatter(centers[:, 0], centers[:, 1], s=14, c="r", marker="x", label="mode centres")
        label = PANELS.get(name, name)
        ax.set(
            xlim=(-lim, lim),
            ylim=(-lim, lim),
            xlabel="x₁",
            ylabel="x₂",
            title=f"{label}: {row['modes'].mean:.1f} modes, HQ {100 * row['hq'].mean:.0f}%",
        )
        ax.set_aspect("equal")
        plot_health(axes[1:, col], histories[(dataset, name)], label, f"C{col}")
    axes[0, 0].legend(fontsize=7, loc="lower left")
    fig.tight_layout()
    out.savefig(
        fig,
        f"samples_{dataset}",
        f"{dataset}, one column per method. Top: {config.n_eval} generated samples after {config.steps} generator "
        f"steps (seed {config.seed}); red crosses: mode centres; titles: modes captured (a sample within 3σ) and % "
        f"high-quality samples, mean over {config.seeds} seeds. Same networks and loss for every method: only the "
        "algorithm differs (seed 000, 'algorithms matter': SGD, Adam, Mirror-GAN, Mirror-Prox-GAN). Below, the "
        f"game's health along the run every {min(config.health_every, config.steps)} steps on a fresh batch, means "
        "over the seeds: each player's gradient norm ‖V_G‖ (solid), ‖V_D‖ (dotted); the potential ‖S v‖ (solid) and "
        "rotational ‖A v‖ (dashed) parts of the game Jacobian on a random unit v; the spectral radius of the "
        "method's whole update map (for the mirror methods: one SGLD step; 1 is the black line).",
    )


_NOTES = "seed 000, 'Application to 25 Gaussians: algorithms matter' (Hsieh et al. 2019, Fig. 1)"
_PACGAN = "PacGAN (Lin et al. 2018), Table 1: PacGAN4 24.8 ± 0.2 modes, 93.6 ± 0.6% HQ (grid); 7.8 ± 0.1 (ring)"
_PACGAN_BUDGET = (
    "PacGAN's setup trains 400,000 Adam steps of a 4×400 BatchNorm generator against a 3×200 maxout critic per run "
    "(hours of CPU per run; 40 runs in their table)"
)
CLAIMS = (
    Claim(
        "true_samples_cover_25_modes",
        "the mode metric gives all 25 modes to samples of the data itself",
        "VEEGAN/PacGAN mode metric",
        "25gaussians.real_data.modes",
        ">=",
        25,
    ),
    Claim(
        "mirror_gan_covers_modes",
        "Mirror-GAN captures the 25 modes: ≥ 24/25 on average over the seeds",
        _NOTES,
        "25gaussians.mirror_gan.modes",
        ">=",
        24,
        at_quick=False,
        sigmas=2.0,
        min_n=5,
    ),
    Claim(
        "mirror_prox_gan_covers_modes",
        "Mirror-Prox-GAN captures the 25 modes: ≥ 24/25 on average over the seeds",
        _NOTES,
        "25gaussians.mirror_prox_gan.modes",
        ">=",
        24,
        at_quick=False,
        sigmas=2.0,
        min_n=5,
    ),
    Claim(
        "pure_strategies_miss_modes",
        "the pure-strategy methods miss modes the mixed-strategy one captures: per seed, Mirror-GAN captures more "
        "modes than the better of SGD and Adam",
        _NOTES,
        "pure_miss_modes_25",
        ">",
        0,
        at_quick=False,
        sigmas=2.0,
        min_n=5,
    ),
    Claim(
        "mixed_beats_sgd",
        "the mixed-strategy (Langevin particle) GAN captures more modes than SGD, seed by seed",
        _NOTES,
        "mixed_minus_sgd_modes_25",
        ">",
        0,
        at_quick=False,
        sigmas=2.0,
        min_n=5,
    ),
    Claim(
        "adam_beats_sgd",
        "Adam captures more modes than SGD on 25 Gaussians, seed by seed",
        _NOTES,
        "adam_minus_sgd_modes_25",
        ">",
        0,
        at_quick=False,
        sigmas=2.0,
        min_n=5,
    ),
    Claim(
        "pacgan4_covers_grid",
        "PacGAN4 captures ≥ 24 of the grid's 25 modes (their 24.8 ± 0.2)",
        _PACGAN,
        "pacgan.grid.pacgan4.modes",
        ">=",
        24,
        sigmas=2.0,
        min_n=5,
        full_only=_PACGAN_BUDGET,
    ),
    Claim(
        "pacgan4_grid_quality",
        "PacGAN4 puts ≥ 90% of its samples within 3σ of a grid mode (their 93.6 ± 0.6%)",
        _PACGAN,
        "pacgan.grid.pacgan4.hq",
        ">=",
        0.9,
        sigmas=2.0,
        min_n=5,
        full_only=_PACGAN_BUDGET,
    ),
    Claim(
        "packing_helps",
        "packing helps: PacGAN4 captures more grid modes than the GAN with the same networks (17.3 ± 0.8 → 24.8)",
        _PACGAN,
        "pacgan.grid.pacgan4_minus_gan_modes",
        ">",
        0,
        sigmas=2.0,
        min_n=5,
        full_only=_PACGAN_BUDGET,
    ),
    Claim(
        "pacgan4_covers_ring",
        "PacGAN4 captures ≥ 7.5 of the ring's 8 modes (their 7.8 ± 0.1)",
        _PACGAN,
        "pacgan.ring.pacgan4.modes",
        ">=",
        7.5,
        sigmas=2.0,
        min_n=5,
        full_only=_PACGAN_BUDGET,
    ),
)

EXPERIMENT = Experiment(
    name="gan_mixtures",
    summary="GANs on 25 Gaussians: SGD, Adam, Mirror-GAN, Mirror-Prox-GAN and more; PacGAN's table",
    config=Config,
    run=run,
    claims=CLAIMS,
    quick={
        "seeds": 2,
        "steps": 40,
        "hidden": 16,
        "batch_size": 32,
        "n_eval": 400,
        "n_w2": 200,
        "health_every": 20,
        "health_iters": 3,
        "dirac_steps": 40,
    },
    full={
        "methods": list(METHOD_NAMES),
        "datasets": list(DATASETS),
        "steps": 10_000,
        "hidden": 128,
        "batch_size": 256,
        "n_particles": 8,
        "n_w2": 1000,
        "health_every": 500,
        "pacgan_packings": [1, 2, 3, 4],
    },
    reproduces="seed 000 '25 Gaussians: algorithms matter'; seed 001 ExtraAdam; Hsieh et al. 2019; PacGAN Table 1",
)
