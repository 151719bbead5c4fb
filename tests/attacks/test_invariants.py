"""Every attack, every norm: x_adv in the ε-ball and the box, model left as found, bad arguments raise.

One registry of attack factories drives the generic tests (quirks are data on the entry).
"""

import math
import re

import pytest
import torch

from saddle.attacks import (
    Attack,
    AttackBase,
    AutoProjectedGradientAttack,
    FastAdaptiveBoundaryAttack,
    FastGradientSignAttack,
    MarginAttack,
    ProjectedGradientAttack,
    RandomSearchAttack,
    SquareAttack,
    ThreatModel,
    TopClassesTargeted,
    iterative_sign_attack,
)
from saddle.sets import lp_norm

EPS = {"linf": 0.1, "l2": 0.7, "l1": 2.0}

# name -> (factory(eps, norm) -> attack, supported norms)
REGISTRY = {
    "fgsm": (lambda e, n: FastGradientSignAttack(e), ["linf"]),
    "pgd": (lambda e, n: ProjectedGradientAttack(e, n, steps=5, restarts=2), ["linf", "l2", "l1"]),
    "pgd-margin-early": (
        lambda e, n: ProjectedGradientAttack(e, n, steps=5, loss="margin", early_stop=True, restarts=2),
        ["linf", "l2", "l1"],
    ),
    "sign": (lambda e, n: iterative_sign_attack(e, steps=5, norm=n), ["linf", "l2", "l1"]),
    "apgd-ce": (lambda e, n: AutoProjectedGradientAttack(e, n, steps=10), ["linf", "l2"]),
    "apgd-dlr": (lambda e, n: AutoProjectedGradientAttack(e, n, steps=10, loss="dlr", restarts=2), ["linf", "l2"]),
    "apgd-t": (
        lambda e, n: TopClassesTargeted(AutoProjectedGradientAttack(e, n, steps=5, loss="dlr", targeted=True), 3),
        ["linf", "l2"],
    ),
    "apgd-t-dlr": (
        lambda e, n: AutoProjectedGradientAttack(e, n, steps=5, n_targets=3, early_stop=True),
        ["linf", "l2"],
    ),
    "margin": (lambda e, n: MarginAttack(e, n, steps=5), ["linf", "l2", "l1"]),
    "random": (lambda e, n: RandomSearchAttack(e, n, queries=5), ["linf", "l2", "l1"]),
    "fab": (lambda e, n: FastAdaptiveBoundaryAttack(e, n, steps=10, restarts=2), ["linf", "l2", "l1"]),
    "fab-t": (
        lambda e, n: FastAdaptiveBoundaryAttack(e, n, steps=10, n_targets=3, early_stop=True),
        ["linf", "l2", "l1"],
    ),
    "square": (lambda e, n: SquareAttack(e, n, queries=20), ["linf", "l2"]),
}
CASES = [(name, norm) for name, (_, norms) in REGISTRY.items() for norm in norms]


def _data(n=24, seed=2):
    g = torch.Generator().manual_seed(seed)
    return torch.rand(n, 1, 8, 8, generator=g), torch.randint(0, 10, (n,), generator=g)


def _cnn():
    torch.manual_seed(0)
    from saddle.models.classifiers import DigitsCNN

    return DigitsCNN(channels=(4, 8), hidden=16)


@pytest.mark.parametrize("name, norm", CASES)
def test_in_ball_and_box(name, norm, linear_model):
    attack = REGISTRY[name][0](EPS[norm], norm)
    assert isinstance(attack, Attack)
    x, y = _data()
    adv = attack(linear_model, x, y)
    assert adv.shape == x.shape and adv.dtype == x.dtype
    assert (lp_norm(adv - x, norm) <= EPS[norm] * (1 + 1e-5)).all()
    assert adv.min() >= 0 and adv.max() <= 1
    # the threat model is one object carried by the attack, and it says the same
    assert attack.threat_model == ThreatModel(EPS[norm], "linf" if name == "fgsm" else norm, (0.0, 1.0))
    assert attack.threat_model.contains(x, adv).all() and attack.targeted is False
    # the attack does something: the objective-free check that it breaks some points of a random linear model
    pred = linear_model(x).argmax(-1)
    assert (linear_model(adv).argmax(-1) != pred).any() or name == "random"


@pytest.mark.parametrize("name, norm", CASES)
def test_eps_zero_returns_x(name, norm, linear_model):
    x, y = _data()
    assert torch.equal(REGISTRY[name][0](0.0, norm)(linear_model, x, y), x)


@pytest.mark.parametrize("name", list(REGISTRY))
@pytest.mark.parametrize("training", [True, False])
def test_model_left_as_found(name, training):
    """Mode of every submodule, parameters, requires_grad flags and .grad are untouched."""
    model = _cnn()
    model.train(training)
    model.features[0].train(not training)  # mixed modes must come back too
    model.head[1].weight.requires_grad_(False)
    x, y = _data()
    torch.nn.functional.cross_entropy(model(x), y).backward()
    before = {k: v.clone() for k, v in model.state_dict().items()}
    grads = {k: (p.grad.clone() if p.grad is not None else None) for k, p in model.named_parameters()}
    flags = {k: p.requires_grad for k, p in model.named_parameters()}
    modes = {k: m.training for k, m in model.named_modules()}
    with torch.no_grad():  # the attack must work inside a caller's no_grad block
        REGISTRY[name][0](0.1, "linf")(model, x, y)
    assert {k: m.training for k, m in model.named_modules()} == modes
    assert {k: p.requires_grad for k, p in model.named_parameters()} == flags
    for k, v in model.state_dict().items():
        assert torch.equal(v, before[k]), k
    for k, p in model.named_parameters():
        assert (p.grad is None and grads[k] is None) or torch.equal(p.grad, grads[k]), k


@pytest.mark.parametrize("name", list(REGISTRY))
def test_bad_inputs_raise(name, linear_model):
    attack = REGISTRY[name][0](0.1, "linf")
    x, y = _data()
    bad_x = x.clone()
    bad_x[0, 0, 0, 0] = math.nan
    with pytest.raises(ValueError, match="NaN or inf"):
        attack(linear_model, bad_x, y)
    with pytest.raises(ValueError, match=r"\[0, 9\]"):
        attack(linear_model, x, torch.full_like(y, 10))
    with pytest.raises(ValueError, match=r"\[0, 9\]"):
        attack(linear_model, x, torch.full_like(y, -1))
    with pytest.raises(ValueError, match="box"):
        attack(linear_model, x + 2, y)


@pytest.mark.parametrize(
    "factory",
    [
        lambda **k: ProjectedGradientAttack(**k),
        lambda **k: AutoProjectedGradientAttack(**k),
        lambda **k: MarginAttack(**k),
        lambda **k: RandomSearchAttack(**k),
        lambda **k: FastAdaptiveBoundaryAttack(**k),
        lambda **k: SquareAttack(**k),
    ],
)
def test_bad_arguments_raise(factory):
    with pytest.raises(ValueError, match=re.escape("eps must be a finite number >= 0, got -0.1")):
        factory(eps=-0.1)
    with pytest.raises(ValueError, match="eps must be"):
        factory(eps=math.inf)
    with pytest.raises(ValueError, match="norm must be one of"):
        factory(eps=0.1, norm="l3")
    with pytest.raises(ValueError, match="eps must be"):
        FastGradientSignAttack(-1.0)


def test_bad_pgd_arguments_raise():
    with pytest.raises(ValueError, match="steps must be an integer >= 1, got 0"):
        ProjectedGradientAttack(0.1, steps=0)
    with pytest.raises(ValueError, match="restarts must be an integer >= 1"):
        ProjectedGradientAttack(0.1, restarts=0)
    with pytest.raises(ValueError, match="step_size must be a finite number > 0"):
        ProjectedGradientAttack(0.1, step_size=-1.0)
    with pytest.raises(ValueError, match="loss must be one of"):
        ProjectedGradientAttack(0.1, loss="hinge")
    with pytest.raises(ValueError, match="supports norm 'linf' or 'l2'"):
        AutoProjectedGradientAttack(0.1, norm="l1")
    with pytest.raises(ValueError, match="needs a targeted attack"):
        TopClassesTargeted(AutoProjectedGradientAttack(0.1))


def test_each_attack_file_holds_only_its_ascent():
    # the checks and the model-state restoration run once, in AttackBase.__call__; attacks implement `perturb`
    for cls in (
        FastGradientSignAttack,
        ProjectedGradientAttack,
        AutoProjectedGradientAttack,
        RandomSearchAttack,
        TopClassesTargeted,
        SquareAttack,
    ):
        assert issubclass(cls, AttackBase) and "__call__" not in vars(cls) and "perturb" in vars(cls), cls


def test_threat_model_checks_its_arguments():
    for kwargs, message in [
        ({"eps": -0.1}, "eps must be a finite number >= 0, got -0.1"),
        ({"eps": float("inf")}, "eps must be a finite number >= 0, got inf"),
        ({"eps": 0.1, "norm": "l3"}, "norm must be one of"),
        ({"eps": 0.1, "box": (1.0, 0.0)}, "lower <= upper"),
        ({"eps": 0.1, "box": 3}, "box must be a pair"),
    ]:
        with pytest.raises(ValueError) as err:
            ThreatModel(**kwargs)
        assert message in str(err.value)


@pytest.mark.parametrize(
    "build",
    [
        lambda g: ProjectedGradientAttack(0.1, generator=g),
        lambda g: AutoProjectedGradientAttack(0.1, generator=g),
        lambda g: MarginAttack(0.1, generator=g),
        lambda g: RandomSearchAttack(0.1, generator=g),
        lambda g: FastAdaptiveBoundaryAttack(0.1, generator=g),
        lambda g: SquareAttack(0.1, generator=g),
    ],
)
def test_generator_is_a_torch_generator_or_an_int_seed(build):
    # the generator policy (saddle.validation.as_generator): an int seed ≡ torch.Generator().manual_seed(seed)
    assert torch.equal(build(7).generator.get_state(), build(torch.Generator().manual_seed(7)).generator.get_state())
    assert torch.equal(build(None).generator.get_state(), torch.Generator().manual_seed(0).get_state())
    for bad in (True, 0.5, "0"):
        with pytest.raises(
            ValueError, match=re.escape("generator must be a torch.Generator, an int seed or None, got")
        ):
            build(bad)
