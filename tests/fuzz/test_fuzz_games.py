"""Bad input to saddle.games: the games' constructors and data, the matrix games' gap, the random linear games.

`Game.field`, `Game.project` and `autograd_field` are per-step kernels (called at every step of every method):
points enter a game through `Game.check_params`, which the analysis functions and the methods' `init` call once.
"""

import torch
from fuzzkit import ANY, EMPTY, Const, Entry, Gen, Int, Players, Points, Real, make_tests

from saddle import games


def _matrix(**kw):
    """A real matrix (2, 3): integer entries are valid reals."""
    return Points((2, 3), batch=False, last_dim=False, integer=ANY, **kw)


def _rps():
    return games.rock_paper_scissors()


def _simplex(seed):
    """Probability vectors (2, 3): a batch of two mixed strategies of rock-paper-scissors."""
    return Points((2, 3), low=0.0, high=1.0, seed=seed, dtype=torch.float64)


class _Strategies(Points):
    def valid(self):
        p = super().valid()
        return p / p.sum(-1, keepdim=True)


ENTRIES = [
    Entry("saddle.games.Bilinear", lambda A: games.Bilinear(A).dims, {"A": _matrix()}),
    Entry("saddle.games.MatrixGame", lambda A: games.MatrixGame(A).dims, {"A": _matrix(called="payoff matrix")}),
    Entry(
        "saddle.games.MatrixGame.nash",
        lambda A: games.MatrixGame(A).nash().value,
        {"A": _matrix(called="payoff matrix")},
    ),
    Entry(
        "saddle.games.MatrixGame.duality_gap",
        lambda p, q: _rps().duality_gap(p, q),
        {"p": _Strategies((2, 3), dtype=torch.float64), "q": _Strategies((2, 3), seed=1, dtype=torch.float64)},
        batch=("p", "q"),
        empty=EMPTY,
    ),
    Entry(
        "saddle.games.QuadraticGame",
        lambda A, B, C: games.QuadraticGame(A, B, C).dims,
        {"A": Const(lambda: torch.eye(2)), "B": _matrix(), "C": Const(lambda: torch.eye(3))},
    ),
    Entry(
        "saddle.games.AlmostBilinear", lambda eps: games.AlmostBilinear(eps).dims, {"eps": Real(0.01, low_open=False)}
    ),
    Entry(
        "saddle.games.Forsaken",
        lambda c, box: games.Forsaken(c, box).dims,
        {"c": Real(0.5, low=float("-inf")), "box": Real(2.0)},
    ),
    Entry(
        "saddle.games.WeirdSaddle", lambda t: games.WeirdSaddle((t, 2.0)).dims, {"t": Real(1.0, called="hyperbola_t")}
    ),
    Entry(
        "saddle.games.MixedExtension",
        lambda n_particles: games.MixedExtension(games.Bilinear(), n_particles).dims,
        {"n_particles": Int(3)},
    ),
    Entry(
        "saddle.games.block_game",
        lambda a, b, generator: games.block_game(a, b, generator).dims,
        {
            "a": Points((3,), batch=False, integer=ANY),
            "b": Points((3,), seed=1, batch=False, integer=ANY),
            "generator": Gen(0),
        },
    ),
    Entry(
        "saddle.games.strongly_monotone_game",
        lambda d, mu, L, generator: games.strongly_monotone_game(d, mu, L, generator).lipschitz(),
        {"d": Int(2, called="dimension d"), "mu": Real(0.5), "L": Real(2.0), "generator": Gen(0)},
    ),
    Entry(
        "saddle.games.bilinear_game",
        lambda d, sigma_min, sigma_max, generator: games.bilinear_game(d, sigma_min, sigma_max, generator).dims,
        {"d": Int(2, called="dimension d"), "sigma_min": Real(0.5), "sigma_max": Real(2.0), "generator": Gen(0)},
    ),
    Entry(
        "saddle.games.weak_mvi_game",
        lambda d, rho, L, generator: games.weak_mvi_game(d, rho, L, generator).dims,
        {
            "d": Int(2, called="dimension d"),
            "rho": Real(-0.2, low=-1.0, high=1.0, low_open=False, high_open=False),
            "L": Real(1.0),
            "generator": Gen(0),
        },
    ),
    Entry(
        "saddle.games.random_matrix_game",
        lambda n, m, generator: games.random_matrix_game(n, m, generator).dims,
        {"n": Int(2), "m": Int(3), "generator": Gen(0)},
    ),
    Entry(
        "saddle.games.Game.check_params",
        lambda params: games.Bilinear(torch.ones(2, 3)).check_params(params),
        {"params": Players(((4, 2), (4, 3)))},
    ),
    Entry(
        "saddle.games.TrapGame.discretise",
        lambda n: games.TrapGame().discretise(n)[1],
        {"n": Int(5, low=2, called="grid size n")},
    ),
]

test_valid_call, test_bad_input = make_tests(ENTRIES)
