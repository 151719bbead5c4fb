"""Adam on a game's field: every player takes an Adam step on its own gradient, simultaneously (Kingma & Ba 2015)."""

from __future__ import annotations

from saddle.optim.base import Projection, StepSizes
from saddle.optim.directions import AdamDirection
from saddle.optim.gda import SimultaneousGDA

__all__ = ["SimultaneousAdam"]


class SimultaneousAdam(SimultaneousGDA):
    """Simultaneous Adam = the GDA template × Adam's direction: z_{k+1} = P(z_k − γ m̂/(sqrt(v̂) + ε)), g_k = V(z_k).

    The "Adam" baseline of the GAN literature (each network's torch.optim.Adam stepped on its own loss at
    the same point; seed 000 "25 Gaussians: algorithms matter", (b) Adam). Same direction as ExtraAdam and
    OptimisticAdam (`AdamDirection`). Args: step_size γ (float, schedule, or one per player), betas (0.9, 0.999),
    eps 1e-8, projection (None). One field call.
    """

    def __init__(
        self,
        step_size: StepSizes,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        projection: Projection | None = None,
    ) -> None:
        super().__init__(step_size, projection, AdamDirection(betas, eps))
