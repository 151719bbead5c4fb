"""Empirical risk minimisation: min_x (1/n) Σ L(h_x(a_i), b_i) with cross-entropy (seed 001)."""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from saddle.progress import progress_range


def train_classifier(model: nn.Module, x: Tensor, y: Tensor, epochs: int = 30, batch_size: int = 64,
                     lr: float = 1e-3, weight_decay: float = 0.0, seed: int = 0, desc: str = "ERM") -> nn.Module:
    """Train `model` in place with Adam on cross-entropy, minibatches shuffled by a seeded generator.

    Same seed (and same initial weights) → same trained weights. Returns the model in eval mode.
    """
    if epochs < 0 or batch_size <= 0 or not (lr > 0 and math.isfinite(lr)):
        raise ValueError(f"need epochs >= 0, batch_size > 0, lr > 0; got {epochs}, {batch_size}, {lr}")
    if len(x) != len(y):
        raise ValueError(f"x and y have different lengths: {len(x)} vs {len(y)}")
    if not torch.isfinite(x).all():
        raise ValueError("training inputs contain NaN or inf")
    g = torch.Generator().manual_seed(seed)
    opt = torch.optim.Adam(model.parameters(), lr=lr, weight_decay=weight_decay)
    device = next(model.parameters()).device
    model.train()
    for _ in progress_range(epochs, desc=desc):
        perm = torch.randperm(len(x), generator=g)
        for i in range(0, len(x), batch_size):
            idx = perm[i:i + batch_size]
            xb, yb = x[idx].to(device), y[idx].to(device)
            loss = F.cross_entropy(model(xb), yb)
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
    return model.eval()
