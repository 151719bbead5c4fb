"""Mode collapse on the 8-Gaussian ring and its diagnosis (seed 000, "Mode collapse (left)"; seed 001 GAN pitfalls).

Two GANs with the same MLPs on the ring: (a) the vanilla non-saturating GAN trained by simultaneous Adam with
a fast critic — the classic collapsing configuration — and (b) a WGAN-GP with n_critic alternating critic
steps (Gulrajani et al. 2017). The diagnosis is read from the generator's samples during training: the
modes captured (a sample within 3σ), the reverse KL of the nearest-mode histogram (log 8 = 2.08 nats for a
single mode, 0 for uniform coverage) and the dominant mode at each evaluation — a collapsed generator puts
most of its mass on one or a few modes, and "mode hopping" shows as a dominant mode that changes between
evaluations.

Quick size only checks the machinery (the ring's own samples cover all 8 modes). Measured (full size, seed 0,
3000 generator steps, 116 s): the vanilla GAN ends with 5/8 modes, HQ 67%, reverse KL 0.90 nats, 61% of the
samples on its dominant mode, and covers 2.7 modes on average over the 30 evaluations (3 changes of the
dominant mode); WGAN-GP ends with 8/8 modes, HQ 70%, reverse KL 0.002, 13% on the largest mode (7.8 modes
on average). Claims: 3/3 reproduced (the collapse "misses ≥ 2 modes" holds at the end, 5 ≤ 6; the remedy
covers 3 more modes). One seed: the size of the gap is not a statistic.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import torch
from torch import nn

from saddle.data.toy import ring_centers, sample_toy
from saddle.experiments.base import Claim, Experiment, ExperimentConfig, RunOutput, check_positive
from saddle.gans import GANGame, GANTrainer, MLPCritic, MLPGenerator, train_gan
from saddle.metrics import mode_coverage
from saddle.models import reinitialize_
from saddle.optim import SimultaneousAdam

RING_STD = 0.02 * 2**0.5 * 2


@dataclass
class Config(ExperimentConfig):
    steps: int = 3000
    eval_every: int = 100
    batch_size: int = 256
    hidden: int = 128
    latent_dim: int = 2
    lr_generator: float = 1e-4
    lr_critic: float = 1e-3
    n_critic: int = 5
    gp_weight: float = 10.0
    n_eval: int = 2000

    def validate(self) -> None:
        check_positive(
            self,
            "steps",
            "eval_every",
            "batch_size",
            "hidden",
            "latent_dim",
            "lr_generator",
            "lr_critic",
            "n_critic",
            "gp_weight",
            "n_eval",
        )


def run(config: Config, out: RunOutput) -> dict:
    """Train the collapsing and the remedied GAN; modes, reverse KL and dominant mode over training."""
    import matplotlib.pyplot as plt

    device = torch.device(config.device)
    centers = ring_centers(8, 2.0)
    eval_rng = torch.Generator().manual_seed(10_000 + config.seed)
    z_eval = torch.randn(config.n_eval, config.latent_dim, generator=eval_rng).to(device)
    real_cov = mode_coverage(sample_toy("8gaussians", config.n_eval, eval_rng), centers, RING_STD)
    setups = {  # (loss, penalty, mode, n_critic)
        "vanilla_fast_critic": ("non_saturating", "none", "simultaneous", 1),
        "wgan_gp": ("wasserstein", "gp", "alternating", config.n_critic),
    }
    metrics: dict = {"real_data_modes": real_cov.modes_captured}
    curves: dict[str, list[dict]] = {}
    final_samples: dict[str, torch.Tensor] = {}
    for name, (loss, penalty, mode, n_critic) in setups.items():
        rng = torch.Generator().manual_seed(config.seed)
        hidden = (config.hidden,) * 3
        gen = reinitialize_(MLPGenerator(config.latent_dim, 2, hidden), rng).to(device)
        critic = reinitialize_(MLPCritic(2, hidden), rng).to(device)
        trainer = GANTrainer(
            GANGame(gen, critic, loss, penalty=penalty, penalty_weight=config.gp_weight, rng=rng),
            lambda p: SimultaneousAdam(config.lr_generator, betas=(0.5, 0.9), projection=p),
            lambda n, r: sample_toy("8gaussians", n, r).to(device),
            lambda n, r: torch.randn(n, config.latent_dim, generator=r).to(device),
            batch_size=config.batch_size,
            mode=mode,
            n_critic=n_critic,
            lr_generator=config.lr_generator,
            lr_critic=config.lr_critic,
            rng=rng,
        )

        def evaluate(gen: nn.Module = gen) -> dict[str, float]:
            with torch.no_grad():
                x = gen(z_eval).cpu()
            cov = mode_coverage(x, centers, RING_STD)
            counts = torch.tensor(cov.counts)
            return {
                "modes": cov.modes_captured,
                "reverse_kl": cov.reverse_kl,
                "hq": cov.high_quality,
                "dominant_mode": int(counts.argmax()),
                "dominant_share": float(counts.max()) / len(x),
            }

        history = train_gan(
            trainer, config.steps, evaluate=evaluate, eval_every=config.eval_every, desc=f"mode collapse: {name}"
        ).history
        curve = [r for r in history if "modes" in r]
        curves[name] = curve
        with torch.no_grad():
            final_samples[name] = gen(z_eval).cpu()
        dominant = [int(r["dominant_mode"]) for r in curve]
        metrics[name] = {
            "final_modes": curve[-1]["modes"],
            "final_reverse_kl": curve[-1]["reverse_kl"],
            "final_hq": curve[-1]["hq"],
            "final_dominant_share": curve[-1]["dominant_share"],
            "mean_modes": sum(r["modes"] for r in curve) / len(curve),
            "dominant_mode_changes": sum(a != b for a, b in itertools.pairwise(dominant)),
        }
        out.log.info(
            "%s: final modes %d, reverse KL %.3f, dominant share %.2f, %d changes of the dominant mode",
            name,
            curve[-1]["modes"],
            curve[-1]["reverse_kl"],
            curve[-1]["dominant_share"],
            metrics[name]["dominant_mode_changes"],
        )
    metrics["remedy_minus_collapse_modes"] = (
        metrics["wgan_gp"]["final_modes"] - metrics["vanilla_fast_critic"]["final_modes"]
    )

    fig, axes = plt.subplots(1, 4, figsize=(18, 4.2))
    for i, name in enumerate(setups):
        x = final_samples[name]
        axes[i].scatter(x[:, 0], x[:, 1], s=2, alpha=0.4, label="generated")
        axes[i].scatter(centers[:, 0], centers[:, 1], c="r", marker="x", s=20, label="mode centres")
        axes[i].set(
            xlim=(-3, 3),
            ylim=(-3, 3),
            xlabel="x₁",
            ylabel="x₂",
            title=f"{name}: {metrics[name]['final_modes']} modes at the end",
        )
        axes[i].set_aspect("equal")
        axes[i].legend(fontsize=7, loc="lower left")
        steps = [r["step"] for r in curves[name]]
        axes[2].plot(steps, [r["modes"] for r in curves[name]], f"C{i}", label=name)
        axes[3].plot(steps, [r["reverse_kl"] for r in curves[name]], f"C{i}", label=name)
    axes[3].axhline(torch.log(torch.tensor(8.0)).item(), color="k", ls=":", lw=0.8, label="one mode (log 8)")
    axes[2].set(xlabel="generator step", ylabel="modes captured (of 8)", title="modes over training")
    axes[3].set(xlabel="generator step", ylabel="KL(q ‖ uniform) [nats]", title="reverse KL of the mode histogram")
    axes[2].legend(fontsize=7)
    axes[3].legend(fontsize=7)
    out.savefig(
        fig,
        "mode_collapse",
        "8-Gaussian ring. Left two panels: final samples of the vanilla non-saturating GAN with a 10× faster "
        "critic (simultaneous Adam) and of WGAN-GP (alternating, n_critic critic steps). Right: modes "
        "captured and reverse KL of the nearest-mode histogram over training; a collapsed generator sits "
        "near log 8 (all mass on one mode).",
    )
    return metrics


_SEED = "seed 000, 'Mode collapse' figure; seed 001 GAN training pitfalls"
CLAIMS = (
    Claim(
        "ring_metric_sane",
        "samples of the ring itself cover all 8 modes",
        "VEEGAN/PacGAN mode metric",
        "real_data_modes",
        ">=",
        8,
    ),
    Claim(
        "vanilla_collapses",
        "the vanilla GAN with a fast critic collapses: it misses at least 2 of the 8 modes",
        _SEED,
        "vanilla_fast_critic.final_modes",
        "<=",
        6,
        at_quick=False,
    ),
    Claim(
        "remedy_covers_more",
        "WGAN-GP covers more modes than the collapsing configuration",
        _SEED,
        "remedy_minus_collapse_modes",
        ">",
        0,
        at_quick=False,
    ),
)

EXPERIMENT = Experiment(
    name="mode_collapse",
    summary="Mode collapse on the ring: a collapsing vanilla GAN vs WGAN-GP, diagnosed by modes/KL",
    config=Config,
    run=run,
    claims=CLAIMS,
    quick={"steps": 80, "eval_every": 20, "hidden": 32, "batch_size": 64, "n_critic": 2, "n_eval": 500},
    reproduces="seed 000 mode-collapse figure",
)
