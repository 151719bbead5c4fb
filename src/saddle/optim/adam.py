"""Adam on a game's field: every player takes an Adam step on its own gradient, simultaneously (Kingma & Ba 2015)."""

from __future__ import annotations

from saddle.optim._common import axpy, graph_free, project, step_at
from saddle.optim.adam_scaling import AdamMethod, AdamState
from saddle.optim.base import Field, Params

__all__ = ["SimultaneousAdam"]


class SimultaneousAdam(AdamMethod):
    """Simultaneous Adam: g_k = V(z_k); m, v ← moments with g_k; z_{k+1} = P(z_k − γ m̂/(sqrt(v̂) + ε)).

    The "Adam" baseline of the GAN literature (each network's torch.optim.Adam stepped on its own loss at
    the same point; seed 000 "25 Gaussians: algorithms matter", (b) Adam). Same moments and bias correction
    as ExtraAdam/OptimisticAdam (`AdamScaling`); ε added to sqrt(v̂) as torch.optim.Adam does.
    Args: step_size γ (float or schedule), betas (0.9, 0.999), eps 1e-8, projection (None). One field call.
    """

    @graph_free
    def step(self, params: Params, state: AdamState, field: Field) -> tuple[Params, AdamState]:
        k, eta = state.count, step_at(self.step_size, state.count)
        m, v = self.scaling.update(state.m, state.v, field(params))
        new = project(self.projection, axpy(params, self.scaling.direction(m, v, k + 1), -eta))
        return new, AdamState(k + 1, m, v)
