"""saddle.diffusion: score matching, Tweedie, forward processes (VE/VP/sub-VP SDEs, DDPM), timestep grids,
samplers (one step each + one loop + the SAMPLERS registry), classifier-free and classifier guidance, small
ε-networks and a noisy-digit classifier.
Model, schedule, update rule and loop are kept apart."""

from saddle.diffusion.ddpm import DDPMSchedule
from saddle.diffusion.guidance import (
    ClassifierFreeGuidance,
    ClassifierGuidance,
    Guidance,
    drop_labels,
    guided_eps_fn,
    model_eps_fn,
)
from saddle.diffusion.networks import DigitsScoreNet, NoisyDigitsClassifier, ScoreMLP, SinusoidalTimeEmbedding
from saddle.diffusion.process import SDE, NoiseProcess
from saddle.diffusion.samplers import (
    ALL_PROCESSES,
    DDIM,
    SAMPLERS,
    SDE_PROCESSES,
    DPMSolverPP2M,
    EDMHeun,
    EulerMaruyama,
    EvaluationCounter,
    PredictorCorrector,
    ProbabilityFlowHeun,
    Sampler,
    SamplerInfo,
    SamplerState,
    eps_from_score,
    probability_flow_rk45,
    sample,
)
from saddle.diffusion.score_matching import (
    denoising_score_matching_loss,
    hyvarinen_loss,
    sliced_score_matching_loss,
    tweedie_denoise,
)
from saddle.diffusion.sde import VESDE, VPSDE, SubVPSDE
from saddle.diffusion.timesteps import SPACINGS, karras_timesteps, uniform_timesteps
from saddle.diffusion.training import (
    ScoreTraining,
    epsilon_loss,
    train_epsilon_model,
    train_noisy_classifier,
    train_score_model,
)
from saddle.sampling.targets import GaussianMixture  # the one mixture (noised versions, exact scores)

PROCESSES: dict[str, type[NoiseProcess]] = {"vp": VPSDE, "subvp": SubVPSDE, "ve": VESDE, "ddpm": DDPMSchedule}

__all__ = [
    "ALL_PROCESSES",
    "DDIM",
    "PROCESSES",
    "SAMPLERS",
    "SDE",
    "SDE_PROCESSES",
    "SPACINGS",
    "VESDE",
    "VPSDE",
    "ClassifierFreeGuidance",
    "ClassifierGuidance",
    "DDPMSchedule",
    "DPMSolverPP2M",
    "DigitsScoreNet",
    "EDMHeun",
    "EulerMaruyama",
    "EvaluationCounter",
    "GaussianMixture",
    "Guidance",
    "NoiseProcess",
    "NoisyDigitsClassifier",
    "PredictorCorrector",
    "ProbabilityFlowHeun",
    "Sampler",
    "SamplerInfo",
    "SamplerState",
    "ScoreMLP",
    "ScoreTraining",
    "SinusoidalTimeEmbedding",
    "SubVPSDE",
    "denoising_score_matching_loss",
    "drop_labels",
    "eps_from_score",
    "epsilon_loss",
    "guided_eps_fn",
    "hyvarinen_loss",
    "karras_timesteps",
    "model_eps_fn",
    "probability_flow_rk45",
    "sample",
    "sliced_score_matching_loss",
    "train_epsilon_model",
    "train_noisy_classifier",
    "train_score_model",
    "tweedie_denoise",
    "uniform_timesteps",
]
