"""saddle.gans: GANs as two-player games stepped by any Method of saddle.optim (SPEC §4).

Losses (min-max / non-saturating vanilla, WGAN, hinge), critic regularisers (gradient penalty, R1, R2),
spectral normalisation, generator/critic MLPs for 2-D data and conv nets for 8×8 digits, the trainer
(`GANTrainer`: simultaneous or alternating, n_critic, per-player steps, weight clipping, EMA), PacGAN's packing
(`GANGame(..., packing=m)`) and networks, the mixed-strategy GAN's particle ensembles (Hsieh et al. 2019), and
seeds or particles of one architecture stacked into one batched model (`StackedModules`).
"""

from saddle.gans.dirac import DiracCritic, DiracGenerator
from saddle.gans.game import PENALTIES, GANGame, GANTrainer, MethodFactory, train_gan
from saddle.gans.health import HEALTH_KEYS, TrainerStep, gan_health, health_evaluator, log_paths, plot_health
from saddle.gans.losses import (
    GAN_LOSSES,
    hinge_losses,
    minimax_losses,
    non_saturating_losses,
    vanilla_value,
    wasserstein_losses,
)
from saddle.gans.mixed import ParticleCritic, ParticleGenerator
from saddle.gans.networks import (
    BatchNormMLPGenerator,
    ConvCritic8x8,
    ConvGenerator8x8,
    Maxout,
    MaxoutCritic,
    MLPCritic,
    MLPGenerator,
    SpectralNormStatus,
    spectral_norm_status,
    spectral_normalize,
    stacked_mlp_gan,
)
from saddle.gans.regularizers import gradient_penalty, input_gradient_norms, interpolates, r1_penalty, r2_penalty
from saddle.gans.stacked import StackedModules

__all__ = [
    "GAN_LOSSES",
    "HEALTH_KEYS",
    "PENALTIES",
    "BatchNormMLPGenerator",
    "ConvCritic8x8",
    "ConvGenerator8x8",
    "DiracCritic",
    "DiracGenerator",
    "GANGame",
    "GANTrainer",
    "MLPCritic",
    "MLPGenerator",
    "Maxout",
    "MaxoutCritic",
    "MethodFactory",
    "ParticleCritic",
    "ParticleGenerator",
    "SpectralNormStatus",
    "StackedModules",
    "TrainerStep",
    "gan_health",
    "gradient_penalty",
    "health_evaluator",
    "hinge_losses",
    "input_gradient_norms",
    "interpolates",
    "log_paths",
    "minimax_losses",
    "non_saturating_losses",
    "plot_health",
    "r1_penalty",
    "r2_penalty",
    "spectral_norm_status",
    "spectral_normalize",
    "stacked_mlp_gan",
    "train_gan",
    "vanilla_value",
    "wasserstein_losses",
]
