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

from saddle.validation import check_int

__all__ = [
    "ConvCritic8x8",
    "ConvGenerator8x8",
    "MLPCritic",
    "MLPGenerator",
    "SpectralNormStatus",
    "spectral_norm_status",
    "spectral_normalize",
]


def _mlp(sizes: Sequence[int], activation: type[nn.Module]) -> nn.Sequential:
    layers: list[nn.Module] = []
    for i, (a, b) in enumerate(itertools.pairwise(sizes)):
        layers.append(nn.Linear(a, b))
        if i < len(sizes) - 2:
            layers.append(activation())
    return nn.Sequential(*layers)


class MLPGenerator(nn.Module):
    """z (B, latent_dim) -> x (B, out_dim): ReLU MLP with `hidden` widths (default 2-D latent, 3×128)."""

    def __init__(self, latent_dim: int = 2, out_dim: int = 2, hidden: Sequence[int] = (128, 128, 128)) -> None:
        super().__init__()
        self.latent_dim = check_int("latent_dim", latent_dim)
        self.net = _mlp([latent_dim, *hidden, check_int("out_dim", out_dim)], nn.ReLU)

    def forward(self, z: Tensor) -> Tensor:
        return self.net(z)


class MLPCritic(nn.Module):
    """x (B, in_dim) -> score (B,): ReLU MLP (default 3×128); a logit for vanilla GANs, a score for WGANs."""

    def __init__(self, in_dim: int = 2, hidden: Sequence[int] = (128, 128, 128)) -> None:
        super().__init__()
        self.net = _mlp([check_int("in_dim", in_dim), *hidden, 1], nn.ReLU)

    def forward(self, x: Tensor) -> Tensor:
        return self.net(x.reshape(len(x), -1)).squeeze(-1)


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
