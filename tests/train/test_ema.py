"""ema_model: the EMA of weights on torch's AveragedModel, with and without the warm-up, against closed forms."""

import io

import pytest
import torch
from torch import nn
from torch.optim.swa_utils import AveragedModel, get_ema_multi_avg_fn

from saddle.train import ema_model, ema_multi_avg_fn


def iterates(k, d=5, seed=0):
    g = torch.Generator().manual_seed(seed)
    return [torch.randn(d, generator=g, dtype=torch.float64) for _ in range(k + 1)]


def vector_module(theta):
    m = nn.Linear(len(theta), 1, bias=False).double()
    with torch.no_grad():
        m.weight.copy_(theta.unsqueeze(0))
    return m


def set_weights(m, theta):
    with torch.no_grad():
        m.weight.copy_(theta.unsqueeze(0))


def closed_form(thetas, betas):
    """Σ_j w_j θ_j with w_0 = Π_i β_i and w_j = (1 − β_{j−1}) Π_{i ≥ j} β_i: θ̄ ← β_k θ̄ + (1 − β_k) θ_{k+1}."""
    weights = []
    for j in range(len(thetas)):
        w = 1.0 if j == 0 else 1.0 - betas[j - 1]
        for b in betas[j:]:
            w *= b
        weights.append(w)
    assert sum(weights) == pytest.approx(1.0, abs=1e-12)
    return sum(w * t for w, t in zip(weights, thetas))


@pytest.mark.parametrize("decay", [0.0, 0.5, 0.9, 0.999])
def test_warmup_ema_is_the_weighted_sum_of_the_iterates(decay):
    thetas = iterates(40)
    m = vector_module(thetas[0])
    ema = ema_model(m, decay, warmup=True)  # θ_0 is the first average
    for t in thetas[1:]:
        set_weights(m, t)
        ema.update_parameters(m)
    betas = [min(decay, (1 + k) / (10 + k)) for k in range(40)]
    torch.testing.assert_close(ema.module.weight[0], closed_form(thetas, betas), rtol=0, atol=1e-13)


def test_warmup_first_update_weighs_the_new_iterate_nine_tenths():
    thetas = iterates(1)
    m = vector_module(thetas[0])
    ema = ema_model(m, 0.999, warmup=True)
    set_weights(m, thetas[1])
    ema.update_parameters(m)
    torch.testing.assert_close(ema.module.weight[0], 0.1 * thetas[0] + 0.9 * thetas[1], rtol=0, atol=1e-15)


def test_without_warmup_it_is_torchs_ema_bit_for_bit_and_integer_buffers_follow_the_model():
    torch.manual_seed(0)  # test-only: initial weights of the two (identical) copies
    net = nn.Sequential(nn.Linear(3, 4), nn.BatchNorm1d(4), nn.Linear(4, 1))
    ours = ema_model(net, 0.8)
    ref = AveragedModel(net, multi_avg_fn=get_ema_multi_avg_fn(0.8), use_buffers=True)
    opt = torch.optim.SGD(net.parameters(), lr=0.1)
    g = torch.Generator().manual_seed(1)
    for _ in range(7):
        opt.zero_grad()
        net(torch.randn(8, 3, generator=g)).pow(2).mean().backward()  # train mode: BatchNorm stats move too
        opt.step()
        ours.update_parameters(net)
        ref.update_parameters(net)
    for (name, a), b in zip(ours.module.state_dict().items(), ref.module.state_dict().values()):
        if a.is_floating_point():
            assert torch.equal(a, b), name
    assert int(ours.module[1].num_batches_tracked) == int(net[1].num_batches_tracked) == 7


def test_state_dict_keeps_the_warmup_count():
    thetas = iterates(12)
    m = vector_module(thetas[0])
    ema = ema_model(m, 0.95, warmup=True)
    for t in thetas[1:7]:
        set_weights(m, t)
        ema.update_parameters(m)
    buf = io.BytesIO()
    torch.save(ema.state_dict(), buf)
    buf.seek(0)
    resumed = ema_model(vector_module(thetas[-1]), 0.95, warmup=True)
    resumed.load_state_dict(torch.load(buf, weights_only=True))
    for t in thetas[7:]:
        set_weights(m, t)
        ema.update_parameters(m)
        resumed.update_parameters(m)
    assert torch.equal(resumed.module.weight, ema.module.weight)


@pytest.mark.parametrize("n", [1, 5, 100])
def test_multi_avg_fn_moves_floats_by_one_minus_beta_and_copies_integers(n):
    a, b = torch.tensor([1.0, -2.0], dtype=torch.float64), torch.tensor([3.0, 4.0], dtype=torch.float64)
    count, current = torch.tensor([7]), torch.tensor([9])
    for warmup, beta in ((False, 0.9), (True, min(0.9, n / (n + 9)))):
        avg, cnt = a.clone(), count.clone()
        fn = ema_multi_avg_fn(0.9, warmup=warmup)
        fn([avg], [b], torch.tensor(n))
        fn([cnt], [current], torch.tensor(n))
        torch.testing.assert_close(avg, beta * a + (1 - beta) * b, rtol=0, atol=1e-15)
        assert int(cnt) == 9


@pytest.mark.parametrize(
    ("kwargs", "text"),
    [
        ({"decay": 1.5}, "1.5"),
        ({"decay": float("nan")}, "nan"),
        ({"decay": "0.9"}, "'0.9'"),
        ({"decay": 0.9, "warmup": 1}, "1"),
    ],
)
def test_bad_arguments_raise_with_the_value(kwargs, text):
    with pytest.raises(ValueError, match=text):
        ema_model(nn.Linear(2, 1), **kwargs)
