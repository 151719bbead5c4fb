"""Generators and critics: MLPs for 2-D toys, small conv nets for 8×8 digits; spectral normalisation.

Shapes: a generator maps latents (B, latent_dim) to samples ((B, 2) or (B, 1, 8, 8) in [0, 1]); a critic maps
samples to scores (B,). Initialisation is PyTorch's default, drawn from the global RNG unless the caller
re-initialises with `saddle.models.reinitialize_(module, generator)` (experiments do: same seed → same numbers).
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass

import torch
from torch import Tensor, nn
from torch.nn.utils import parametrize
from torch.nn.utils.parametrizations import spectral_norm

from saddle.gans.stacked import StackedModules
from saddle.models import reinitialize_
from saddle.validation import check_int

__all__ = [
    "BatchNormMLPGenerator",
    "ConvCritic8x8",
    "ConvGenerator8x8",
    "MLPCritic",
    "MLPGenerator",
    "Maxout",
    "MaxoutCritic",
    "SpectralNormStatus",
    "spectral_norm_status",
    "spectral_normalize",
    "stacked_mlp_gan",
]


def _features(x: Tensor, in_dim: int) -> Tensor:
    """x (*lead, *input) -> (*lead, in_dim): the trailing axes whose sizes multiply to in_dim flattened, so a
    critic takes (B, *input) batches and stacked (S, B, *input) ones alike (`saddle.gans.StackedModules`)."""
    size, k = 1, x.ndim
    while k > 0 and size < in_dim:
        k -= 1
        size *= x.shape[k]
    if size != in_dim or k == 0:
        raise ValueError(f"input of shape {tuple(x.shape)} does not end in {in_dim} features per sample")
    return x.reshape(*x.shape[:k], in_dim)


def _mlp(sizes: Sequence[int], activation: type[nn.Module]) -> nn.Sequential:
    layers: list[nn.Module] = []
    for i, (a, b) in enumerate(itertools.pairwise(sizes)):
        layers.append(nn.Linear(a, b))
        if i < len(sizes) - 2:
            layers.append(activation())
    return nn.Sequential(*layers)


class MLPGenerator(nn.Module):
    """z (B, latent_dim) -> x (B, out_dim): ReLU MLP with `hidden` widths (default 2-D latent, 3×128)."""

    row_agnostic = True  # forward acts on any leading axes (saddle.gans.StackedModules' batched weights)

    def __init__(self, latent_dim: int = 2, out_dim: int = 2, hidden: Sequence[int] = (128, 128, 128)) -> None:
        super().__init__()
        self.latent_dim = check_int("latent_dim", latent_dim)
        self.net = _mlp([latent_dim, *hidden, check_int("out_dim", out_dim)], nn.ReLU)

    def forward(self, z: Tensor) -> Tensor:
        return self.net(z)


class MLPCritic(nn.Module):
    """x (B, in_dim) -> score (B,): ReLU MLP (default 3×128); a logit for vanilla GANs, a score for WGANs."""

    row_agnostic = True

    def __init__(self, in_dim: int = 2, hidden: Sequence[int] = (128, 128, 128)) -> None:
        super().__init__()
        self.in_dim = check_int("in_dim", in_dim)
        self.net = _mlp([in_dim, *hidden, 1], nn.ReLU)

    def forward(self, x: Tensor) -> Tensor:
        return self.net(_features(x, self.in_dim)).squeeze(-1)


def stacked_mlp_gan(
    seeds: Sequence[int], latent_dim: int = 2, data_dim: int = 2, hidden: Sequence[int] = (128, 128, 128)
) -> tuple[StackedModules, StackedModules]:
    """S seeds of an MLP generator and critic as two `StackedModules`, row s drawn as seed s alone would be.

    Row s: `reinitialize_(MLPGenerator(latent_dim, data_dim, hidden), g)` then `reinitialize_(MLPCritic(data_dim,
    hidden), g)` from one `g = torch.Generator().manual_seed(seeds[s])`, generator first (the 2-D GAN experiments'
    seed convention), PyTorch's default initialisation.
    """
    if len(seeds) == 0:
        raise ValueError("stacked_mlp_gan needs at least one seed, got an empty sequence")
    gens, critics = [], []
    for s in seeds:
        init = torch.Generator().manual_seed(int(s))
        gens.append(reinitialize_(MLPGenerator(latent_dim, data_dim, hidden), init))
        critics.append(reinitialize_(MLPCritic(data_dim, hidden), init))
    return StackedModules(gens), StackedModules(critics)


def _normal_init_(module: nn.Module, std: float, generator: torch.Generator | None) -> nn.Module:
    """Every Linear weight ~ N(0, std²), every bias 0 (blocks' IsotropicGaussian / Constant(0) in PacGAN's code)."""
    with torch.no_grad():
        for m in module.modules():
            if isinstance(m, nn.Linear):
                m.weight.copy_(torch.randn(m.weight.shape, generator=generator) * std)
                if m.bias is not None:
                    m.bias.zero_()
    return module


class BatchNormMLPGenerator(nn.Module):
    """PacGAN's 2-D generator: z (B, latent_dim) -> x (B, out_dim) through `depth` hidden layers of `hidden` units,
    each Linear (no bias) -> BatchNorm -> ReLU, and a Linear output with bias (Lin et al. 2018, code
    `fjxmlzn/PacGAN`, synthetic_data_experiments: 4 × 400, weights N(0, 0.02²), biases 0; BatchNorm's population
    statistics are moving averages with momentum 0.05, as their `bn_updates`). Init from `generator`.
    """

    row_agnostic = True

    def __init__(
        self,
        latent_dim: int = 2,
        out_dim: int = 2,
        hidden: int = 400,
        depth: int = 4,
        init_std: float = 0.02,
        generator: torch.Generator | None = None,
    ) -> None:
        super().__init__()
        self.latent_dim = check_int("latent_dim", latent_dim)
        width, depth = check_int("hidden", hidden), check_int("depth", depth)
        layers: list[nn.Module] = []
        for i in range(depth):
            layers += [
                nn.Linear(latent_dim if i == 0 else width, width, bias=False),
                nn.BatchNorm1d(width, momentum=0.05),
            ]
            layers.append(nn.ReLU())
        layers.append(nn.Linear(width, check_int("out_dim", out_dim)))
        self.net = _normal_init_(nn.Sequential(*layers), init_std, generator)

    def forward(self, z: Tensor) -> Tensor:
        return self.net(z)


class Maxout(nn.Module):
    """Linear maxout unit (Goodfellow et al. 2013): x (B, in) -> max over `pieces` affine maps, (B, out)."""

    row_agnostic = True

    def __init__(self, in_dim: int, out_dim: int, pieces: int) -> None:
        super().__init__()
        self.out_dim, self.pieces = check_int("out_dim", out_dim), check_int("pieces", pieces)
        self.linear = nn.Linear(check_int("in_dim", in_dim), out_dim * pieces)

    def forward(self, x: Tensor) -> Tensor:
        return self.linear(x).unflatten(-1, (self.out_dim, self.pieces)).amax(-1)


class MaxoutCritic(nn.Module):
    """PacGAN's 2-D discriminator: x (B, in_dim) -> logit (B,) through `depth` maxout layers of `hidden` units with
    `pieces` pieces and a linear output (Lin et al. 2018, code: 3 × 200 units, 5 pieces, weights N(0, 0.02²),
    biases 0). For PacGANm, in_dim = m · data dimension (`GANGame(..., packing=m)`). Init from `generator`."""

    row_agnostic = True

    def __init__(
        self,
        in_dim: int = 2,
        hidden: int = 200,
        pieces: int = 5,
        depth: int = 3,
        init_std: float = 0.02,
        generator: torch.Generator | None = None,
    ) -> None:
        super().__init__()
        width, self.in_dim = check_int("hidden", hidden), check_int("in_dim", in_dim)
        layers: list[nn.Module] = [
            Maxout(in_dim if i == 0 else width, width, pieces) for i in range(check_int("depth", depth))
        ]
        self.net = _normal_init_(nn.Sequential(*layers, nn.Linear(width, 1)), init_std, generator)

    def forward(self, x: Tensor) -> Tensor:
        return self.net(_features(x, self.in_dim)).squeeze(-1)


class ConvGenerator8x8(nn.Module):
    """z (B, latent_dim) -> image (B, 1, 8, 8) in [0, 1]: linear to (c, 4, 4), upsample ×2, two 3×3 convs, sigmoid."""

    def __init__(self, latent_dim: int = 16, channels: int = 64) -> None:
        super().__init__()
        self.latent_dim = check_int("latent_dim", latent_dim)
        self.channels = check_int("channels", channels)
        self.fc = nn.Sequential(nn.Linear(latent_dim, channels * 16), nn.ReLU())
        self.deconv = nn.Sequential(
            nn.Upsample(scale_factor=2, mode="nearest"),  # 4×4 -> 8×8
            nn.Conv2d(channels, channels // 2, 3, padding=1),
            nn.ReLU(),
            nn.Conv2d(channels // 2, 1, 3, padding=1),
            nn.Sigmoid(),
        )

    def forward(self, z: Tensor) -> Tensor:
        return self.deconv(self.fc(z).view(len(z), self.channels, 4, 4))


class ConvCritic8x8(nn.Module):
    """image (B, 1, 8, 8) -> score (B,): two 3×3 convs (LeakyReLU 0.2, stride 2 on the second) and a linear head."""

    def __init__(self, channels: int = 64) -> None:
        super().__init__()
        c = check_int("channels", channels)
        self.net = nn.Sequential(
            nn.Conv2d(1, c // 2, 3, padding=1),
            nn.LeakyReLU(0.2),
            nn.Conv2d(c // 2, c, 3, stride=2, padding=1),
            nn.LeakyReLU(0.2),  # 8×8 -> 4×4
            nn.Flatten(),
            nn.Linear(c * 16, 1),
        )

    def forward(self, x: Tensor) -> Tensor:
        return self.net(x).squeeze(-1)


def spectral_normalize(module: nn.Module, n_power_iterations: int = 1) -> nn.Module:
    """Reparametrise every Linear/Conv weight of `module` (in place) as W / σ(W), σ by power iteration.

    Miyato et al. 2018 (seed 001 "spectral normalization"), via `torch.nn.utils.parametrizations.spectral_norm`
    (one power-iteration step per forward in train mode, u kept as a buffer). Returns the module.
    """
    check_int("n_power_iterations", n_power_iterations)
    for child in list(module.modules()):
        if isinstance(child, (nn.Linear, nn.Conv2d)):
            spectral_norm(child, n_power_iterations=n_power_iterations)
    return module


@dataclass(frozen=True)
class SpectralNormStatus:
    """One spectrally normalised layer: sigma σ = ‖W‖₂ (exact, of the raw weight as a matrix), estimate σ̂ = uᵀWv
    (torch's power-iteration estimate from its stored u, v: what the layer divides by), layer_norm = σ/σ̂ (the
    exact spectral norm of the weight W/σ̂ the layer uses; ≥ 1 because uᵀWv ≤ σ for unit u, v, up to the
    rounding of the stored u, v) and second_ratio σ₂/σ₁ (each power iteration shrinks the error in the top
    singular vector by (σ₂/σ₁)²)."""

    name: str
    sigma: float
    estimate: float
    layer_norm: float
    second_ratio: float


@torch.no_grad()
def spectral_norm_status(module: nn.Module) -> list[SpectralNormStatus]:
    """The state of every `spectral_normalize`d layer of `module` (class doc), read without changing it.

    torch's parametrisation runs one power iteration per forward in train mode and none in eval mode, so σ̂
    lags σ while the weights move; this reads the stored u, v (no iteration), in float64. Layers whose weight
    is a vector (normalised exactly by torch) are skipped.
    """
    out = []
    for name, m in module.named_modules():
        if not parametrize.is_parametrized(m, "weight"):
            continue
        raw = m.parametrizations.weight.original
        for p in m.parametrizations.weight:
            u, v = getattr(p, "_u", None), getattr(p, "_v", None)  # torch's _SpectralNorm buffers
            if not isinstance(u, Tensor) or not isinstance(v, Tensor):
                continue
            w = p._reshape_weight_to_matrix(raw).double()
            s = torch.linalg.svdvals(w)
            estimate = float(u.double() @ (w @ v.double()))
            second = float(s[1] / s[0]) if len(s) > 1 else 0.0
            out.append(SpectralNormStatus(name, float(s[0]), estimate, float(s[0]) / estimate, second))
    return out
