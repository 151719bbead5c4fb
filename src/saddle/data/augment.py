"""Data augmentation on tensors (no torchvision): random crop after zero padding and horizontal flip.

The CIFAR-10 recipe of Wong et al. (ICLR 2020) and Rice et al. (ICML 2020): `RandomCrop(32, padding=4)` and
`RandomHorizontalFlip()`, here per image of a batch (B, C, H, W) with the offsets and flips drawn from an explicit
generator. `sample` and `apply` are separate so that a sharded batch source can draw for the whole global batch
(every process draws the same numbers) and apply only its own rows.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor

from saddle.validation import check_bool, check_generator, check_int

__all__ = ["RandomCropFlip"]


class RandomCropFlip:
    """x (B, C, H, W) ↦ per image: zero-pad by `padding`, crop H × W at an offset uniform in {0..2p}², then flip
    left-right with probability ½ when `flip` (defaults: padding 4, flip True; padding 0 and flip False is the identity).

    `params = sample(B, generator)` is a (B, 3) int64 tensor (row offset, column offset, flip bit);
    `apply(x, params)` uses it; `__call__(x, generator)` does both.
    """

    def __init__(self, padding: int = 4, flip: bool = True) -> None:
        self.padding = check_int("padding", padding, low=0)
        self.flip = check_bool("flip", flip)

    def __repr__(self) -> str:
        return f"RandomCropFlip(padding={self.padding}, flip={self.flip})"

    def sample(self, n: int, generator: torch.Generator) -> Tensor:
        """(n, 3) int64 on the generator's device: offsets in {0, ..., 2·padding} and flip bits."""
        gen = check_generator(generator)
        offsets = torch.randint(0, 2 * self.padding + 1, (n, 2), generator=gen, device=gen.device)
        flips = torch.randint(0, 2, (n, 1), generator=gen, device=gen.device) * int(self.flip)
        return torch.cat([offsets, flips], 1)

    def apply(self, x: Tensor, params: Tensor) -> Tensor:
        """The crops and flips of `params` (B, 3) applied to x (B, C, H, W)."""
        if x.ndim != 4 or params.shape != (x.shape[0], 3):
            raise ValueError(
                f"expected x (B, C, H, W) and params (B, 3), got {tuple(x.shape)} and {tuple(params.shape)}"
            )
        params = params.to(x.device)
        b, c, h, w = x.shape
        out = x
        if self.padding:
            p = self.padding
            padded = F.pad(x, (p, p, p, p))  # zeros, as torchvision's RandomCrop(padding=p)
            rows = params[:, 0, None] + torch.arange(h, device=x.device)  # (B, H)
            cols = params[:, 1, None] + torch.arange(w, device=x.device)  # (B, W)
            batch = torch.arange(b, device=x.device)[:, None, None, None]
            chan = torch.arange(c, device=x.device)[None, :, None, None]
            out = padded[batch, chan, rows[:, None, :, None], cols[:, None, None, :]]
        if self.flip:
            out = torch.where(params[:, 2, None, None, None].bool(), out.flip(-1), out)
        return out

    def __call__(self, x: Tensor, generator: torch.Generator) -> Tensor:
        return self.apply(x, self.sample(x.shape[0], generator))
