"""Mixed-strategy GAN: both players as particle ensembles moved by Langevin dynamics (Hsieh, Liu & Cevher 2019).

Finding mixed Nash equilibria of GANs (ICML 2019; seed 000 "From pure to mixed Nash equilibrium"): the
mixed game min_p max_q E_{x~p} E_{y~q} Φ(x, y) over distributions of generator parameters x and critic
parameters y is solved by sampling: p and q are represented by K particles each, the generator is the
uniform mixture of its K particles, the critic the average of its K particles, and every particle runs
the Langevin step x_k⁺ = x_k − η ∇_{x_k} (Gq)(x_k) + sqrt(2ηT) ξ (the one step of `saddle.langevin`, through
`saddle.optim.LangevinGDA` and `GameOptimizer`). This is the simultaneous, single-inner-step version of
the paper's Mirror-GAN; its Alg. 3 (K SGLD steps per player against the opponents' outer iterate, damped
averages) is `saddle.optim.LangevinMirrorDescent`, usable on these particles or on single networks; T = 1/β.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence

import torch
from torch import Tensor, nn

from saddle.validation import check_int

__all__ = ["ParticleCritic", "ParticleGenerator", "ParticleMLP"]


class ParticleMLP(nn.Module):
    """K independent ReLU MLPs with stacked weights: input (K, B, in) -> output (K, B, out).

    Layer l has weight (K, in_l, out_l) and bias (K, 1, out_l), initialised like nn.Linear
    (U(±1/sqrt(in_l))) from `generator`.
    """

    def __init__(self, n_particles: int, sizes: Sequence[int], generator: torch.Generator | None = None) -> None:
        super().__init__()
        self.n_particles = check_int("n_particles", n_particles)
        self.weights, self.biases = nn.ParameterList(), nn.ParameterList()
        for a, b in itertools.pairwise(sizes):
            bound = 1.0 / a**0.5
            self.weights.append(nn.Parameter((torch.rand(n_particles, a, b, generator=generator) * 2 - 1) * bound))
            self.biases.append(nn.Parameter((torch.rand(n_particles, 1, b, generator=generator) * 2 - 1) * bound))

    def forward(self, x: Tensor) -> Tensor:
        for i, (w, b) in enumerate(zip(self.weights, self.biases)):
            x = torch.baddbmm(b, x, w)
            if i < len(self.weights) - 1:
                x = torch.relu(x)
        return x


class ParticleGenerator(nn.Module):
    """The uniform mixture of K generator particles: latents (B, d) -> samples (B, out), B divisible by K.

    Sample i comes from particle i mod K (a stratified draw of the mixture component).
    """

    def __init__(
        self,
        n_particles: int,
        latent_dim: int = 2,
        out_dim: int = 2,
        hidden: Sequence[int] = (128, 128),
        generator: torch.Generator | None = None,
    ) -> None:
        super().__init__()
        self.latent_dim = check_int("latent_dim", latent_dim)
        self.net = ParticleMLP(n_particles, [latent_dim, *hidden, check_int("out_dim", out_dim)], generator)
        self.n_particles = self.net.n_particles

    def forward(self, z: Tensor) -> Tensor:
        k = self.n_particles
        if len(z) % k:
            raise ValueError(f"batch size {len(z)} must be a multiple of n_particles={k}")
        per = z.reshape(len(z) // k, k, -1).transpose(0, 1)  # (K, B/K, d): sample i -> particle i mod K
        return self.net(per).transpose(0, 1).reshape(len(z), -1)


class ParticleCritic(nn.Module):
    """The average of K critic particles: x (B, in) -> (1/K) Σ_k d_k(x), shape (B,)."""

    def __init__(
        self,
        n_particles: int,
        in_dim: int = 2,
        hidden: Sequence[int] = (128, 128),
        generator: torch.Generator | None = None,
    ) -> None:
        super().__init__()
        self.net = ParticleMLP(n_particles, [check_int("in_dim", in_dim), *hidden, 1], generator)
        self.n_particles = self.net.n_particles

    def forward(self, x: Tensor) -> Tensor:
        x = x.reshape(len(x), -1)
        return self.net(x.expand(self.n_particles, *x.shape)).squeeze(-1).mean(0)
