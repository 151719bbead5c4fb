"""Closed-form attacks on linear and affine classifiers (seed 001 "linear prediction"; seed 004 "p-norm robustness").

Notation: the notes write the weights as x and the input as a; here `weight` w and input `a`.
"""

from __future__ import annotations

import math

import torch
from torch import Tensor

from saddle.validation import check_real

__all__ = ["affine_boundary_distance", "linear_linf_worst_case", "minimal_l2_perturbation_affine"]


def linear_linf_worst_case(weight: Tensor, a: Tensor, eps: float) -> tuple[Tensor, Tensor]:
    """max_{‖η‖∞≤ε} ⟨w, a + η⟩ = ⟨w, a⟩ + ε‖w‖₁, attained at η* = ε sign(w) (seed 001, dual norm).

    weight (d,), a (B, d) or (d,). Returns (values (B,) or (), η* broadcast like a). No input box.
    """
    eps = check_real("eps", eps, 0.0, math.inf, low_open=False, high_open=True)
    eta = (eps * weight.sign()).expand_as(a)
    return a @ weight + eps * weight.abs().sum(), eta


def minimal_l2_perturbation_affine(weight: Tensor, bias: Tensor, a: Tensor, target: Tensor) -> Tensor:
    """Smallest η (l2) moving a to the decision boundary between its predicted class i and the target j.

    min ½‖η‖² s.t. (w_i − w_j)ᵀ(a + η) + b_i − b_j ≤ 0 has the solution
    η* = (f_i(a) − f_j(a)) / ‖w_j − w_i‖² · (w_j − w_i)  (seed 004; f_k = w_kᵀa + b_k; the notes'
    "λ ≥ f_1 − f_2/‖w_1 − w_2‖²" is missing brackets: their next line, η* = (f_1 − f_2)/‖w_2 − w_1‖² (w_2 − w_1), and
    DeepFool's affine step r* = |f'_k|/‖w'_k‖² w'_k (Moosavi-Dezfooli et al. 2016) decide it). At a + η*, f_i = f_j exactly; any ‖η‖ smaller
    leaves f_i > f_j. weight (K, d), bias (K,), a (B, d), target (B,) -> η* (B, d); 0 where i = j
    or where a is already on j's side.
    """
    f = a @ weight.T + bias  # (B, K)
    i = f.argmax(-1)
    w_diff = weight[target] - weight[i]  # (B, d): w_j − w_i
    gap = (f.gather(-1, i[:, None]) - f.gather(-1, target[:, None]))[:, 0]
    denom = (w_diff * w_diff).sum(-1)
    if bool(((denom == 0) & (gap > 0)).any()):
        raise ValueError("target class has the same weights as the predicted class; no perturbation exists")
    scale = torch.where(gap > 0, gap / denom.clamp_min(torch.finfo(a.dtype).tiny), torch.zeros_like(gap))
    return scale[:, None] * w_diff


def affine_boundary_distance(weight: Tensor, bias: Tensor, a: Tensor) -> Tensor:
    """The l2 distance of each point to the nearest decision boundary of its predicted class i under f = Wa + b:

    min_{j≠i} ‖η*_j‖ = min_{j≠i} (f_i − f_j)/‖w_i − w_j‖, the smallest `minimal_l2_perturbation_affine` over the
    other classes (seed 004; DeepFool's first step on an affine classifier reaches it). weight (K, d), bias (K,),
    a (B, d) -> (B,). A class with the predicted class's weights but another bias has no boundary (ValueError).
    """
    k = weight.shape[0]
    pred = (a @ weight.T + bias).argmax(-1)
    candidates = torch.stack(
        [minimal_l2_perturbation_affine(weight, bias, a, torch.full_like(pred, j)) for j in range(k)], 1
    )
    norms = candidates.norm(dim=-1).masked_fill(torch.nn.functional.one_hot(pred, k).bool(), math.inf)
    return norms.min(-1).values
