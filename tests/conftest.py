import os

import pytest
import torch
from hypothesis import settings

os.environ.setdefault("SADDLE_PROGRESS", "0")
os.environ.setdefault("MPLBACKEND", "Agg")

# Property-based tests explore new examples on every local run; CI (CI=true) replays a fixed derandomised set so
# that a submission's verdict does not depend on the draw. A failure found locally becomes a named regression test.
settings.register_profile("ci", derandomize=True, print_blob=True)
if os.environ.get("CI"):
    settings.load_profile("ci")

if os.environ.get("PYTEST_XDIST_WORKER"):
    torch.set_num_threads(1)


@pytest.fixture
def gen():
    """A seeded torch.Generator: same seed, same numbers."""
    return torch.Generator().manual_seed(1234)
