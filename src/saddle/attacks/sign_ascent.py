"""Multi-step sign ascent ("iterative FGSM", BIM): η^{k+1} = Π(η^k + α sign(∇f(η^k))) (seed 001; Kurakin et al. 2017)."""

from __future__ import annotations

from collections.abc import Callable

import torch

from saddle.attacks.ascent import SignAscent
from saddle.attacks.objectives import Objective
from saddle.attacks.pgd import ProjectedGradientAttack
from saddle.schedules import Schedule
from saddle.sets import Box

__all__ = ["iterative_sign_attack"]


def iterative_sign_attack(
    eps: float,
    steps: int = 10,
    step_size: float | Schedule | None = None,
    norm: str | float = "linf",
    random_start: bool = False,
    loss: str | Objective | Callable = "ce",
    targeted: bool = False,
    box: tuple[float, float] | Box | None = (0.0, 1.0),
    generator: torch.Generator | None = None,
) -> ProjectedGradientAttack:
    """Repeated FGSM steps of size α (default ε / steps · 1.25, Kurakin et al. use α = 1/255) projected on the ball.

    The majorisation-minimisation view of seed 001 ("multiple steps of FGSM"): with the l∞ ball this is
    PGD with the sign rule and no random start; with another norm the sign step is kept and only the
    projection changes. Returns a `ProjectedGradientAttack` configured with `SignAscent`.
    """
    size = step_size if step_size is not None else 1.25 * eps / steps if eps > 0 else None
    return ProjectedGradientAttack(
        eps,
        norm=norm,
        steps=steps,
        step_size=size,
        random_start=random_start,
        loss=loss,
        targeted=targeted,
        box=box,
        generator=generator,
        ascent=SignAscent(),
    )
