"""Adversarial attacks: inner maximisers max_{‖δ‖ ≤ ε, x+δ ∈ box} f(h(x + δ), y) on one `Attack` protocol.

Every attack is `attack(model, x, y) -> x_adv` carrying its `threat_model` (ε, norm, box: `saddle.sets.ThreatModel`)
and `targeted` flag; `AttackBase.__call__` runs the input checks and the model-state restoration once, so each
attack file holds only its ascent. Attacks are built from a ball and box (`saddle.sets`), an objective
(`objectives`), an ascent rule (`ascent`) and a step-size schedule (`saddle.schedules`). Attacks run the model in
eval mode with frozen parameters and restore its mode, `requires_grad` and `.grad` afterwards.
"""

from saddle.attacks.apgd import AutoProjectedGradientAttack, apgd_checkpoints
from saddle.attacks.ascent import GradientAscent, L2Ascent, SignAscent, SparseL1Ascent, steepest_ascent
from saddle.attacks.base import Attack, AttackBase, ThreatModel
from saddle.attacks.fab import FastAdaptiveBoundaryAttack, hyperplane_step
from saddle.attacks.fgsm import FastGradientSignAttack
from saddle.attacks.iterative import projected_gradient_ascent
from saddle.attacks.kl import KLDivergenceAttack, kl_to_clean
from saddle.attacks.linear import affine_boundary_distance, linear_linf_worst_case, minimal_l2_perturbation_affine
from saddle.attacks.margin import MarginAttack
from saddle.attacks.minimal import DeepFool, deepfool, minimal_epsilon
from saddle.attacks.objectives import (
    Objective,
    cross_entropy,
    dlr,
    get_objective,
    margin,
    pairwise_dlr,
    pairwise_margin,
    targeted_cross_entropy,
    targeted_dlr,
    targeted_margin,
)
from saddle.attacks.pgd import ProjectedGradientAttack
from saddle.attacks.random_search import RandomSearchAttack
from saddle.attacks.sign_ascent import iterative_sign_attack
from saddle.attacks.square import SquareAttack, square_fraction, square_pattern
from saddle.attacks.suite import SUITE_VERSIONS, AutoAttackSuite
from saddle.attacks.targets import TopClassesTargeted
from saddle.schedules import Constant, CosineDecay, PiecewiseConstant, as_schedule

__all__ = [
    "SUITE_VERSIONS",
    "Attack",
    "AttackBase",
    "AutoAttackSuite",
    "AutoProjectedGradientAttack",
    "Constant",
    "CosineDecay",
    "DeepFool",
    "FastAdaptiveBoundaryAttack",
    "FastGradientSignAttack",
    "GradientAscent",
    "KLDivergenceAttack",
    "L2Ascent",
    "MarginAttack",
    "Objective",
    "PiecewiseConstant",
    "ProjectedGradientAttack",
    "RandomSearchAttack",
    "SignAscent",
    "SparseL1Ascent",
    "SquareAttack",
    "ThreatModel",
    "TopClassesTargeted",
    "affine_boundary_distance",
    "apgd_checkpoints",
    "as_schedule",
    "cross_entropy",
    "deepfool",
    "dlr",
    "get_objective",
    "hyperplane_step",
    "iterative_sign_attack",
    "kl_to_clean",
    "linear_linf_worst_case",
    "margin",
    "minimal_epsilon",
    "minimal_l2_perturbation_affine",
    "pairwise_dlr",
    "pairwise_margin",
    "projected_gradient_ascent",
    "square_fraction",
    "square_pattern",
    "steepest_ascent",
    "targeted_cross_entropy",
    "targeted_dlr",
    "targeted_margin",
]
