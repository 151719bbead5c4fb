"""Loaders for user-provided MNIST / Fashion-MNIST / CIFAR-10, on small files written in the torchvision layout."""

import gzip
import pickle
import struct

import numpy as np
import pytest
import torch

from saddle.data import load_cifar10, load_fashion_mnist, load_mnist, read_idx


def _idx_bytes(array: np.ndarray) -> bytes:
    """IDX encoding written independently of the reader: magic 0,0,0x08,ndim then big-endian sizes."""
    return struct.pack(">BBBB", 0, 0, 0x08, array.ndim) + struct.pack(f">{array.ndim}I", *array.shape) + array.tobytes()


def _write_idx_dataset(root, folder, gz, n_train=7, n_test=3, seed=0):
    rng = np.random.default_rng(seed)
    raw = root / folder / "raw"
    raw.mkdir(parents=True)
    arrays = {}
    for prefix, n in (("train", n_train), ("t10k", n_test)):
        images = rng.integers(0, 256, (n, 28, 28), dtype=np.uint8)
        labels = rng.integers(0, 10, n, dtype=np.uint8)
        for kind, arr in (("images-idx3", images), ("labels-idx1", labels)):
            path = raw / f"{prefix}-{kind}-ubyte"
            data = _idx_bytes(arr)
            if gz:
                with gzip.open(str(path) + ".gz", "wb") as f:
                    f.write(data)
            else:
                path.write_bytes(data)
        arrays[prefix] = (images, labels)
    return arrays


@pytest.mark.parametrize("gz", [False, True])
@pytest.mark.parametrize("loader, folder", [(load_mnist, "MNIST"), (load_fashion_mnist, "FashionMNIST")])
def test_idx_datasets_round_trip(tmp_path, gz, loader, folder):
    arrays = _write_idx_dataset(tmp_path, folder, gz)
    train, test = loader(tmp_path)
    for split, prefix in ((train, "train"), (test, "t10k")):
        images, labels = arrays[prefix]
        assert split.x.shape == (len(images), 1, 28, 28) and split.x.dtype == torch.float32
        assert torch.equal(split.x[:, 0], torch.from_numpy(images.astype(np.float32) / 255))
        assert torch.equal(split.y, torch.from_numpy(labels.astype(np.int64)))
        assert split.x.min() >= 0 and split.x.max() <= 1


def test_missing_files_name_the_expected_path(tmp_path):
    with pytest.raises(FileNotFoundError, match=r"MNIST/raw/train-images-idx3-ubyte"):
        load_mnist(tmp_path)
    with pytest.raises(FileNotFoundError, match=r"cifar-10-batches-py/data_batch_1"):
        load_cifar10(tmp_path)


def test_corrupt_idx_raises(tmp_path):
    (tmp_path / "bad").write_bytes(b"\x01\x02\x03\x04rest")
    with pytest.raises(ValueError, match="not an IDX file"):
        read_idx(tmp_path / "bad")
    (tmp_path / "short").write_bytes(_idx_bytes(np.zeros((2, 3), np.uint8))[:-1])
    with pytest.raises(ValueError, match="header says shape"):
        read_idx(tmp_path / "short")


def test_cifar10_round_trip(tmp_path):
    rng = np.random.default_rng(1)
    base = tmp_path / "cifar-10-batches-py"
    base.mkdir()
    batches = {}
    for name in [f"data_batch_{i}" for i in range(1, 6)] + ["test_batch"]:
        data = rng.integers(0, 256, (4, 3072), dtype=np.uint8)
        labels = rng.integers(0, 10, 4).tolist()
        with open(base / name, "wb") as f:
            pickle.dump({b"data": data, b"labels": labels, b"batch_label": name.encode()}, f)
        batches[name] = (data, labels)
    train, test = load_cifar10(tmp_path)
    assert train.x.shape == (20, 3, 32, 32) and test.x.shape == (4, 3, 32, 32)
    data2, labels2 = batches["data_batch_2"]
    # CIFAR rows are 1024 red, 1024 green, 1024 blue values, each row-major 32×32
    assert torch.equal(train.x[4, 1], torch.from_numpy(data2[0, 1024:2048].reshape(32, 32).astype(np.float32) / 255))
    assert train.y[4:8].tolist() == labels2
    assert test.y.tolist() == batches["test_batch"][1]
