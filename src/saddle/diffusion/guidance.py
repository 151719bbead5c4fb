"""Guidance of an ε-model towards a class: classifier-free (Ho & Salimans 2022) and classifier (Dhariwal & Nichol 2021).

Classifier-free: one network trained with and without labels; training drops each label to the null label
(= num_classes) with probability p_uncond. Sampling combines the conditional and unconditional predictions with
Ho & Salimans' convention (their eq. 6) ε̃ = (1 + w) ε(x, t, c) − w ε(x, t, ∅): w = 0 is the plain conditional
model, w = −1 the unconditional one. (The other common convention ε_∅ + s(ε_c − ε_∅) is s = 1 + w.)
Classifier guidance: an unconditional ε-model and a classifier p_φ(y | x_t, t) trained on noisy inputs;
ε̃ = ε(x_t, t) − s σ_t ∇_{x_t} log p_φ(y | x_t, t) (Dhariwal & Nichol, Alg. 2, with σ_t = √(1 − ᾱ_t)): the score
−ε̃/σ_t = ∇ log p(x_t) + s ∇ log p_φ(y | x_t), the score of p(x_t) p_φ(y | x_t)^s.
Both are `Guidance` objects: `guidance.wrap(model)` returns the guided ε-model (x, t) ↦ ε̃ the samplers call.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

import torch
from torch import Tensor, nn

from saddle.broadcast import per_point_broadcast
from saddle.diffusion.process import NoiseProcess
from saddle.validation import check_generator, check_int, check_labels, check_real

__all__ = [
    "ClassifierFreeGuidance",
    "ClassifierGuidance",
    "Guidance",
    "drop_labels",
    "guided_eps_fn",
    "model_eps_fn",
]


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


@runtime_checkable
class Guidance(Protocol):
    """A guidance rule: `wrap(model)` turns the ε-model it guides into the guided one, (x, t) ↦ ε̃."""

    def wrap(self, model: Callable[..., Tensor]) -> Callable[[Tensor, Tensor], Tensor]: ...


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


@dataclass(frozen=True, eq=False)
class ClassifierGuidance:
    """Guide an unconditional ε-model towards `labels` with a noisy classifier: ε̃ = ε − s σ_t ∇_x log p_φ(y | x, t).

    Dhariwal & Nichol (NeurIPS 2021), "Diffusion models beat GANs on image synthesis", Alg. 2 (ε-form; their Alg. 1
    shifts the ancestral mean by s Σ ∇ log p_φ, the same first-order correction). classifier(x, t / T) → logits
    (n, K), trained on x_t of `process` (`train_noisy_classifier`); labels (n,); scale s ≥ 0 (0: the
    unconditional model). The gradient is taken with autograd inside the samplers' no-grad loop; the classifier's
    parameters are not changed.
    """

    labels: Tensor
    scale: float
    classifier: nn.Module | Callable[[Tensor, Tensor], Tensor]
    process: NoiseProcess

    def __post_init__(self) -> None:
        if not (isinstance(self.scale, (int, float)) and not isinstance(self.scale, bool) and self.scale >= 0):
            raise ValueError(f"guidance scale must be a real >= 0, got {self.scale!r}")
        if not callable(self.classifier):
            raise ValueError(f"classifier must be callable (x, t) -> logits, got {self.classifier!r}")

    def log_prob_grad(self, x: Tensor, t: Tensor) -> Tensor:
        """∇_x log p_φ(y | x, t) for the guidance labels, shape of x (t of the batch, in the process's time)."""
        with torch.enable_grad():
            leaf = x.detach().requires_grad_(True)
            logits = self.classifier(leaf, (t / self.process.T).to(x.dtype))
            chosen = torch.log_softmax(logits, -1).gather(-1, self.labels.to(logits.device)[:, None]).sum()
            (grad,) = torch.autograd.grad(chosen, leaf)
        return grad

    def wrap(self, model: Callable[..., Tensor]) -> Callable[[Tensor, Tensor], Tensor]:
        """The guided ε-model (x, t) ↦ ε̃; `model(x, t)` is the unconditional ε-model."""
        s = float(self.scale)
        if s == 0:
            return lambda x, t: model(x, t)

        def eps_fn(x: Tensor, t: Tensor) -> Tensor:
            times = torch.as_tensor(t, device=x.device).expand(x.shape[0])
            sigma = self.process.marginal(times.to(torch.float64))[1].to(x.dtype)
            return model(x, t) - s * per_point_broadcast(sigma, x) * self.log_prob_grad(x, times)

        return eps_fn
