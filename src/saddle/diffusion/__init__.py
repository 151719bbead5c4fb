"""saddle.diffusion: score matching, Tweedie, forward processes (VE/VP/sub-VP SDEs, DDPM), samplers,
classifier-free guidance and small ε-networks. Model, schedule and sampler loop are kept apart."""

from saddle.diffusion.ddpm import DDPMSchedule
from saddle.diffusion.guidance import drop_labels, guided_eps_fn, model_eps_fn
from saddle.diffusion.mixtures import GaussianMixture
from saddle.diffusion.networks import DigitsScoreNet, ScoreMLP, SinusoidalTimeEmbedding
from saddle.diffusion.process import SDE, NoiseProcess
from saddle.diffusion.samplers import (ancestral, ddim, eps_from_score, predictor_corrector, probability_flow_heun,
                                       probability_flow_rk45, reverse_sde_euler_maruyama)
from saddle.diffusion.score_matching import (denoising_score_matching_loss, hyvarinen_loss,
                                             sliced_score_matching_loss, tweedie_denoise)
from saddle.diffusion.sde import VESDE, VPSDE, SubVPSDE
from saddle.diffusion.training import epsilon_loss, train_epsilon_model

__all__ = ["DDPMSchedule", "DigitsScoreNet", "GaussianMixture", "NoiseProcess", "SDE", "ScoreMLP",
           "SinusoidalTimeEmbedding", "SubVPSDE", "VESDE", "VPSDE", "ancestral", "ddim",
           "denoising_score_matching_loss", "drop_labels", "eps_from_score", "epsilon_loss", "guided_eps_fn",
           "hyvarinen_loss", "model_eps_fn", "predictor_corrector", "probability_flow_heun",
           "probability_flow_rk45", "reverse_sde_euler_maruyama", "sliced_score_matching_loss",
           "train_epsilon_model", "tweedie_denoise"]
