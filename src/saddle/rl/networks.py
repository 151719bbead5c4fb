"""Actor and critic networks for S seeds at once: one MLP per seed, the S weight sets stored as one (S, n) tensor.

A layer computes h_s = W_s x_s + b_s for every seed s in one batched matrix product (`torch.baddbmm`; a layer
with one output as a product and a sum, because bmm computes that one differently for one seed); row s of
the parameter tensor is seed s's network, laid out layer by layer as [W (out × in, row-major), b (out)]. The
product of a batch of S is the product of each slice alone (checked in the tests), so S seeds in one network
give, seed for seed, the numbers of S separate networks. Every method takes an optional `params` (S, n) to run
the same architecture with other weights (the target networks are such tensors).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from itertools import pairwise

import torch
from torch import Tensor, nn

from saddle.validation import check_int

__all__ = ["Actor", "Critic", "SeedMLP"]


class SeedMLP(nn.Module):
    """S independent Linear–ReLU stacks n_in → hidden... → n_out; parameters `params` of shape (S, n).

    Initialisation: seed s's weights and biases drawn from generators[s], layer by layer, weight then bias, from
    torch's default Linear law U(−1/sqrt(fan_in), 1/sqrt(fan_in)). Shapes: x (S, B, n_in) → (S, B, n_out).
    """

    def __init__(self, n_in: int, hidden: Sequence[int], n_out: int, generators: Sequence[torch.Generator]) -> None:
        super().__init__()
        sizes = [check_int("n_in", n_in), *[check_int("hidden", h) for h in hidden], check_int("n_out", n_out)]
        self.shapes = [(b, a) for a, b in pairwise(sizes)]  # (out, in) per layer
        if len(generators) < 1:
            raise ValueError("SeedMLP needs one generator per seed, got none")
        rows = []
        for g in generators:
            chunks = []
            for out, fan_in in self.shapes:
                bound = 1.0 / fan_in**0.5
                chunks.append(torch.empty(out * fan_in).uniform_(-bound, bound, generator=g))
                chunks.append(torch.empty(out).uniform_(-bound, bound, generator=g))
            rows.append(torch.cat(chunks))
        self.params = nn.Parameter(torch.stack(rows))

    @property
    def num_seeds(self) -> int:
        return self.params.shape[0]

    def layers(self, params: Tensor | None = None) -> Iterator[tuple[Tensor, Tensor]]:
        """(W (S, out, in), b (S, 1, out)) views of `params` (default: this network's), layer by layer."""
        flat = self.params if params is None else params
        offset = 0
        for out, fan_in in self.shapes:
            w = flat[:, offset : offset + out * fan_in].view(-1, out, fan_in)
            offset += out * fan_in
            b = flat[:, offset : offset + out].unsqueeze(1)
            offset += out
            yield w, b

    def forward(self, x: Tensor, params: Tensor | None = None) -> Tensor:
        last = len(self.shapes) - 1
        for i, (w, b) in enumerate(self.layers(params)):
            if w.shape[1] == 1:  # a (1 × in) layer: torch.bmm takes a matrix-vector path for one seed, not for S
                x = torch.sum(x * w, dim=-1, keepdim=True) + b
            else:
                x = torch.baddbmm(b, x, w.transpose(1, 2))
            if i < last:
                x = torch.relu(x)
        return x


class Actor(nn.Module):
    """Deterministic policies μ_s(obs) = c + r tanh(f_s(obs)) in the action box [low, high] (c centre, r half-range).

    Shapes: obs (S, B, d) → actions (S, B, k). Args: obs_dim d, low/high (k,), hidden sizes, generators (one per seed).
    """

    centre: Tensor  # buffers, registered in __init__
    half_range: Tensor

    def __init__(
        self,
        obs_dim: int,
        low: Tensor,
        high: Tensor,
        hidden: Sequence[int],
        generators: Sequence[torch.Generator],
    ) -> None:
        super().__init__()
        self.net = SeedMLP(obs_dim, hidden, low.numel(), generators)
        self.register_buffer("centre", (high + low) / 2)
        self.register_buffer("half_range", (high - low) / 2)

    @property
    def params(self) -> nn.Parameter:
        return self.net.params

    def forward(self, obs: Tensor, params: Tensor | None = None) -> Tensor:
        return self.centre + self.half_range * torch.tanh(self.net(obs, params))


class Critic(nn.Module):
    """Action values Q_s(obs, a) = f_s([obs, a]). Shapes: obs (S, B, d), action (S, B, k) → (S, B)."""

    def __init__(
        self, obs_dim: int, action_dim: int, hidden: Sequence[int], generators: Sequence[torch.Generator]
    ) -> None:
        super().__init__()
        self.net = SeedMLP(obs_dim + action_dim, hidden, 1, generators)

    @property
    def params(self) -> nn.Parameter:
        return self.net.params

    def forward(self, obs: Tensor, action: Tensor, params: Tensor | None = None) -> Tensor:
        return self.net(torch.cat([obs, action], dim=-1), params).squeeze(-1)
