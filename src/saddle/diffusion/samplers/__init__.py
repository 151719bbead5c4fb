"""Samplers for score-based diffusion: each steps an ε-model through a decreasing timestep array."""

from saddle.diffusion.samplers.ancestral import ancestral
from saddle.diffusion.samplers.base import EpsFn, check_timesteps, eps_from_score, predict_x0, score_from_eps
from saddle.diffusion.samplers.ddim import ddim
from saddle.diffusion.samplers.euler_maruyama import reverse_sde_euler_maruyama, reverse_sde_step
from saddle.diffusion.samplers.predictor_corrector import langevin_snr_step, predictor_corrector
from saddle.diffusion.samplers.probability_flow import ode_velocity, probability_flow_heun, probability_flow_rk45

__all__ = ["EpsFn", "ancestral", "check_timesteps", "ddim", "eps_from_score", "langevin_snr_step",
           "ode_velocity", "predict_x0", "predictor_corrector", "probability_flow_heun", "probability_flow_rk45",
           "reverse_sde_euler_maruyama", "reverse_sde_step", "score_from_eps"]
