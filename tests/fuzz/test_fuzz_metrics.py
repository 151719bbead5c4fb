"""Bad input to saddle.metrics (generative metrics, optimal transport, statistics); robust accuracy and the standard
evaluation are in test_fuzz_metrics_robust.py."""

import torch
from fuzzkit import ANY, PROPAGATE, Const, Entry, Model, Points, Real, make_tests
from torch import nn

from saddle import metrics


def _critic():
    """A critic with Dropout (handed over in train mode: three calls must give one answer)."""
    return nn.Sequential(nn.Linear(2, 8), nn.ReLU(), nn.Dropout(0.5), nn.Linear(8, 1))


def _digits_classifier():
    """A classifier of (B, 1, 8, 8) images into 10 classes, with BatchNorm and Dropout."""
    return nn.Sequential(
        nn.Flatten(), nn.Linear(64, 16), nn.BatchNorm1d(16), nn.ReLU(), nn.Dropout(0.3), nn.Linear(16, 10)
    )


class _Weights(Points):
    """A probability vector (n,) (uniform-ish, positive)."""

    def valid(self):
        w = super().valid() + 0.5
        return w / w.sum()


def _values(**kw):
    """A 1-D sample of 6 values (the statistics propagate NaN: a seed that produced NaN shows as NaN)."""
    return Points((6,), low=-1.0, dtype=torch.float64, batch=False, nonfinite=PROPAGATE, integer=ANY, **kw)


_ANY_LENGTH = {"values:wrong last dim": "a sample of 7 values is a sample"}


ENTRIES = [
    Entry(
        "saddle.metrics.mode_coverage",
        lambda samples, centers, std, n_std, weights: (
            metrics.mode_coverage(samples, centers, std, n_std, weights).reverse_kl
        ),
        {
            "samples": Points((20, 2), low=-1.0, high=1.0),
            "centers": Points((3, 2), seed=1, integer=ANY),
            "std": Real(0.1),
            "n_std": Real(3.0),
            "weights": _Weights((3,), batch=False, dtype=torch.float64, integer=ANY, called="weights"),
        },
    ),
    Entry(
        "saddle.metrics.critic_w1_estimate",
        lambda critic, real, fake: metrics.critic_w1_estimate(critic, real, fake),
        {
            "critic": Model(
                _critic,
                outputs=(("output (B, 3)", lambda o: o.expand(-1, 3)), ("output (1,)", lambda o: o[:1])),
                function_ok=True,  # a function x -> d(x) is a documented critic
            ),
            "real": Points((8, 2)),
            "fake": Points((6, 2), seed=1),
        },
    ),
    Entry(
        "saddle.metrics.classifier_score",
        lambda classifier, images, confident: metrics.classifier_score(classifier, images, confident)[
            "inception_score"
        ],
        {
            "classifier": Model(_digits_classifier),
            "images": Points((5, 1, 8, 8)),
            "confident": Real(0.9, high=1.0, high_open=False),
        },
        skip={"images:one dim fewer": "(1, 8, 8) is one 8 × 8 image, which the classifier takes"},
    ),
    Entry(
        "saddle.metrics.wasserstein",
        lambda a, b, p, weights_a: metrics.wasserstein(a, b, p, weights_a),
        {
            "a": Points((5, 2), called="samples a"),
            "b": Points((4, 2), seed=1, called="samples b"),
            "p": Const(lambda: 2),
            "weights_a": _Weights(
                (5,),
                batch=False,
                dtype=torch.float64,
                integer=ANY,
                called="weights_a",
                extra_bad=(
                    (
                        "negative weights",
                        lambda v: torch.tensor([-0.2, 0.3, 0.3, 0.3, 0.3], dtype=torch.float64),
                        ("simplex", ">= 0"),
                    ),
                    ("weights summing to 2", lambda v: 2 * v, ("simplex", "summing to 1")),
                ),
            ),
        },
    ),
    Entry(
        "saddle.metrics.mean_se", lambda values: metrics.mean_se(values).mean, {"values": _values()}, skip=_ANY_LENGTH
    ),
    Entry(
        "saddle.metrics.confidence_interval",
        lambda values, level: metrics.confidence_interval(values, level),
        {"values": _values(), "level": Real(0.95, high=1.0)},
        skip=_ANY_LENGTH,
    ),
    Entry(
        "saddle.metrics.linear_fit",
        lambda x, y: metrics.linear_fit(x, y).slope,
        {"x": _values(called="x"), "y": _values(seed=1, called="y")},
    ),
    Entry(
        "saddle.metrics.loglog_fit",
        lambda x, y: metrics.loglog_fit(x, y).slope,
        {
            "x": Points((6,), low=0.5, high=2.0, batch=False, dtype=torch.float64, nonfinite=PROPAGATE, integer=ANY),
            "y": Points(
                (6,), low=0.5, high=2.0, seed=1, batch=False, dtype=torch.float64, nonfinite=PROPAGATE, integer=ANY
            ),
        },
    ),
    Entry(
        "saddle.metrics.geometric_mean",
        lambda values: metrics.geometric_mean(values),
        {
            "values": Points(
                (6,),
                low=0.5,
                high=2.0,
                batch=False,
                dtype=torch.float64,
                nonfinite=PROPAGATE,
                integer=ANY,
                ndim_fixed=False,
                last_dim=False,
            )
        },
    ),
]

test_valid_call, test_bad_input = make_tests(ENTRIES)


def test_issue_24_repros_of_the_generative_metrics():
    """mode_coverage of zero samples gave reverse KL 0.0 ("perfect"); classifier_score of zero images NaN; wasserstein
    with negative weights 0.0; critic_w1_estimate left a Dropout critic in train mode (three calls, three answers)."""
    import pytest

    centers = torch.tensor([[0.0, 0.0], [1.0, 1.0]])
    with pytest.raises(ValueError, match=r"samples is empty \(shape \(0, 2\)\)"):
        metrics.mode_coverage(torch.zeros(0, 2), centers, 0.1)
    with pytest.raises(ValueError, match=r"images is empty"):
        metrics.classifier_score(_digits_classifier(), torch.zeros(0, 1, 8, 8))
    a, b = torch.rand(5, 2), torch.rand(4, 2)
    with pytest.raises(ValueError, match="weights_a must lie on the probability simplex"):
        metrics.wasserstein(a, b, 2, torch.tensor([-0.2, 0.3, 0.3, 0.3, 0.3], dtype=torch.float64))
    critic = _critic().train()
    values = {metrics.critic_w1_estimate(critic, a, b) for _ in range(3)}
    assert len(values) == 1 and critic.training
