"""The action-robust game of the notes: max_μ E_s min_ν Q(s, μ(s) + ν), in the two forms of
Tessler, Efroni & Mannor (ICML 2019) used by Kamalaruban et al. (NeurIPS 2020).

NR-MDP (noisy action): the executed action is a = (1 − α) μ(s) + α ν(s).
PR-MDP (probabilistic action): the adversary's action ν(s) is executed with probability α, else μ(s).
Seeds 000/002 write the inner problem once as a max over ν; the adversary minimises the agent's value in both
papers' games, and both papers' code trains it so (its loss is +Q(s, a), descended; Tessler et al.'s `ddpg.py`,
Kamalaruban et al.'s `ddpg.py`), so saddle uses min_ν.
Shapes: actions (S, B, k) for S seeds (any leading shape works for NR and the value).
"""

from __future__ import annotations

from collections.abc import Callable

import torch
from torch import Tensor

from saddle.rl.seeds import SeedStreams
from saddle.validation import check_choice, check_real

__all__ = ["ROBUST_FORMS", "check_robust_form", "nr_mdp_action", "pr_mdp_action", "robust_action", "robust_value"]

ROBUST_FORMS = ("nr", "pr")


def check_robust_form(form: str, alpha: float) -> tuple[str, float]:
    """Validate the form ('nr' or 'pr') and the adversary's weight α in [0, 1]."""
    return check_choice("robust form", form, ROBUST_FORMS), check_real("alpha", alpha, 0.0, 1.0, low_open=False)


def nr_mdp_action(mu: Tensor, nu: Tensor, alpha: float) -> Tensor:
    """NR-MDP executed action (1 − α) μ + α ν (any shape, equal)."""
    return torch.lerp(mu, nu, alpha)


def pr_mdp_action(mu: Tensor, nu: Tensor, alpha: float, generator: SeedStreams) -> Tensor:
    """PR-MDP executed action: per state, ν with probability α (one Bernoulli(α) coin per state, seed s's coins from
    seed s's stream), else μ. Shapes mu, nu (S, B, k)."""
    if mu.ndim != 3 or mu.shape[0] != len(generator):
        raise ValueError(f"PR-MDP actions need shape (S, B, k) with S = {len(generator)}, got {tuple(mu.shape)}")
    adversary = generator.rand(mu.shape[1], device=mu.device) < alpha
    return torch.where(adversary.unsqueeze(-1), nu, mu)


def robust_action(form: str, mu: Tensor, nu: Tensor, alpha: float, generator: SeedStreams) -> Tensor:
    """The executed action of the given form (see module doc)."""
    return nr_mdp_action(mu, nu, alpha) if form == "nr" else pr_mdp_action(mu, nu, alpha, generator)


def robust_value(
    form: str, q: Callable[[Tensor, Tensor], Tensor], obs: Tensor, mu: Tensor, nu: Tensor, alpha: float
) -> Tensor:
    """Expected Q of the executed action: NR Q(s, (1−α)μ + αν); PR (1 − α) Q(s, μ) + α Q(s, ν). Shape (S, B).

    This is the payoff Φ(θ, ω) = E_s robust_value of the game (actor maximises, adversary minimises) and,
    with target networks, the bootstrap value of the critic's target.
    """
    if form == "nr":
        return q(obs, nr_mdp_action(mu, nu, alpha))
    return (1.0 - alpha) * q(obs, mu) + alpha * q(obs, nu)
