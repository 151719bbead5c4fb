"""Langevin game dynamics: simultaneous GDA plus thermal noise on every player (mixed strategies by particles).

z⁺ = P(z − η V(z) + sqrt(2η T) ξ), ξ ~ N(0, I): each player runs the Langevin step of `saddle.langevin` on
its own loss. With players given as particle ensembles this is the mean-field Langevin dynamics that
finds mixed Nash equilibria (Hsieh, Liu & Cevher 2019; seed 000 "Escaping traps with the mixed-NE
concept", Kamalaruban et al. 2020 MixedNE-LD, where T = 1/β is the thermal noise).
"""

from __future__ import annotations

import math

import torch

from saddle.langevin import langevin_step_all
from saddle.optim._common import check_projection, check_real, check_step_size, graph_free, project, step_at
from saddle.optim.base import Field, Params, Projection, StepSize
from saddle.optim.gda import CountState
from saddle.validation import as_generator

__all__ = ["LangevinGDA"]


class LangevinGDA:
    """Simultaneous GDA with Langevin noise: z⁺ = P(z − η_k V(z) + sqrt(2 η_k T) ξ); one field call per step.

    Args: step_size η > 0 or a schedule k -> η_k (given once: the noise scale follows it);
    temperature T ≥ 0 (T = 0 is exactly SimultaneousGDA); generator (torch.Generator on the params'
    device, or an int seed for a CPU generator; same seed → same trajectory); projection P (default None).
    The noise of step k is drawn player by player, in player order, from `generator`.
    """

    def __init__(
        self,
        step_size: StepSize,
        temperature: float,
        generator: torch.Generator | int,
        projection: Projection | None = None,
    ) -> None:
        self.step_size = check_step_size(step_size)
        self.temperature = check_real("temperature", temperature, 0.0, math.inf, low_open=False, high_open=True)
        self.generator = as_generator(generator)  # an int seed is converted once, here
        if self.generator is None:
            raise ValueError("generator must be a torch.Generator or an int seed, got None")
        self.projection = check_projection(projection)

    def init(self, params: Params) -> CountState:
        return CountState(0)

    @graph_free
    def step(self, params: Params, state: CountState, field: Field) -> tuple[Params, CountState]:
        eta = step_at(self.step_size, state.count)
        new = langevin_step_all(params, field(params), eta, self.generator, self.temperature)
        return project(self.projection, new), CountState(state.count + 1)
