"""The standard robustness evaluation: a cascade of attacks on the points still robust, with AutoAttack's checks.

Croce & Hein, "Reliable evaluation of adversarial robustness with an ensemble of diverse parameter-free attacks",
ICML 2020 (the cascade, the per-attack record and `checks.py` of fra31/auto-attack), and Carlini et al., "On
evaluating adversarial robustness", 2019 (robust accuracy must equal clean accuracy at ε = 0 and fall to 0 as ε
grows). `standard_evaluation(model, x, y, suite, eps)` runs the attacks of `suite(eps)` in order, each on the
points no earlier attack broke, and reports the per-sample worst case, the robust accuracy after each attack,
which attack broke each point and the time each took. Its checks:

- a model whose repeated forward passes differ (AutoAttack's `check_randomized`: 5 passes, outputs normalised
  to unit l2 norm differing by more than 1e-4) is flagged randomised and evaluated with EOT, expectation over
  transformation (Athalye, Carlini & Wagner, ICML 2018, Sec. 4): the attacks and the final decisions see the mean
  output of `eot_draws` passes (default 20, AutoAttack's `eot_iter` of its "rand" version), the number of draws
  being reported;
- robust accuracy at ε = 0 equals clean accuracy, and robust accuracy of the first attack falls to 0 (and never
  rises) on a grid of growing ε up to the ball that covers the box (`gradient_masking_checks`; for an unbounded
  box only that it never rises);
- points the gradient-free attacks (Square) break after every gradient attack has failed, above 0.2% of the
  points (AutoAttack's `check_square_sr`, α = 0.002), and inputs with an exactly zero input gradient of the
  margin (`check_zero_gradients`, there of the loss) raise a `GradientMaskingWarning`; outputs that look like probabilities rather than
  logits (`check_range_output`) raise a `UserWarning`.

The suite is anything `eps -> {name: attack}` (the attacks of `saddle.attacks`; `saddle.attacks.AutoAttackSuite`
is AutoAttack's standard and fast versions), so this module stays below `saddle.attacks` and knows the attacks only
through their protocol (`threat_model`, `targeted`, `__call__`; `gradient_free` marks black-box ones).
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import torch
from torch import Tensor, nn

from saddle.metrics.robust import (
    GradientMaskingWarning,
    RobustEvaluation,
    SuccessCriterion,
    gradient_masking_checks,
    robust_accuracy,
)
from saddle.model_state import frozen_eval
from saddle.validation import check_int, check_real

if TYPE_CHECKING:
    from saddle.attacks.base import Attack

__all__ = [
    "AttackSuite",
    "ExpectationOverTransformation",
    "RandomisedModelWarning",
    "StandardEvaluation",
    "is_randomised",
    "standard_evaluation",
]

AttackSuite = Callable[[float], Mapping[str, "Attack"]]


class RandomisedModelWarning(UserWarning):
    """The model's forward passes differ on the same input: it was evaluated with EOT."""


@torch.no_grad()
def is_randomised(model: nn.Module, x: Tensor, draws: int = 5, atol: float = 1e-4) -> bool:
    """True when `draws` forward passes on x disagree: some pair of outputs, each scaled to unit l2 norm per point,
    differs by more than `atol` in l2 (AutoAttack's `check_randomized`: 5 passes, α = 1e-4). Model run as found."""
    check_int("draws", draws, low=2)
    outs = []
    for _ in range(draws):
        o = model(x).reshape(x.shape[0], -1)
        outs.append(o / (o.norm(dim=-1, keepdim=True) + 1e-10))
    return any(float((outs[i] - outs[j]).norm(dim=-1).max()) > atol for i in range(draws) for j in range(i + 1, draws))


class ExpectationOverTransformation(nn.Module):
    """x ↦ (1/n) Σ_{k=1}^{n} model(x) over n independent forward passes of a randomised model (EOT).

    Athalye, Carlini & Wagner, ICML 2018, Sec. 4: attacking the expectation E_ω h(x, ω) instead of one draw; the
    gradient of the mean output is the Monte-Carlo estimate of ∇_x E_ω h(x, ω). Any attack run on the wrapper is
    an EOT attack, and decisions on its output are those of the averaged model. `draws` n ≥ 1 (default 20).
    Cost: n forward (and backward) passes per call.
    """

    def __init__(self, model: nn.Module, draws: int = 20) -> None:
        super().__init__()
        self.model = model
        self.draws = check_int("draws", draws)

    def forward(self, x: Tensor) -> Tensor:
        total = self.model(x)
        for _ in range(self.draws - 1):
            total = total + self.model(x)
        return total / self.draws


@dataclass
class StandardEvaluation:
    """Result of `standard_evaluation`.

    eps, norm: the threat radius and norm (of the suite's first attack). clean_accuracy, robust_accuracy: fractions.
    robust (N,) bool; x_adv (N, ...) the first adversarial example found (x where none); fell_to (N,) int64: index in
    `broken_by` of what broke the point (0 clean error, i the i-th attack), −1 robust. broken_by, accuracy_after:
    per attack in cascade order, the points it broke and the robust accuracy after it. individual_accuracy: each
    attack alone on every clean point (with `individual=True`, else None). seconds: CPU time per attack.
    randomised: the model's passes differ; eot_draws: forward passes averaged per evaluation (1 when deterministic).
    warnings: the messages of the checks that failed (each also raised as a warning).
    """

    eps: float
    norm: float
    clean_accuracy: float
    robust_accuracy: float
    robust: Tensor
    x_adv: Tensor
    fell_to: Tensor
    broken_by: dict[str, int]
    accuracy_after: dict[str, float]
    seconds: dict[str, float]
    individual_accuracy: dict[str, float] | None = None
    randomised: bool = False
    eot_draws: int = 1
    warnings: list[str] = field(default_factory=list)

    def summary(self) -> dict[str, Any]:
        """The numbers as plain JSON-serialisable values (no tensors), for a run's metrics."""
        return {
            "eps": self.eps,
            "norm": "linf" if self.norm == math.inf else f"l{self.norm:g}",
            "n": int(self.robust.numel()),
            "clean_accuracy": self.clean_accuracy,
            "robust_accuracy": self.robust_accuracy,
            "accuracy_after": dict(self.accuracy_after),
            "broken_by": dict(self.broken_by),
            "individual_accuracy": None if self.individual_accuracy is None else dict(self.individual_accuracy),
            "seconds": dict(self.seconds),
            "randomised": self.randomised,
            "eot_draws": self.eot_draws,
            "warnings": list(self.warnings),
        }

    def __repr__(self) -> str:
        return (
            f"StandardEvaluation(n={self.robust.numel()}, eps={self.eps:g}, clean_accuracy={self.clean_accuracy:.4f}, "
            f"robust_accuracy={self.robust_accuracy:.4f}, accuracy_after={self.accuracy_after}, "
            f"randomised={self.randomised}, eot_draws={self.eot_draws}, warnings={len(self.warnings)})"
        )


def _growth_grid(
    attack: Attack, eps: float, n_features: int, factor: float, max_steps: int
) -> tuple[list[float], bool]:
    """(0, ε, ε·f, ε·f², … up to and ending on the radius of the ball that covers the box: the box width in l∞,
    width·√d in l2, width·d in l1; whether that radius is finite). An unbounded box stops after max_steps values
    above ε, where robust accuracy need not reach 0."""
    threat = attack.threat_model
    width = threat.box.upper - threat.box.lower
    cover = width * {math.inf: 1.0, 2.0: math.sqrt(n_features), 1.0: float(n_features)}[threat.norm]
    grid, e = [0.0, eps], eps
    for _ in range(max_steps):
        e *= factor
        if e >= cover:
            break
        grid.append(e)
    if math.isfinite(cover) and cover > eps:
        grid.append(cover)
    return grid, math.isfinite(cover)


def _zero_gradients(model: nn.Module, x: Tensor, y: Tensor, objective: Any) -> int:
    """Points whose input gradient is exactly zero: of the margin max_{j≠y} z_j − z_y for classification (unlike
    AutoAttack's check on the cross-entropy it cannot vanish by a saturated softmax), else of the objective."""
    xg = x.detach().requires_grad_(True)
    out = model(xg)
    if objective is None:
        value = out.scatter(-1, y[:, None], float("-inf")).amax(-1) - out.gather(-1, y[:, None])[:, 0]
    else:
        value = objective.value(out, y)
    (g,) = torch.autograd.grad(value.sum(), xg)
    return int((g.reshape(x.shape[0], -1).abs().sum(-1) == 0).sum())


def _warn(messages: list[str], msg: str, category: type[Warning]) -> None:
    messages.append(msg)
    warnings.warn(msg, category, stacklevel=3)


def standard_evaluation(
    model: nn.Module,
    x: Tensor,
    y: Tensor,
    suite: AttackSuite,
    eps: float,
    *,
    objective: SuccessCriterion | None = None,
    checks: bool = True,
    randomised: bool | None = None,
    eot_draws: int = 20,
    individual: bool = False,
    check_points: int = 100,
    growth: float = 2.0,
    square_tolerance: float = 0.002,
    batch_size: int = 500,
    show_progress: bool = True,
) -> StandardEvaluation:
    """Robust accuracy of `model` on (x, y) under the cascade `suite(eps)`, with AutoAttack's checks.

    suite: eps -> {name: untargeted attack} in cascade order (e.g. `saddle.attacks.AutoAttackSuite("linf")`).
    objective: what counts as broken (default: the suite's `objective` attribute if it has one, else
    misclassification). checks: run the checks of the module docstring on the first `check_points` points
    (growing ε by the factor `growth`); the randomisation test runs whenever `randomised` is None. randomised:
    force (True/False) instead of detecting; eot_draws: passes averaged when randomised. individual: also run each
    attack alone on all clean points. Shapes: x (N, ...), y (N,) (or (N, ...) with an objective). Returns a
    `StandardEvaluation`; a failed check also raises `GradientMaskingWarning` / `RandomisedModelWarning`.
    """
    eps = check_real("eps", eps, 0.0, math.inf, low_open=False, high_open=True)
    check_int("eot_draws", eot_draws)
    check_int("check_points", check_points)
    check_real("growth", growth, 1.0, math.inf, low_open=True, high_open=True)
    check_real("square_tolerance", square_tolerance, 0.0, 1.0, low_open=False)
    if x.shape[0] != y.shape[0]:
        raise ValueError(f"x and y have different lengths: {x.shape[0]} vs {y.shape[0]}")
    if objective is None:
        objective = getattr(suite, "objective", None)
    attacks = dict(suite(eps))
    if not attacks:
        raise ValueError("the suite returned no attacks")
    first = next(iter(attacks.values()))
    messages: list[str] = []
    xs, ys = x[:check_points], y[:check_points]
    with frozen_eval(model):
        found = is_randomised(model, xs) if randomised is None else bool(randomised)
    evaluated: nn.Module = ExpectationOverTransformation(model, eot_draws) if found else model
    if found:
        _warn(
            messages,
            f"the model's forward passes differ on the same input: evaluated with EOT over {eot_draws} draws",
            RandomisedModelWarning,
        )
    if checks:
        with frozen_eval(evaluated):
            with torch.no_grad():
                out = evaluated(xs)
            if out.ndim == 2 and bool(((out >= 0) & (out <= 1)).all()) and bool(((out.sum(-1) - 1).abs() < 1e-5).all()):
                _warn(messages, "the outputs look like probabilities: the attacks expect logits", UserWarning)
            zero = _zero_gradients(evaluated, xs, ys, objective)
            if zero:
                _warn(
                    messages,
                    f"possible gradient masking: {zero} of {xs.shape[0]} points have an exactly zero input gradient",
                    GradientMaskingWarning,
                )
    ev: RobustEvaluation = robust_accuracy(
        evaluated, x, y, attacks, batch_size=batch_size, show_progress=show_progress, objective=objective
    )
    assert ev.fell_to is not None
    individual_accuracy = None
    if individual:
        individual_accuracy = {
            name: robust_accuracy(
                evaluated, x, y, {name: a}, batch_size=batch_size, show_progress=False, objective=objective
            ).robust_accuracy
            for name, a in suite(eps).items()
        }
    if checks:
        gradient_names = [n for n, a in attacks.items() if not getattr(a, "gradient_free", False)]
        free = [n for n, a in attacks.items() if getattr(a, "gradient_free", False)]
        broken_free = sum(ev.broken_by[n] for n in free)
        if gradient_names and free and broken_free > square_tolerance * x.shape[0]:
            _warn(
                messages,
                f"possible gradient masking: the gradient-free {', '.join(free)} broke {broken_free} of {x.shape[0]} "
                f"points that {', '.join(gradient_names)} left robust (robust accuracy "
                f"{ev.accuracy_after[gradient_names[-1]]:.4f} -> {ev.robust_accuracy:.4f})",
                GradientMaskingWarning,
            )
        grid, bounded = _growth_grid(first, eps, int(x[0].numel()), growth, 5)
        name = next(iter(attacks))
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", GradientMaskingWarning)  # re-raised below with the evaluation's context
            report = gradient_masking_checks(
                evaluated,
                xs,
                ys,
                lambda e: suite(e)[name],
                grid,
                final_accuracy_tol=0.0 if bounded else 1.0,
                batch_size=batch_size,
                objective=objective,
                show_progress=False,
            )
        for msg in report.failed:
            _warn(messages, f"possible gradient masking ({name}): {msg}", GradientMaskingWarning)
    threat = first.threat_model
    return StandardEvaluation(
        eps=eps,
        norm=threat.norm,
        clean_accuracy=ev.clean_accuracy,
        robust_accuracy=ev.robust_accuracy,
        robust=ev.robust,
        x_adv=ev.x_adv,
        fell_to=ev.fell_to,
        broken_by=ev.broken_by,
        accuracy_after=ev.accuracy_after,
        seconds=ev.seconds,
        individual_accuracy=individual_accuracy,
        randomised=found,
        eot_draws=eot_draws if found else 1,
        warnings=messages,
    )
