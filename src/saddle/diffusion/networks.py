"""Small ε-prediction networks: an MLP for 2-D data and a conv net for 8×8 digits with class labels; and a
time-conditioned classifier of noisy 8×8 digits (for classifier guidance).

Both are called as `net(x, t, y=None)` with x (n, *shape), t (n,) (or a scalar, broadcast) the diffusion time
scaled to [0, 1] (t / process.T) and y (n,) integer labels in {0, …, num_classes} where `num_classes` is the null
label used by classifier-free guidance; they return ε̂ of x's shape.
"""

from __future__ import annotations

import math

import torch
from torch import Tensor, nn

from saddle.models.seeded_init import reinitialize_  # noqa: F401  (re-exported for diffusion users)
from saddle.validation import check_int, check_tensor


def _check_input(net: nn.Module, x: Tensor, shape: tuple) -> None:
    """x of the network's input shape and of its parameters' dtype (a per-call check of shapes only, no values)."""
    check_tensor("x", x, shape, finite=False, nonempty=False)
    dtype = next(net.parameters()).dtype
    if x.dtype != dtype:
        raise ValueError(f"x must have the dtype of the network's parameters ({dtype}), got {x.dtype}")


def _check_times(t: Tensor | float, n: int, x_shape: tuple[int, ...] | None = None) -> Tensor:
    """t as a (n,) tensor: a scalar (or one-element tensor) is broadcast to the batch; other shapes are refused."""
    if isinstance(t, Tensor) and (t.is_complex() or t.dtype == torch.bool):
        raise ValueError(f"t must be a real time (or one per sample), got dtype {t.dtype}")
    if isinstance(t, Tensor):
        check_tensor("t", t, dtype="any", finite=False, nonempty=False)
    t = torch.as_tensor(t)
    if t.numel() == 1:
        return t.reshape(1).expand(n)
    if t.shape != (n,):
        of = "" if x_shape is None else f" (x has shape {x_shape})"
        raise ValueError(f"t must be a scalar or have shape ({n},) for a batch of {n}{of}, got {tuple(t.shape)}")
    return t


class SinusoidalTimeEmbedding(nn.Module):
    """[sin(ω_k t'), cos(ω_k t')], t' = 1000 t, ω_k = 10000^(−k/(dim/2)) (Vaswani et al. 2017; Ho et al. 2020)."""

    freqs: Tensor

    def __init__(self, dim: int = 64, scale: float = 1000.0) -> None:
        super().__init__()
        if check_int("dim", dim, low=2) % 2:
            raise ValueError(f"dim must be an even integer >= 2, got {dim}")
        half = dim // 2
        self.register_buffer("freqs", torch.exp(-math.log(10000.0) * torch.arange(half) / half), persistent=False)
        self.scale = scale

    def forward(self, t: Tensor) -> Tensor:
        arg = self.scale * t.reshape(-1, 1).float() * self.freqs[None]
        return torch.cat([arg.sin(), arg.cos()], dim=1)


class ScoreMLP(nn.Module):
    """ε-model for vectors: time embedding (+ optional class embedding) concatenated to x, SiLU MLP.

    Defaults: hidden 128, depth 4 linear layers, time embedding 64, unconditional (num_classes=None).
    """

    def __init__(
        self, dim: int = 2, hidden: int = 128, depth: int = 4, embed_dim: int = 64, num_classes: int | None = None
    ) -> None:
        super().__init__()
        for name, value in (("dim", dim), ("hidden", hidden), ("depth", depth)):
            check_int(name, value, low=2 if name == "depth" else 1)
        if num_classes is not None:
            check_int("num_classes", num_classes)
        self.dim = dim
        self.time = SinusoidalTimeEmbedding(embed_dim)
        self.label = nn.Embedding(num_classes + 1, embed_dim) if num_classes is not None else None
        layers: list[nn.Module] = [nn.Linear(dim + embed_dim, hidden), nn.SiLU()]
        for _ in range(depth - 2):
            layers += [nn.Linear(hidden, hidden), nn.SiLU()]
        layers.append(nn.Linear(hidden, dim))
        self.net = nn.Sequential(*layers)

    def forward(self, x: Tensor, t: Tensor | float, y: Tensor | None = None) -> Tensor:
        _check_input(self, x, ("n", self.dim))
        emb = self.time(_check_times(t, x.shape[0], tuple(x.shape)).to(x.device))
        if self.label is not None and y is not None:
            emb = emb + self.label(y)
        return self.net(torch.cat([x, emb.to(x.dtype)], dim=1))


class _ResBlock(nn.Module):
    def __init__(self, c_in: int, c_out: int, emb_dim: int) -> None:
        super().__init__()
        self.norm1 = nn.GroupNorm(8, c_in)
        self.conv1 = nn.Conv2d(c_in, c_out, 3, padding=1)
        self.emb = nn.Linear(emb_dim, c_out)
        self.norm2 = nn.GroupNorm(8, c_out)
        self.conv2 = nn.Conv2d(c_out, c_out, 3, padding=1)
        self.skip = nn.Conv2d(c_in, c_out, 1) if c_in != c_out else nn.Identity()

    def forward(self, x: Tensor, emb: Tensor) -> Tensor:
        h = self.conv1(nn.functional.silu(self.norm1(x)))
        h = h + self.emb(emb)[:, :, None, None]
        h = self.conv2(nn.functional.silu(self.norm2(h)))
        return self.skip(x) + h


class DigitsScoreNet(nn.Module):
    """ε-model for (n, 1, 8, 8) images: a two-level U-Net (8×8 → 4×4 → 8×8) with time + class embedding.

    Defaults: 64 base channels, 10 classes (label 10 = null / unconditional), embedding 128.
    """

    def __init__(self, channels: int = 64, num_classes: int = 10, embed_dim: int = 128) -> None:
        super().__init__()
        c = channels
        if c % 8:
            raise ValueError(f"channels must be a multiple of 8 (GroupNorm), got {c}")
        self.num_classes = num_classes
        self.time = nn.Sequential(
            SinusoidalTimeEmbedding(embed_dim),
            nn.Linear(embed_dim, embed_dim),
            nn.SiLU(),
            nn.Linear(embed_dim, embed_dim),
        )
        self.label = nn.Embedding(num_classes + 1, embed_dim)
        self.conv_in = nn.Conv2d(1, c, 3, padding=1)
        self.down1 = _ResBlock(c, c, embed_dim)
        self.pool = nn.Conv2d(c, 2 * c, 3, stride=2, padding=1)
        self.mid1 = _ResBlock(2 * c, 2 * c, embed_dim)
        self.mid2 = _ResBlock(2 * c, 2 * c, embed_dim)
        self.up = nn.Upsample(scale_factor=2, mode="nearest")
        self.up1 = _ResBlock(3 * c, c, embed_dim)
        self.norm_out = nn.GroupNorm(8, c)
        self.conv_out = nn.Conv2d(c, 1, 3, padding=1)

    def forward(self, x: Tensor, t: Tensor | float, y: Tensor | None = None) -> Tensor:
        _check_input(self, x, ("n", 1, 8, 8))
        if y is None:
            y = torch.full((x.shape[0],), self.num_classes, dtype=torch.long, device=x.device)
        emb = self.time(_check_times(t, x.shape[0], tuple(x.shape)).to(x.device)) + self.label(y)
        h0 = self.down1(self.conv_in(x), emb)
        h = self.mid2(self.mid1(self.pool(h0), emb), emb)
        h = self.up1(torch.cat([self.up(h), h0], dim=1), emb)
        return self.conv_out(nn.functional.silu(self.norm_out(h)))


class NoisyDigitsClassifier(nn.Module):
    """Classifier p_φ(y | x_t, t) of noisy (n, 1, 8, 8) images at diffusion time t ∈ [0, 1] (t / T): logits (n, K).

    The encoder half of `DigitsScoreNet` (8×8 → 4×4, residual blocks with a time embedding), then global average
    pooling and a linear head, as Dhariwal & Nichol's (2021) classifier is the U-Net's downsampling trunk.
    Defaults: 32 base channels, 10 classes, embedding 64.
    """

    def __init__(self, channels: int = 32, num_classes: int = 10, embed_dim: int = 64) -> None:
        super().__init__()
        c = channels
        if c % 8:
            raise ValueError(f"channels must be a multiple of 8 (GroupNorm), got {c}")
        check_int("num_classes", num_classes, low=2)
        self.time = nn.Sequential(
            SinusoidalTimeEmbedding(embed_dim),
            nn.Linear(embed_dim, embed_dim),
            nn.SiLU(),
            nn.Linear(embed_dim, embed_dim),
        )
        self.conv_in = nn.Conv2d(1, c, 3, padding=1)
        self.block1 = _ResBlock(c, c, embed_dim)
        self.pool = nn.Conv2d(c, 2 * c, 3, stride=2, padding=1)
        self.block2 = _ResBlock(2 * c, 2 * c, embed_dim)
        self.norm_out = nn.GroupNorm(8, 2 * c)
        self.head = nn.Linear(2 * c, num_classes)

    def forward(self, x: Tensor, t: Tensor | float) -> Tensor:
        emb = self.time(_check_times(t, x.shape[0]).to(x.device))
        h = self.block2(self.pool(self.block1(self.conv_in(x), emb)), emb)
        return self.head(nn.functional.silu(self.norm_out(h)).mean((2, 3)))
