"""Langevin game dynamics: the GDA template plus thermal noise on every player (mixed strategies by particles).

z_i⁺ = P(z − η_i P_i V(z) + sqrt(2η_i T P_i) ξ)_i, ξ ~ N(0, I): each player runs the Langevin step of
`saddle.langevin` on its own loss, with the preconditioner P of its direction (P = I for the field itself).
With players given as particle ensembles this is the mean-field Langevin dynamics that finds mixed Nash
equilibria (Hsieh, Liu & Cevher 2019; seed 000 "Escaping traps with the mixed-NE concept", Kamalaruban et al.
2020 MixedNE-LD, where T = 1/β is the thermal noise).
"""

from __future__ import annotations

import math

from saddle.langevin import NoiseSource, check_noise_source, langevin_step_all
from saddle.optim._common import check_real, graph_free, project
from saddle.optim.base import CountState, Field, Params, Projection, StepSizes
from saddle.optim.directions import Direction, check_direction
from saddle.optim.template import Template
from saddle.validation import check_players

__all__ = ["LangevinGDA"]


class LangevinGDA(Template):
    """The Langevin template: z⁺ = P(z − η_k G V(z) + sqrt(2 η_k T G) ξ); one field call per step.

    Args: step_size η > 0, a schedule k -> η_k, or one of either per player (given once: the noise scale follows
    it, so a param group's lr in GameOptimizer sets drift and noise alike); temperature T ≥ 0 (T = 0 is exactly
    SimultaneousGDA with the same direction); generator (torch.Generator on the params' device, or an int seed
    for a CPU generator; same seed → same trajectory; or one generator per row of the params, each row of a
    batch of stacked runs drawing its own noise); projection P (default None); direction (default the
    field, G = I; it must be a preconditioned direction d = G g: `RMSPropDirection` gives
    PreconditionedLangevinGDA). The noise of step k is drawn player by player, in player order, from `generator`.
    """

    def __init__(
        self,
        step_size: StepSizes,
        temperature: float,
        generator: NoiseSource | int,
        projection: Projection | None = None,
        direction: Direction | None = None,
    ) -> None:
        super().__init__(step_size, projection, direction)
        check_direction(self.direction, preconditioned=True)
        self.temperature = check_real("temperature", temperature, 0.0, math.inf, low_open=False, high_open=True)
        # an int seed is converted once, here; a sequence of generators is one noise stream per row (stacked runs)
        self.generator: NoiseSource | None = check_noise_source(generator)

    def init(self, params: Params) -> CountState:
        check_players("params", params)
        return CountState(0, self.direction.init(params))

    @graph_free
    def update(
        self, params: Params, state: CountState, field: Field, step_sizes: list[float]
    ) -> tuple[Params, CountState]:
        g = field(params)
        pre, direction = self.direction.preconditioner(g, state.direction)
        new = langevin_step_all(params, g, step_sizes, self.generator, self.temperature, preconditioners=pre)
        return project(self.projection, new), CountState(state.count + 1, direction)
