"""Bad input to saddle.analysis: critical points, Jacobians and spectra, trajectory labels, weak-MVI constants."""

import torch
from fuzzkit import ANY, Entry, Fn, Int, Players, Points, Real, make_tests

from saddle import analysis, games
from saddle.optim import ExtraGradient


def _game():
    return games.Bilinear(torch.tensor([[1.0, 2.0], [0.0, 1.0]], dtype=torch.float64))


def _point():
    """One point of the 2 + 2 bilinear game: one (2,) tensor per player."""
    return Players(((2,), (2,)), called="point", integer=ANY, mixed=ANY)


def _spiral():
    """A (T, D) = (40, 2) trajectory spiralling in."""

    class _Traj(Points):
        def valid(self):
            t = torch.arange(40, dtype=torch.float64)
            return torch.stack([torch.cos(t), torch.sin(t)], -1) * 0.9 ** t[:, None]

    return _Traj((40, 2), batch=False, dtype=torch.float64, last_dim=False, finite=False, integer=ANY)


ENTRIES = [
    Entry(
        "saddle.analysis.classify_critical_point",
        lambda point, tol: analysis.classify_critical_point(_game(), point, tol).label,
        {"point": _point(), "tol": Real(1e-8)},
    ),
    Entry("saddle.analysis.field_jacobian", lambda point: analysis.field_jacobian(_game(), point), {"point": _point()}),
    Entry(
        "saddle.analysis.field_jacobians",
        lambda points: analysis.field_jacobians(_game(), points),
        {"points": Points((5, 4), low=-1.0, dtype=torch.float64, integer=ANY)},
    ),
    Entry(
        "saddle.analysis.nash_labels",
        lambda points, tol, hessian_tol: analysis.nash_labels(_game(), points, tol, hessian_tol),
        {
            "points": Points((5, 4), low=-1.0, dtype=torch.float64, integer=ANY),
            "tol": Real(1e-6),
            "hessian_tol": Real(1e-8),
        },
    ),
    Entry(
        "saddle.analysis.update_jacobian",
        lambda point: analysis.update_jacobian(ExtraGradient(0.1), _game(), point),
        {"point": _point()},
    ),
    Entry(
        "saddle.analysis.map_jacobian",
        lambda step, point: analysis.map_jacobian(step, point),
        {
            "step": Fn(
                lambda z: [2 * p for p in z], wrong=(("wrong output", lambda z: [z[0]], ("step", "player", "output")),)
            ),
            "point": _point(),
        },
        skip={
            f"point:{b}": "a map without a game takes any number of players of any size"
            for b in ("a player missing", "a player too many", "wrong player dim")
        },
    ),
    Entry(
        "saddle.analysis.spectral_radius",
        lambda J: analysis.spectral_radius(J),
        {"J": Points((3, 3), low=-1.0, batch=False, dtype=torch.float64, integer=ANY)},
    ),
    Entry(
        "saddle.analysis.classify_trajectory",
        lambda traj, tail, tol, diverge_radius, growth_factor, cycle_tol, recurrence_tol, min_period: (
            analysis.classify_trajectory(
                traj, None, tail, tol, diverge_radius, growth_factor, cycle_tol, recurrence_tol, min_period
            ).label
        ),
        {
            "traj": _spiral(),
            "tail": Real(0.5, high=1.0, high_open=False),
            "tol": Real(1e-6),
            "diverge_radius": Real(1e6, high_open=False),
            "growth_factor": Real(2.0, low=1.0),
            "cycle_tol": Real(0.1, high=1.0),
            "recurrence_tol": Real(0.05, high=1.0),
            "min_period": Int(3),
        },
    ),
    Entry(
        "saddle.analysis.weak_mvi_ratio",
        lambda z, z_star: analysis.weak_mvi_ratio(_game(), z, z_star),
        {
            "z": Points((5, 4), low=-1.0, dtype=torch.float64, integer=ANY),
            "z_star": Points((4,), batch=False, dtype=torch.float64, integer=ANY),
        },
    ),
    Entry("saddle.analysis.grid", lambda n: analysis.grid([0.0, 0.0], [1.0, 1.0], n), {"n": Int(3, low=2)}),
    Entry(
        "saddle.analysis.estimate_weak_mvi_rho",
        lambda z_star, n, exclude: (
            analysis.estimate_weak_mvi_rho(_game(), z_star, [-1.0] * 4, [1.0] * 4, n, exclude).rho
        ),
        {
            "z_star": Points((4,), batch=False, dtype=torch.float64, integer=ANY),
            "n": Int(3, low=2),
            "exclude": Real(1e-9, low_open=False),
        },
    ),
    Entry(
        "saddle.analysis.field_lipschitz_on_grid",
        lambda n: analysis.field_lipschitz_on_grid(_game(), [-1.0] * 4, [1.0] * 4, n),
        {"n": Int(3, low=2)},
    ),
    Entry(
        "saddle.analysis.linear_weak_mvi_rho",
        lambda M: analysis.linear_weak_mvi_rho(M),
        {"M": Points((2, 2), low=1.0, high=2.0, batch=False, dtype=torch.float64, integer=ANY)},
    ),
    Entry(
        "saddle.analysis.rollout",
        lambda params, steps, every: analysis.rollout(ExtraGradient(0.1), _game().field, params, steps, every)[0],
        {"params": Players(((3, 2), (3, 2)), called="params"), "steps": Int(4, low=0), "every": Int(2)},
    ),
]

test_valid_call, test_bad_input = make_tests(ENTRIES)
