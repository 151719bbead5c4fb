"""Run a model in eval mode with frozen parameters and leave it exactly as found (bottom floor).

Attacks, robust-accuracy evaluation and Lipschitz estimates evaluate a model that may be in train mode
(BatchNorm, Dropout), with a mix of submodule modes, frozen and trainable parameters and accumulated `.grad`:
`frozen_eval(model)` switches every submodule to eval and freezes the parameters for the block, then restores
each submodule's mode, each parameter's `requires_grad` and its `.grad` (the same tensor object).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import torch
from torch import nn

__all__ = ["frozen_eval"]


@contextmanager
def frozen_eval(model: nn.Module) -> Iterator[nn.Module]:
    """Run `model` in eval mode with parameters frozen; restore every module's mode, `requires_grad` and `.grad` after.

    Grad mode is on inside the block (input gradients work inside a caller's no_grad). Attacks take gradients with
    `torch.autograd.grad` with respect to the input only, so `.grad` is never written; it is restored anyway.
    """
    modes = [(m, m.training) for m in model.modules()]
    flags = [(p, p.requires_grad, p.grad) for p in model.parameters()]
    try:
        model.eval()
        for p, _, _ in flags:
            p.requires_grad_(False)
        with torch.enable_grad():
            yield model
    finally:
        for m, mode in modes:
            m.training = mode
        for p, flag, grad in flags:
            p.requires_grad_(flag)
            p.grad = grad
