"""AutoAttack's standard suite built from saddle's attacks: `AutoAttackSuite(norm)(eps) -> {name: attack}`.

Croce & Hein, "Reliable evaluation of adversarial robustness with an ensemble of diverse parameter-free
attacks", ICML 2020, and its reference code (fra31/auto-attack, `autoattack.py`, `set_version('standard')`):
APGD-CE (100 iterations, 1 restart), APGD-T (the targeted DLR loss, 9 target classes, 100 iterations, 1 restart
each), FAB-T (9 target classes, 100 iterations, 1 restart) and Square (5,000 queries, p_init = 0.8, no rescaled
schedule), run in this order, each on the points the earlier ones left robust (`saddle.metrics.standard_evaluation`
runs the cascade and AutoAttack's checks). "fast": APGD-CE and APGD-T only, for evaluation every epoch. Every
attack stops a point at its first success (the cascade only asks whether a point can be broken), which saves the
passes AutoAttack spends on broken points without changing which points fall.

With an `objective` that has its own success criterion (a per-pixel loss, a regression error) the suite is APGD on
that objective and Square on it ("apgd", "square"; "fast": "apgd"): APGD-T and FAB-T need class boundaries.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch

from saddle.attacks.apgd import AutoProjectedGradientAttack
from saddle.attacks.base import Attack
from saddle.attacks.fab import FastAdaptiveBoundaryAttack
from saddle.attacks.objectives import Objective
from saddle.attacks.square import SquareAttack
from saddle.sets import Box, make_box, parse_norm
from saddle.validation import check_choice, check_int

__all__ = ["SUITE_VERSIONS", "AutoAttackSuite"]

SUITE_VERSIONS = ("standard", "fast")


@dataclass(frozen=True)
class AutoAttackSuite:
    """`suite(eps)` -> the attacks of AutoAttack's standard (or fast) version at radius eps, in cascade order.

    Fields: norm 'linf' (default) or 'l2'; version "standard" (APGD-CE, APGD-T, FAB-T, Square) or "fast"
    (APGD-CE, APGD-T); steps of APGD, APGD-T and FAB-T (default 100); n_targets of APGD-T and FAB-T (default 9;
    capped at K − 1 classes); queries of Square (default 5,000); box (default (0, 1)); objective: None for
    classification, or an Objective with its own success criterion; seed: attack i of a call draws from a
    generator seeded seed + i, so every call (every ε) repeats the same random draws (default 0).
    """

    norm: str | float = "linf"
    version: str = "standard"
    steps: int = 100
    n_targets: int = 9
    queries: int = 5000
    box: tuple[float, float] | Box | None = (0.0, 1.0)
    objective: Objective | None = None
    seed: int = 0

    def __post_init__(self) -> None:
        if parse_norm(self.norm) == 1.0:
            raise ValueError("AutoAttackSuite supports norm 'linf' or 'l2', got 'l1'")
        check_choice("version", self.version, SUITE_VERSIONS)
        check_int("steps", self.steps)
        check_int("n_targets", self.n_targets)
        check_int("queries", self.queries)
        check_int("seed", self.seed, low=0)
        make_box(self.box)
        if self.objective is not None and not isinstance(self.objective, Objective):
            raise ValueError(f"objective must be a saddle.attacks.Objective or None, got {self.objective!r}")

    @property
    def classification(self) -> bool:
        """False when the objective has its own success criterion (then only APGD and Square run)."""
        return self.objective is None or self.objective.classification

    def __call__(self, eps: float) -> dict[str, Attack]:
        """The attacks at radius eps, fresh generators seeded seed, seed + 1, ... (same draws on every call)."""
        g = [torch.Generator().manual_seed(self.seed + i) for i in range(4)]
        fast = self.version == "fast"
        if not self.classification:
            assert self.objective is not None
            out: dict[str, Attack] = {
                "apgd": AutoProjectedGradientAttack(
                    eps,
                    steps=self.steps,
                    loss=self.objective,
                    early_stop=True,
                    generator=g[0],
                    norm=self.norm,
                    box=self.box,
                )
            }
            if not fast:
                out["square"] = SquareAttack(
                    eps, queries=self.queries, loss=self.objective, generator=g[3], norm=self.norm, box=self.box
                )
            return out
        out = {
            "apgd-ce": AutoProjectedGradientAttack(
                eps, steps=self.steps, early_stop=True, generator=g[0], norm=self.norm, box=self.box
            ),
            "apgd-t": AutoProjectedGradientAttack(
                eps,
                steps=self.steps,
                n_targets=self.n_targets,
                early_stop=True,
                generator=g[1],
                norm=self.norm,
                box=self.box,
            ),
        }
        if not fast:
            out["fab-t"] = FastAdaptiveBoundaryAttack(
                eps,
                steps=self.steps,
                n_targets=self.n_targets,
                early_stop=True,
                generator=g[2],
                norm=self.norm,
                box=self.box,
            )
            out["square"] = SquareAttack(eps, queries=self.queries, generator=g[3], norm=self.norm, box=self.box)
        return out
