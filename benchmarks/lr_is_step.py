"""A param group's lr is the player's step: GameOptimizer with group lr c·η against the method built with c·η.

    PYTHONPATH=src .venv/bin/python benchmarks/lr_is_step.py

For every METHODS entry (float64, the players x, y ∈ R³ of Φ = xᵀBy + 0.3 (‖x‖² − ‖y‖²)/2, or rock-paper-scissors
on the simplices for the mirror methods): 4 steps of GameOptimizer whose groups have lr c·η with the method
built with η, against 4 steps of the method built with c·η on plain tensors (Langevin methods with the same
generator seed: the noise sqrt(2 c η T) ξ follows lr), for c = 0.01, 0.5, 3, and per-player lrs (0.5η, 1.5η)
against the method built with one step per player. Prints max |a − b| / max(1, |b|) per method (target ≤ 1e-10;
tests/optim/test_step_size_generic.py asserts it) and the move of the c = 0.01 run, so that a zero deviation
cannot come from players that did not move.
"""

from __future__ import annotations

import torch
from torch import nn

from saddle.optim import METHODS, GameOptimizer
from saddle.optim.registry import MethodInfo

DT = torch.float64
B = torch.tensor([[1.0, 0.5, -0.3], [0.2, -1.0, 0.7], [0.4, 0.1, 1.0]], dtype=DT)
RPS = torch.tensor([[0.0, -1.0, 1.0], [1.0, 0.0, -1.0], [-1.0, 1.0, 0.0]], dtype=DT)


def starts(domain: str) -> list[torch.Tensor]:
    g = torch.Generator().manual_seed(0)
    if domain == "simplex":
        return [torch.softmax(torch.randn(3, generator=g, dtype=DT), -1) for _ in range(2)]
    return [torch.randn(3, generator=g, dtype=DT) for _ in range(2)]


def losses(domain: str, x: torch.Tensor, y: torch.Tensor) -> list[torch.Tensor]:
    phi = x @ RPS @ y if domain == "simplex" else x @ B @ y + 0.15 * (x @ x) - 0.15 * (y @ y)
    return [phi, -phi]


def field(domain: str, p: list[torch.Tensor]) -> list[torch.Tensor]:
    if domain == "simplex":
        return [p[1] @ RPS.T, -(p[0] @ RPS)]
    return [p[1] @ B.T + 0.3 * p[0], -(p[0] @ B) + 0.3 * p[1]]


def grouped(info: MethodInfo, lrs: tuple[float, float]) -> list[torch.Tensor]:
    x, y = (nn.Parameter(p.clone()) for p in starts(info.domain))
    opt = GameOptimizer([{"params": [x], "lr": lrs[0]}, {"params": [y], "lr": lrs[1]}], info.factory(info.step_size))
    for _ in range(4):
        opt.step(lambda: losses(info.domain, x, y))
    return [x.detach(), y.detach()]


def built(info: MethodInfo, step_size: float | list[float]) -> list[torch.Tensor]:
    method = info.factory(step_size)
    z = [p.unsqueeze(0) for p in starts(info.domain)]
    state = method.init(z)
    for _ in range(4):
        z, state = method.step(z, state, lambda p: field(info.domain, p))
    return [p[0] for p in z]


def deviation(a: list[torch.Tensor], b: list[torch.Tensor]) -> float:
    return max(float(((u - v).abs() / v.abs().clamp_min(1.0)).max()) for u, v in zip(a, b))


def main() -> None:
    torch.set_num_threads(1)
    print(f"{'method':<28} {'c = 0.01':>10} {'c = 0.5':>10} {'c = 3':>10} {'per-player':>11} {'move (0.01)':>12}")
    worst = 0.0
    for name, info in METHODS.items():
        eta = info.step_size
        row = [deviation(grouped(info, (c * eta, c * eta)), built(info, c * eta)) for c in (0.01, 0.5, 3.0)]
        row.append(deviation(grouped(info, (0.5 * eta, 1.5 * eta)), built(info, [0.5 * eta, 1.5 * eta])))
        move = deviation(built(info, 0.01 * eta), starts(info.domain))
        worst = max(worst, *row)
        print(f"{name:<28} " + " ".join(f"{d:>10.1e}" for d in row[:3]) + f" {row[3]:>11.1e} {move:>12.1e}")
    print(f"largest deviation {worst:.1e} (target <= 1e-10)")


if __name__ == "__main__":
    main()
