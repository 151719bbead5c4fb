"""saddle.validation's tensor, player and model boundaries: what passes comes back as given, what fails names itself."""

import pytest
import torch
from torch import nn

from saddle.validation import (
    as_real_tensor,
    check_classification_batch,
    check_model_input,
    check_module,
    check_players,
    check_tensor,
    model_output,
)


def test_check_tensor_binds_named_sizes_and_refuses_a_mismatch():
    sizes: dict[str, int] = {}
    x = torch.zeros(4, 3)
    assert check_tensor("x", x, ("B", 3), sizes=sizes) is x and sizes == {"B": 4}
    with pytest.raises(ValueError, match="y"):
        check_tensor("y", torch.zeros(5, 3), ("B", 3), sizes=sizes)  # B is already 4
    with pytest.raises(ValueError, match="x"):
        check_tensor("x", torch.tensor([1.0, float("nan")]))


def test_as_real_tensor_keeps_floats_and_makes_integers_exact_float64():
    f = torch.ones(2, dtype=torch.float32)
    assert as_real_tensor("f", f) is f
    n = as_real_tensor("n", [[1, 2], [3, 4]])
    assert n.dtype == torch.float64 and torch.equal(n, torch.tensor([[1.0, 2.0], [3.0, 4.0]], dtype=torch.float64))
    with pytest.raises(ValueError, match="c"):
        as_real_tensor("c", torch.ones(2, dtype=torch.complex64))


def test_check_classification_batch_returns_int64_labels_and_refuses_bad_ones():
    y = check_classification_batch(torch.zeros(3, 2), torch.tensor([0, 2, 1], dtype=torch.int32), 3)
    assert y.dtype == torch.int64 and y.tolist() == [0, 2, 1]
    with pytest.raises(ValueError, match="y"):
        check_classification_batch(torch.zeros(3, 2), torch.tensor([0, 3, 1]), 3)  # label 3 of 3 classes
    with pytest.raises(ValueError, match="y"):
        check_classification_batch(torch.zeros(3, 2), torch.tensor([0, 1]), 3)  # one label per point


def test_check_players_refuses_mixed_dtypes_and_empty_lists():
    players = (torch.zeros(1, 2), torch.ones(1, 3))
    assert check_players("params", players) == list(players)
    with pytest.raises(ValueError, match="non-empty list"):
        check_players("params", [])
    with pytest.raises(ValueError, match="params"):
        check_players("params", [torch.zeros(1, 2), torch.zeros(1, 2, dtype=torch.float64)])


def test_check_module_and_model_output_name_what_is_wrong():
    net = nn.Linear(3, 2)
    assert check_module("net", net) is net
    with pytest.raises(TypeError, match=r"net must be a torch\.nn\.Module"):
        check_module("net", lambda x: x)
    x = torch.randn(4, 3)
    torch.testing.assert_close(model_output(net, x, output=("B", 2)), net(x), rtol=0, atol=0)
    with pytest.raises(ValueError, match="x"):
        model_output(net, torch.randn(4, 5))  # the layer cannot take 5 features
    with pytest.raises(ValueError, match="net"):
        model_output(net, x, name="net", output=("B", 3))


def test_check_model_input_leaves_the_model_as_it_was():
    net = nn.Sequential(nn.Linear(3, 4), nn.BatchNorm1d(4), nn.Dropout(0.5))
    net.train()
    stats = net[1].running_mean.clone()
    out = check_model_input(net, torch.randn(6, 3))
    assert out.shape[-1] == 4
    assert net.training and torch.equal(net[1].running_mean, stats)
    with pytest.raises(ValueError, match="x"):
        check_model_input(net, torch.randn(6, 2))
