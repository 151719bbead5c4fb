"""GAN losses as a two-player game: each returns (L_G, L_D), the generator's and the critic's own losses.

Inputs are the critic's raw outputs (logits / scores) on a real batch, d_real (B,) or (B, 1), and on a
generated batch, d_fake. Goodfellow et al. 2014 (min-max and non-saturating), Arjovsky et al. 2017 (WGAN,
seed 001 eq. 11), Lim & Ye 2017 / Miyato et al. 2018 (hinge); seed 004 for the non-saturating generator loss.
"""

from __future__ import annotations

from collections.abc import Callable

import torch.nn.functional as F
from torch import Tensor

__all__ = [
    "GAN_LOSSES",
    "hinge_losses",
    "minimax_losses",
    "non_saturating_losses",
    "vanilla_value",
    "wasserstein_losses",
]

LossPair = tuple[Tensor, Tensor]


def vanilla_value(d_real: Tensor, d_fake: Tensor) -> Tensor:
    """V(D, G) = E log D(x) + E log(1 − D(G(z))) with D = σ(logit) (Goodfellow et al. 2014, eq. 1).

    log σ(t) = −softplus(−t) and log(1 − σ(t)) = −softplus(t), stable for large |t|.
    At the optimal D*(x) = p_data/(p_data + p_g): V = −log 4 + 2 JSD(p_data ‖ p_g) (their Theorem 1).
    """
    return -F.softplus(-d_real).mean() - F.softplus(d_fake).mean()


def minimax_losses(d_real: Tensor, d_fake: Tensor) -> LossPair:
    """Zero-sum vanilla GAN: L_D = −V(D, G), L_G = V(D, G) (only E log(1 − D(G(z))) depends on G)."""
    value = vanilla_value(d_real, d_fake)
    return value, -value


def non_saturating_losses(d_real: Tensor, d_fake: Tensor) -> LossPair:
    """Non-saturating GAN: L_D = −V(D, G), L_G = −E log D(G(z)) = E softplus(−d_fake) (Goodfellow et al. 2014 §3)."""
    return F.softplus(-d_fake).mean(), -vanilla_value(d_real, d_fake)


def wasserstein_losses(d_real: Tensor, d_fake: Tensor) -> LossPair:
    """WGAN (seed 001 eq. 11): the critic maximises E d(x) − E d(G(z)); L_D = E d(G(z)) − E d(x), L_G = −E d(G(z))."""
    return -d_fake.mean(), d_fake.mean() - d_real.mean()


def hinge_losses(d_real: Tensor, d_fake: Tensor) -> LossPair:
    """Hinge GAN: L_D = E relu(1 − d(x)) + E relu(1 + d(G(z))), L_G = −E d(G(z)) (Miyato et al. 2018, eq. 17)."""
    return -d_fake.mean(), F.relu(1 - d_real).mean() + F.relu(1 + d_fake).mean()


#: name -> (d_real, d_fake) -> (L_G, L_D)
GAN_LOSSES: dict[str, Callable[[Tensor, Tensor], LossPair]] = {
    "minimax": minimax_losses,
    "non_saturating": non_saturating_losses,
    "wasserstein": wasserstein_losses,
    "hinge": hinge_losses,
}
