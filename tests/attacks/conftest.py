import pytest
import torch

from saddle.data import load_digits
from saddle.models.classifiers import DigitsCNN
from saddle.train.erm import train_classifier


@pytest.fixture(scope="session")
def digits():
    return load_digits()


@pytest.fixture(scope="session")
def digits_cnn(digits):
    """The ERM digits CNN, trained once per session with a fixed seed (~97% test accuracy)."""
    train, _ = digits
    torch.manual_seed(0)
    model = DigitsCNN()
    return train_classifier(model, train.x, train.y, epochs=15, batch_size=64, lr=1e-3, seed=0)


@pytest.fixture
def linear_model():
    """A fixed 10-class linear model on 8×8 inputs (logits = W vec(x) + b)."""
    g = torch.Generator().manual_seed(0)
    model = torch.nn.Sequential(torch.nn.Flatten(), torch.nn.Linear(64, 10))
    with torch.no_grad():
        model[1].weight.copy_(torch.randn(10, 64, generator=g))
        model[1].bias.copy_(torch.randn(10, generator=g))
    return model
