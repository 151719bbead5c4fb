import pytest
import torch

from saddle.data import load_digits


@pytest.fixture(scope="session")
def digits_small():
    """300 training and 200 test digits (fixed split), enough for loop tests that run in a second."""
    train, test = load_digits()
    return train.x[:300], train.y[:300], test.x[:200], test.y[:200]


@pytest.fixture(autouse=True)
def one_thread():
    n = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(n)
