"""Bad input to saddle.sets: projections, balls, the threat model, uniform draws in a ball (issue 24)."""

from fuzzkit import EMPTY, PROPAGATE, Choice, Const, Entry, Gen, Int, Points, Real, make_tests

from saddle import sets


def _z(**kw):
    """A batch of 4 points in R^3 around the unit ball: a per-step kernel's input (NaN propagates, any shape)."""
    return Points((4, 3), low=-2.0, high=2.0, empty=EMPTY, last_dim=False, ndim_fixed=False, nonfinite=PROPAGATE, **kw)


ENTRIES = [
    Entry(
        "saddle.sets.project_box",
        lambda z, lower, upper: sets.project_box(z, lower, upper),
        {
            "z": _z(),
            "lower": Real(0.0, low=float("-inf"), low_open=False, high_open=False),
            "upper": Real(1.0, low=float("-inf"), low_open=False, high_open=False),
        },
    ),
    Entry(
        "saddle.sets.project_linf_ball",
        lambda z, radius: sets.project_linf_ball(z, radius),
        {"z": _z(), "radius": Real(0.5, low_open=False)},
    ),
    Entry(
        "saddle.sets.project_l2_ball",
        lambda z, radius, batch_dims: sets.project_l2_ball(z, radius, batch_dims=batch_dims),
        {"z": _z(), "radius": Real(0.5, low_open=False), "batch_dims": Int(1, low=0)},
    ),
    Entry(
        "saddle.sets.project_l1_ball",
        lambda z, radius, batch_dims: sets.project_l1_ball(z, radius, batch_dims=batch_dims),
        {"z": _z(), "radius": Real(0.5, low_open=False), "batch_dims": Int(1, low=0)},
    ),
    Entry(
        "saddle.sets.project_simplex",
        lambda z, radius, batch_dims: sets.project_simplex(z, radius, batch_dims=batch_dims),
        {"z": _z(), "radius": Real(1.0, called="simplex radius"), "batch_dims": Int(1, low=0)},
    ),
    Entry(
        "saddle.sets.lp_norm",
        lambda z, p, batch_dims: sets.lp_norm(z, p, batch_dims),
        {"z": _z(), "p": Choice("l2", called="norm"), "batch_dims": Int(1, low=0)},
    ),
    Entry(
        "saddle.sets.Ball",
        lambda z, radius, p: sets.Ball(radius, p).project(z),
        {"z": _z(), "radius": Real(0.5, low_open=False, called="ball radius"), "p": Choice("l1", called="norm")},
    ),
    Entry(
        "saddle.sets.Box",
        lambda z, lower, upper: sets.Box(lower, upper).project(z),
        {
            "z": _z(),
            "lower": Real(0.0, low=float("-inf"), low_open=False, high_open=False),
            "upper": Real(1.0, low=float("-inf"), low_open=False, high_open=False),
        },
    ),
    Entry("saddle.sets.Simplex", lambda z, radius: sets.Simplex(radius).project(z), {"z": _z(), "radius": Real(1.0)}),
    Entry(
        "saddle.sets.ThreatModel",
        lambda eps, norm: sets.ThreatModel(eps, norm).eps,
        {"eps": Real(0.1, low_open=False), "norm": Choice("linf")},
    ),
    Entry(
        "saddle.sets.ThreatModel.project",
        lambda x, x_adv: sets.ThreatModel(0.1, "l2").project(x, x_adv),
        {
            "x": Points((4, 3), nonfinite=PROPAGATE, empty=EMPTY, last_dim=False, ndim_fixed=False),
            "x_adv": Points((4, 3), seed=1, nonfinite=PROPAGATE, last_dim=True, ndim_fixed=True),
        },
        batch=("x", "x_adv"),
        empty=EMPTY,
    ),
    Entry(
        "saddle.sets.sample_ball",
        lambda n, shape, p, radius, generator: sets.sample_ball(n, shape, p, radius, generator),
        {
            "n": Int(5, low=0),
            "shape": Int(3),
            "p": Choice("l1", called="norm"),
            "radius": Real(0.5, low_open=False),
            "generator": Gen(0),
        },
    ),
    Entry(
        "saddle.sets.EntropicMirrorMap.step",
        lambda u, grad, step_size: sets.EntropicMirrorMap().step(u, grad, step_size),
        {
            "u": Points((4, 3), low=0.1, high=1.0, nonfinite=PROPAGATE, empty=EMPTY, last_dim=False, ndim_fixed=False),
            "grad": Points((4, 3), seed=2, nonfinite=PROPAGATE),
            "step_size": Real(0.1),
        },
        batch=("u", "grad"),
        empty=EMPTY,
    ),
    Entry("saddle.sets.make_box", lambda box: sets.make_box(box).upper, {"box": Const(lambda: (0.0, 1.0))}),
]

test_valid_call, test_bad_input = make_tests(ENTRIES)
