"""The Metropolis–Hastings pieces shared by the exact kernels (MALA, HMC): the accept test, the Gaussian proposal
log-density, and the accept/reject selection of a whole state.

Accept y from x with probability min(1, π(y) q(x|y) / (π(x) q(y|x))) (Metropolis et al. 1953; Hastings 1970):
with the log-ratio r, draw U ~ U(0, 1) and accept iff log U < r. Seed 004 "Hamiltonian Monte Carlo", blackjax
`mcmc/proposal.py` for the split into shared pieces. Seed 004 ("Metropolis-Hastings") prints the ratio inverted,
p(θ|S) Π̃(θ'|θ) / (p(θ'|S) Π̃(θ|θ')); Hastings (1970), whose acceptance makes π(x) q(y|x) α(y|x) symmetric in
(x, y) — the detailed balance the same slide states — decides it: the target density of the proposed point goes up.
"""

from __future__ import annotations

import math
from typing import NamedTuple, TypeVar

import torch
from torch import Tensor

from saddle.validation import check_generator, check_tensor

__all__ = ["gaussian_proposal_logdensity", "metropolis_accept", "select_accepted"]

StateT = TypeVar("StateT", bound=NamedTuple)


def metropolis_accept(log_ratio: Tensor, generator: torch.Generator | None) -> tuple[Tensor, Tensor]:
    """Metropolis–Hastings test per chain: returns (min(1, e^r), accepted = log U < r) for r = `log_ratio` (n_chains,).

    NaN ratios (a proposal where the potential is undefined) are rejected. U is drawn from `generator`.
    """
    check_tensor("log_ratio", log_ratio, finite=False, nonempty=False)
    check_generator(generator, allow_none=True)
    log_ratio = torch.nan_to_num(log_ratio, nan=-math.inf)
    prob = torch.exp(torch.clamp(log_ratio, max=0.0))
    u = torch.rand(log_ratio.shape, generator=generator, dtype=log_ratio.dtype, device=log_ratio.device)
    return prob, torch.log(u) < log_ratio


def gaussian_proposal_logdensity(y: Tensor, mean: Tensor, variance: float) -> Tensor:
    """log q(y) = −‖y − mean‖² / (2 variance) + const for q = N(mean, variance·I); y, mean (n, d) → (n,).

    The constant cancels in the Hastings ratio of a proposal with fixed variance (MALA: mean x − h∇f(x), variance 2h).
    """
    return -((y - mean) ** 2).sum(-1) / (2.0 * variance)


def select_accepted(accepted: Tensor, proposal: StateT, current: StateT) -> StateT:
    """The next state field by field: the proposal's entry for accepted chains, the current one otherwise.

    accepted (n_chains,) bool; every field has a leading chain dimension (positions (n, d), potentials (n,), ...).
    """

    def pick(new: Tensor, old: Tensor) -> Tensor:
        return torch.where(accepted.reshape(-1, *([1] * (new.ndim - 1))), new, old)

    return current._make(pick(new, old) for new, old in zip(proposal, current))
