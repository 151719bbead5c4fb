"""The robustness "sandwich": attacked robust error ≤ true robust error ≤ Lipschitz-certified robust error.

Lower bound: an l2 attack (PGD, `saddle.attacks.ProjectedGradientAttack`) finds misclassified points in
the ε-ball, so the fraction it breaks can only under-count the true robust error. Upper bound: if the
logit map is L-Lipschitz in l2, the prediction at a cannot change within radius margin/(sqrt(2)·L),
margin = f_y(a) − max_{j≠y} f_j(a) (Tsuzuku, Sato, Sugiyama, "Lipschitz-margin training", NeurIPS 2018);
every point not certified this way is counted as an error. Seed 000: "Lipschitz constant can be used
to describe the worst-case robustness"; applications "worst-case robustness certification".
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import torch
from torch import Tensor, nn

from saddle.model_state import frozen_eval
from saddle.robustness.lipschitz import lipschitz_upper_bound_product, relu_layers
from saddle.robustness.lipsdp import lipschitz_upper_bound_sdp
from saddle.validation import (
    as_generator,
    check_int,
    check_labels,
    check_model_input,
    check_module,
    check_real,
    check_tensor,
)


@dataclass(frozen=True)
class SandwichRow:
    """Robust errors at one radius ε: attacked (lower bound) ≤ certified (upper bound)."""

    eps: float
    attacked_error: float
    certified_error: float


@dataclass(frozen=True)
class RobustnessSandwich:
    """Per-ε rows, the clean error, and the Lipschitz constant L used for the certificates."""

    rows: tuple[SandwichRow, ...]
    clean_error: float
    lipschitz: float

    def as_dict(self) -> dict[str, list[float] | float]:
        return {
            "eps": [r.eps for r in self.rows],
            "attacked_error": [r.attacked_error for r in self.rows],
            "certified_error": [r.certified_error for r in self.rows],
            "clean_error": self.clean_error,
            "lipschitz": self.lipschitz,
        }


def logit_margin(logits: Tensor, y: Tensor) -> Tensor:
    """f_y − max_{j≠y} f_j per row: logits (B, K) finite, K ≥ 2, y (B,) labels in [0, K) → (B,); negative iff
    misclassified (ties: 0)."""
    sizes: dict[str, int] = {}
    check_tensor("logits", logits, ("B", "K"), nonempty=False, sizes=sizes)
    if logits.shape[1] < 2:
        raise ValueError(f"logits must have K >= 2 classes, got shape {tuple(logits.shape)}")
    check_labels("y (one label per row of logits)", y, logits.shape[1], sizes=sizes)
    true = logits.gather(1, y[:, None]).squeeze(1)
    others = logits.scatter(1, y[:, None], float("-inf")).amax(1)
    return true - others


def certified_radius(logits: Tensor, y: Tensor, lipschitz: float) -> Tensor:
    """Largest l2 radius with a guaranteed unchanged, correct prediction: max(margin, 0)/(sqrt(2)·L), (B,).

    Tsuzuku et al. 2018, Prop. 1: f_y − f_j changes by at most sqrt(2)·L·‖δ‖₂ when f is L-Lipschitz in l2.
    """
    check_real("lipschitz", lipschitz, high_open=True)
    return logit_margin(logits, y).clamp_min(0) / (math.sqrt(2) * lipschitz)


def default_lipschitz(model: nn.Module, max_hidden: int = 256) -> float:
    """LipSDP bound when the net has at most `max_hidden` hidden units and it certifies, else the l2 product bound."""
    layers = relu_layers(model)
    hidden = sum(int(w.shape[0]) for w in layers.weights[:-1])
    if hidden <= max_hidden:
        sdp = lipschitz_upper_bound_sdp(layers)
        if sdp.certified:
            return sdp.bound
    return lipschitz_upper_bound_product(layers, 2)


def robustness_sandwich(
    model: nn.Module,
    x: Tensor,
    y: Tensor,
    eps_values: Sequence[float],
    lipschitz: float | None = None,
    attack: Callable[[float], Callable] | None = None,
    steps: int = 20,
    generator: torch.Generator | int | None = None,
) -> RobustnessSandwich:
    """Attacked and Lipschitz-certified l2 robust error of a classifier at each ε in `eps_values`.

    attacked_error(ε) = mean[h(a) ≠ b or h(PGD_ε(a)) ≠ b] (lower bound on the robust error);
    certified_error(ε) = mean[not (h(a) = b and margin(a) > sqrt(2)·L·ε)] (upper bound), so
    attacked ≤ certified for every ε whenever L is a true l2 Lipschitz bound of the logits.
    `lipschitz` defaults to `default_lipschitz(model)` (needs a Linear/ReLU net); `attack(ε)` returns an
    attack(model, x, y) -> x_adv, default l2 PGD with margin loss, `steps` steps, random start, box [0, 1].
    x (B, ...) in [0, 1], y (B,).
    """
    from saddle.attacks import ProjectedGradientAttack

    check_module("model", model)
    if len(eps_values) == 0:
        raise ValueError(f"eps_values must be a non-empty list of finite values >= 0, got {eps_values!r}")
    eps_values = [check_real(f"eps_values[{i}]", e, low_open=False, high_open=True) for i, e in enumerate(eps_values)]
    sizes: dict[str, int] = {}
    check_tensor("x", x, ("B", ...), sizes=sizes)
    check_int("steps", steps)
    logits_1 = check_model_input(model, x, "model", "x", ("B", "K"))
    check_labels("y (one label per point of x)", y, logits_1.shape[1], sizes=sizes)
    if lipschitz is not None:
        check_real("lipschitz", lipschitz, high_open=True)
    if lipschitz is None:
        lipschitz = default_lipschitz(model)
    if attack is None:
        gen = as_generator(generator, default_seed=0)

        def attack(eps: float) -> Callable:
            return ProjectedGradientAttack(eps, norm="l2", steps=steps, loss="margin", generator=gen)

    with frozen_eval(model):
        with torch.no_grad():
            logits = model(x)
        wrong = logits.argmax(1) != y
        radius = certified_radius(logits, y, lipschitz)
        rows = []
        for eps in eps_values:
            broken = wrong.clone()
            if eps > 0:
                x_adv = attack(eps)(model, x, y)
                if not bool(((x_adv - x).flatten(1).norm(dim=1) <= eps * (1 + 1e-5)).all()):
                    raise ValueError(f"the attack left the l2 ball of radius {eps}")
                with torch.no_grad():
                    broken |= model(x_adv).argmax(1) != y
            certified = radius > eps
            rows.append(SandwichRow(eps, float(broken.float().mean()), float((~certified).float().mean())))
    return RobustnessSandwich(tuple(rows), float(wrong.float().mean()), float(lipschitz))
