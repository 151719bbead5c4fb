"""Eigen-NAS: search space sampling, the NTK score, and the selection rule of the algorithm."""

import pytest
import torch

from saddle.theory.nas import (
    Architecture,
    Candidate,
    SearchNet,
    SearchSpace,
    eigen_nas,
    ntk_score,
    select_top_k,
    train_and_validate,
)
from saddle.theory.ntk import empirical_ntk, ntk_matrix


def test_sampling_is_seeded_and_stays_in_the_space():
    space = SearchSpace(depths=(1, 3), widths=(8, 16), activations=("relu", "tanh"))
    a = [space.sample(torch.Generator().manual_seed(5)) for _ in range(2)]
    assert a[0] == a[1]
    gen = torch.Generator().manual_seed(0)
    archs = [space.sample(gen) for _ in range(200)]
    assert {x.depth for x in archs} == {1, 3} and {x.width for x in archs} == {8, 16}
    assert {act for x in archs for act in x.activations} == {"relu", "tanh"} and {x.skip for x in archs} == {
        False,
        True,
    }


def test_search_net_shapes_skip_and_score(gen):
    arch = Architecture(3, 12, ("relu", "tanh", "swish"), True)
    net = SearchNet(arch, 64, 10, gen).double()
    x = torch.rand(9, 1, 8, 8, generator=gen, dtype=torch.float64)
    assert net(x).shape == (9, 10)
    # a residual net equals the hand-written recursion
    h1 = torch.relu(net.hidden[0](x.flatten(1)))
    h2 = torch.tanh(net.hidden[1](h1)) + h1
    h3 = torch.nn.functional.silu(net.hidden[2](h2)) + h2
    torch.testing.assert_close(net(x), net.out(h3))
    g = ntk_matrix(empirical_ntk(net, x), "trace")
    assert ntk_score(net, x) == pytest.approx(float(torch.linalg.eigvalsh(g)[0]), rel=1e-9)
    assert ntk_score(net, x) > 0  # more parameters than points: the output-summed NTK is positive definite here


def test_eigen_nas_follows_the_algorithm(gen):
    x = torch.rand(120, 1, 8, 8, generator=gen)
    w = torch.randn(64, 3, generator=gen)
    y = ((x.flatten(1) - 0.5) @ w).argmax(1)
    space = SearchSpace(depths=(1, 2), widths=(8, 16), activations=("relu", "sigmoid"))
    res = eigen_nas(
        space, x[:80], y[:80], x[80:], y[80:], n_samples=5, top_k=2, epochs=1, ntk_batch=16, n_classes=3, seed=3
    )
    scores = [c.score for c in res.candidates]
    assert len(scores) == 5 and scores == sorted(scores, reverse=True)
    assert [c.arch for c in res.trained] == [c.arch for c in res.candidates[:2]]  # the top-K by λ_min
    assert res.best.val_accuracy == max(c.val_accuracy for c in res.trained)
    # the recorded score and accuracy are reproducible from the candidate's seed
    c = res.trained[0]
    net = SearchNet(c.arch, 64, 3, torch.Generator().manual_seed(c.init_seed))
    assert ntk_score(net, x[:16]) == pytest.approx(c.score, rel=1e-6)
    assert train_and_validate(c.arch, x[:80], y[:80], x[80:], y[80:], 3, 1, c.init_seed) == c.val_accuracy
    again = eigen_nas(
        space, x[:80], y[:80], x[80:], y[80:], n_samples=5, top_k=2, epochs=1, ntk_batch=16, n_classes=3, seed=3
    )
    assert again.best == res.best


def test_bad_input_raises():
    with pytest.raises(ValueError, match="activation must be one of"):
        Architecture(1, 4, ("gelu",), False)
    with pytest.raises(ValueError, match="one activation per hidden layer"):
        Architecture(2, 4, ("relu",), False)
    with pytest.raises(ValueError, match="non-empty"):
        SearchSpace(widths=())
    x, y = torch.rand(10, 4), torch.zeros(10, dtype=torch.long)
    with pytest.raises(ValueError, match="top_k must be <="):
        eigen_nas(SearchSpace(), x, y, x, y, n_samples=2, top_k=3)
    with pytest.raises(ValueError, match="n_samples must be"):
        eigen_nas(SearchSpace(), x, y, x, y, n_samples=0)


def test_select_top_k_rule():
    arch = Architecture(1, 4, ("relu",), False)
    cands = [Candidate(arch, s, i, acc) for i, (s, acc) in enumerate([(0.1, 0.99), (3.0, 0.5), (2.0, 0.7), (1.0, 0.9)])]
    top, best = select_top_k(cands, 2)
    assert [c.init_seed for c in top] == [1, 2] and best.init_seed == 2  # 0.99 is outside the top-2 by λ_min
    with pytest.raises(ValueError, match="top_k must be in"):
        select_top_k(cands, 5)
