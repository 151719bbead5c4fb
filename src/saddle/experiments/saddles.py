"""Which method finds which critical point: basins of GDA, EG and OGDA on x² − y², the monkey saddle
x³ − 3xy² and the weird saddle −x²y² + xy (seed 000, "Saddles of different shapes" and the local-Nash
definition).

Each critical point listed by the game is classified by `saddle.analysis` (strict local Nash / second-order
test inconclusive / critical but not Nash). From a grid of starts each method runs a fixed number of steps;
the end point is labelled diverged (‖z‖ > 1e3 or non-finite); else by the label of a listed critical point
within 0.05 of it (methods reach degenerate points only sublinearly, so ‖V‖ may still be above field_tol);
else by the local-Nash test at the end point if ‖V‖ ≤ field_tol (the weird saddle's hyperbola); else "not
converged".
Expected: on x² − y² every method converges to the strict local Nash point 0 from everywhere; on the monkey
saddle most starts (x₀ > −1) creep sublinearly into the degenerate origin, which is *not* a local Nash point
(Φ(x, 0) = x³), and the rest run off to x → −∞; on the weird saddle GDA ends on the hyperbola xy = 1/2 of
non-Nash critical points from almost every start, while EG/OGDA reach the degenerate origin (a weak Nash
point: Φ(0, y) = Φ(x, 0) = 0) from starts inside the unit circle and the hyperbola from outside it.
Measured (default, 41 × 41 grid on [−1.5, 1.5]²): EG and OGDA end at the origin from 35.8% of the starts against
32.9% inside the unit circle; the two agree on 97.1% of the starts. The grid of starts and the dynamics are
deterministic, so these claims are plain comparisons.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

import torch

from saddle.analysis import (
    DEGENERATE,
    NOT_CRITICAL,
    NOT_NASH,
    STRICT_NASH,
    classify_critical_point,
    grid,
    nash_labels,
    rollout,
)
from saddle.experiments.base import Claim, Experiment, ExperimentConfig, RunOutput, check_positive
from saddle.games import Game, MonkeySaddle, QuadraticGame, WeirdSaddle
from saddle.optim import ExtraGradient, OptimisticGDA, SimultaneousGDA

DIVERGED = "diverged"
NOT_CONVERGED = "not converged"
CATEGORIES = [STRICT_NASH, DEGENERATE, NOT_NASH, NOT_CONVERGED, DIVERGED]
COLORS = ["tab:green", "tab:blue", "tab:red", "lightgray", "black"]


@dataclass
class Config(ExperimentConfig):
    step_size: float = 0.05
    steps: int = 3000
    grid_n: int = 41
    half_width: float = 1.5
    field_tol: float = 1e-4

    def validate(self) -> None:
        check_positive(self, "step_size", "steps", "grid_n", "half_width", "field_tol")
        if self.grid_n < 2:
            raise ValueError(f"grid_n must be >= 2, got {self.grid_n}")


def end_labels(game: Game, z: torch.Tensor, field_tol: float, snap: float = 0.05) -> list[str]:
    """Label end points (N, 2): DIVERGED, the label of a listed critical point within `snap`, the local-Nash label
    at the end point when ‖V‖ ≤ field_tol, or NOT_CONVERGED."""
    finite = torch.isfinite(z).all(-1) & (torch.linalg.vector_norm(z, dim=-1) <= 1e3)
    safe = torch.where(finite[:, None], z, torch.zeros_like(z))
    labels = nash_labels(game, safe, tol=field_tol, hessian_tol=1e-3)
    known = [torch.cat(p) for p in game.critical_points()]
    known_labels = [classify_critical_point(game, [p[:1], p[1:]]).label for p in known]
    out = []
    for i, lab in enumerate(labels):
        if not finite[i]:
            out.append(DIVERGED)
            continue
        d = [torch.linalg.vector_norm(safe[i] - p).item() for p in known]
        j = min(range(len(d)), key=d.__getitem__)
        out.append(known_labels[j] if d[j] <= snap else NOT_CONVERGED if lab == NOT_CRITICAL else lab)
    return out


def run(config: Config, out: RunOutput) -> dict:
    """Basins of GDA/EG/OGDA from a grid of starts on three saddles, with local-Nash labels of the end points."""
    dev = torch.device(config.device)
    games = {"x² − y²": QuadraticGame.saddle(), "monkey x³ − 3xy²": MonkeySaddle(), "weird −x²y² + xy": WeirdSaddle()}
    a = config.step_size
    methods = {"GDA": SimultaneousGDA(a), "EG": ExtraGradient(a), "OGDA": OptimisticGDA(a)}
    w = config.half_width
    starts = grid([-w, -w], [w, w], config.grid_n).to(dev)
    metrics: dict = {"n_starts": len(starts)}
    basins: dict[tuple[str, str], list[str]] = {}
    for gname, game in games.items():
        pts = game.critical_points()
        metrics[gname] = {
            "critical_points": [
                {
                    "point": torch.cat(p).tolist(),
                    "label": (rep := classify_critical_point(game, p)).label,
                    "own_hessian_eigs": [e.tolist() for e in rep.own_hessian_eigs],
                    "flow": rep.flow,
                }
                for p in pts
            ]
        }
        for mname, method in methods.items():
            with torch.no_grad():
                traj, _ = rollout(
                    method,
                    game.field,
                    [starts[:, :1].clone(), starts[:, 1:].clone()],
                    config.steps,
                    every=config.steps,
                    desc=f"{gname} {mname}",
                )
            labels = end_labels(game, traj[-1].cpu(), config.field_tol)
            counts = Counter(labels)
            metrics[gname][mname] = {k: counts.get(k, 0) / len(labels) for k in CATEGORIES}
            if isinstance(game, WeirdSaddle):  # the module's expectation: the origin from inside the unit circle
                inside = torch.linalg.vector_norm(starts.cpu(), dim=-1) < 1
                origin = torch.tensor([lab == DEGENERATE for lab in labels])
                metrics[gname][mname]["unit_disc_fraction"] = inside.double().mean().item()
                metrics[gname][mname]["origin_iff_inside_unit_disc"] = (inside == origin).double().mean().item()
            basins[gname, mname] = labels
    _figure(config, out, games, list(methods), basins)
    return metrics


def _figure(
    config: Config,
    out: RunOutput,
    games: dict,
    methods: list[str],
    basins: dict[tuple[str, str], list[str]],
) -> None:
    """One panel per game and method: the label of where each start ends, with the listed critical points."""
    import matplotlib.pyplot as plt
    from matplotlib.colors import ListedColormap

    w, a = config.half_width, config.step_size
    fig, axes = plt.subplots(len(games), len(methods), figsize=(4.2 * len(methods), 4 * len(games)))
    cmap = ListedColormap(COLORS)
    for r, (gname, game) in enumerate(games.items()):
        pts = game.critical_points()
        for c, mname in enumerate(methods):
            labels = basins[gname, mname]
            ax = axes[r, c]
            img = torch.tensor([CATEGORIES.index(s) for s in labels]).reshape(config.grid_n, config.grid_n)
            ax.imshow(
                img.T,
                origin="lower",
                extent=(-w, w, -w, w),
                cmap=cmap,
                vmin=-0.5,
                vmax=len(CATEGORIES) - 0.5,
                interpolation="nearest",
            )
            for p in pts:
                ax.plot(p[0].item(), p[1].item(), "w*", ms=11, mec="k")
            ax.set(title=f"{gname}: {mname}", xlabel="x₀ (min)", ylabel="y₀ (max)")
    handles = [plt.Rectangle((0, 0), 1, 1, color=col) for col in COLORS]
    fig.legend(
        handles,
        [
            "converged: " + CATEGORIES[0],
            "converged: " + CATEGORIES[1],
            "converged: " + CATEGORIES[2],
            NOT_CONVERGED + f" (‖V‖ > {config.field_tol:g})",
            DIVERGED,
        ],
        loc="lower center",
        ncol=3,
        fontsize=9,
    )
    fig.subplots_adjust(bottom=0.09)
    out.savefig(
        fig,
        "basins",
        f"Where each start (x₀, y₀) ends after {config.steps} steps of size {a}: colour = local-Nash label of "
        "the critical point reached (green strict local Nash, blue degenerate/second-order test inconclusive, "
        "red critical but not Nash), grey = still not at a critical point, black = diverged. Stars: the "
        "listed critical points (the weird saddle also has the whole hyperbola xy = 1/2 of non-Nash "
        "critical points).",
    )


_SADDLES = "seed 000, 'Saddles of different shapes' and the local-Nash definition"
_INCONCLUSIVE = "second-order test inconclusive (singular Hessian block)"
CLAIMS = (
    *(
        Claim(
            f"x2_y2_{m}",
            f"{m} converges to the strict local Nash point of x² − y² from every start",
            _SADDLES,
            f"x² − y².{m}.strict local Nash",
            ">=",
            1.0,
        )
        for m in ("GDA", "EG", "OGDA")
    ),
    *(
        Claim(
            f"monkey_{m}",
            f"{m}: most starts creep into the monkey saddle's degenerate origin (not local Nash)",
            _SADDLES,
            f"monkey x³ − 3xy².{m}.{_INCONCLUSIVE}",
            ">",
            0.5,
        )
        for m in ("GDA", "EG")
    ),
    Claim(
        "weird_gda_hyperbola",
        "GDA ends on the weird saddle's hyperbola of non-Nash critical points from almost every start",
        _SADDLES,
        "weird −x²y² + xy.GDA.critical, not local Nash",
        ">",
        0.9,
    ),
    Claim(
        "weird_eg_origin",
        "EG reaches the weird saddle's degenerate origin (a weak Nash point) from the starts inside the unit "
        "circle and the hyperbola from outside it: the two agree on ≥ 90% of the grid (the starts within one grid "
        "spacing of the circle, ≈ 10% of the default grid, may go either way)",
        _SADDLES,
        "weird −x²y² + xy.EG.origin_iff_inside_unit_disc",
        ">=",
        0.9,
        at_quick=False,  # quick's 25×25 grid puts ≈ 20% of its starts within one spacing of the circle
    ),
    Claim(
        "weird_ogda_origin",
        "OGDA reaches the weird saddle's origin from inside the unit circle, the hyperbola from outside (≥ 90%)",
        _SADDLES,
        "weird −x²y² + xy.OGDA.origin_iff_inside_unit_disc",
        ">=",
        0.9,
        at_quick=False,  # quick's 25×25 grid puts ≈ 20% of its starts within one spacing of the circle
    ),
)


EXPERIMENT = Experiment(
    claims=CLAIMS,
    name="saddles",
    summary="Basins of GDA/EG/OGDA on x²−y², monkey and weird saddles; local-Nash labels",
    config=Config,
    run=run,
    quick={"steps": 2000, "grid_n": 25},
    reproduces="seed 000, 'Saddles of different shapes' (x² − y², monkey saddle, weird saddle) and the LNE definition",
)
