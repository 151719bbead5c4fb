"""Agreement with an independent implementation (torchattacks 3.5.1) on the same trained digits CNN.

AutoAttack "standard" (APGD-CE, APGD-T, FAB-T, Square with 5,000 queries) is too slow for the test
budget on 2 CPU cores; here saddle's worst-case evaluator is compared with torchattacks' first two
AutoAttack components (APGD-CE and APGD-T, its default 10 steps and 9 target classes) on the 360
test digits, FAB-T (deterministic on both sides) on 80 digits, and Square (as the paper and as the reference
codes run it) against the exact worst case of logistic regression on 100 digits. The full comparison at AutoAttack's budgets (ERM and PGD-AT models, 8×8 digits and
28×28 MNIST) is in benchmarks/attacks.py and the slow test below.
"""

import pytest
import torch
import torchattacks  # installed by the Makefile (--no-deps); a missing reference must fail, not skip

from saddle.attacks import (
    AutoAttackSuite,
    AutoProjectedGradientAttack,
    FastAdaptiveBoundaryAttack,
    ProjectedGradientAttack,
    SquareAttack,
    TopClassesTargeted,
)
from saddle.data import load_digits
from saddle.metrics import robust_accuracy, standard_evaluation
from saddle.models.classifiers import DigitsMLP
from saddle.train.erm import train_classifier


def _acc(model, x, y):
    with torch.no_grad():
        return (model(x).argmax(-1) == y).float().mean().item()


@pytest.mark.parametrize("eps", [0.05, 0.1, 0.15])
def test_pgd_robust_accuracy_within_one_point_of_torchattacks(digits_cnn, digits, eps):
    _, test = digits
    x, y = test.x, test.y
    steps, alpha = 10, 2.5 * eps / 10
    ours = _acc(digits_cnn, ProjectedGradientAttack(eps, steps=steps, step_size=alpha)(digits_cnn, x, y), y)
    torch.manual_seed(0)
    theirs = _acc(digits_cnn, torchattacks.PGD(digits_cnn, eps=eps, alpha=alpha, steps=steps)(x, y), y)
    clean = _acc(digits_cnn, x, y)
    assert clean - 0.1 > theirs  # the comparison is made where the attack matters
    assert abs(ours - theirs) <= 0.01


def test_worst_case_evaluator_at_most_one_point_above_autoattack_components(digits_cnn, digits):
    _, test = digits
    x, y, eps = test.x, test.y, 0.1
    torch.manual_seed(0)
    ta = torchattacks.MultiAttack(
        [
            torchattacks.APGD(digits_cnn, eps=eps, steps=10, loss="ce", n_restarts=1, seed=0),
            torchattacks.APGDT(digits_cnn, eps=eps, steps=10, n_classes=10, n_restarts=1, seed=0),
        ]
    )
    theirs = _acc(digits_cnn, ta(x, y), y)
    ev = robust_accuracy(
        digits_cnn,
        x,
        y,
        {
            "apgd-ce": AutoProjectedGradientAttack(eps, steps=10),
            "apgd-t": TopClassesTargeted(AutoProjectedGradientAttack(eps, steps=10, loss="dlr", targeted=True), 9),
        },
    )
    assert ev.clean_accuracy == pytest.approx(_acc(digits_cnn, x, y))
    assert ev.robust_accuracy <= theirs + 0.01
    assert _acc(digits_cnn, ev.x_adv, y) == pytest.approx(ev.robust_accuracy)


def test_pgd_iterates_match_torchattacks_given_the_same_random_start(digits_cnn, digits):
    """torchattacks draws its start from the global generator, uniform_(−ε, ε); saddle from its own generator,
    (2u − 1)ε: with the same seed the starts agree to rounding and the 10 sign steps then coincide."""
    _, test = digits
    x, y = test.x, test.y
    for eps in (0.05, 0.1, 0.2):
        alpha = 2.5 * eps / 10
        ours = ProjectedGradientAttack(eps, steps=10, step_size=alpha, generator=torch.Generator().manual_seed(3))(
            digits_cnn, x, y
        )
        torch.manual_seed(3)
        theirs = torchattacks.PGD(digits_cnn, eps=eps, alpha=alpha, steps=10)(x, y)
        diff = (ours - theirs).abs()
        assert (diff > 1e-5).float().mean() < 1e-3  # a rare sign flip of a ~0 gradient is tolerated
        with torch.no_grad():
            assert (digits_cnn(ours).argmax(-1) != digits_cnn(theirs).argmax(-1)).sum() <= 1


@pytest.mark.parametrize("norm, eps", [("linf", 0.1), ("l2", 0.5)])
def test_fab_t_agrees_with_torchattacks(digits_cnn, digits, norm, eps):
    """FAB-T with one restart has no random start: both sides are deterministic, and they differ only by round-off
    in the hyperplane projections (saddle solves them exactly by sorting, torchattacks by bisection); measured:
    1 of 80 points differs in both norms."""
    _, test = digits
    x, y = test.x[:80], test.y[:80]
    ours = FastAdaptiveBoundaryAttack(eps, norm, steps=20, n_targets=9)(digits_cnn, x, y)
    theirs = torchattacks.FAB(
        digits_cnn, norm={"linf": "Linf", "l2": "L2"}[norm], eps=eps, steps=20, multi_targeted=True, n_classes=10
    )(x, y)
    assert abs(_acc(digits_cnn, ours, y) - _acc(digits_cnn, theirs, y)) <= 2 / 80
    assert _acc(digits_cnn, ours, y) < _acc(digits_cnn, x, y) - 0.2  # the comparison is made where FAB matters


class ReferenceSquare(SquareAttack):
    """Square as the reference codes run it: the window corner drawn from {0, …, h − s − 1} (Algorithm 2 of the
    paper, which saddle follows, allows h − s too), and an update that changes nothing spends its query."""

    _redraw_noops = False

    def _corner(self, span_h, span_w):
        return super()._corner(max(span_h - 1, 0), max(span_w - 1, 0))


def test_square_reaches_the_exact_worst_case_and_the_reference_code_reproduces_torchattacks():
    """On logistic regression the l∞ worst case is exact (a vertex per class pair). Square with the paper's window
    positions reaches it; run as the reference codes run it (`ReferenceSquare`) it leaves the last row and column
    at their initial stripes and stops where torchattacks' Square stops. Measured on 100 digits, ε = 0.05, 300
    queries, seeds 0-2: exact 0.83; saddle 0.83, 0.84, 0.83; reference code 0.87, 0.87, 0.85; torchattacks 0.87."""
    train, test = load_digits()
    torch.manual_seed(0)
    model = torch.nn.Sequential(torch.nn.Flatten(), torch.nn.Linear(64, 10))
    opt = torch.optim.Adam(model.parameters(), 0.1)
    for _ in range(100):
        opt.zero_grad()
        torch.nn.functional.cross_entropy(model(train.x), train.y).backward()
        opt.step()
    model.eval()
    x, y, eps = test.x[:100], test.y[:100], 0.05
    w, b = model[1].weight.detach(), model[1].bias.detach()
    lo, hi = (x.flatten(1) - eps).clamp(0, 1), (x.flatten(1) + eps).clamp(0, 1)
    robust = torch.ones(len(y), dtype=torch.bool)
    for j in range(10):
        c = w[y] - w[j]
        robust &= ((c * torch.where(c > 0, lo, hi)).sum(-1) + b[y] - b[j] > 0) | (y == j)
    exact = robust.float().mean().item()
    ours = _acc(model, SquareAttack(eps, queries=300, rescale_schedule=True)(model, x, y), y)
    ours_ref = _acc(model, ReferenceSquare(eps, queries=300, rescale_schedule=True)(model, x, y), y)
    theirs = _acc(model, torchattacks.Square(model, eps=eps, n_queries=300, seed=0)(x, y), y)
    assert exact - 1e-9 <= ours <= exact + 0.01
    assert abs(ours_ref - theirs) <= 0.02 and min(ours_ref, theirs) >= exact + 0.02


@pytest.fixture(scope="module")
def digits_mlp(digits):
    """The ERM digits MLP of benchmarks/attacks.py (256, 128 hidden units, 30 epochs of Adam, seed 0)."""
    train, _ = digits
    torch.manual_seed(0)
    return train_classifier(DigitsMLP(), train.x, train.y, epochs=30, seed=0)


@pytest.mark.slow
def test_each_attack_and_the_suite_agree_with_torchattacks_at_autoattacks_budgets(digits_mlp, digits):
    """AutoAttack's budgets on the 360 test digits, l∞ ε = 0.1 (minutes on 2 cores): each attack alone within one
    point of torchattacks' (Square as the reference codes run it, `ReferenceSquare`), and the
    standard evaluation's worst case at most half a point above torchattacks' AutoAttack."""
    _, test = digits
    model, x, y, eps = digits_mlp, test.x, test.y, 0.1
    ev = standard_evaluation(model, x, y, AutoAttackSuite("linf"), eps, individual=True, show_progress=False)
    torch.manual_seed(0)
    theirs = {
        "apgd-ce": torchattacks.APGD(model, eps=eps, steps=100, loss="ce", n_restarts=1, seed=0),
        "apgd-t": torchattacks.APGDT(model, eps=eps, steps=100, n_classes=10, n_restarts=1, seed=0),
        "fab-t": torchattacks.FAB(model, eps=eps, steps=100, multi_targeted=True, n_classes=10, seed=0),
        "square": torchattacks.Square(model, eps=eps, n_queries=5000, seed=0, resc_schedule=False),
    }
    accuracy = {name: _acc(model, attack(x, y), y) for name, attack in theirs.items()}
    for name in ("apgd-ce", "apgd-t", "fab-t"):
        assert abs(ev.individual_accuracy[name] - accuracy[name]) <= 0.01, name
    reference = _acc(model, ReferenceSquare(eps, queries=5000)(model, x, y), y)
    assert abs(reference - accuracy["square"]) <= 0.01
    assert ev.individual_accuracy["square"] <= reference + 0.01  # the paper's positions: never weaker
    autoattack = torchattacks.AutoAttack(model, norm="Linf", eps=eps, version="standard", n_classes=10, seed=0)
    assert ev.robust_accuracy <= _acc(model, autoattack(x, y), y) + 0.005
