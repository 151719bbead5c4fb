"""saddle.sampling: Langevin samplers (ULA, MALA, underdamped BAOAB / Euler–Maruyama, projected, mirrored, SGLD),
HMC, targets with exact moments, and diagnostics (ESS, split R-hat, acceptance, W2).

Every kernel follows one protocol over a batch of chains (positions (n_chains, d)): `kernel.init(position)`
returns a `State` NamedTuple, `kernel.step(state, generator)` returns `(State, Info)`; `sample(kernel, initial,
n_steps, generator)` runs the loop. Targets are given as `potential=f` (π ∝ e^{−f}) or `logdensity_fn=log π`.
"""

from saddle.sampling.base import Energy, Kernel, Trace, as_energy, sample
from saddle.sampling.diagnostics import (
    ESS_METHODS,
    acceptance_rate,
    autocovariance,
    effective_sample_size,
    gaussian_w2,
    monte_carlo_se,
    split_rhat,
    w2_to_reference,
)
from saddle.sampling.hmc import HMC
from saddle.sampling.integrators import leapfrog
from saddle.sampling.mala import MALA
from saddle.sampling.metropolis import gaussian_proposal_logdensity, metropolis_accept, select_accepted
from saddle.sampling.mirrored import MirroredLangevin
from saddle.sampling.projected import ProjectedLangevin, project_simplex_corner
from saddle.sampling.sgld import SGLD
from saddle.sampling.targets import Banana, Dirichlet, Gaussian, GaussianMixture, Target
from saddle.sampling.ula import ULA
from saddle.sampling.underdamped import BAOAB, UnderdampedEulerMaruyama
from saddle.schedules import Constant, PolynomialDecay  # the one schedules module, re-exported

__all__ = [
    "BAOAB",
    "ESS_METHODS",
    "HMC",
    "MALA",
    "SGLD",
    "ULA",
    "Banana",
    "Constant",
    "Dirichlet",
    "Energy",
    "Gaussian",
    "GaussianMixture",
    "Kernel",
    "MirroredLangevin",
    "PolynomialDecay",
    "ProjectedLangevin",
    "Target",
    "Trace",
    "UnderdampedEulerMaruyama",
    "acceptance_rate",
    "as_energy",
    "autocovariance",
    "effective_sample_size",
    "gaussian_proposal_logdensity",
    "gaussian_w2",
    "leapfrog",
    "metropolis_accept",
    "monte_carlo_se",
    "project_simplex_corner",
    "sample",
    "select_accepted",
    "split_rhat",
    "w2_to_reference",
]
