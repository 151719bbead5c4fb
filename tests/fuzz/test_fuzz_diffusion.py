"""Bad input to saddle.diffusion: processes, timestep grids, every sampler through `sample`, the score-matching
losses, Tweedie's denoiser, the ε-loss and its training, guidance."""

import torch
from fuzzkit import ANY, EMPTY, PROPAGATE, Choice, Const, Entry, Fn, Gen, Int, Labels, Model, Points, Real, make_tests
from torch import nn

from saddle import diffusion
from saddle.diffusion import SAMPLERS


def _score(x):
    """The score of N(0, I): s(x) = −x (same shape as x)."""
    return -x


_BAD_SCORES = (
    ("score of one dim fewer", lambda x: -x.sum(-1), ("score", "shape")),
    ("score broadcast from one point", lambda x: -x[:1], ("score", "shape")),
)


def _x(**kw):
    """A batch of 6 points in R^2 (the losses are per-step functions: a NaN comes back as NaN)."""
    return Points((6, 2), low=-1.0, dtype=torch.float64, nonfinite=PROPAGATE, **kw)


def _eps_model(x, t):
    """ε = σ_t x for x of any shape (n, ...): the exact ε-model of N(0, I) data under the VP SDE (σ_t² + α_t² = 1)."""
    sigma = diffusion.VPSDE().marginal(t.to(torch.float64))[1].to(x)
    return x * sigma.reshape(-1, *([1] * (x.ndim - 1)))


_ANY_EVENT_SHAPE = "x of any event shape (n, ...) is valid: the ε-model and score take any"


def _sampler_entries():
    out = []
    for name, info in SAMPLERS.items():
        process_name = info.processes[0]

        def call(x_T, model, n_steps, generator, info=info, process_name=process_name):
            process = diffusion.PROCESSES[process_name]()
            ts = diffusion.uniform_timesteps(process, n_steps)
            return diffusion.sample(model, process, info.factory(), ts, x_T, generator, progress=False)

        out.append(
            Entry(
                f"saddle.diffusion.sample({name})",
                call,
                {
                    "x_T": Points((5, 2), low=-1.0, dtype=torch.float64, called="x_T"),
                    "model": Fn(
                        _eps_model,
                        called="ε-model",
                        wrong=(
                            ("NaN ε-model", lambda x, t: x * float("nan"), ("nan", "finite")),
                            ("ε of one dim fewer", lambda x, t: x.sum(-1), ("shape",)),
                            ("ε broadcast from one point", lambda x, t: x[:1], ("shape",)),
                        ),
                    ),
                    "n_steps": Int(3),
                    "generator": Gen(0),
                },
                skip={f"x_T:{b}": _ANY_EVENT_SHAPE for b in ("one dim fewer", "one dim more", "wrong last dim")},
            )
        )
    return out


class _Net(nn.Module):
    """net(x, t) for 2-D data: the ε-network of the ε-loss."""

    def __init__(self):
        super().__init__()
        self.lin = nn.Linear(3, 2, dtype=torch.float64)

    def forward(self, x, t):
        return self.lin(torch.cat([x, t[:, None].to(x)], -1))


_FREE = {f"x:{b}": _ANY_EVENT_SHAPE for b in ("one dim more", "wrong last dim")}


def _mlp():
    return diffusion.ScoreMLP(2, hidden=8, depth=2, embed_dim=4)


ENTRIES = [
    Entry(
        "saddle.diffusion.VESDE",
        lambda sigma_min, sigma_max, t_min: diffusion.VESDE(sigma_min, sigma_max, t_min).prior_std(),
        {"sigma_min": Real(0.01), "sigma_max": Real(50.0), "t_min": Real(1e-5, high=1.0, low_open=False)},
    ),
    Entry(
        "saddle.diffusion.VPSDE",
        lambda beta_min, beta_max: diffusion.VPSDE(beta_min, beta_max).prior_std(),
        {"beta_min": Real(0.1), "beta_max": Real(20.0)},
    ),
    Entry(
        "saddle.diffusion.DDPMSchedule",
        lambda beta_start, beta_end, num_steps: diffusion.DDPMSchedule(beta_start, beta_end, num_steps).prior_std(),
        {"beta_start": Real(1e-4, high=1.0), "beta_end": Real(0.02, high=1.0), "num_steps": Int(100)},
    ),
    Entry(
        "saddle.diffusion.NoiseProcess.perturb",
        lambda x0, t, noise: diffusion.VPSDE().perturb(x0, t, noise),
        {
            "x0": _x(called="x0"),
            "t": Points(
                (6,), low=0.1, high=0.9, dtype=torch.float64, nonfinite=PROPAGATE, ndim_fixed=False, integer=ANY
            ),
            "noise": _x(seed=2, called="noise"),
        },
        batch=("x0", "t", "noise"),
        empty=EMPTY,
    ),
    Entry(
        "saddle.diffusion.NoiseProcess.prior_sample",
        lambda n, generator: diffusion.VPSDE().prior_sample((n, 2), generator),
        {"n": Int(3, low=0, called="shape"), "generator": Gen(0)},
    ),
    Entry(
        "saddle.diffusion.uniform_timesteps",
        lambda n_steps, spacing: diffusion.uniform_timesteps(diffusion.VPSDE(), n_steps, spacing),
        {"n_steps": Int(10), "spacing": Choice("linspace")},
    ),
    Entry(
        "saddle.diffusion.karras_timesteps",
        lambda n_steps, rho: diffusion.karras_timesteps(diffusion.VESDE(), n_steps, rho),
        {"n_steps": Int(10), "rho": Real(7.0)},
    ),
    *_sampler_entries(),
    Entry(
        "saddle.diffusion.probability_flow_rk45",
        lambda x: diffusion.probability_flow_rk45(_eps_model, diffusion.VPSDE(), x, 0.9, 0.1)[0],
        {"x": Points((5, 2), low=-1.0, dtype=torch.float64)},
        skip={f"x:{b}": _ANY_EVENT_SHAPE for b in ("one dim fewer", "one dim more", "wrong last dim")},
    ),
    Entry(
        "saddle.diffusion.hyvarinen_loss",
        lambda score_fn, x: diffusion.hyvarinen_loss(score_fn, x),
        {"score_fn": Fn(_score, wrong=_BAD_SCORES), "x": _x()},
        skip=_FREE,
    ),
    Entry(
        "saddle.diffusion.sliced_score_matching_loss",
        lambda score_fn, x, n_projections, projection, generator: diffusion.sliced_score_matching_loss(
            score_fn, x, n_projections, projection, generator=generator
        ),
        {
            "score_fn": Fn(_score, wrong=_BAD_SCORES),
            "x": _x(),
            "n_projections": Int(2),
            "projection": Choice("rademacher"),
            "generator": Gen(0, int_ok=False),
        },
        skip=_FREE,
    ),
    Entry(
        "saddle.diffusion.denoising_score_matching_loss",
        lambda score_fn, x, sigma, generator: diffusion.denoising_score_matching_loss(score_fn, x, sigma, generator),
        {"score_fn": Fn(_score, wrong=_BAD_SCORES), "x": _x(), "sigma": Real(0.5), "generator": Gen(0, int_ok=False)},
        skip=_FREE,
    ),
    Entry(
        "saddle.diffusion.tweedie_denoise",
        lambda x_noisy, score, sigma, alpha: diffusion.tweedie_denoise(x_noisy, score, sigma, alpha),
        {
            "x_noisy": _x(called="x_noisy", empty=EMPTY),
            "score": _x(seed=1, called="score"),
            "sigma": Real(0.5, low_open=False),
            "alpha": Real(0.9),
        },
        batch=("x_noisy", "score"),
        empty=EMPTY,
    ),
    Entry(
        "saddle.diffusion.epsilon_loss",
        lambda net, x0, t, noise: diffusion.epsilon_loss(net, diffusion.VPSDE(), x0, t, noise),
        {
            "net": Model(
                _Net,
                outputs=(("ε of one dim fewer", lambda o: o.sum(-1)), ("ε broadcast from one point", lambda o: o[:1])),
                function_ok=True,
            ),
            "x0": _x(called="x0"),
            "t": Points(
                (6,), low=0.1, high=0.9, dtype=torch.float64, nonfinite=PROPAGATE, ndim_fixed=False, integer=ANY
            ),
            "noise": _x(seed=2, called="noise"),
        },
        batch=("x0", "t", "noise"),
    ),
    Entry(
        "saddle.diffusion.train_epsilon_model",
        lambda net, data, steps, batch_size, lr: diffusion.train_epsilon_model(
            net, diffusion.VPSDE(), data, steps=steps, batch_size=batch_size, lr=lr, seed=0, ema_decay=0.0, desc="t"
        ),
        {
            "net": Model(_mlp, outputs=()),
            "data": Points((16, 2), low=-1.0),
            "steps": Int(2),
            "batch_size": Int(4),
            "lr": Real(1e-3),
        },
        mutates=True,
    ),
    Entry(
        "saddle.diffusion.ClassifierFreeGuidance",
        lambda labels, scale: diffusion.ClassifierFreeGuidance(labels, scale, 2).wrap(lambda x, t, y: x + y[:, None])(
            torch.zeros(4, 2), torch.ones(4)
        ),
        {"labels": Labels(4, 3, called="labels"), "scale": Real(1.0, low_open=False, called="guidance scale")},
    ),
    Entry(
        "saddle.diffusion.drop_labels",
        lambda y, p_uncond, generator: diffusion.drop_labels(y, p_uncond, 3, generator),
        {
            "y": Labels(4, 3),
            "p_uncond": Real(0.5, high=1.0, low_open=False, high_open=False),
            "generator": Gen(0, int_ok=False),
        },
        skip={"y:wrong length": "labels of any length are dropped (drop_labels has no batch to match)"},
    ),
    Entry(
        "saddle.diffusion.ScoreMLP",
        lambda dim, hidden, depth: (
            diffusion.ScoreMLP(dim, hidden, depth, embed_dim=4)(torch.zeros(3, dim), torch.ones(3)).shape
        ),
        {"dim": Int(2), "hidden": Int(8), "depth": Int(2, low=2)},
    ),
    Entry(
        "saddle.diffusion.ScoreMLP.forward",
        lambda net, x, t: net(x, t),
        {
            "net": Const(_mlp),
            "x": Points((3, 2), nonfinite=PROPAGATE),
            "t": Points((3,), nonfinite=PROPAGATE, ndim_fixed=False, integer=ANY),
        },
        batch=("x", "t"),
        empty=EMPTY,
    ),
    Entry(
        "saddle.diffusion.SinusoidalTimeEmbedding",
        lambda dim: diffusion.SinusoidalTimeEmbedding(dim)(torch.ones(2)).shape,
        {"dim": Int(4, low=2)},
    ),
    Entry(
        "saddle.diffusion.GaussianMixture.score",
        lambda x: diffusion.GaussianMixture(torch.eye(2)).score(x),
        {"x": Points((4, 2), nonfinite=PROPAGATE, empty=EMPTY)},
    ),
]

test_valid_call, test_bad_input = make_tests(ENTRIES)
