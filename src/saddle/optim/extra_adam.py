"""ExtraAdam (Gidel, Berard, Vignoud, Vincent, Lacoste-Julien, ICLR 2019, Algorithm 4; seed 001)."""

from __future__ import annotations

from saddle.optim.base import Projection, StepSizes
from saddle.optim.directions import AdamDirection
from saddle.optim.extragradient import ExtraGradient

__all__ = ["ExtraAdam"]


class ExtraAdam(ExtraGradient):
    """The extragradient template × Adam's direction: the moments are updated at both the extrapolation and the update.

    Seed 001 ("ExtraAdam for GANs"), with g = V(z):
        g_k = V(z_k);       m, v ← moments with g_k;       z_{k+1/2} = P(z_k − γ m̂/(sqrt(v̂) + ε))
        g_{k+1/2} = V(z_{k+1/2}); m, v ← moments with g_{k+1/2}; z_{k+1} = P(z_k − γ m̂/(sqrt(v̂) + ε))
    Both steps start from z_k. Bias correction: the seed divides by (1 − η1^k), which is 0 at k = 0
    (a typo, decided by Gidel et al. 2019, Alg. 4 and their code, whose Adam step counter advances at both steps);
    Gidel et al. 2019 Alg. 4 use 1 − β^{2t−1} at the extrapolation and 1 − β^{2t} at the
    update (t = 1, 2, ...), i.e. 1 − βⁿ with n the number of moment updates so far — used here (the
    authors' code also counts both updates; `AdamDirection` counts its calls). ε is added to sqrt(v̂) as in
    the formulas (their code, like old torch Adam, adds it to sqrt(v); the two differ only through ε).
    Args: step_size γ (float, schedule, or one per player), betas (0.9, 0.999), eps > 0 (1e-8), projection (None).
    """

    def __init__(
        self,
        step_size: StepSizes,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        projection: Projection | None = None,
    ) -> None:
        super().__init__(step_size, projection=projection, direction=AdamDirection(betas, eps))
