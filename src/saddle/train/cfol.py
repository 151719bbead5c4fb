"""Class-focused online learning, CFOL (Pethick, Chrysos, Cevher 2023, "Revisiting adversarial training
for the worst-performing class"; seed 003 "Robustness of the worst-performing class").

min_θ max_{p ∈ Δ_K} Σ_k p_k R_k(θ), R_k the adversarial risk of class k: the adversary runs Hedge
(exponential weights) on the classes' adversarial 0-1 errors, w_k ← w_k + η ê_k, p = softmax(w), and the
learner minimises the adversarial CE with class k weighted by q_k = (1 − γ) p_k + γ/K. The paper samples
examples by class from q; here each example of class k is importance-weighted by q_k / π_k (π the class
frequencies of the training set), the same expected objective with the usual shuffled minibatches.
"""

from __future__ import annotations

from typing import Any

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from saddle.attacks import Attack
from saddle.train.distributed import all_reduce_mean, unwrap_model
from saddle.validation import check_int, check_real

__all__ = ["ClassFocusedOnlineLearning"]


class ClassFocusedOnlineLearning:
    """CFOL objective around `attack`; `class_prior` π (K,) = training-set class frequencies (default uniform).

    Args: eta (Hedge step per batch, default 0.1), gamma (uniform mixing, default 0.5 as in the paper).
    State (checkpointed through `state_dict`): the Hedge scores w (K,). Logs "adv_acc" and "worst_weight" max_k q_k.
    """

    def __init__(
        self, attack: Attack, n_classes: int, class_prior: Tensor | None = None, eta: float = 0.1, gamma: float = 0.5
    ) -> None:
        self.attack = attack
        self.n_classes = check_int("n_classes", n_classes, low=2)
        self.eta = check_real("eta", eta, low_open=False)
        self.gamma = check_real("gamma", gamma, 0.0, 1.0, low_open=False)
        prior = torch.full((n_classes,), 1.0 / n_classes) if class_prior is None else class_prior.double().cpu()
        if prior.shape != (n_classes,) or bool((prior <= 0).any()):
            raise ValueError(f"class_prior must be ({n_classes},) with positive entries, got {prior}")
        self.prior = (prior / prior.sum()).double()
        self.scores = torch.zeros(n_classes, dtype=torch.float64)

    def __repr__(self) -> str:
        return f"ClassFocusedOnlineLearning({self.attack!r}, eta={self.eta:g}, gamma={self.gamma:g})"

    def class_weights(self) -> Tensor:
        """q = (1 − γ) softmax(w) + γ/K, the learner's class distribution (K,)."""
        return (1 - self.gamma) * torch.softmax(self.scores, 0) + self.gamma / self.n_classes

    def __call__(self, model: nn.Module, x: Tensor, y: Tensor) -> tuple[Tensor, dict[str, float]]:
        x_adv = self.attack(unwrap_model(model), x, y).detach()
        logits = model(x_adv)
        q = self.class_weights()
        w = (q / self.prior).to(logits.dtype).to(logits.device)[y]
        loss = (w * F.cross_entropy(logits, y, reduction="none")).mean()
        with torch.no_grad():  # Hedge step on the per-class adversarial error of this batch
            wrong = (logits.argmax(-1) != y).double().cpu()
            yc = y.cpu()
            sums = torch.zeros(self.n_classes, dtype=torch.float64).index_add_(0, yc, wrong)
            counts = torch.zeros(self.n_classes, dtype=torch.float64).index_add_(0, yc, torch.ones_like(wrong))
            sums, counts = all_reduce_mean(sums), all_reduce_mean(counts)
            err = torch.where(counts > 0, sums / counts.clamp_min(1e-12), torch.zeros_like(sums))
            self.scores += self.eta * err
        return loss, {"adv_acc": float(1 - wrong.mean()), "worst_weight": float(q.max())}

    def state_dict(self) -> dict[str, Any]:
        return {"scores": self.scores.clone()}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        self.scores = state["scores"].clone().double()
