"""Attack speed and evaluation cost: saddle vs torchattacks vs the physical floor, in one run.

    .venv/bin/python benchmarks/attacks.py [--repeats 5] [--eps 0.1] [--no-autoattack]

On the ERM DigitsCNN (15 epochs, seed 0) and a batch of 512 digits (the first 512 training images):
(a) PGD-20 (l∞) wall time for saddle's ProjectedGradientAttack and torchattacks.PGD, each divided by the
    floor 20 × (forward + input-gradient backward) timed on the same batch moved to a random point of the
    ε-ball (target ≤ 1.05); the floor on the clean digits is printed too (faster: half their pixels are 0);
(b) robust-accuracy evaluation at equal strength (PGD-20, same ε and step), for several ε: saddle's
    survivor-only evaluator (`robust_accuracy` with `early_stop=True`) vs torchattacks' PGD on the full batch
    (target ≥ 1.5× faster, robust accuracy no higher); the speed-up grows with the fraction of points broken
    early, so it is printed per ε. torchattacks draws its random start from the global generator seeded 0,
    saddle from its own generator seeded 0: the same start up to rounding, so the runs are paired and the
    evaluator's robust accuracy can be no higher than the full-batch attack's (it stops the same iterates early);
(c) unless --no-autoattack, agreement with torchattacks at AutoAttack's budgets, on an ERM and a PGD-AT MLP
    (10 PGD steps of 2.5 ε/10 at the evaluation ε) for the 8×8 digits (the 360 test digits; l∞ ε = 0.1 and
    l2 ε = 0.5) and `load_mnist5k()` (5,000 real 28×28 MNIST digits, its 4,000/1,000 split; the first
    `--n-mnist` test digits; l∞ ε = 0.1): each attack alone on every point, saddle vs torchattacks with the same
    ε, iterations, queries and restarts: APGD-CE (100), APGD-T (9 × 100), FAB-T (9 × 100), Square (5,000
    queries, p_init 0.8, AutoAttack's unrescaled schedule), and Square as the reference codes run it (their window
    positions never reach the last row and column, saddle follows the paper's Algorithm 2; a proposal that changes
    nothing spends a query, saddle redraws it as the authors' code does);
(d) unless --no-autoattack, on the same models and points, interleaved: saddle's standard evaluation
    (`standard_evaluation(model, x, y, AutoAttackSuite(norm), eps)`, checks off, and with its checks) vs
    torchattacks.AutoAttack(version="standard") as shipped (its APGD, APGD-T and FAB-T run 10 iterations) and vs
    torchattacks' four components at AutoAttack's budgets (100 iterations; the budgets saddle runs) in a
    MultiAttack: robust accuracy and process CPU time (target: saddle ≥ 2× faster at equal or lower robust
    accuracy). torchattacks' FAB does not run in l1 (an UnboundLocalError in its FAB-T), so l1 is not compared.
Times of (a), (b) are the minimum wall time over `--repeats` runs (the least disturbed by other processes);
(c) and (d) report process CPU time of one run (one thread: CPU time ≈ idle wall time); quote the load with them.
"""

from __future__ import annotations

import argparse
import json
import os
import time
from collections.abc import Callable

import torch
import torch.nn.functional as F
import torchattacks
from torch import nn

from saddle.attacks import (
    AutoAttackSuite,
    AutoProjectedGradientAttack,
    FastAdaptiveBoundaryAttack,
    ProjectedGradientAttack,
    SquareAttack,
)
from saddle.attacks.base import attacking
from saddle.data import load_digits, load_mnist5k
from saddle.metrics import robust_accuracy, standard_evaluation
from saddle.models.classifiers import DigitsCNN, DigitsMLP
from saddle.progress import set_enabled
from saddle.train import PGDAdversarialTraining, ShuffledBatches, fit
from saddle.train.erm import train_classifier


def best_times(fns: dict, repeats: int) -> tuple[dict[str, float], dict[str, object]]:
    """Minimum wall time of each function over `repeats` rounds, the functions interleaved in every round
    so that a burst of load from other processes hits all of them alike."""
    times: dict[str, list[float]] = {k: [] for k in fns}
    outs: dict[str, object] = {}
    for _ in range(repeats):
        for k, fn in fns.items():
            t = time.perf_counter()
            outs[k] = fn()
            times[k].append(time.perf_counter() - t)
    return {k: min(v) for k, v in times.items()}, outs


def floor(model, x, y, steps):
    with attacking(model):
        for _ in range(steps):
            xa = x.detach().requires_grad_(True)
            (g,) = torch.autograd.grad(F.cross_entropy(model(xa), y, reduction="sum"), xa)
    return g


def acc(model, x, y):
    with torch.no_grad():
        return (model(x).argmax(-1) == y).float().mean().item()


def pgd(eps: float, steps: int, early: bool) -> ProjectedGradientAttack:
    """saddle's PGD with the step 2.5 ε / steps of the benchmark, seeded 0."""
    return ProjectedGradientAttack(
        eps,
        steps=steps,
        step_size=2.5 * eps / steps,
        early_stop=early,
        generator=torch.Generator().manual_seed(0),
    )


def eval_row(model, x, y, e: float, steps: int, repeats: int) -> None:
    """(b) at one ε: torchattacks PGD and saddle PGD on the full batch vs saddle's survivors-only evaluator."""
    a = 2.5 * e / steps
    ta_e = torchattacks.PGD(model, eps=e, alpha=a, steps=steps)
    t, out = best_times(
        {
            "torchattacks": lambda: (torch.manual_seed(0), ta_e(x, y))[1],
            "saddle": lambda: pgd(e, steps, False)(model, x, y),
            "evaluator": lambda: robust_accuracy(model, x, y, pgd(e, steps, True), show_progress=False),
        },
        repeats,
    )
    ev = out["evaluator"]
    print(f"  eps = {e}")
    print(
        f"    torchattacks PGD, full batch    {t['torchattacks']:8.4f}   {1.0:7.2f}   {acc(model, out['torchattacks'], y):.4f}"
    )
    print(
        f"    saddle PGD, full batch          {t['saddle']:8.4f}   {t['torchattacks'] / t['saddle']:7.2f}   "
        f"{acc(model, out['saddle'], y):.4f}   (same seed as the evaluator)"
    )
    print(
        f"    saddle survivors-only evaluator {t['evaluator']:8.4f}   {t['torchattacks'] / t['evaluator']:7.2f}   "
        f"{ev.robust_accuracy:.4f}"
    )


# (c), (d) --------------------------------------------------------------------------------------------------------

# name -> (data, model kind, norm, eps)
CONFIGS = {
    "digits-erm-linf": ("digits", "erm", "linf", 0.1),
    "digits-pgd-linf": ("digits", "pgd", "linf", 0.1),
    "digits-erm-l2": ("digits", "erm", "l2", 0.5),
    "digits-pgd-l2": ("digits", "pgd", "l2", 0.5),
    "mnist-erm-linf": ("mnist", "erm", "linf", 0.1),
    "mnist-pgd-linf": ("mnist", "pgd", "linf", 0.1),
}
TA_NORM = {"linf": "Linf", "l2": "L2"}


def train_mlp(kind: str, x: torch.Tensor, y: torch.Tensor, norm: str, eps: float) -> nn.Module:
    """A seeded `DigitsMLP` (256, 128 hidden units): ERM (30 epochs) or PGD-AT at the evaluation ε (10 steps)."""
    torch.manual_seed(0)
    model = DigitsMLP(in_features=x[0].numel())
    if kind == "erm":
        return train_classifier(model, x, y, epochs=30, seed=0)
    data = ShuffledBatches(x, y, batch_size=64, generator=torch.Generator().manual_seed(0))
    objective = PGDAdversarialTraining(ProjectedGradientAttack(eps, norm, steps=10, generator=1))
    fit(model, torch.optim.Adam(model.parameters(), lr=1e-3), objective, data, epochs=30)
    return model.eval()


class ReferenceSquare(SquareAttack):
    """Square as the authors', AutoAttack's and torchattacks' code run it: the window corner in {0, …, h − s − 1},
    and an update that changes nothing spends its query (saddle redraws it, as the authors' code does)."""

    _redraw_noops = False

    def _corner(self, span_h: int, span_w: int) -> tuple[int, int]:
        return super()._corner(max(span_h - 1, 0), max(span_w - 1, 0))


def cpu(fn: Callable[[], torch.Tensor | float]) -> tuple[object, float]:
    """(result, process CPU seconds)."""
    t = time.process_time()
    out = fn()
    return out, time.process_time() - t


def agreement(model: nn.Module, x: torch.Tensor, y: torch.Tensor, norm: str, eps: float) -> dict[str, dict]:
    """(c): each attack alone on all points, saddle vs torchattacks at AutoAttack's budgets."""
    tn = TA_NORM[norm]

    def ta(make: Callable[[], torchattacks.Attack]) -> Callable[[], float]:
        def run() -> float:
            torch.manual_seed(0)
            return acc(model, make()(x, y), y)

        return run

    def ours(attack: object) -> Callable[[], float]:
        return lambda: acc(model, attack(model, x, y), y)  # type: ignore[operator]

    pairs = {
        "apgd-ce": (
            ours(AutoProjectedGradientAttack(eps, norm, steps=100, generator=0)),
            ta(lambda: torchattacks.APGD(model, norm=tn, eps=eps, steps=100, loss="ce", n_restarts=1, seed=0)),
        ),
        "apgd-t": (
            ours(AutoProjectedGradientAttack(eps, norm, steps=100, n_targets=9, generator=1)),
            ta(lambda: torchattacks.APGDT(model, norm=tn, eps=eps, steps=100, n_classes=10, n_restarts=1, seed=0)),
        ),
        "fab-t": (
            ours(FastAdaptiveBoundaryAttack(eps, norm, steps=100, n_targets=9, generator=2)),
            ta(
                lambda: torchattacks.FAB(
                    model, norm=tn, eps=eps, steps=100, multi_targeted=True, n_classes=10, n_restarts=1, seed=0
                )
            ),
        ),
        "square": (
            ours(SquareAttack(eps, norm, queries=5000, generator=3)),
            ta(
                lambda: torchattacks.Square(
                    model, norm=tn, eps=eps, n_queries=5000, n_restarts=1, seed=0, resc_schedule=False
                )
            ),
        ),
    }
    out: dict[str, dict] = {}
    for name, (mine, theirs) in pairs.items():
        (a_ours, t_ours), (a_theirs, t_theirs) = cpu(mine), cpu(theirs)
        out[name] = {"saddle": a_ours, "torchattacks": a_theirs, "saddle_s": t_ours, "torchattacks_s": t_theirs}
        print(
            f"      {name:26s} {a_ours:.4f}   {a_theirs:.4f}   {100 * (a_ours - a_theirs):+6.2f}   "
            f"{t_ours:8.1f} {t_theirs:8.1f}",
            flush=True,
        )
    a_ref, t_ref = cpu(ours(ReferenceSquare(eps, norm, queries=5000, generator=3)))
    out["square-reference"] = {
        "saddle": a_ref,
        "torchattacks": out["square"]["torchattacks"],
        "saddle_s": t_ref,
    }
    print(
        f"      {'square, reference code':26s} {a_ref:.4f}   {out['square']['torchattacks']:.4f}   "
        f"{100 * (a_ref - out['square']['torchattacks']):+6.2f}   {t_ref:8.1f}",
        flush=True,
    )
    return out


def suite_vs_autoattack(model: nn.Module, x: torch.Tensor, y: torch.Tensor, norm: str, eps: float) -> dict:
    """(d): saddle's standard evaluation vs torchattacks' AutoAttack (as shipped, and at AutoAttack's budgets)."""
    tn = TA_NORM[norm]

    def saddle_suite(checks: bool) -> Callable[[], object]:
        return lambda: standard_evaluation(model, x, y, AutoAttackSuite(norm), eps, checks=checks, show_progress=False)

    def shipped() -> float:
        return acc(
            model, torchattacks.AutoAttack(model, norm=tn, eps=eps, version="standard", n_classes=10, seed=0)(x, y), y
        )

    def budgets() -> float:
        multi = torchattacks.MultiAttack(
            [
                torchattacks.APGD(model, norm=tn, eps=eps, steps=100, loss="ce", n_restarts=1, seed=0),
                torchattacks.APGDT(model, norm=tn, eps=eps, steps=100, n_classes=10, n_restarts=1, seed=0),
                torchattacks.FAB(
                    model, norm=tn, eps=eps, steps=100, multi_targeted=True, n_classes=10, n_restarts=1, seed=0
                ),
                torchattacks.Square(model, norm=tn, eps=eps, n_queries=5000, n_restarts=1, seed=0, resc_schedule=False),
            ]
        )
        return acc(model, multi(x, y), y)

    ev, t_ours = cpu(saddle_suite(False))
    a_shipped, t_shipped = cpu(shipped)
    a_budgets, t_budgets = cpu(budgets)
    ev_checks, t_checks = cpu(saddle_suite(True))
    a_ours = ev.robust_accuracy  # type: ignore[attr-defined]
    rows = [
        ("saddle standard evaluation", a_ours, t_ours),
        ("saddle, with its checks", ev_checks.robust_accuracy, t_checks),  # type: ignore[attr-defined]
        ("torchattacks AutoAttack", a_shipped, t_shipped),
        ("torchattacks at AA budgets", a_budgets, t_budgets),
    ]
    for name, a, t in rows:
        print(f"      {name:28s} {a:.4f}   {t:8.1f}   {t / t_ours:6.2f}", flush=True)
    print(f"      saddle after each attack: {ev.accuracy_after}  warnings with checks: {ev_checks.warnings}")  # type: ignore[attr-defined]
    return {
        "saddle": a_ours,
        "saddle_s": t_ours,
        "saddle_checks": ev_checks.robust_accuracy,  # type: ignore[attr-defined]
        "saddle_checks_s": t_checks,
        "saddle_accuracy_after": ev.accuracy_after,  # type: ignore[attr-defined]
        "saddle_warnings": ev_checks.warnings,  # type: ignore[attr-defined]
        "torchattacks_autoattack": a_shipped,
        "torchattacks_autoattack_s": t_shipped,
        "torchattacks_budgets": a_budgets,
        "torchattacks_budgets_s": t_budgets,
    }


def autoattack_sections(args: argparse.Namespace) -> dict[str, dict]:
    """(c) and (d) for every configuration; returns the numbers by configuration."""
    train_d, test_d = load_digits()
    train_m, test_m = load_mnist5k()
    data = {
        "digits": ((train_d.x, train_d.y), (test_d.x, test_d.y)),
        "mnist": ((train_m.x, train_m.y), (test_m.x[: args.n_mnist], test_m.y[: args.n_mnist])),
    }
    print(f"\n(c), (d): torch {torch.__version__}, {torch.get_num_threads()} thread(s), load {os.getloadavg()[0]:.1f}")
    results: dict[str, dict] = {}
    models: dict[tuple[str, str, str, float], nn.Module] = {}
    for name in args.configs:
        dname, kind, norm, eps = CONFIGS[name]
        (xtr, ytr), (x, y) = data[dname]
        key = (dname, kind, norm if kind == "pgd" else "", eps if kind == "pgd" else 0.0)
        if key not in models:
            models[key] = train_mlp(kind, xtr, ytr, norm, eps)
        model = models[key]
        print(f"\n  {name}: {len(y)} points, {norm} eps {eps}, clean accuracy {acc(model, x, y):.4f}")
        print("    (c) attack alone              saddle   torch    diff     saddle_s torch_s")
        res = {"clean": acc(model, x, y), "n": len(y), "agreement": agreement(model, x, y, norm, eps)}
        print("    (d) cascade                    robust   cpu [s]  / saddle")
        res["suite"] = suite_vs_autoattack(model, x, y, norm, eps)
        res["load"] = os.getloadavg()[0]
        results[name] = res
    return results


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--repeats", type=int, default=5)
    p.add_argument("--eps", type=float, default=0.1, help="eps of (a)")
    p.add_argument("--eval-eps", type=float, nargs="+", default=[0.05, 0.1, 0.15, 0.2])
    p.add_argument("--no-autoattack", action="store_true")
    p.add_argument("--only-autoattack", action="store_true", help="skip (a) and (b)")
    p.add_argument("--n-mnist", type=int, default=500, help="MNIST test digits evaluated in (c) and (d)")
    p.add_argument("--configs", nargs="+", default=list(CONFIGS), choices=list(CONFIGS))
    p.add_argument("--json", default=None, help="also write the (c)/(d) numbers to this file")
    args = p.parse_args()
    if args.only_autoattack:
        set_enabled(False)
        torch.set_num_threads(1)
        results = autoattack_sections(args)
        if args.json:
            with open(args.json, "w") as f:
                json.dump(results, f, indent=1)
        return
    set_enabled(False)
    train, _ = load_digits()
    torch.manual_seed(0)
    model = train_classifier(DigitsCNN(), train.x, train.y, epochs=15, seed=0)
    x, y = train.x[:512], train.y[:512]
    eps, steps = args.eps, 20
    alpha = 2.5 * eps / steps
    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads, batch {len(x)}, eps {eps}, PGD-{steps}")

    ta = torchattacks.PGD(model, eps=eps, alpha=alpha, steps=steps)
    # the kernels run faster on the clean digits (half their pixels are exactly 0) than on the attack's
    # iterates, so the floor is timed on a random point of the ε-ball (what PGD evaluates) and, for reference, on x
    x_ball = (x + eps * (2 * torch.rand(x.shape, generator=torch.Generator().manual_seed(1)) - 1)).clamp(0, 1)
    t, out = best_times(
        {
            "floor": lambda: floor(model, x_ball, y, steps),
            "floor_clean": lambda: floor(model, x, y, steps),
            "saddle": lambda: pgd(eps, steps, False)(model, x, y),
            "torchattacks": lambda: (torch.manual_seed(0), ta(x, y))[1],
        },
        args.repeats,
    )
    print("\n(a) PGD-20 on 512 digits            time [s]   / floor   robust acc")
    print(f"    floor 20 x (fwd + input bwd)    {t['floor']:8.4f}   {1.0:7.3f}   (on a random point of the ball)")
    print(f"    same floor on the clean digits  {t['floor_clean']:8.4f}   {t['floor_clean'] / t['floor']:7.3f}")
    for k, name in (("saddle", "saddle ProjectedGradientAttack"), ("torchattacks", "torchattacks.PGD")):
        print(f"    {name:31s} {t[k]:8.4f}   {t[k] / t['floor']:7.3f}   {acc(model, out[k], y):.4f}")

    print("\n(b) robust accuracy, PGD-20         time [s]   speed-up  robust acc")
    for e in args.eval_eps:
        eval_row(model, x, y, e, steps, args.repeats)

    if not args.no_autoattack:
        results = autoattack_sections(args)
        if args.json:
            with open(args.json, "w") as f:
                json.dump(results, f, indent=1)


if __name__ == "__main__":
    main()
