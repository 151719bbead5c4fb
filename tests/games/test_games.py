"""Every test game: closed-form field = autograd field, critical points have V = 0, constants, bad input."""

import math

import pytest
import torch

from saddle.games import (
    AlmostBilinear,
    Bilinear,
    DiracGAN,
    Forsaken,
    MatrixGame,
    MixedExtension,
    MonkeySaddle,
    QuadraticGame,
    TrapGame,
    WeirdSaddle,
    autograd_field,
    bilinear_game,
    random_matrix_game,
    rock_paper_scissors,
    strongly_monotone_game,
    weak_mvi_game,
)


def _games():
    g = torch.Generator().manual_seed(0)
    return [
        Bilinear(),
        Bilinear(torch.randn(3, 2, generator=g, dtype=torch.float64)),
        QuadraticGame.saddle(),
        MonkeySaddle(),
        WeirdSaddle(),
        AlmostBilinear(0.3),
        Forsaken(),
        Forsaken(0.45, box=1.5),
        DiracGAN(),
        TrapGame(),
        rock_paper_scissors(),
        random_matrix_game(4, 3, g),
        strongly_monotone_game(3, 0.2, 2.0, g),
        bilinear_game(3, 0.5, 2.0, g),
        weak_mvi_game(2, -0.3, 1.5, g),
        MixedExtension(TrapGame(), 5),
        MixedExtension(Forsaken(), 4),
    ]


@pytest.mark.parametrize("game", _games(), ids=lambda g: type(g).__name__)
def test_closed_form_field_matches_autograd(game, gen):
    params = [torch.randn(16, d, generator=gen, dtype=torch.float64) for d in game.dims]
    for a, b in zip(game.field(params), autograd_field(game, params)):
        torch.testing.assert_close(a, b, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("game", _games(), ids=lambda g: type(g).__name__)
def test_critical_points_have_zero_field(game):
    for point in game.critical_points():
        v = game.field([p[None] for p in point])
        assert max(t.abs().max().item() for t in v) < 1e-12


def test_weird_saddle_and_trap_are_the_same_function(gen):
    x, y = torch.randn(2, 10, 1, generator=gen, dtype=torch.float64)
    torch.testing.assert_close(WeirdSaddle().phi(x, y), TrapGame().phi(x, y))
    assert TrapGame().project([3 * x, 3 * y])[0].abs().max() <= 2


def test_forsaken_critical_point_matches_pethick_et_al():
    # Pethick et al. (ICLR 2022) Forsaken.nb: argmin ‖F‖² on the box for c = 0.45 is x* = 0.0780266687384600...
    ((x, y),) = Forsaken(0.45).critical_points()
    assert abs(x.item() - 0.07802666873846008) < 1e-12
    assert abs(-x.item() + (y / 2 - 2 * y**3 + y**5).item()) < 1e-12


def test_dirac_gan_slope_at_zero():
    t = torch.zeros((), dtype=torch.float64, requires_grad=True)
    (g,) = torch.autograd.grad(DiracGAN.f(t), t)
    assert g.item() == DiracGAN.f_prime_0 == 0.5


def test_strongly_monotone_game_constants(gen):
    game = strongly_monotone_game(4, 0.3, 2.5, gen)
    M = game.matrix
    assert abs(torch.linalg.eigvalsh((M + M.T) / 2).min().item() - 0.3) < 1e-12
    assert abs(torch.linalg.matrix_norm(M, 2).item() - 2.5) < 1e-12
    assert abs(game.strong_monotonicity() - 0.3) < 1e-12 and abs(game.lipschitz() - 2.5) < 1e-12


def test_bilinear_game_singular_values(gen):
    game = bilinear_game(3, 0.5, 2.0, gen)
    torch.testing.assert_close(torch.linalg.svdvals(game.A), torch.tensor([2.0, 1.25, 0.5], dtype=torch.float64))


def test_rock_paper_scissors_nash_is_uniform_with_value_zero():
    game = rock_paper_scissors()
    ne = game.nash()
    assert abs(ne.value) < 1e-12
    torch.testing.assert_close(ne.p, torch.full((3,), 1 / 3, dtype=torch.float64))
    torch.testing.assert_close(ne.q, torch.full((3,), 1 / 3, dtype=torch.float64))
    assert game.duality_gap(ne.p, ne.q).item() < 1e-12
    assert abs(game.duality_gap(torch.tensor([1.0, 0, 0]), torch.tensor([1.0, 0, 0])).item() - 2.0) < 1e-12


@pytest.mark.parametrize("shape", [(2, 2), (4, 3), (6, 9)])
def test_random_matrix_game_lp_solution_is_certified(gen, shape):
    game = random_matrix_game(*shape, gen)
    ne = game.nash()
    A = game.A
    # the duality gap is a certificate: zero gap <=> equilibrium; and value = max_j (Aᵀp)_j = min_i (Aq)_i
    assert game.duality_gap(ne.p, ne.q).item() < 1e-9
    assert abs((ne.p @ A).max().item() - ne.value) < 1e-9 and abs((A @ ne.q).min().item() - ne.value) < 1e-9
    # brute force over pure strategies bounds the value
    assert A.max(1).values.min().item() >= ne.value - 1e-12 >= A.min(0).values.max().item() - 1e-9


def test_trap_exploitability_matches_brute_force(gen):
    trap = TrapGame()
    xs = torch.linspace(-2, 2, 7, dtype=torch.float64)
    p = torch.softmax(torch.randn(5, 7, generator=gen, dtype=torch.float64), -1)
    q = torch.softmax(torch.randn(5, 7, generator=gen, dtype=torch.float64), -1)
    fine = torch.linspace(-2, 2, 40001, dtype=torch.float64)
    phi = lambda x, w: -(w**2) * x**2 + w * x  # noqa: E731
    best_w = (p[:, :, None] * phi(xs[None, :, None], fine[None, None, :])).sum(1).max(-1).values
    best_x = (q[:, None, :] * phi(fine[None, :, None], xs[None, None, :])).sum(-1).min(-1).values
    torch.testing.assert_close(trap.exploitability(xs, p, xs, q), best_w - best_x, atol=1e-7, rtol=0)
    one = torch.ones(1, dtype=torch.float64)
    assert trap.exploitability(torch.zeros(1), one, torch.zeros(1), one).item() == 0.0  # (0, 0) is a pure NE
    s = 2**-0.5  # a trap on the hyperbola xω = 1/2: the minimiser can gain by moving to x = −2
    assert trap.exploitability(torch.tensor([s]), one, torch.tensor([s]), one).item() > 3.0


def test_mixed_extension_payoff_is_the_pair_average(gen):
    trap, n = TrapGame(), 6
    x, w = torch.randn(2, 3, n, generator=gen, dtype=torch.float64)
    brute = torch.stack(
        [
            torch.stack(
                [trap.phi(x[b, i].reshape(1, 1), w[b, j].reshape(1, 1)) for i in range(n) for j in range(n)]
            ).mean()
            for b in range(3)
        ]
    )
    torch.testing.assert_close(MixedExtension(trap, n).phi(x, w), brute)
    assert MixedExtension(trap, n).project([3 * x, w])[0].abs().max() <= 2  # the box applies to every particle


def test_trap_discretisation_matches_lp_value():
    game, grid = TrapGame().discretise(21)
    torch.testing.assert_close(grid, torch.linspace(-2, 2, 21, dtype=torch.float64))
    torch.testing.assert_close(game.A, TrapGame().phi(grid[:, None, None], grid[None, :, None]))
    assert game.A.shape == (21, 21) and abs(game.nash().value) < 1e-9  # (0, 0) is on the grid and is an NE


@pytest.mark.parametrize(
    "make, message",
    [
        (lambda: Bilinear(torch.ones(3)), "A must have shape (m, n), got (3,)"),
        (lambda: Bilinear(torch.tensor([[math.nan]])), "A contains NaN or inf"),
        (
            lambda: QuadraticGame(torch.tensor([[1.0, 2.0], [0.0, 1.0]]), torch.eye(2), torch.eye(2)),
            "A must be symmetric",
        ),
        (
            lambda: QuadraticGame(torch.eye(2), torch.eye(3), torch.eye(2)),
            "A must have shape (m, m) with m = 3, got (2, 2)",
        ),
        (lambda: strongly_monotone_game(2, 3.0, 1.0), "need 0 < mu <= L"),
        (lambda: strongly_monotone_game(0, 0.1, 1.0), "dimension d must be"),
        (lambda: bilinear_game(2, 0.0, 1.0), "sigma_min"),
        (lambda: weak_mvi_game(2, -2.0, 1.0), "|rho| * L <= 1"),
        (lambda: AlmostBilinear(-1.0), "eps must be a finite number >= 0, got -1.0"),
        (lambda: Forsaken(box=-1.0), "box must be a finite number > 0, got -1.0"),
        (lambda: WeirdSaddle(hyperbola_t=(0.0,)), "hyperbola_t entry must be a finite number > 0, got 0.0"),
        (lambda: MatrixGame(torch.tensor([[math.inf]])), "payoff matrix A contains NaN or inf"),
        (lambda: random_matrix_game(0, 2), "n must be an integer >= 1, got 0"),
        (lambda: TrapGame().discretise(1), "grid size n must be an integer >= 2, got 1"),
        (lambda: MixedExtension(TrapGame(), 0), "n_particles must be an integer >= 1"),
        (lambda: MixedExtension(rock_paper_scissors(), 3), "only box constraints"),
        (
            lambda: Bilinear().check_params([torch.zeros(2, 2), torch.zeros(2, 1)]),
            "player 0 of Bilinear has dimension 1",
        ),
    ],
)
def test_bad_input_raises(make, message):
    with pytest.raises(
        ValueError, match=message.replace("(", r"\(").replace(")", r"\)").replace("|", r"\|").replace("*", r"\*")
    ):
        make()
