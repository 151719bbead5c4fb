"""Objectives an attack maximises, each per sample (shape (B,)) from the model's output.

Classification objectives read logits (B, K): untargeted ones take the true label y, targeted ones the
target t, the pairwise ones (`pairwise_margin`, `pairwise_dlr`) pairs (B, 2) = (true label b, class j).
Success is misclassification (untargeted, pairwise) or predicting the target (targeted). Any other task
(a per-pixel loss, a regression error) is an `Objective` with its own `success_fn`: the attacks and the
robust evaluation then read success from it and accept labels y of any shape (B, ...) and dtype.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import torch.nn.functional as F
from torch import Tensor

__all__ = [
    "OBJECTIVES",
    "Objective",
    "cross_entropy",
    "dlr",
    "get_objective",
    "margin",
    "pairwise_dlr",
    "pairwise_margin",
    "targeted_cross_entropy",
    "targeted_dlr",
    "targeted_margin",
]


def _other_max(logits: Tensor, y: Tensor) -> Tensor:
    """max_{j ≠ y} z_j."""
    return logits.scatter(-1, y[:, None], float("-inf")).amax(-1)


def _label(logits: Tensor, y: Tensor) -> Tensor:
    return logits.gather(-1, y[:, None])[:, 0]


def cross_entropy(logits: Tensor, y: Tensor) -> Tensor:
    """L_CE(z, y) = −log softmax(z)_y, the surrogate the usual (PGD, Madry et al. 2018) adversary maximises."""
    return F.cross_entropy(logits, y, reduction="none")


def margin(logits: Tensor, y: Tensor) -> Tensor:
    """max_{j≠y} z_j − z_y: positive iff misclassified (BETA, Robey, Latorre et al. 2023; seed 003)."""
    return _other_max(logits, y) - _label(logits, y)


def _sorted_top(logits: Tensor, k: int) -> Tensor:
    if logits.shape[-1] < k:
        raise ValueError(f"the DLR loss needs at least {k} classes, got {logits.shape[-1]}")
    return logits.topk(k, dim=-1).values


def dlr(logits: Tensor, y: Tensor) -> Tensor:
    """DLR = −(z_y − max_{j≠y} z_j) / (z_π1 − z_π3), scale- and shift-invariant (Croce & Hein, ICML 2020)."""
    top = _sorted_top(logits, 3)
    return margin(logits, y) / (top[:, 0] - top[:, 2] + 1e-12)


def targeted_cross_entropy(logits: Tensor, t: Tensor) -> Tensor:
    """−L_CE(z, t): maximising it pushes the prediction to the target t."""
    return -F.cross_entropy(logits, t, reduction="none")


def targeted_margin(logits: Tensor, t: Tensor) -> Tensor:
    """z_t − max_{j≠t} z_j: positive iff the prediction is t."""
    return _label(logits, t) - _other_max(logits, t)


def targeted_dlr(logits: Tensor, t: Tensor) -> Tensor:
    """(z_t − max_{j≠t} z_j) / (z_π1 − (z_π3 + z_π4)/2) (targeted DLR of Croce & Hein 2020 with z_y → max_{j≠t} z_j)."""
    top = _sorted_top(logits, 4)
    return targeted_margin(logits, t) / (top[:, 0] - 0.5 * (top[:, 2] + top[:, 3]) + 1e-12)


def pairwise_margin(logits: Tensor, pairs: Tensor) -> Tensor:
    """z_j − z_b for pairs (b, j) of shape (B, 2): the inner objective of BETA for class j (seed 003)."""
    return _label(logits, pairs[:, 1]) - _label(logits, pairs[:, 0])


def pairwise_dlr(logits: Tensor, pairs: Tensor) -> Tensor:
    """(z_t − z_y) / (z_π1 − (z_π3 + z_π4)/2) for pairs (y, t) (B, 2): APGD-T's targeted DLR loss.

    Croce & Hein, ICML 2020, eq. (6) ("Targeted-DLR"); the reference code (`autopgd_base.py`,
    `dlr_loss_targeted`) adds 1e-12 to the denominator, as here. Needs at least 4 classes.
    """
    top = _sorted_top(logits, 4)
    return pairwise_margin(logits, pairs) / (top[:, 0] - 0.5 * (top[:, 2] + top[:, 3]) + 1e-12)


@dataclass(frozen=True)
class Objective:
    """A per-sample objective to maximise, whether success means hitting the label (targeted), and for tasks
    other than classification the success criterion `success_fn(output, y) -> (B,) bool`.

    `value(output, y)` returns (B,) values, larger is better for the attacker. Without `success_fn` the
    objective is a classification one: success is read from argmax(output) and y holds integer labels.
    Example (regression, success when the squared error exceeds 0.25):
    `Objective("sq-error", lambda out, y: (out - y) ** 2, success_fn=lambda out, y: (out - y) ** 2 > 0.25)`.
    """

    name: str
    value: Callable[[Tensor, Tensor], Tensor]
    targeted: bool = False
    success_fn: Callable[[Tensor, Tensor], Tensor] | None = None

    @property
    def classification(self) -> bool:
        """True when success is read from the argmax of logits against integer labels (no `success_fn`)."""
        return self.success_fn is None

    def success(self, logits: Tensor, y: Tensor) -> Tensor:
        """(B,) bool: `success_fn(output, y)` if given; else prediction ≠ true label (untargeted; y[:, 0] for
        pairs) or = target (targeted)."""
        if self.success_fn is not None:
            return self.success_fn(logits, y).reshape(logits.shape[0]).bool()
        label = y[:, 0] if y.ndim == 2 else y
        pred = logits.argmax(-1)
        return pred == label if self.targeted else pred != label


OBJECTIVES: dict[str, tuple[Callable[[Tensor, Tensor], Tensor], Callable[[Tensor, Tensor], Tensor]]] = {
    "ce": (cross_entropy, targeted_cross_entropy),
    "margin": (margin, targeted_margin),
    "dlr": (dlr, targeted_dlr),
}


def get_objective(loss: str | Objective | Callable[[Tensor, Tensor], Tensor], targeted: bool = False) -> Objective:
    """'ce', 'margin', 'dlr' (untargeted or targeted form), an `Objective`, or a callable (logits, y) -> (B,)."""
    if isinstance(loss, Objective):
        return loss
    if isinstance(loss, str):
        if loss not in OBJECTIVES:
            raise ValueError(f"loss must be one of {sorted(OBJECTIVES)} or a callable, got {loss!r}")
        return Objective(
            loss + ("-targeted" if targeted else ""), OBJECTIVES[loss][int(bool(targeted))], bool(targeted)
        )
    if callable(loss):
        return Objective(getattr(loss, "__name__", "custom"), loss, bool(targeted))
    raise ValueError(f"loss must be one of {sorted(OBJECTIVES)} or a callable, got {loss!r}")
