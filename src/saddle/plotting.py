"""Figures of image samples at their true aspect (bottom floor; matplotlib is imported when a figure is drawn).

`image_grid` tiles a batch of images into one picture, one row per class when the images have labels;
`show_images` draws it on an axes with square pixels and the class of each row on the left; `images_figure`
makes a constrained-layout figure whose size follows the pictures' pixel shape, so that sample grids are
neither squeezed nor stretched, titles never overlap, and the saved figure (at `saddle.runs.RunOutput`'s
110 dpi) stays legible, at most `MAX_WIDTH_PX` wide (the width of the report's page) and `MAX_HEIGHT_PX` high.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np

__all__ = ["MAX_HEIGHT_PX", "MAX_WIDTH_PX", "image_grid", "images_figure", "show_images"]

DPI = 110  # RunOutput.savefig's resolution
MAX_WIDTH_PX = 1400  # the report's page width: a wider figure is shrunk by the browser and its text with it
MAX_HEIGHT_PX = 800  # a sample grid taller than a screen cannot be taken in at once
PIXEL_INCHES = 0.11  # one image pixel drawn 12 screen pixels wide: an 8×8 digit is 96 px, a 28×28 one 339 px


def _as_images(images: Any) -> np.ndarray:
    """(N, H, W) float array from (N, H, W), (N, 1, H, W) or (N, H·W) with square H = W."""
    array = np.asarray(images.detach().cpu() if hasattr(images, "detach") else images, dtype=float)
    if array.ndim == 4:
        if array.shape[1] != 1:
            raise ValueError(f"images must have one channel, got shape {tuple(array.shape)}")
        array = array[:, 0]
    if array.ndim == 2:
        side = math.isqrt(array.shape[1])
        if side * side != array.shape[1]:
            raise ValueError(f"flat images need a square number of pixels, got {array.shape[1]}")
        array = array.reshape(len(array), side, side)
    if array.ndim != 3 or len(array) == 0:
        raise ValueError(f"images must be a non-empty batch (N, H, W), got shape {tuple(array.shape)}")
    return array


def image_grid(
    images: Any, labels: Any = None, per_row: int | None = None, pad: int = 1, fill: float = float("nan")
) -> tuple[np.ndarray, list[Any]]:
    """Tile images into one (rows·(H+pad) − pad, cols·(W+pad) − pad) picture and return it with the label of
    each row. With `labels`: one row per class in sorted order, the first `per_row` images of the class (a class
    with fewer leaves blanks); without: rows of `per_row` images (default ⌈√N⌉), row labels None. Gaps and blanks
    are `fill` (NaN: drawn in the background colour)."""
    array = _as_images(images)
    n, h, w = array.shape
    if pad < 0:
        raise ValueError(f"pad must be >= 0, got {pad}")
    if labels is not None:
        labs = np.asarray(labels.detach().cpu() if hasattr(labels, "detach") else labels)
        if labs.shape != (n,):
            raise ValueError(f"labels must have one entry per image ({n}), got shape {tuple(labs.shape)}")
        classes = sorted(set(labs.tolist()))
        rows = [array[labs == c] for c in classes]
        cols = per_row or max(len(r) for r in rows)
        row_labels: list[Any] = classes
    else:
        cols = per_row or math.ceil(math.sqrt(n))
        rows = [array[i : i + cols] for i in range(0, n, cols)]
        row_labels = [None] * len(rows)
    if cols < 1:
        raise ValueError(f"per_row must be >= 1, got {per_row}")
    grid = np.full((len(rows) * (h + pad) - pad, cols * (w + pad) - pad), fill, dtype=float)
    for r, row in enumerate(rows):
        for c, img in enumerate(row[:cols]):
            grid[r * (h + pad) : r * (h + pad) + h, c * (w + pad) : c * (w + pad) + w] = img
    return grid, row_labels


def show_images(
    ax: Any,
    images: Any,
    labels: Any = None,
    per_row: int | None = None,
    title: str | None = None,
    cmap: str = "gray_r",
    vmin: float = 0.0,
    vmax: float = 1.0,
    pad: int = 1,
) -> None:
    """Draw `image_grid(images, labels, per_row, pad)` on `ax` with square pixels (no interpolation), the class of
    each row as its tick label on the left (when there are labels) and no other ticks."""
    grid, row_labels = image_grid(images, labels, per_row, pad)
    h = _as_images(images).shape[1]
    ax.imshow(grid, cmap=cmap, vmin=vmin, vmax=vmax, interpolation="nearest", aspect="equal")
    ax.set_xticks([])
    if labels is not None:
        ax.set_yticks([r * (h + pad) + (h - 1) / 2 for r in range(len(row_labels))], [str(c) for c in row_labels])
        ax.tick_params(axis="y", length=0, labelsize=8)
    else:
        ax.set_yticks([])
    for side in ax.spines.values():
        side.set_visible(False)
    if title is not None:
        ax.set_title(title, fontsize=9)


def images_figure(
    shapes: Sequence[tuple[int, int]], extra_width: Sequence[float] = (), title_lines: int = 1
) -> tuple[Any, list[Any]]:
    """A constrained-layout figure with one axes per picture of pixel shape (rows, cols) in `shapes`, side by
    side, then one axes per entry of `extra_width` (inches, e.g. a bar chart); panel widths follow the pictures'
    shapes, so that every picture is drawn at the same scale and its true aspect, and the figure is at most
    `MAX_WIDTH_PX` wide and `MAX_HEIGHT_PX` high when saved. `title_lines`: lines of each panel's title, for the height. Returns
    (figure, axes)."""
    import matplotlib.pyplot as plt

    if not shapes:
        raise ValueError("images_figure needs at least one picture shape")
    tallest = max(r for r, _ in shapes)
    widths = [c * PIXEL_INCHES for _, c in shapes] + list(extra_width)
    margins = 0.25 + 0.2 * title_lines  # inches: the titles and the space around the pictures
    scale = min(
        1.0,
        (MAX_WIDTH_PX / DPI - 0.3 * len(widths)) / sum(widths),
        (MAX_HEIGHT_PX / DPI - margins) / (tallest * PIXEL_INCHES),
    )
    height = tallest * PIXEL_INCHES * scale + margins
    fig, axes = plt.subplots(
        1,
        len(widths),
        figsize=(sum(widths) * scale + 0.3 * len(widths), max(height, 2.0)),  # 2 in: room for an extra panel
        layout="constrained",
        width_ratios=widths,
        squeeze=False,
    )
    return fig, list(axes[0])
