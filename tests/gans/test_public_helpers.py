"""Small public pieces of saddle.gans and saddle.validation: maxout units, per-row noise streams, log paths."""

import pytest
import torch

from saddle.gans import Maxout, log_paths
from saddle.langevin import check_noise_source
from saddle.validation import random_rows


def test_maxout_is_the_max_over_its_affine_pieces():
    torch.manual_seed(0)
    unit = Maxout(3, 4, pieces=5)
    x = torch.randn(7, 3)
    pieces = (x @ unit.linear.weight.T + unit.linear.bias).reshape(7, 4, 5)  # unit j's pieces are outputs 5j..5j+4
    torch.testing.assert_close(unit(x), pieces.max(-1).values)


def test_random_rows_draw_each_row_as_its_own_generator_alone():
    gens = [torch.Generator().manual_seed(s) for s in (1, 2, 3)]
    rows = random_rows((3, 4, 2), gens)
    for s, row in zip((1, 2, 3), rows):
        torch.testing.assert_close(row, torch.randn(4, 2, generator=torch.Generator().manual_seed(s)))
    u = random_rows((2, 5), [torch.Generator().manual_seed(9)] * 2, uniform=True)
    assert ((u >= 0) & (u < 1)).all()


def test_check_noise_source_keeps_row_generators_as_a_tuple_and_refuses_bad_ones():
    g = [torch.Generator(), torch.Generator()]
    kept = check_noise_source(g)
    assert kept == tuple(g) and all(a is b for a, b in zip(kept, g))  # the same streams, not copies
    assert isinstance(check_noise_source(5), torch.Generator)
    with pytest.raises(ValueError, match=r"one torch\.Generator per row"):
        check_noise_source([])
    with pytest.raises(ValueError, match=r"one torch\.Generator per row"):
        check_noise_source([torch.Generator(), 3])


def test_log_paths_put_the_json_lines_log_under_logs(tmp_path):
    paths = log_paths(tmp_path, "run_a")
    assert paths["log_path"] == tmp_path / "logs" / "run_a.jsonl"


def test_plot_health_draws_each_recorded_quantity_against_the_step():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from saddle.gans import plot_health

    history = [{"step": 1, "loss": 0.3}] + [
        {
            "step": s,
            "health/field_norm/generator": 1.0 * s,
            "health/field_norm/critic": 2.0 * s,
            "health/symmetric": 3.0 * s,
            "health/antisymmetric": 4.0 * s,
            "health/update_radius": 0.5 * s,
        }
        for s in (10, 20)
    ]
    fig, axes = plt.subplots(1, 3)
    plot_health(axes, history, "run", "C1")
    lines = [list(ax.get_lines()) for ax in axes]
    assert [list(ln.get_xdata()) for ln in lines[0]] == [[10, 20], [10, 20]]  # the record without health is skipped
    assert [list(ln.get_ydata()) for ln in lines[0]] == [[10.0, 20.0], [20.0, 40.0]]
    assert [list(ln.get_ydata()) for ln in lines[1]] == [[30.0, 60.0], [40.0, 80.0]]
    assert list(lines[2][0].get_ydata()) == [5.0, 10.0]  # then the reference line ρ = 1
    plt.close(fig)
