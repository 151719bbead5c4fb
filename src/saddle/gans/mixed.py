"""Mixed-strategy GAN: both players as particle ensembles moved by Langevin dynamics (Hsieh, Liu & Cevher 2019).

Finding mixed Nash equilibria of GANs (ICML 2019; seed 000 "From pure to mixed Nash equilibrium"): the
mixed game min_p max_q E_{x~p} E_{y~q} Φ(x, y) over distributions of generator parameters x and critic
parameters y is solved by sampling: p and q are represented by K particles each, the generator is the
uniform mixture of its K particles, the critic the average of its K particles, and every particle runs
the Langevin step x_k⁺ = x_k − η ∇_{x_k} (Gq)(x_k) + sqrt(2ηT) ξ (the one step of `saddle.langevin`, through
`saddle.optim.LangevinGDA` and `GameOptimizer`). This is the simultaneous, single-inner-step version of
the paper's Mirror-GAN; its Alg. 3 (K SGLD steps per player against the opponents' outer iterate, damped
averages) is `saddle.optim.LangevinMirrorDescent`, usable on these particles or on single networks; T = 1/β.

The K particles are K MLPs stacked as one batched model (`saddle.gans.StackedModules`: one `baddbmm` per layer
for all particles). Given one torch.Generator per seed, S independent ensembles are stacked the same way (S·K
networks, seed-major) and the ensemble takes batches (S, B, ...): `n_rows` = S, so `GANGame` sums the S seeds'
losses and `GameOptimizer`'s row s holds seed s's K particles, in the layout of that seed's ensemble alone.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import Tensor, nn

from saddle.gans.networks import MLPCritic, MLPGenerator
from saddle.gans.stacked import StackedModules
from saddle.models import reinitialize_
from saddle.validation import check_int

__all__ = ["ParticleCritic", "ParticleGenerator"]

Generators = torch.Generator | Sequence[torch.Generator] | None


def _seeds(generator: Generators) -> tuple[list[torch.Generator | None], int | None]:
    """(one generator per seed, S or None): a sequence of generators means S stacked seeds."""
    if generator is None or isinstance(generator, torch.Generator):
        return [generator], None
    gens = list(generator)
    if not gens or not all(isinstance(g, torch.Generator) for g in gens):
        raise ValueError(f"generator must be a torch.Generator or a non-empty sequence of them, got {generator!r}")
    return list(gens), len(gens)


def _stack(make: type[nn.Module], k: int, gens: list[torch.Generator | None], *args: object) -> StackedModules:
    """K particles per seed, each initialised like nn.Linear from its seed's generator (drawn in particle order)."""
    nets: list[nn.Module] = []
    for g in gens:
        for _ in range(k):
            net = make(*args)
            nets.append(net if g is None else reinitialize_(net, g))
    return StackedModules(nets)


class ParticleGenerator(nn.Module):
    """The uniform mixture of K generator particles: latents (B, d) -> samples (B, out), B divisible by K.

    Sample i comes from particle i mod K (a stratified draw of the mixture component). Each particle is an
    `MLPGenerator(latent_dim, out_dim, hidden)`. generator: a torch.Generator (or None: torch's global default
    init) — or one per seed for S stacked seeds, then latents (S, B, d) -> samples (S, B, out).
    """

    def __init__(
        self,
        n_particles: int,
        latent_dim: int = 2,
        out_dim: int = 2,
        hidden: Sequence[int] = (128, 128),
        generator: Generators = None,
    ) -> None:
        super().__init__()
        self.n_particles = check_int("n_particles", n_particles)
        self.latent_dim = check_int("latent_dim", latent_dim)
        gens, self.n_rows = _seeds(generator)
        self.particles = _stack(MLPGenerator, self.n_particles, gens, latent_dim, out_dim, tuple(hidden))

    def forward(self, z: Tensor) -> Tensor:
        k, s = self.n_particles, 1 if self.n_rows is None else self.n_rows
        zs = z if self.n_rows is not None else z.unsqueeze(0)  # (S, B, d)
        if zs.ndim != 3 or zs.shape[0] != s:
            raise ValueError(f"latents must be ({'S, ' if self.n_rows else ''}B, d) with S = {s}, got {tuple(z.shape)}")
        b = zs.shape[1]
        if b % k:
            raise ValueError(f"batch size {b} must be a multiple of n_particles={k}")
        per = zs.reshape(s, b // k, k, -1).transpose(1, 2).reshape(s * k, b // k, -1)  # row s·K + j: samples j mod K
        out = self.particles(per).reshape(s, k, b // k, -1).transpose(1, 2).reshape(s, b, -1)
        return out if self.n_rows is not None else out[0]


class ParticleCritic(nn.Module):
    """The average of K critic particles: x (B, in) -> (1/K) Σ_k d_k(x), shape (B,); each particle an
    `MLPCritic(in_dim, hidden)`. generator: as `ParticleGenerator` (one per seed: x (S, B, in) -> (S, B))."""

    def __init__(
        self,
        n_particles: int,
        in_dim: int = 2,
        hidden: Sequence[int] = (128, 128),
        generator: Generators = None,
    ) -> None:
        super().__init__()
        self.n_particles = check_int("n_particles", n_particles)
        self.in_dim = check_int("in_dim", in_dim)
        gens, self.n_rows = _seeds(generator)
        self.particles = _stack(MLPCritic, self.n_particles, gens, in_dim, tuple(hidden))

    def forward(self, x: Tensor) -> Tensor:
        k, s = self.n_particles, 1 if self.n_rows is None else self.n_rows
        xs = x if self.n_rows is not None else x.unsqueeze(0)  # (S, B, ...)
        if xs.shape[0] != s:
            raise ValueError(f"input must have {s} rows on its first axis, got shape {tuple(x.shape)}")
        b = xs.shape[1]
        rep = xs.unsqueeze(1).expand(s, k, *xs.shape[1:]).reshape(s * k, *xs.shape[1:])
        out = self.particles(rep).reshape(s, k, b).mean(1)
        return out if self.n_rows is not None else out[0]
