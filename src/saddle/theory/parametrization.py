"""abc-parametrisations (Yang & Hu 2021) and the maximal update parametrisation µP, for SGD.

Seed 002, "Implementation of µP: abc-parameterizations": X_l = m^{−a_l} W_l with W_l the trainable
parameter, [W_l]_ij ~ N(0, m^{−2b_l}), SGD learning rate η m^{−c}; µP for an MLP with L hidden
layers (L+1 weight matrices) is a_1 = −1/2, a_l = 0 (2 ≤ l ≤ L), a_{L+1} = 1/2, b_l = 1/2, c = 0.
Here the network of `saddle.theory.network` has `depth` weight matrices (the notes' L+1);
m is the common hidden width; the input and output sizes are treated as constants, as in the paper.

Two equivalent ways to train (the "abc symmetry"): the *multiplier* form trains W_l with the
multiplier m^{−a_l} in the forward pass and one learning rate η m^{−c}; the *effective* form trains
X_l directly, initialised with variance m^{−2(a_l+b_l)}, with per-layer learning rates
η m^{−c−2a_l} (an SGD step on W_l moves X_l = m^{−a_l} W_l by η m^{−c} m^{−2a_l} ∇_{X_l}).
Both give the same function at every step, which the tests check.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

import torch

from saddle.theory.network import FullyConnectedReLU
from saddle.validation import check_choice, check_int, check_real

Form = Literal["multiplier", "effective"]
_FORMS = ("multiplier", "effective")


@dataclass(frozen=True)
class AbcParametrization:
    """Per-layer exponents a_l (multiplier m^{−a_l}), b_l (init variance m^{−2b_l}) and c (lr η m^{−c})."""

    a: tuple[float, ...]
    b: tuple[float, ...]
    c: float
    name: str = "abc"

    def __post_init__(self) -> None:
        if len(self.a) != len(self.b) or len(self.a) < 2:
            raise ValueError(f"a and b need one entry per layer (>= 2 layers), got {len(self.a)} and {len(self.b)}")
        for v in (*self.a, *self.b, self.c):
            if not math.isfinite(v):
                raise ValueError(f"abc exponents must be finite, got a={self.a}, b={self.b}, c={self.c}")

    @property
    def depth(self) -> int:
        return len(self.a)

    def multipliers(self, m: int) -> list[float]:
        """m^{−a_l} for each layer."""
        return [float(m) ** (-a) for a in self.a]

    def init_variances(self, m: int, form: Form = "multiplier") -> list[float]:
        """Entry variances: of W_l, m^{−2b_l} (multiplier form), or of X_l, m^{−2(a_l+b_l)} (effective form)."""
        _check_form(form)
        if form == "multiplier":
            return [float(m) ** (-2 * b) for b in self.b]
        return [float(m) ** (-2 * (a + b)) for a, b in zip(self.a, self.b)]

    def learning_rates(self, lr: float, m: int, form: Form = "multiplier") -> list[float]:
        """Per-layer SGD rates: η m^{−c} for every W_l (multiplier form), η m^{−c−2a_l} for X_l (effective form)."""
        _check_form(form)
        _check_lr(lr)
        if form == "multiplier":
            return [lr * float(m) ** (-self.c)] * self.depth
        return [lr * float(m) ** (-self.c - 2 * a) for a in self.a]

    def shifted(self, theta: float) -> AbcParametrization:
        """(a + θ, b − θ, c − 2θ): the same effective SGD dynamics (Yang & Hu 2021, abc symmetry)."""
        return AbcParametrization(
            tuple(a + theta for a in self.a),
            tuple(b - theta for b in self.b),
            self.c - 2 * theta,
            f"{self.name}+shift({theta:g})",
        )


def _check_depth(depth: int) -> None:
    check_int("depth (number of weight matrices)", depth, low=2)


def _check_form(form: str) -> None:
    check_choice("form", form, _FORMS)


def _check_lr(lr: float) -> None:
    check_real("lr", lr, high_open=True)


def mup(depth: int) -> AbcParametrization:
    """µP for SGD (seed 002 table; Yang & Hu 2021): a = (−1/2, 0, …, 0, 1/2), b = 1/2, c = 0."""
    _check_depth(depth)
    return AbcParametrization((-0.5,) + (0.0,) * (depth - 2) + (0.5,), (0.5,) * depth, 0.0, "mup")


def standard_parametrization(depth: int) -> AbcParametrization:
    """Standard parametrisation SP (Yang & Hu 2021, Table 1): a = 0, b_1 = 0, b_{l≥2} = 1/2, c = 0."""
    _check_depth(depth)
    return AbcParametrization((0.0,) * depth, (0.0,) + (0.5,) * (depth - 1), 0.0, "sp")


def ntk_parametrization(depth: int) -> AbcParametrization:
    """NTK parametrisation (Jacot et al. 2018; Yang & Hu 2021, Table 1): a_1 = 0, a_{l≥2} = 1/2, b = 0, c = 0."""
    _check_depth(depth)
    return AbcParametrization((0.0,) + (0.5,) * (depth - 1), (0.0,) * depth, 0.0, "ntk")


PARAMETRIZATIONS = {"mup": mup, "sp": standard_parametrization, "ntk": ntk_parametrization}


def parametrization(name: str, depth: int) -> AbcParametrization:
    """The named abc-parametrisation ('mup', 'sp', 'ntk') for `depth` weight matrices."""
    if name not in PARAMETRIZATIONS:
        raise ValueError(f"parametrization must be one of {list(PARAMETRIZATIONS)}, got {name!r}")
    return PARAMETRIZATIONS[name](depth)


def _hidden_width(widths: Sequence[int]) -> int:
    hidden = list(widths)[1:-1]
    if not hidden or len(set(hidden)) != 1:
        raise ValueError(f"abc-parametrisations need equal hidden widths m, got widths={list(widths)!r}")
    return int(hidden[0])


def abc_network(
    widths: Sequence[int],
    param: AbcParametrization,
    generator: torch.Generator | int | None = None,
    form: Form = "multiplier",
    output_activation: bool = False,
) -> FullyConnectedReLU:
    """A bias-free ReLU MLP in the abc-parametrisation `param` (α = 1, linear read-out by default).

    Multiplier form: weights W_l ~ N(0, m^{−2b_l}) and forward multipliers m^{−a_l}; effective form:
    X_l ~ N(0, m^{−2(a_l+b_l)}) with multipliers 1. Same `generator` seed → same effective weights.
    """
    _check_form(form)
    m = _hidden_width(widths)
    if param.depth != len(widths) - 1:
        raise ValueError(f"parametrisation has {param.depth} layers, widths give {len(widths) - 1}")
    mult = param.multipliers(m) if form == "multiplier" else None
    return FullyConnectedReLU(
        widths,
        init=param.init_variances(m, form),
        alpha=1.0,
        generator=generator,
        output_activation=output_activation,
        multipliers=mult,
    )


def abc_param_groups(
    model: FullyConnectedReLU, param: AbcParametrization, lr: float, form: Form = "multiplier"
) -> list[dict[str, Any]]:
    """torch.optim parameter groups [{'params': [W_l], 'lr': η_l, 'layer': l}] for SGD in `param`.

    η_l = η m^{−c} (multiplier form) or η m^{−c−2a_l} (effective form); checks that `model`'s forward
    multipliers match the form (m^{−a_l}, or all 1).
    """
    _check_form(form)
    m = _hidden_width(model.widths)
    if param.depth != model.depth:
        raise ValueError(f"parametrisation has {param.depth} layers, the model has {model.depth}")
    expected = param.multipliers(m) if form == "multiplier" else [1.0] * model.depth
    if any(not math.isclose(u, v, rel_tol=1e-9) for u, v in zip(model.multipliers, expected)):
        raise ValueError(
            f"model multipliers {model.multipliers} do not match the {form} form of "
            f"{param.name} ({expected}); build it with abc_network(..., form={form!r})"
        )
    rates = param.learning_rates(lr, m, form)
    return [{"params": [w], "lr": r, "layer": k} for k, (w, r) in enumerate(zip(model.params, rates), start=1)]
