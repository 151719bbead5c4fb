import os

import pytest
import torch

os.environ.setdefault("SADDLE_PROGRESS", "0")
os.environ.setdefault("MPLBACKEND", "Agg")

if os.environ.get("PYTEST_XDIST_WORKER"):
    torch.set_num_threads(1)


@pytest.fixture
def gen():
    """A seeded torch.Generator: same seed, same numbers."""
    return torch.Generator().manual_seed(1234)
