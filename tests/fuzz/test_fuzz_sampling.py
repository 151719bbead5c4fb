"""Bad input to saddle.sampling: every kernel (constructor, init, one step), `sample`, the targets, the diagnostics."""

import torch
from fuzzkit import ANY, EMPTY, PROPAGATE, Choice, Const, Entry, Fn, Gen, Int, Points, Real, make_tests

from saddle import sampling
from saddle.sets import Ball

_SCALE = torch.tensor([1.0, 2.0], dtype=torch.float64)


def _quadratic(x):
    """f(x) = ½ Σ_i s_i x_i² in R^2 (positions of another dimension cannot be evaluated)."""
    return 0.5 * (_SCALE * x.pow(2)).sum(-1)


_BAD_POTENTIALS = (
    ("scalar potential", lambda x: _quadratic(x).sum(), ("potential", "shape", "per chain")),
    ("potential (n, 1)", lambda x: _quadratic(x)[:, None], ("potential", "shape", "per chain")),
    ("NaN potential", lambda x: _quadratic(x) * float("nan"), ("potential", "nan", "finite")),
)


def _position(**kw):
    """4 chains in R^2."""
    return Points((4, 2), low=-1.0, high=1.0, dtype=torch.float64, **{"called": "position", **kw})


def _kernel_entry(name, make, **extra_args):
    def call(step_size, potential, position, generator, **kw):
        kernel = make(step_size, potential, **kw)
        state, _ = kernel.step(kernel.init(position), generator)
        return state.position

    return Entry(
        f"saddle.sampling.{name}",
        call,
        {
            "step_size": Real(0.1, called="step size"),
            "potential": Fn(_quadratic, wrong=_BAD_POTENTIALS, called="prior_potential" if name == "SGLD" else None),
            "position": _position(),
            "generator": Gen(0, int_ok=False),
            **extra_args,
        },
    )


def _sgld(step_size, potential, batch_size):
    data = torch.linspace(-1, 1, 10, dtype=torch.float64)[:, None].expand(10, 2).clone()
    return sampling.SGLD(step_size, potential, lambda x, z: 0.5 * (x[:, None] - z).pow(2).sum(-1), data, batch_size)


class _Samples(Points):
    """Draws (n_draws, n_chains) of an AR(1) chain: the input of the diagnostics."""

    def valid(self):
        g = torch.Generator().manual_seed(self.seed)
        xi = torch.randn(self.shape, generator=g, dtype=torch.float64)
        x = torch.zeros_like(xi)
        for t in range(1, self.shape[0]):
            x[t] = 0.5 * x[t - 1] + xi[t]
        return x


def _samples():
    return _Samples((40, 3), dtype=torch.float64, last_dim=False, ndim_fixed=False, integer=ANY, called="samples")


class _Cov(Points):
    def valid(self):
        a = torch.tensor([[1.0, 0.3], [0.2, 0.8]], dtype=torch.float64)
        return a @ a.T + 0.1 * torch.eye(2, dtype=torch.float64) * (1 + self.seed)


def _cov(seed=0, name="cov"):
    return _Cov((2, 2), batch=False, dtype=torch.float64, integer=ANY, seed=seed, called=name)


ENTRIES = [
    _kernel_entry("ULA", lambda h, f: sampling.ULA(h, potential=f)),
    _kernel_entry("MALA", lambda h, f: sampling.MALA(h, potential=f)),
    _kernel_entry("HMC", lambda h, f, path_length: sampling.HMC(h, path_length, potential=f), path_length=Real(0.3)),
    _kernel_entry(
        "BAOAB", lambda h, f, friction: sampling.BAOAB(h, potential=f, friction=friction), friction=Real(1.0)
    ),
    _kernel_entry(
        "UnderdampedEulerMaruyama",
        lambda h, f, friction: sampling.UnderdampedEulerMaruyama(h, potential=f, friction=friction),
        friction=Real(1.0),
    ),
    _kernel_entry("ProjectedLangevin", lambda h, f: sampling.ProjectedLangevin(h, Ball(1.0), potential=f)),
    _kernel_entry("SGLD", _sgld, batch_size=Int(3, high=10)),
    Entry(
        "saddle.sampling.MirroredLangevin",
        lambda step_size, position, generator: (
            sampling.MirroredLangevin(
                step_size, potential=sampling.Dirichlet(torch.tensor([2.0, 3.0, 4.0], dtype=torch.float64))
            )
            .step(
                sampling.MirroredLangevin(
                    step_size, potential=sampling.Dirichlet(torch.tensor([2.0, 3.0, 4.0], dtype=torch.float64))
                ).init(position),
                generator,
            )[0]
            .position
        ),
        {
            "step_size": Real(0.01, called="step size"),
            "position": Const(lambda: torch.full((4, 3), 1 / 3, dtype=torch.float64)),
            "generator": Gen(0, int_ok=False),
        },
    ),
    Entry(
        "saddle.sampling.sample",
        lambda initial, n_steps, generator, thin, burn_in: (
            sampling.sample(
                sampling.ULA(0.1, potential=_quadratic), initial, n_steps, generator, thin, burn_in
            ).positions
        ),
        {
            "initial": _position(called="position"),
            "n_steps": Int(4),
            "generator": Gen(0),
            "thin": Int(2, high=4),
            "burn_in": Int(1, low=0),
        },
    ),
    Entry(
        "saddle.sampling.Gaussian",
        lambda mean, cov: sampling.Gaussian(mean, cov).scale_tril,
        {"mean": Points((2,), batch=False, dtype=torch.float64, integer=ANY), "cov": _cov()},
        skip={"cov:one dim fewer": "a (d,) cov is a diagonal covariance"},
    ),
    Entry(
        "saddle.sampling.Gaussian.sample",
        lambda n, generator: sampling.Gaussian(torch.zeros(2), 1.0).sample(n, generator),
        {"n": Int(3, called="number of samples"), "generator": Gen(0)},
    ),
    Entry(
        "saddle.sampling.GaussianMixture",
        lambda means, stds, weights: sampling.GaussianMixture(means, stds, weights).cov,
        {
            "means": Points((3, 2), low=-1.0, dtype=torch.float64, integer=ANY),
            "stds": Points((3,), low=0.5, dtype=torch.float64, integer=ANY, batch=False),
            "weights": Const(lambda: torch.tensor([0.2, 0.3, 0.5], dtype=torch.float64)),
        },
        skip={
            "stds:one dim fewer": "a scalar std is shared by every component",
            "means:wrong last dim": "means (K, d) of any dimension d make a mixture in R^d",
        },
    ),
    Entry(
        "saddle.sampling.GaussianMixture.score",
        lambda x, alpha, sigma: sampling.GaussianMixture(torch.eye(2, dtype=torch.float64)).score(x, alpha, sigma),
        {
            "x": Points((4, 2), dtype=torch.float64, nonfinite=PROPAGATE, empty=EMPTY),
            "alpha": Real(1.0),
            "sigma": Real(0.5, low_open=False),
        },
    ),
    Entry(
        "saddle.sampling.Banana",
        lambda a, b: sampling.Banana(a, b).cov,
        {"a": Real(1.0), "b": Real(1.0, low=float("-inf"))},
    ),
    Entry(
        "saddle.sampling.Dirichlet",
        lambda alpha: sampling.Dirichlet(alpha).mean,
        {"alpha": Points((3,), low=0.5, high=2.0, batch=False, dtype=torch.float64, integer=ANY, last_dim=False)},
    ),
    Entry(
        "saddle.sampling.Dirichlet.sample",
        lambda n, generator: sampling.Dirichlet(torch.ones(3)).sample(n, generator),
        {"n": Int(3, called="number of samples"), "generator": Gen(0)},
    ),
    Entry(
        "saddle.sampling.effective_sample_size",
        lambda samples, method: sampling.effective_sample_size(samples, method),
        {"samples": _samples(), "method": Choice("bulk")},
    ),
    Entry("saddle.sampling.monte_carlo_se", lambda samples: sampling.monte_carlo_se(samples), {"samples": _samples()}),
    Entry("saddle.sampling.split_rhat", lambda samples: sampling.split_rhat(samples), {"samples": _samples()}),
    Entry("saddle.sampling.autocovariance", lambda x: sampling.autocovariance(x), {"x": _samples()}),
    Entry(
        "saddle.sampling.w2_to_reference",
        lambda samples, reference, max_points: sampling.w2_to_reference(
            samples, reference, max_points, torch.Generator().manual_seed(0)
        ),
        {
            "samples": Points((20, 2), dtype=torch.float64),
            "reference": Points((30, 2), seed=1, dtype=torch.float64),
            "max_points": Int(10),
        },
    ),
    Entry(
        "saddle.sampling.gaussian_w2",
        lambda mean1, cov1, mean2, cov2: sampling.gaussian_w2(mean1, cov1, mean2, cov2),
        {
            "mean1": Points((2,), batch=False, dtype=torch.float64, integer=ANY),
            "cov1": _cov(0, "cov1"),
            "mean2": Points((2,), seed=1, batch=False, dtype=torch.float64, integer=ANY),
            "cov2": _cov(1, "cov2"),
        },
    ),
    Entry(
        "saddle.sampling.leapfrog",
        lambda x, p, step_size, n_steps: sampling.leapfrog(sampling.as_energy(_quadratic), x, p, x, step_size, n_steps)[
            0
        ],
        {
            "x": _position(called="x"),
            "p": _position(seed=1, called="p", nonfinite=PROPAGATE),
            "step_size": Real(0.1),
            "n_steps": Int(3),
        },
    ),
    Entry(
        "saddle.sampling.metropolis_accept",
        lambda log_ratio, generator: sampling.metropolis_accept(log_ratio, generator)[0],
        {
            "log_ratio": Points(
                (4,),
                low=-2.0,
                dtype=torch.float64,
                called="log_ratio",
                finite=False,
                ndim_fixed=False,
                last_dim=False,
                empty=EMPTY,
            ),
            "generator": Gen(0, int_ok=False),
        },
    ),
    Entry(
        "saddle.sampling.project_simplex_corner",
        lambda z, margin: sampling.project_simplex_corner(z, margin),
        {
            "z": Points(
                (4, 2), dtype=torch.float64, last_dim=False, ndim_fixed=False, empty=EMPTY, nonfinite=PROPAGATE
            ),
            "margin": Real(0.1, high=1 / 3, low_open=False),
        },
    ),
]

test_valid_call, test_bad_input = make_tests(ENTRIES)
