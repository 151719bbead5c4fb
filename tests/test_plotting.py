"""Sample-grid figures (`saddle.plotting`): the tiling, one row per class, square pixels, figure size and layout."""

import math

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
import pytest
import torch

from saddle.plotting import MAX_HEIGHT_PX, MAX_WIDTH_PX, image_grid, images_figure, show_images


def _images(n, h=3, w=2):
    """Image i is filled with the value i: where it lands in the grid says which image it is."""
    return torch.arange(n, dtype=torch.float32).reshape(n, 1, 1, 1).expand(n, 1, h, w)


def test_grid_without_labels_tiles_row_by_row_with_gaps():
    grid, rows = image_grid(_images(5), per_row=3, pad=1)
    assert grid.shape == (2 * 3 + 1, 3 * 2 + 2) and rows == [None, None]
    assert grid[0, 0] == 0 and grid[0, 3] == 1 and grid[0, 6] == 2 and grid[4, 0] == 3 and grid[4, 3] == 4
    assert np.isnan(grid[3, :]).all() and np.isnan(grid[:, 2]).all()  # the gaps
    assert np.isnan(grid[4:, 6:]).all()  # the missing sixth image is blank
    assert image_grid(_images(5), pad=0)[0].shape == (2 * 3, 3 * 2)  # ⌈√5⌉ = 3 per row by default


def test_grid_with_labels_gives_one_row_per_class_in_order():
    labels = torch.tensor([2, 0, 2, 2, 0, 5])
    grid, rows = image_grid(_images(6), labels, per_row=2, pad=1)
    assert rows == [0, 2, 5] and grid.shape == (3 * 4 - 1, 2 * 3 - 1)
    firsts = [[grid[r * 4, c * 3] for c in range(2)] for r in range(3)]
    assert firsts[0] == [1, 4] and firsts[1] == [0, 2] and firsts[2][0] == 5 and np.isnan(firsts[2][1])
    # without per_row the longest class sets the width
    assert image_grid(_images(6), labels)[0].shape == (3 * 4 - 1, 3 * 3 - 1)


def test_grid_takes_flat_square_and_channel_first_images_and_refuses_others():
    flat = torch.arange(2 * 64, dtype=torch.float32).reshape(2, 64)
    grid, _ = image_grid(flat, per_row=2, pad=0)
    assert np.array_equal(grid[:, :8], flat[0].reshape(8, 8).numpy())
    with pytest.raises(ValueError, match="square number of pixels"):
        image_grid(torch.zeros(2, 10))
    with pytest.raises(ValueError, match="one channel"):
        image_grid(torch.zeros(2, 3, 4, 4))
    with pytest.raises(ValueError, match="one entry per image"):
        image_grid(torch.zeros(2, 4, 4), labels=[0])
    with pytest.raises(ValueError, match="non-empty"):
        image_grid(torch.zeros(0, 4, 4))


def test_show_images_keeps_square_pixels_and_names_the_rows():
    fig, ax = plt.subplots(figsize=(4, 4))
    labels = torch.tensor([0, 1, 1, 3])
    show_images(ax, _images(4, 8, 8), labels, per_row=2, title="samples")
    image = ax.get_images()[0]
    assert ax.get_aspect() == 1.0 and image.get_interpolation() == "nearest"
    assert [t.get_text() for t in ax.get_yticklabels()] == ["0", "1", "3"] and list(ax.get_xticks()) == []
    assert ax.get_yticks().tolist() == [3.5, 12.5, 21.5]  # the middle of each 8-pixel row (gap 1)
    assert ax.get_title() == "samples"
    plt.close(fig)


def _bbox(fig, artist):
    fig.canvas.draw()
    return artist.get_window_extent(fig.canvas.get_renderer())


def test_images_figure_draws_every_picture_at_one_scale_within_the_page_and_titles_apart():
    shapes = [(89, 35), (89, 35), (89, 71)]
    fig, axes = images_figure(shapes, extra_width=(4.0,), title_lines=2)
    assert fig.get_layout_engine() is not None and len(axes) == 4
    assert fig.get_size_inches()[0] * 110 <= MAX_WIDTH_PX + 1e-6
    for ax, (rows, cols) in zip(axes, shapes):
        ax.imshow(np.zeros((rows, cols)), aspect="equal")
        ax.set_title("a long two-line title\nfor a narrow panel", fontsize=9)
    axes[3].plot([0, 1])
    axes[3].set_title("a bar chart")
    fig.canvas.draw()
    # one scale: each picture's pixels are as wide on the page as the others'
    scales = [_bbox(fig, ax.get_images()[0]).width / cols for ax, (_, cols) in zip(axes, shapes)]
    assert max(scales) / min(scales) < 1.02 and min(scales) > 2  # and legible: > 2 screen pixels per image pixel
    titles = [_bbox(fig, ax.title) for ax in axes]
    assert all(not a.overlaps(b) for i, a in enumerate(titles) for b in titles[i + 1 :])
    plt.close(fig)


def test_a_wide_figure_is_shrunk_to_the_page_width_and_a_tall_one_to_the_screen_height():
    fig, _ = images_figure([(10, 2000)])
    assert math.isclose(fig.get_size_inches()[0] * 110, MAX_WIDTH_PX, rel_tol=1e-9)
    plt.close(fig)
    fig, _ = images_figure([(2000, 10)])
    assert math.isclose(fig.get_size_inches()[1] * 110, MAX_HEIGHT_PX, rel_tol=1e-9)
    plt.close(fig)
    with pytest.raises(ValueError, match="at least one picture"):
        images_figure([])
