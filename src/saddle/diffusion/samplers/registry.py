"""SAMPLERS: every fixed-grid diffusion sampler with the facts generic tests, benchmarks and experiments need.

Like `saddle.optim.METHODS` (and torch's OptimizerInfo): one entry per sampler, quirks as data on the entry.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from saddle.diffusion.samplers.base import Sampler
from saddle.diffusion.samplers.ddim import DDIM
from saddle.diffusion.samplers.dpm_solver import DPMSolverPP2M
from saddle.diffusion.samplers.edm import EDMHeun
from saddle.diffusion.samplers.euler_maruyama import EulerMaruyama
from saddle.diffusion.samplers.predictor_corrector import PredictorCorrector
from saddle.diffusion.samplers.probability_flow import ProbabilityFlowHeun

__all__ = ["ALL_PROCESSES", "SAMPLERS", "SDE_PROCESSES", "SamplerInfo"]

SDE_PROCESSES = ("vp", "subvp", "ve")
ALL_PROCESSES = (*SDE_PROCESSES, "ddpm")


@dataclass(frozen=True)
class SamplerInfo:
    """What a generic test, benchmark or experiment needs to know about a sampler.

    factory() builds it with its registered settings; nfe_per_step: network evaluations per grid step
    (a Heun step to σ = 0 uses one less); stochastic: draws noise from the generator; processes: the keys of
    `saddle.diffusion.PROCESSES` it runs on (others raise ValueError); moment_steps: grid steps at which
    its discretisation bias on Gaussian data is below the Monte-Carlo error of the generic moment test;
    variance_inflation: its known stationary bias on that test (the PC corrector's Langevin step keeps a
    fixed SNR step ε ≈ 2r²v, and ULA on N(0, v) with step ε has variance v/(1 − ε/(2v)) = v/(1 − r²)).
    """

    name: str
    factory: Callable[[], Sampler]
    nfe_per_step: int
    stochastic: bool
    processes: tuple[str, ...]
    moment_steps: int = 200
    variance_inflation: float = 1.0

    def steps_for_nfe(self, nfe: int) -> int:
        """The number of grid steps that spends at most `nfe` evaluations (at least 1)."""
        return max(1, nfe // self.nfe_per_step)


SAMPLERS: dict[str, SamplerInfo] = {
    info.name: info
    for info in [
        SamplerInfo("euler_maruyama", EulerMaruyama, 1, True, SDE_PROCESSES, moment_steps=500),
        SamplerInfo(
            "predictor_corrector",
            PredictorCorrector,
            2,
            True,
            SDE_PROCESSES,
            moment_steps=500,
            variance_inflation=1 / (1 - 0.16**2),
        ),
        SamplerInfo("probability_flow_heun", ProbabilityFlowHeun, 2, False, SDE_PROCESSES, moment_steps=50),
        SamplerInfo("ddim", DDIM, 1, False, ALL_PROCESSES, moment_steps=500),
        SamplerInfo("ancestral", lambda: DDIM(eta=1.0), 1, True, ALL_PROCESSES, moment_steps=1000),
        SamplerInfo("dpm_solver_pp_2m", DPMSolverPP2M, 1, False, ALL_PROCESSES, moment_steps=50),
        SamplerInfo("edm", EDMHeun, 2, False, ALL_PROCESSES, moment_steps=50),
        SamplerInfo(
            "edm_churn",
            lambda: EDMHeun(s_churn=40.0, s_tmin=0.05, s_tmax=50.0, s_noise=1.003),
            2,
            True,
            ALL_PROCESSES,
            moment_steps=200,
        ),
    ]
}
