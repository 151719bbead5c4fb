"""ε-stability training: min_θ max_{‖u‖₂ ≤ ε} L(θ + u), the worst case over weight perturbations in an l2 ball.

The inner max runs `steps` normalised ascent steps u ← Π_ε(u + η ∇L(θ + u)/‖∇L(θ + u)‖₂) from u = 0 over
all trainable parameters as one vector; the outer step uses ∇_θ L(θ + u) (Danskin, seed 003). With one
step of size ≥ ε this is SAM (Foret et al. ICLR 2021), see `saddle.train.sam`.
"""

from __future__ import annotations

import torch
from torch import Tensor, nn

from saddle.sets import project_l2_ball
from saddle.train.distributed import unwrap_model
from saddle.train.erm import ERM
from saddle.train.fit import Objective, split_loss
from saddle.train.loop import NonFiniteError
from saddle.validation import check_finite, check_int, check_real

__all__ = ["EpsilonStabilityTraining"]


class EpsilonStabilityTraining:
    """Objective with a `train_step` hook: gradient of `base` at the worst weights θ + u, ‖u‖₂ ≤ `eps`.

    Args: eps > 0 (radius in parameter space); steps (default 1); step_size (default 2.5 ε / steps);
    base: the per-batch objective (default ERM's cross-entropy). Logs "loss" at θ and "loss_perturbed"
    at θ + u. Cost: steps + 1 forward-backward passes. Under DDP the ascent runs per process
    (each process's own u, as SAM's m-sharpness), the final gradient is averaged.
    """

    def __init__(
        self,
        eps: float,
        steps: int = 1,
        step_size: float | None = None,
        base: Objective | None = None,
    ) -> None:
        self.eps = check_real("eps", eps)
        self.steps = check_int("steps", steps)
        self.step_size = check_real("step_size", step_size) if step_size is not None else 2.5 * self.eps / self.steps
        self.base = base if base is not None else ERM()

    def __repr__(self) -> str:
        return f"{type(self).__name__}(eps={self.eps:g}, steps={self.steps})"

    def __call__(self, model: nn.Module, x: Tensor, y: Tensor) -> Tensor:
        """The base loss at θ (what is logged; the update itself is `train_step`)."""
        return split_loss(self.base(model, x, y))[0]

    def train_step(
        self, model: nn.Module, optimizer: torch.optim.Optimizer, x: Tensor, y: Tensor
    ) -> tuple[Tensor, dict[str, float]]:
        inner = unwrap_model(model)
        params = [p for p in inner.parameters() if p.requires_grad]
        theta = [p.detach().clone() for p in params]
        u = [torch.zeros_like(p) for p in params]
        loss0: Tensor | None = None
        for _ in range(self.steps):
            loss = split_loss(self.base(inner, x, y))[0]
            if loss0 is None:
                loss0 = loss.detach()
                check_finite("loss", float(loss0), NonFiniteError)
            grads = torch.autograd.grad(loss, params)
            zero = torch.zeros((), dtype=torch.float64, device=params[0].device)
            norm = torch.sqrt(sum(((g.double() ** 2).sum() for g in grads), zero)).clamp_min(1e-12)
            flat = torch.cat([(ui + self.step_size * g / norm).flatten() for ui, g in zip(u, grads)]).to(
                params[0].dtype
            )
            flat = project_l2_ball(flat, self.eps, batch_dims=0)
            u = [vi.view_as(p) for p, vi in zip(params, torch.split(flat, [p.numel() for p in params]))]
            with torch.no_grad():
                for p, t, ui in zip(params, theta, u):
                    p.copy_(t + ui)
        loss_u = split_loss(self.base(model, x, y))[0]
        optimizer.zero_grad(set_to_none=True)
        loss_u.backward()
        with torch.no_grad():  # back to θ exactly (not θ + u − u, which rounds)
            for p, t in zip(params, theta):
                p.copy_(t)
        check_finite("perturbed loss", float(loss_u.detach()), NonFiniteError)
        optimizer.step()
        assert loss0 is not None  # set by the first of steps >= 1 ascent steps
        return loss0, {"loss_perturbed": float(loss_u.detach())}
