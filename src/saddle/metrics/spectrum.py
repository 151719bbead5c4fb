"""The radially averaged power spectrum of images: which spatial frequencies carry the signal.

The 2-D DFT coefficient at integer frequency k = (k_1, k_2) of an s×s image belongs to the radial band ⌊|k|⌋
(|k| with k_i in −s/2 … s/2 − 1, as `torch.fft.fftfreq`); a band's power is the mean |DFT|² over its coefficients
and over the images (unnormalised DFT: white noise of variance σ² has power s²σ² in every band). Used to watch
coarse structure appear before fine detail along a diffusion model's reverse process (Dieleman 2024,
"Diffusion is spectral autoregression"; the notes' Fourier view of denoising).
"""

from __future__ import annotations

import torch
from torch import Tensor

from saddle.validation import check_int, check_tensor

__all__ = ["band_power", "radial_bands"]


def radial_bands(size: int = 8) -> Tensor:
    """Radial frequency index ⌊|k|⌋ of each 2-D DFT coefficient of a size×size image, shape (size, size)."""
    check_int("size", size)
    k = torch.fft.fftfreq(size) * size
    return torch.sqrt(k[:, None] ** 2 + k[None, :] ** 2).floor().long()


def band_power(x: Tensor, bands: Tensor) -> Tensor:
    """Mean |DFT|² of images x (n, 1, s, s) per radial band (radially averaged power spectrum), shape (bands,).

    `bands` is `radial_bands(s)`; computed in float64.
    """
    check_tensor("x", x, ("n", 1, "s", "s"), finite=False)
    if bands.shape != x.shape[-2:]:
        raise ValueError(f"bands must have the image shape {tuple(x.shape[-2:])}, got {tuple(bands.shape)}")
    power = (torch.fft.fft2(x[:, 0].double()).abs() ** 2).mean(0)
    return torch.stack([power[bands == b].mean() for b in range(int(bands.max()) + 1)])
