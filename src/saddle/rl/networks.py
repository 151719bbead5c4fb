"""Actor and critic networks of DDPG (Lillicrap et al. 2016): MLPs with ReLU hidden layers."""

from __future__ import annotations

from collections.abc import Sequence
from itertools import pairwise

import torch
from torch import Tensor, nn

from saddle.validation import check_int

__all__ = ["Actor", "Critic", "mlp"]


def mlp(n_in: int, hidden: Sequence[int], n_out: int, generator: torch.Generator | None = None) -> nn.Sequential:
    """Linear–ReLU stack n_in → hidden... → n_out; weights initialised from `generator` (torch's default
    Linear init: U(−1/sqrt(fan_in), 1/sqrt(fan_in)) for weights and biases)."""
    sizes = [check_int("n_in", n_in), *[check_int("hidden", h) for h in hidden], check_int("n_out", n_out)]
    layers: list[nn.Module] = []
    for i, (a, b) in enumerate(pairwise(sizes)):
        layer = nn.Linear(a, b)
        bound = 1.0 / a**0.5
        with torch.no_grad():
            layer.weight.uniform_(-bound, bound, generator=generator)
            layer.bias.uniform_(-bound, bound, generator=generator)
        layers.append(layer)
        if i < len(sizes) - 2:
            layers.append(nn.ReLU())
    return nn.Sequential(*layers)


class Actor(nn.Module):
    """Deterministic policy μ(s) = c + r tanh(f(s)) in the action box [low, high] (c centre, r half-range).

    Shapes: obs (B, d) → action (B, k).
    """

    centre: Tensor  # buffers, registered in __init__
    half_range: Tensor

    def __init__(
        self,
        obs_dim: int,
        low: Tensor,
        high: Tensor,
        hidden: Sequence[int] = (64, 64),
        generator: torch.Generator | None = None,
    ) -> None:
        super().__init__()
        self.net = mlp(obs_dim, hidden, low.numel(), generator)
        self.register_buffer("centre", (high + low) / 2)
        self.register_buffer("half_range", (high - low) / 2)

    def forward(self, obs: Tensor) -> Tensor:
        return self.centre + self.half_range * torch.tanh(self.net(obs))


class Critic(nn.Module):
    """Action-value Q(s, a) = f([s, a]). Shapes: obs (B, d), action (B, k) → (B,)."""

    def __init__(
        self, obs_dim: int, action_dim: int, hidden: Sequence[int] = (64, 64), generator: torch.Generator | None = None
    ) -> None:
        super().__init__()
        self.net = mlp(obs_dim + action_dim, hidden, 1, generator)

    def forward(self, obs: Tensor, action: Tensor) -> Tensor:
        return self.net(torch.cat([obs, action], dim=-1)).squeeze(-1)
