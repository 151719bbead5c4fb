"""The radially averaged power spectrum: Parseval's identity, pure cosines in their own band, white noise flat."""

import math

import pytest
import torch

from saddle.metrics import band_power, radial_bands


def test_bands_are_the_floor_of_the_frequency_radius():
    bands = radial_bands(8)
    assert bands.shape == (8, 8) and int(bands[0, 0]) == 0 and int(bands.max()) == 5  # |(−4, −4)| = 5.66
    assert int(bands[0, 3]) == 3 and int(bands[3, 4]) == 5 and int(bands[1, 1]) == 1  # row 4 is frequency −4


def test_a_cosine_lands_in_its_band_and_parseval_holds():
    s, k = 8, 2
    grid = torch.arange(s, dtype=torch.float64)
    x = torch.cos(2 * math.pi * k * grid / s)[None, :].expand(s, s)[None, None]  # varies along the columns
    bands = radial_bands(s)
    power = band_power(x, bands)
    counts = torch.bincount(bands.flatten())
    assert torch.nonzero(power > 1e-18).flatten().tolist() == [k]
    # Parseval: Σ_k |X_k|² = s² Σ x²; the band mean times its size sums the coefficients of that band
    assert float((power * counts).sum()) == pytest.approx(s * s * float((x**2).sum()), rel=1e-12)


def test_white_noise_has_the_same_power_s2_sigma2_in_every_band():
    x = 0.5 * torch.randn(10000, 1, 8, 8, generator=torch.Generator().manual_seed(0), dtype=torch.float64)
    power = band_power(x, radial_bands(8))
    assert torch.allclose(
        power, torch.full_like(power, 64 * 0.25), rtol=0.05
    )  # SE ≤ sqrt(2/10000) = 1.4% (the one-coefficient DC band)


def test_bad_shapes_are_refused():
    with pytest.raises(ValueError, match="bands must have the image shape"):
        band_power(torch.zeros(2, 1, 8, 8), radial_bands(4))
    with pytest.raises(ValueError):
        band_power(torch.zeros(2, 3, 8, 8), radial_bands(8))
