"""DDi: descent directions for adversarial training from several perturbations (Latorre, Krawczuk, Dadi,
Pethick, Cevher, ICLR 2023, "Finding actual descent directions for adversarial training"; seed 003).

With non-unique maximisers δ*, Danskin's ∇_θ Φ(θ, δ*) can be an ascent direction; the steepest descent
direction of f = max_δ Φ is −g*, g* the minimum-norm element of conv{∇_θ Φ(θ, δ) : δ ∈ S*}. DDi draws S
perturbations (the attack with S random starts), takes the S batch gradients g_s and
g* = Σ_s α_s g_s with α = argmin_{α ∈ Δ_S} ‖Σ_s α_s g_s‖² (a QP on the S × S Gram matrix).
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from saddle.attacks import Attack
from saddle.sets import project_simplex
from saddle.train.distributed import all_reduce_mean, unwrap_model
from saddle.train.loop import NonFiniteError
from saddle.validation import check_finite, check_int

__all__ = ["DDiAdversarialTraining", "min_norm_weights"]


def min_norm_weights(gram: Tensor, iters: int = 5000) -> Tensor:
    """α = argmin_{α ∈ simplex} αᵀ G α for a PSD (S, S) Gram matrix G (float64), i.e. the min-norm point of conv{g_s}.

    S ≤ 10: exact, by solving the KKT system G_A α_A = λ1, 1ᵀα_A = 1 on every face A of the simplex and
    keeping the feasible solution of least value (batched over the 2^S − 1 faces). Larger S: accelerated
    projected gradient (`iters` steps). Returns (S,) weights ≥ 0 summing to 1.
    """
    if gram.ndim != 2 or gram.shape[0] != gram.shape[1]:
        raise ValueError(f"gram must be a square (S, S) matrix, got shape {tuple(gram.shape)}")
    G = gram.detach().to(torch.float64).cpu()
    S = G.shape[0]
    if S <= 10:
        return _min_norm_faces(G).to(gram.dtype).to(gram.device)
    lip = 2 * float(torch.linalg.eigvalsh(G).max().clamp_min(1e-300))
    a = torch.full((S,), 1.0 / S, dtype=torch.float64)
    z, t = a.clone(), 1.0
    for _ in range(check_int("iters", iters)):
        a_new = project_simplex(z - 2 * (G @ z) / lip, batch_dims=0)
        t_new = (1 + (1 + 4 * t * t) ** 0.5) / 2
        z = a_new + ((t - 1) / t_new) * (a_new - a)
        a, t = a_new, t_new
    return a.to(gram.dtype).to(gram.device)


def _min_norm_faces(G: Tensor) -> Tensor:
    S = G.shape[0]
    codes = torch.arange(1, 2**S)
    masks = ((codes[:, None] >> torch.arange(S)) & 1).to(torch.float64)  # (F, S) faces
    kkt = torch.zeros(len(codes), S + 1, S + 1, dtype=torch.float64)
    kkt[:, :S, :S] = G * masks[:, :, None] * masks[:, None, :] + torch.diag_embed(1 - masks)
    kkt[:, :S, S] = masks
    kkt[:, S, :S] = masks
    rhs = torch.zeros(len(codes), S + 1, dtype=torch.float64)
    rhs[:, S] = 1.0
    sol = (torch.linalg.pinv(kkt, hermitian=True) @ rhs[:, :, None])[:, :, 0]
    alpha = sol[:, :S] * masks
    residual = (kkt @ sol[:, :, None])[:, :, 0] - rhs
    scale = float(G.abs().max()) + 1.0
    ok = (alpha >= -1e-10).all(-1) & (residual.abs().amax(-1) <= 1e-8 * scale)
    alpha = alpha.clamp_min(0)
    alpha = alpha / alpha.sum(-1, keepdim=True)
    value = torch.einsum("fi,ij,fj->f", alpha, G, alpha)
    value[~ok] = float("inf")
    return alpha[int(value.argmin())]


class DDiAdversarialTraining:
    """DDi objective (`train_step` hook): S perturbations from `attack` (random starts), min-norm combination.

    `attack` must draw a new random start per call (e.g. `ProjectedGradientAttack(random_start=True)`).
    Logs "loss" (mean CE over the S perturbations), "loss_max", "alpha_max" (the largest weight) and
    "direction_norm" ‖g*‖. Cost: S × (attack + 1) forward-backward passes. Under DDP the S gradients
    are averaged across processes before the QP, so every process takes the same step.
    """

    def __init__(self, attack: Attack, n_perturbations: int = 4) -> None:
        if not callable(attack):
            raise ValueError(f"attack must be a callable attack(model, x, y), got {attack!r}")
        self.attack = attack
        self.n_perturbations = check_int("n_perturbations", n_perturbations)

    def __repr__(self) -> str:
        return f"DDiAdversarialTraining({self.attack!r}, n_perturbations={self.n_perturbations})"

    def __call__(self, model: nn.Module, x: Tensor, y: Tensor) -> Tensor:
        """CE at one perturbation (used for evaluation only; training goes through `train_step`)."""
        return F.cross_entropy(model(self.attack(unwrap_model(model), x, y).detach()), y)

    def train_step(
        self, model: nn.Module, optimizer: torch.optim.Optimizer, x: Tensor, y: Tensor
    ) -> tuple[Tensor, dict[str, float]]:
        inner = unwrap_model(model)
        params = [p for p in inner.parameters() if p.requires_grad]
        grads, losses = [], []
        for _ in range(self.n_perturbations):
            x_adv = self.attack(inner, x, y).detach()
            loss = F.cross_entropy(inner(x_adv), y)
            check_finite("loss", float(loss.detach()), NonFiniteError)
            grads.append(torch.cat([g.flatten() for g in torch.autograd.grad(loss, params)]))
            losses.append(loss.detach())
        g = all_reduce_mean(torch.stack(grads))  # (S, P)
        alpha = min_norm_weights(g.double() @ g.double().T).to(g.dtype)
        direction = alpha @ g
        optimizer.zero_grad(set_to_none=True)
        for p, d in zip(params, torch.split(direction, [p.numel() for p in params])):
            p.grad = d.view_as(p).clone()
        optimizer.step()
        loss_t = torch.stack(losses)
        return loss_t.mean(), {
            "loss_max": float(loss_t.max()),
            "alpha_max": float(alpha.max()),
            "direction_norm": float(direction.norm()),
        }
