"""Samplers for score-based diffusion: one step each on explicit state, one loop (`sample`), a registry (`SAMPLERS`)."""

from saddle.diffusion.samplers.base import (
    EpsFn,
    EvaluationCounter,
    Sampler,
    SamplerState,
    call_eps,
    check_timesteps,
    eps_from_score,
    predict_x0,
    score_from_eps,
)
from saddle.diffusion.samplers.ddim import DDIM
from saddle.diffusion.samplers.dpm_solver import DPMSolverPP2M
from saddle.diffusion.samplers.edm import EDMHeun
from saddle.diffusion.samplers.euler_maruyama import EulerMaruyama, reverse_sde_step
from saddle.diffusion.samplers.loop import sample
from saddle.diffusion.samplers.predictor_corrector import PredictorCorrector, langevin_snr_step
from saddle.diffusion.samplers.probability_flow import ProbabilityFlowHeun, ode_velocity, probability_flow_rk45
from saddle.diffusion.samplers.registry import ALL_PROCESSES, SAMPLERS, SDE_PROCESSES, SamplerInfo

__all__ = [
    "ALL_PROCESSES",
    "DDIM",
    "SAMPLERS",
    "SDE_PROCESSES",
    "DPMSolverPP2M",
    "EDMHeun",
    "EpsFn",
    "EulerMaruyama",
    "EvaluationCounter",
    "PredictorCorrector",
    "ProbabilityFlowHeun",
    "Sampler",
    "SamplerInfo",
    "SamplerState",
    "call_eps",
    "check_timesteps",
    "eps_from_score",
    "langevin_snr_step",
    "ode_velocity",
    "predict_x0",
    "probability_flow_rk45",
    "reverse_sde_step",
    "sample",
    "score_from_eps",
]
