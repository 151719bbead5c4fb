"""Classifier-free guidance (Ho & Salimans, 2022): one network trained with and without labels.

Training drops each label to the null label (= num_classes) with probability p_uncond. Sampling
combines the conditional and unconditional predictions with Ho & Salimans' convention (their eq. 6)
ε̃ = (1 + w) ε(x, t, c) − w ε(x, t, ∅): w = 0 is the plain conditional model, w = −1 the unconditional
one. (The other common convention ε_∅ + s(ε_c − ε_∅) is s = 1 + w.)
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import torch
from torch import Tensor, nn

from saddle.diffusion.process import NoiseProcess
from saddle.validation import check_generator, check_int, check_labels, check_real

__all__ = ["ClassifierFreeGuidance", "drop_labels", "guided_eps_fn", "model_eps_fn"]


def drop_labels(y: Tensor, p_uncond: float, null_label: int, generator: torch.Generator | None = None) -> Tensor:
    """Replace each label y (n,) in [0, null_label) by `null_label` independently with probability p_uncond ∈ [0, 1]."""
    check_int("null_label", null_label)
    check_labels("y", y, null_label)
    check_real("p_uncond", p_uncond, 0.0, 1.0, low_open=False)
    check_generator(generator, allow_none=True)
    drop = torch.rand(y.shape, generator=generator).to(y.device) < p_uncond
    return torch.where(drop, torch.full_like(y, null_label), y)


def model_eps_fn(
    net: nn.Module | Callable[..., Tensor], process: NoiseProcess, y: Tensor | None = None
) -> Callable[..., Tensor]:
    """The sampler-facing ε-model (x, t[, y]) ↦ net(x, t / T[, y]) for a network taking time scaled to [0, 1].

    Labels given here are used when the call passes none.
    """

    def eps_fn(x: Tensor, t: Tensor, labels: Tensor | None = None) -> Tensor:
        labels = y if labels is None else labels
        return net(x, t / process.T, labels) if labels is not None else net(x, t / process.T)

    return eps_fn


@dataclass(frozen=True)
class ClassifierFreeGuidance:
    """Guide an ε-model model(x, t, y) to ε̃ = (1 + w) ε(x, t, y) − w ε(x, t, ∅); labels (n,), w = `scale` ≥ 0.

    Both predictions come from one forward pass of the doubled batch (w = 0: the conditional model, one pass).
    """

    labels: Tensor
    scale: float
    null_label: int

    def __post_init__(self) -> None:
        check_real("guidance scale", self.scale, 0.0, low_open=False, high_open=True)
        check_int("null_label", self.null_label)
        check_labels("labels", self.labels, self.null_label + 1)

    def wrap(self, model: Callable[..., Tensor]) -> Callable[[Tensor, Tensor], Tensor]:
        """The guided ε-model (x, t) ↦ ε̃."""
        y, w = self.labels, float(self.scale)

        def check(x: Tensor) -> None:
            if x.shape[:1] != y.shape:
                raise ValueError(f"labels ({len(y)}) must have one entry per sample of x {tuple(x.shape)}")

        if w == 0:

            def conditional(x: Tensor, t: Tensor) -> Tensor:
                check(x)
                return model(x, t, y)

            return conditional

        def eps_fn(x: Tensor, t: Tensor) -> Tensor:
            check(x)
            null = torch.full_like(y, self.null_label)
            eps_c, eps_u = model(torch.cat([x, x]), torch.cat([t, t]), torch.cat([y, null])).chunk(2)
            return (1 + w) * eps_c - w * eps_u

        return eps_fn


def guided_eps_fn(
    net: nn.Module | Callable[..., Tensor], process: NoiseProcess, y: Tensor, w: float, null_label: int
) -> Callable[[Tensor, Tensor], Tensor]:
    """`ClassifierFreeGuidance(y, w, null_label).wrap(model_eps_fn(net, process))`."""
    return ClassifierFreeGuidance(y, w, null_label).wrap(model_eps_fn(net, process))
