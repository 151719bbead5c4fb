"""Eigen-NAS: train-free architecture search ranking candidates by the NTK's minimum eigenvalue.

Seed 003, "Train-free Neural Architecture Search (NAS) [92]" (Zhu, Liu, Chrysos, Cevher, "Generalization
properties of NAS under activation and skip connection search", NeurIPS 2022), Algorithm Eigen-NAS:
sample M architectures s from the search space S, compute Eigen := λ_min(NTK) at initialisation, keep the
top-K, train those briefly and output the best by validation accuracy ("generalization error ≲
O(1/sqrt(λ_min))"). The search space here: depth, width, one activation per hidden layer
(ReLU, LeakyReLU, Tanh, Sigmoid, Swish, the table of seed 003) and residual skip connections.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TypeVar

import torch
from torch import Tensor, nn
from torch.nn.utils import skip_init

from saddle.theory.ntk import ntk_min_eigenvalue
from saddle.validation import check_int

_T = TypeVar("_T")

ACTIVATIONS: dict[str, type[nn.Module]] = {
    "relu": nn.ReLU,
    "leaky_relu": nn.LeakyReLU,
    "tanh": nn.Tanh,
    "sigmoid": nn.Sigmoid,
    "swish": nn.SiLU,
}


@dataclass(frozen=True)
class Architecture:
    """A fully connected net: `depth` hidden layers of `width` units, activation per layer, residual skips."""

    depth: int
    width: int
    activations: tuple[str, ...]
    skip: bool

    def __post_init__(self) -> None:
        if self.depth < 1 or self.width < 1:
            raise ValueError(f"depth and width must be >= 1, got {self.depth}, {self.width}")
        if len(self.activations) != self.depth:
            raise ValueError(f"need one activation per hidden layer ({self.depth}), got {self.activations!r}")
        for a in self.activations:
            if a not in ACTIVATIONS:
                raise ValueError(f"activation must be one of {sorted(ACTIVATIONS)}, got {a!r}")

    def __str__(self) -> str:
        return f"d{self.depth}-w{self.width}-{'/'.join(self.activations)}{'-skip' if self.skip else ''}"


@dataclass(frozen=True)
class SearchSpace:
    """Choices for each architecture component; `sample` draws each uniformly (activations per layer)."""

    depths: tuple[int, ...] = (1, 2, 3, 4)
    widths: tuple[int, ...] = (16, 32, 64, 128)
    activations: tuple[str, ...] = ("relu", "leaky_relu", "tanh", "sigmoid", "swish")
    skip: tuple[bool, ...] = (False, True)

    def __post_init__(self) -> None:
        for name in ("depths", "widths", "activations", "skip"):
            if not getattr(self, name):
                raise ValueError(f"search space {name} must be non-empty")
        if min(self.depths) < 1 or min(self.widths) < 1:
            raise ValueError(f"depths and widths must be >= 1, got {self.depths}, {self.widths}")
        bad = [a for a in self.activations if a not in ACTIVATIONS]
        if bad:
            raise ValueError(f"activations must be among {sorted(ACTIVATIONS)}, got {bad!r}")

    def sample(self, generator: torch.Generator) -> Architecture:
        """One architecture, each choice uniform (same generator state → same architecture)."""

        def pick(options: Sequence[_T]) -> _T:
            return options[int(torch.randint(len(options), (1,), generator=generator))]

        depth = int(pick(self.depths))
        return Architecture(
            depth,
            int(pick(self.widths)),
            tuple(str(pick(self.activations)) for _ in range(depth)),
            bool(pick(self.skip)),
        )


class SearchNet(nn.Module):
    """h_1 = σ_1(W_1 a), h_l = σ_l(W_l h_{l−1}) + [skip] h_{l−1}, logits = W_out h_depth (+ biases).

    Weights LeCun-normal N(0, 1/fan_in), biases 0, drawn from `generator`. Input (N, ...) flattened.
    """

    def __init__(self, arch: Architecture, in_features: int, n_classes: int, generator: torch.Generator) -> None:
        super().__init__()
        self.arch = arch
        sizes = [in_features] + [arch.width] * arch.depth
        # skip_init: allocate without torch's own init (which would draw from the global RNG)
        self.hidden = nn.ModuleList(skip_init(nn.Linear, i, o) for i, o in itertools.pairwise(sizes))
        self.acts = nn.ModuleList(ACTIVATIONS[a]() for a in arch.activations)
        self.out = skip_init(nn.Linear, arch.width, n_classes)
        with torch.no_grad():
            for lin in [*self.hidden, self.out]:
                lin.weight.copy_(torch.randn(lin.weight.shape, generator=generator) / math.sqrt(lin.in_features))
                lin.bias.zero_()

    def forward(self, a: Tensor) -> Tensor:
        h = a.flatten(1)
        for i, (lin, act) in enumerate(zip(self.hidden, self.acts)):
            z = act(lin(h))
            h = z + h if (self.arch.skip and i > 0) else z
        return self.out(h)


def ntk_score(model: nn.Module, x: Tensor) -> float:
    """Eigen-NAS score: λ_min of the output-summed empirical NTK Σ_k J_k J_kᵀ on the batch x (N, N)."""
    return ntk_min_eigenvalue(model, x, outputs="trace")


@dataclass(frozen=True)
class Candidate:
    """An architecture, its NTK score at initialisation and (if trained) its validation accuracy."""

    arch: Architecture
    score: float
    init_seed: int
    val_accuracy: float | None = None


@dataclass(frozen=True)
class EigenNASResult:
    """All sampled candidates (sorted by score, best first), the trained top-K and the chosen one."""

    candidates: tuple[Candidate, ...]
    trained: tuple[Candidate, ...]
    best: Candidate


def train_and_validate(
    arch: Architecture,
    x_train: Tensor,
    y_train: Tensor,
    x_val: Tensor,
    y_val: Tensor,
    n_classes: int,
    epochs: int,
    seed: int,
    lr: float = 1e-3,
) -> float:
    """Build `arch` (initial weights from `seed`), train with Adam/cross-entropy (minibatch order from `seed`)
    for `epochs` epochs, return the validation accuracy."""
    from saddle.models.classifiers import accuracy
    from saddle.train.erm import train_classifier

    model = SearchNet(arch, x_train[0].numel(), n_classes, torch.Generator().manual_seed(seed))
    model = model.to(x_train.device)
    train_classifier(model, x_train, y_train, epochs=epochs, lr=lr, seed=seed, desc=str(arch))
    return accuracy(model, x_val, y_val)


def select_top_k(candidates: Sequence[Candidate], top_k: int) -> tuple[tuple[Candidate, ...], Candidate]:
    """Eigen-NAS selection: the `top_k` candidates with the largest scores (best first) and, among those,
    the one with the best validation accuracy (they must have been trained)."""
    if not 1 <= top_k <= len(candidates):
        raise ValueError(f"top_k must be in [1, {len(candidates)}], got {top_k}")
    top = tuple(sorted(candidates, key=lambda c: -c.score)[:top_k])
    if any(c.val_accuracy is None for c in top):
        raise ValueError("the top-k candidates must carry a validation accuracy")
    return top, max(top, key=lambda c: -math.inf if c.val_accuracy is None else c.val_accuracy)  # none is None


def eigen_nas(
    space: SearchSpace,
    x_train: Tensor,
    y_train: Tensor,
    x_val: Tensor,
    y_val: Tensor,
    n_samples: int = 20,
    top_k: int = 3,
    epochs: int = 5,
    ntk_batch: int = 64,
    n_classes: int | None = None,
    seed: int = 0,
) -> EigenNASResult:
    """Eigen-NAS (seed 003, Algorithm Eigen-NAS): sample `n_samples` architectures, score each by
    λ_min of the NTK on the first `ntk_batch` training points at initialisation, keep the `top_k` largest,
    train them `epochs` epochs and choose the best by validation accuracy.

    Defaults: 20 samples, top 3, 5 epochs, 64 NTK points. Same seed → same search.
    """
    for name, v, lo in (
        ("n_samples", n_samples, 1),
        ("top_k", top_k, 1),
        ("epochs", epochs, 0),
        ("ntk_batch", ntk_batch, 2),
    ):
        check_int(name, v, low=lo)
    if top_k > n_samples:
        raise ValueError(f"top_k must be <= n_samples ({n_samples}), got {top_k}")
    n_classes = int(y_train.max()) + 1 if n_classes is None else n_classes
    gen = torch.Generator().manual_seed(seed)
    batch = x_train[:ntk_batch]
    candidates = []
    for i in range(n_samples):
        arch = space.sample(gen)
        model = SearchNet(arch, x_train[0].numel(), n_classes, torch.Generator().manual_seed(seed + i))
        model = model.to(x_train.device)
        candidates.append(Candidate(arch, ntk_score(model, batch), seed + i))
    candidates.sort(key=lambda c: -c.score)
    trained = [
        Candidate(
            c.arch,
            c.score,
            c.init_seed,
            train_and_validate(c.arch, x_train, y_train, x_val, y_val, n_classes, epochs, c.init_seed),
        )
        for c in candidates[:top_k]
    ]
    top, best = select_top_k(trained, top_k)
    return EigenNASResult(tuple(candidates), top, best)
