"""Label a trajectory converged / diverged / limit cycle / still moving, with the evidence for the label.

Evidence is read from the tail of the trajectory (by default its second half):
- step lengths s_t = ‖z_{t+1} − z_t‖ and their per-step growth factor r = exp(slope of log s_t) (least squares);
  geometric convergence predicts a remaining path length s_T·r/(1 − r) when r < 1;
- the growth of the step length over the tail, r^n (spirals out: ≫ 1; spirals in: ≪ 1; cycles: ≈ 1);
- recurrence: the smallest lag L ≥ min_period at which the last point comes back within
  recurrence_tol × (tail diameter) of z_{T−L}, a period estimate; and the cycle's amplitude (the largest
  distance between two tail points, on at most 1000 of them).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import torch
from torch import Tensor

from saddle.validation import as_real_tensor, check_int, check_real

CONVERGED = "converged"
DIVERGED = "diverged"
LIMIT_CYCLE = "limit cycle"
STILL_MOVING = "still moving"


@dataclass(frozen=True)
class TrajectoryReport:
    """label (CONVERGED, DIVERGED, LIMIT_CYCLE, STILL_MOVING) and the numbers that decided it."""

    label: str
    evidence: dict[str, float] = field(default_factory=dict)


def _flatten(traj: Tensor | list) -> Tensor:
    """One trajectory as a float64 (T, D) tensor; a (T, B, D) batch of trajectories is refused (not flattened)."""
    if isinstance(traj, (list, tuple)):
        points = [
            torch.cat([as_real_tensor("traj", p, finite=False).reshape(-1) for p in z])
            if isinstance(z, (list, tuple))
            else as_real_tensor("traj", z, finite=False).reshape(-1)
            for z in traj
        ]
        if len({p.numel() for p in points}) > 1:
            raise ValueError(f"traj must list points of one dimension, got sizes {sorted({p.numel() for p in points})}")
        traj = torch.stack(points) if points else torch.zeros(0, 1)
    traj = as_real_tensor("traj", traj, finite=False, nonempty=False)
    if traj.ndim == 1:
        traj = traj[:, None]
    if traj.ndim != 2:
        raise ValueError(
            f"traj must be one trajectory (T, D) or (T,), got shape {tuple(traj.shape)}; for a batch (T, B, D) "
            f"of trajectories (as `rollout` returns), classify each traj[:, b]"
        )
    return traj.to(torch.float64)


def classify_trajectory(
    traj: Tensor | list,
    target: Tensor | None = None,
    tail: float = 0.5,
    tol: float = 1e-6,
    diverge_radius: float = 1e6,
    growth_factor: float = 2.0,
    cycle_tol: float = 0.1,
    recurrence_tol: float = 0.05,
    min_period: int = 3,
) -> TrajectoryReport:
    """Classify one trajectory z_0..z_{T−1}: a (T, D) tensor, or a list of points (tensors or lists of per-player tensors).

    converged: predicted remaining path length s_T·r/(1−r) ≤ tol, or s_T = 0, or the last quarter of the tail
    stays within tol of z_T without growing (a point stalled at round-off level); diverged: non-finite or
    ‖z‖ > diverge_radius, or the step length grew by ≥ growth_factor over the tail; limit cycle: otherwise,
    if the step length changed by less than a factor 1 ± cycle_tol over the tail and the trajectory recurs
    (see module doc);
    still moving: none of these. target (D,) optional: its distance is reported as evidence.
    Defaults: tail 0.5, tol 1e-6, diverge_radius 1e6, growth_factor 2, cycle_tol 0.1, recurrence_tol 0.05,
    min_period 3.
    """
    z = _flatten(traj)
    T = z.shape[0]
    if T < 10:
        raise ValueError(f"traj must have at least 10 points, got {T} (shape {tuple(z.shape)})")
    check_real("tail", tail, 0.0, 1.0)
    check_real("tol", tol, high_open=True)
    diverge_radius = check_real("diverge_radius", diverge_radius)
    check_real("growth_factor", growth_factor, 1.0, high_open=True)
    check_real("cycle_tol", cycle_tol, 0.0, 1.0, high_open=True)
    check_real("recurrence_tol", recurrence_tol, 0.0, 1.0, high_open=True)
    check_int("min_period", min_period)
    ev: dict[str, float] = {}
    norms = torch.linalg.vector_norm(z, dim=-1)
    bad = ~torch.isfinite(norms) | (norms > diverge_radius)
    if bad.any():
        first = int(torch.nonzero(bad)[0])
        return TrajectoryReport(DIVERGED, {"escape_step": float(first), "diverge_radius": diverge_radius})
    n = max(5, round(T * float(tail)))
    w = z[-n:]
    steps = torch.linalg.vector_norm(w[1:] - w[:-1], dim=-1)
    final_step = steps[-1].item()
    ev["final_step"] = final_step
    ev["final_norm"] = norms[-1].item()
    if target is not None:
        goal = as_real_tensor(
            "target", target, (z.shape[1],) if isinstance(target, Tensor) and target.ndim == 1 else None
        )
        if goal.numel() != z.shape[1]:
            raise ValueError(
                f"target must have the dimension of the trajectory ({z.shape[1]},), got {tuple(goal.shape)}"
            )
        ev["distance_to_target"] = torch.linalg.vector_norm(z[-1] - goal.reshape(-1).to(z)).item()
    if final_step == 0.0:
        ev["growth_per_step"] = 0.0
        return TrajectoryReport(CONVERGED, ev)
    pos = steps > 0
    t = torch.arange(len(steps), dtype=torch.float64)[pos]
    logs = torch.log(steps[pos])
    slope = (((t - t.mean()) * (logs - logs.mean())).sum() / ((t - t.mean()) ** 2).sum().clamp_min(1e-300)).item()
    r = math.exp(slope)
    growth = math.exp(slope * (len(steps) - 1))
    ev["growth_per_step"] = r
    ev["growth_over_tail"] = growth
    remaining = final_step * r / (1 - r) if r < 1 else math.inf
    ev["predicted_remaining_path"] = remaining
    last = w[-max(3, n // 4) :]
    ev["last_quarter_spread"] = torch.linalg.vector_norm(last - last[-1], dim=-1).max().item()
    if remaining <= tol or (ev["last_quarter_spread"] <= tol and growth < 1 + cycle_tol):
        return TrajectoryReport(CONVERGED, ev)
    if growth >= growth_factor:
        return TrajectoryReport(DIVERGED, ev)
    sub = w[:: max(1, math.ceil(n / 1000))]
    diameter = torch.cdist(sub, sub).max().item()
    ev["amplitude"] = diameter
    if abs(math.log(growth)) <= math.log1p(cycle_tol) and diameter > 0:
        back = torch.linalg.vector_norm(w[:-1] - w[-1], dim=-1).flip(0)  # back[L-1] = ‖z_T − z_{T−L}‖
        lags = torch.arange(1, n, dtype=torch.long)
        close = (back <= recurrence_tol * diameter) & (lags >= min_period)
        # the first return: skip the lags right after T where the point has not left yet
        left = torch.nonzero(back > recurrence_tol * diameter)
        if len(left) and close.any():
            after = close & (lags > int(lags[left[0]]))
            if after.any():
                first = int(torch.nonzero(after)[0])
                stop = first
                while stop + 1 < len(back) and after[stop + 1]:
                    stop += 1
                best = first + int(torch.argmin(back[first : stop + 1]))
                ev["period"] = float(lags[best])
                ev["recurrence_distance"] = back[best].item() / diameter
                return TrajectoryReport(LIMIT_CYCLE, ev)
    return TrajectoryReport(STILL_MOVING, ev)
