"""Bad input to saddle.robustness: stability, Lipschitz bounds, certificates, NTK, parametrisations, networks."""

import torch
from fuzzkit import ANY, EMPTY, PROPAGATE, Choice, Const, Entry, Gen, Int, Labels, Model, Points, Real, make_tests
from torch import nn

from saddle import robustness, theory


def _bn_net():
    """A classifier with BatchNorm and Dropout (in train mode when handed over): what perturbation stability meets."""
    return nn.Sequential(nn.Linear(3, 6), nn.BatchNorm1d(6), nn.ReLU(), nn.Dropout(0.5), nn.Linear(6, 2))


def _dropout_net():
    """A Linear/ReLU net with Dropout (in train mode when handed over: the sandwich evaluates it in eval mode)."""
    return nn.Sequential(nn.Linear(3, 5), nn.ReLU(), nn.Dropout(0.5), nn.Linear(5, 2))


def _relu_net():
    """A small Linear/ReLU net 3 → 5 → 2 (what the Lipschitz bounds take)."""
    return nn.Sequential(nn.Linear(3, 5), nn.ReLU(), nn.Linear(5, 2))


_MODEL_OUTPUTS = (("output one dim more", lambda o: o.unsqueeze(-1)),)


def _net(make=_relu_net, **kw):
    return Model(make, **{"outputs": _MODEL_OUTPUTS, **kw})


ENTRIES = [
    Entry(
        "saddle.robustness.perturbation_stability",
        lambda model, a, eps, n_samples, generator, norm: (
            robustness.perturbation_stability(model, a, eps, n_samples, generator, norm).value
        ),
        {
            "model": _net(_bn_net, function_ok=True),
            "a": Points((4, 3)),
            "eps": Real(0.1, low_open=False),
            "n_samples": Int(8),
            "generator": Gen(0),
            "norm": Choice("l2"),
        },
    ),
    Entry(
        "saddle.robustness.input_jacobian",
        lambda model, a: robustness.input_jacobian(model, a),
        {"model": _net(function_ok=True), "a": Points((4, 3))},
    ),
    Entry(
        "saddle.robustness.linear_perturbation_stability",
        lambda w, eps: robustness.linear_perturbation_stability(w, eps),
        {
            "w": Points((3,), batch=False, last_dim=False, ndim_fixed=False, integer=ANY),
            "eps": Real(0.1, low_open=False),
        },
    ),
    Entry(
        "saddle.robustness.mean_abs_coordinate_unit_ball",
        lambda d: robustness.mean_abs_coordinate_unit_ball(d),
        {"d": Int(3)},
    ),
    Entry(
        "saddle.robustness.local_lipschitz",
        lambda f, x, eps, starts, steps, generator: robustness.local_lipschitz(f, x, eps, 2, starts, steps, generator),
        {
            "f": _net(function_ok=True),
            "x": Points((3,), batch=False, float64=ANY),
            "eps": Real(0.1),
            "starts": Int(4),
            "steps": Int(3, low=0),
            "generator": Gen(0),
        },
    ),
    Entry(
        "saddle.robustness.lipschitz_lower_bound",
        lambda f, in_features, starts, steps, step_size, radius, pool, generator: robustness.lipschitz_lower_bound(
            f, in_features, 2, starts, steps, step_size, radius, pool, generator
        ),
        {
            "f": _net(function_ok=True),
            "in_features": Int(3),
            "starts": Int(2),
            "steps": Int(2, low=0),
            "step_size": Real(0.05),
            "radius": Real(1.0),
            "pool": Int(2),
            "generator": Gen(0),
        },
    ),
    Entry(
        "saddle.robustness.lipschitz_upper_bound_product",
        lambda model, p: robustness.lipschitz_upper_bound_product(model, p),
        {"model": _net(outputs=()), "p": Choice(2, called="norm")},
    ),
    Entry(
        "saddle.robustness.lipschitz_upper_bound_sdp",
        lambda model, eps, max_iters: robustness.lipschitz_upper_bound_sdp(model, eps=eps, max_iters=max_iters).bound,
        {"model": _net(outputs=()), "eps": Real(1e-6), "max_iters": Int(2000)},
    ),
    Entry(
        "saddle.robustness.lipschitz_exact_relu",
        lambda model, p, max_units: robustness.lipschitz_exact_relu(model, p, max_units).value,
        {"model": _net(outputs=()), "p": Choice(2, called="norm"), "max_units": Int(8)},
    ),
    Entry(
        "saddle.robustness.spectral_norm_power_iteration",
        lambda w, tol, max_iter: robustness.spectral_norm_power_iteration(w, tol=tol, max_iter=max_iter).upper,
        {"w": Points((4, 3), batch=False, integer=ANY, last_dim=False), "tol": Real(1e-8), "max_iter": Int(50)},
    ),
    Entry(
        "saddle.robustness.operator_norm",
        lambda w, p: robustness.operator_norm(w, p),
        {"w": Points((4, 3), batch=False, integer=ANY, last_dim=False), "p": Choice(1, called="norm")},
    ),
    Entry(
        "saddle.robustness.relu_layers",
        lambda model: robustness.relu_layers(model).in_features,
        {"model": _net(outputs=())},
    ),
    Entry(
        "saddle.robustness.certified_radius",
        lambda logits, y, lipschitz: robustness.certified_radius(logits, y, lipschitz),
        {"logits": Points((5, 3), low=-2.0, high=2.0, empty=EMPTY), "y": Labels(5, 3), "lipschitz": Real(2.0)},
        batch=("logits", "y"),
        empty=EMPTY,
        skip={"logits:wrong last dim": "logits of K + 1 classes with labels < K are valid"},
    ),
    Entry(
        "saddle.robustness.robustness_sandwich",
        lambda model, x, y, eps, steps: robustness.robustness_sandwich(
            model, x, y, [0.0, eps], steps=steps, generator=0
        ).as_dict(),
        {
            "model": _net(_dropout_net),
            "x": Points((4, 3)),
            "y": Labels(4, 2),
            "eps": Real(0.1, low_open=False, called="eps_values[1]"),
            "steps": Int(2),
        },
        batch=("x", "y"),
    ),
    Entry(
        "saddle.theory.empirical_ntk",
        lambda model, x1, x2: theory.empirical_ntk(model, x1, x2),
        {"model": _net(outputs=()), "x1": Points((3, 3), called="x1"), "x2": Points((2, 3), seed=1, called="x2")},
    ),
    Entry(
        "saddle.theory.ntk_min_eigenvalue",
        lambda model, x, outputs: theory.ntk_min_eigenvalue(model, x, outputs),
        {"model": _net(outputs=()), "x": Points((3, 3)), "outputs": Choice("full")},
    ),
    Entry(
        "saddle.theory.ntk_trace",
        lambda model, x, chunk_size: theory.ntk_trace(model, x, chunk_size),
        {"model": _net(outputs=()), "x": Points((3, 3)), "chunk_size": Int(2)},
    ),
    Entry(
        "saddle.theory.ntk_vector_product",
        lambda model, x1, v: theory.ntk_vector_product(model, x1, v),
        {"model": _net(outputs=()), "x1": Points((3, 3)), "v": Points((3, 2), seed=1)},
        batch=("x1", "v"),
    ),
    Entry(
        "saddle.theory.two_layer_relu_ntk",
        lambda x1, x2, w_var, v_var: theory.two_layer_relu_ntk(x1, x2, w_var, v_var),
        {
            "x1": Points((3, 4)),
            "x2": Points((2, 4), seed=1),
            "w_var": Real(1.0, low_open=False),
            "v_var": Real(1.0, low_open=False),
        },
    ),
    Entry(
        "saddle.theory.ntk_matrix",
        lambda theta, outputs: theory.ntk_matrix(theta, outputs),
        {"theta": Points((3, 2, 2, 2), batch=False), "outputs": Choice("trace")},
    ),
    Entry(
        "saddle.theory.parameter_jacobian",
        lambda model, x: theory.parameter_jacobian(model, x),
        {"model": _net(outputs=()), "x": Points((3, 3))},
    ),
    Entry(
        "saddle.theory.FullyConnectedReLU",
        lambda width, alpha, generator: theory.FullyConnectedReLU((3, width, 1), "ntk", alpha, generator)(
            torch.ones(2, 3)
        ),
        {"width": Int(4, called="widths[1]"), "alpha": Real(1.0), "generator": Gen(0)},
    ),
    Entry(
        "saddle.theory.FullyConnectedReLU.forward",
        lambda a: theory.FullyConnectedReLU((3, 4, 1), "he", generator=0)(a),
        {"a": Points((2, 3), empty=EMPTY, nonfinite=PROPAGATE)},
        skip={"a:one dim fewer": "a (p,) is one point (documented): its output is (k,)"},
    ),
    Entry(
        "saddle.theory.init_scheme",
        lambda name, p, m, k: theory.init_scheme(name, p, m, k).layer_variances(3),
        {"name": Choice("he", called="init"), "p": Int(3), "m": Int(10), "k": Int(1)},
    ),
    Entry(
        "saddle.theory.parametrization",
        lambda name, depth: theory.parametrization(name, depth).multipliers(8),
        {"name": Choice("mup", called="parametrization"), "depth": Int(3)},
    ),
    Entry(
        "saddle.theory.lazy_training_ratio",
        lambda weights_t: theory.lazy_training_ratio(weights_t, [torch.ones(2, 3), torch.ones(1, 2)]),
        {"weights_t": Const(lambda: [torch.full((2, 3), 1.5), torch.ones(1, 2)])},
    ),
]

test_valid_call, test_bad_input = make_tests(ENTRIES)
