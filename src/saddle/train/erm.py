"""Empirical risk minimisation: min_x (1/n) Σ L(h_x(a_i), b_i) with cross-entropy (seed 001)."""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from saddle.train.batches import ShuffledBatches
from saddle.train.fit import fit
from saddle.validation import (
    check_classification_batch,
    check_int,
    check_labels,
    check_model_input,
    check_module,
    check_real,
)

__all__ = ["ERM", "train_classifier"]


class ERM:
    """The ERM objective: mean cross-entropy of model(x) against y (no adversary)."""

    def __call__(self, model: nn.Module, x: Tensor, y: Tensor) -> Tensor:
        return F.cross_entropy(model(x), y)

    def __repr__(self) -> str:
        return "ERM()"


def train_classifier(
    model: nn.Module,
    x: Tensor,
    y: Tensor,
    epochs: int = 30,
    batch_size: int = 64,
    lr: float = 1e-3,
    weight_decay: float = 0.0,
    seed: int = 0,
    desc: str = "ERM",
) -> nn.Module:
    """Train `model` in place with Adam on cross-entropy (`fit` with `ERM`), minibatches shuffled by `seed`.

    x (N, ...) finite with N ≥ 1, y (N,) integer labels in [0, K) for the model's K outputs (ValueError otherwise,
    before any weight moves). Same seed (and same initial weights) → same trained weights. Returns the model in
    eval mode.
    """
    check_int("epochs", epochs, low=0)
    check_int("batch_size", batch_size)
    check_real("lr", lr, high_open=True)
    check_real("weight_decay", weight_decay, low_open=False, high_open=True)
    check_module("model", model)
    y = check_classification_batch(x, y, x_name="training inputs x")  # no data: nothing to train on
    logits = check_model_input(model, x, "model", "training inputs x", ("B", "K"))
    check_labels("y", y, logits.shape[-1])
    data = ShuffledBatches(x, y, batch_size=batch_size, generator=torch.Generator().manual_seed(seed))
    opt = torch.optim.Adam(model.parameters(), lr=lr, weight_decay=weight_decay)
    fit(model, opt, ERM(), data, epochs=epochs, desc=desc)
    return model.eval()
