"""Loaders for datasets the user has on disk: MNIST, Fashion-MNIST (IDX files) and CIFAR-10 (python pickles).

Expected layouts (torchvision's, no download is ever attempted):

    ROOT/MNIST/raw/{train,t10k}-{images-idx3,labels-idx1}-ubyte[.gz]
    ROOT/FashionMNIST/raw/{train,t10k}-{images-idx3,labels-idx1}-ubyte[.gz]
    ROOT/cifar-10-batches-py/{data_batch_1..5,test_batch}

Images come back as float32 in [0, 1] of shape (N, C, H, W), labels as int64 (N,), in a `Split`.
"""

from __future__ import annotations

import gzip
import pickle
from pathlib import Path

import numpy as np
import torch

from saddle.data.digits import Split

__all__ = ["load_cifar10", "load_fashion_mnist", "load_mnist", "read_idx"]

_IDX_DTYPES: dict[int, np.dtype] = {
    0x08: np.dtype(np.uint8),
    0x09: np.dtype(np.int8),
    0x0B: np.dtype(">i2"),
    0x0C: np.dtype(">i4"),
    0x0D: np.dtype(">f4"),
    0x0E: np.dtype(">f8"),
}


def _open_either(path: Path) -> bytes:
    """Read `path` or `path.gz`; FileNotFoundError naming both when neither exists."""
    gz = path.with_name(path.name + ".gz")
    if path.is_file():
        return path.read_bytes()
    if gz.is_file():
        with gzip.open(gz, "rb") as f:
            return f.read()
    raise FileNotFoundError(f"expected {path} or {gz}; download the dataset there (torchvision layout)")


def read_idx(path: str | Path) -> np.ndarray:
    """Parse an IDX file (LeCun's MNIST format): magic 0x0000 TT DD, DD big-endian int32 sizes, then data.

    `path` may name the plain file; `path.gz` is used when only the gzipped one exists.
    """
    data = _open_either(Path(path))
    if len(data) < 4 or data[0] != 0 or data[1] != 0 or data[2] not in _IDX_DTYPES:
        raise ValueError(f"{path} is not an IDX file (bad magic number {data[:4]!r})")
    dtype, ndim = _IDX_DTYPES[data[2]], data[3]
    shape = tuple(int(s) for s in np.frombuffer(data, dtype=">i4", count=ndim, offset=4))
    offset = 4 + 4 * ndim
    expected = int(np.prod(shape)) * dtype.itemsize
    if len(data) - offset != expected:
        raise ValueError(f"{path}: header says shape {shape} ({expected} bytes) but {len(data) - offset} bytes follow")
    return np.frombuffer(data, dtype=dtype, offset=offset).reshape(shape)


def _load_idx_dataset(root: str | Path, folder: str) -> tuple[Split, Split]:
    raw = Path(root) / folder / "raw"
    splits = []
    for prefix in ("train", "t10k"):
        images = read_idx(raw / f"{prefix}-images-idx3-ubyte")
        labels = read_idx(raw / f"{prefix}-labels-idx1-ubyte")
        if images.ndim != 3 or labels.ndim != 1 or len(images) != len(labels):
            raise ValueError(f"{raw}: {prefix} images {images.shape} and labels {labels.shape} do not match")
        x = torch.from_numpy(images.astype(np.float32) / 255.0)[:, None]
        splits.append(Split(x, torch.from_numpy(labels.astype(np.int64))))
    return splits[0], splits[1]


def load_mnist(root: str | Path) -> tuple[Split, Split]:
    """MNIST (LeCun et al. 1998) from ROOT/MNIST/raw: (train 60,000, test 10,000) of (N, 1, 28, 28) in [0, 1]."""
    return _load_idx_dataset(root, "MNIST")


def load_fashion_mnist(root: str | Path) -> tuple[Split, Split]:
    """Fashion-MNIST (Xiao et al. 2017) from ROOT/FashionMNIST/raw: same format and sizes as MNIST."""
    return _load_idx_dataset(root, "FashionMNIST")


def _cifar_batch(path: Path) -> tuple[np.ndarray, np.ndarray]:
    if not path.is_file():
        raise FileNotFoundError(f"expected {path}; download CIFAR-10 ('python version') and unpack it there")
    with open(path, "rb") as f:
        batch = pickle.load(f, encoding="bytes")
    data = batch.get(b"data", batch.get("data"))
    labels = batch.get(b"labels", batch.get("labels"))
    if data is None or labels is None:
        raise ValueError(f"{path} is not a CIFAR-10 batch (no 'data'/'labels' keys)")
    data = np.asarray(data, dtype=np.uint8)
    if data.ndim != 2 or data.shape[1] != 3 * 32 * 32 or len(labels) != len(data):
        raise ValueError(f"{path}: expected data (N, 3072) and N labels, got {data.shape} and {len(labels)}")
    return data.reshape(-1, 3, 32, 32), np.asarray(labels, dtype=np.int64)


def load_cifar10(root: str | Path) -> tuple[Split, Split]:
    """CIFAR-10 (Krizhevsky 2009) from ROOT/cifar-10-batches-py: (train 50,000, test 10,000) of (N, 3, 32, 32) in [0, 1].

    Unpickled with `pickle` as the dataset's authors distribute it: only load files you trust.
    """
    base = Path(root) / "cifar-10-batches-py"
    parts = [_cifar_batch(base / f"data_batch_{i}") for i in range(1, 6)]
    test = _cifar_batch(base / "test_batch")
    to_split = lambda x, y: Split(torch.from_numpy(x.astype(np.float32) / 255.0), torch.from_numpy(y))  # noqa: E731
    return (to_split(np.concatenate([p[0] for p in parts]), np.concatenate([p[1] for p in parts])), to_split(*test))
