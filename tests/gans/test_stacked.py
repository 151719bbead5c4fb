"""Seeds in parallel: S stacked networks are S networks, and a stacked GAN run is S runs alone (float64, rounding)."""

import pytest
import torch
from torch import nn

from saddle.gans import (
    BatchNormMLPGenerator,
    ConvCritic8x8,
    GANGame,
    GANTrainer,
    MaxoutCritic,
    MLPCritic,
    MLPGenerator,
    ParticleCritic,
    ParticleGenerator,
    StackedModules,
    stacked_mlp_gan,
)
from saddle.models import reinitialize_
from saddle.optim import AlternatingGDA, LangevinGDA, SimultaneousAdam, SimultaneousGDA

DT = torch.float64


def _copies(make, s):
    return [reinitialize_(make(), torch.Generator().manual_seed(i)).double() for i in range(s)]


@pytest.mark.parametrize(
    "make, shape, batched",
    [
        (lambda: MLPGenerator(2, 2, (8, 8)), (5, 2), True),
        (lambda: MLPCritic(2, (8, 8)), (5, 2), True),
        (lambda: MaxoutCritic(4, 6, 3, 2), (5, 4), True),
        (lambda: ConvCritic8x8(4), (5, 1, 8, 8), False),  # convolutions: the vmap path
    ],
)
def test_stacked_forward_and_gradients_are_each_modules_own(make, shape, batched):
    mods = _copies(make, 3)
    stack = StackedModules(mods)
    assert stack.batched_weights is batched and stack.n_rows == 3
    x = torch.randn(3, *shape, dtype=DT, generator=torch.Generator().manual_seed(9))
    out = stack(x)
    for s, m in enumerate(mods):
        torch.testing.assert_close(out[s], m(x[s]), rtol=1e-12, atol=1e-12)
    # the gradient of the summed outputs is, row by row, each module's own gradient
    grads = torch.autograd.grad(out.pow(2).sum(), list(stack.parameters()))
    for s, m in enumerate(mods):
        own = torch.autograd.grad(m(x[s]).pow(2).sum(), list(m.parameters()))
        for g, o in zip(grads, own):
            torch.testing.assert_close(g[s], o, rtol=1e-11, atol=1e-12)
        # and row(s) is module s again, parameter for parameter
        for p, q in zip(stack.row(s).parameters(), m.parameters()):
            assert torch.equal(p, q)


def test_stacked_mlp_gan_rows_are_the_seeds_drawn_alone():
    seeds, hidden = [3, 7, 11], (5, 4)
    gen, critic = stacked_mlp_gan(seeds, latent_dim=3, data_dim=2, hidden=hidden)
    assert gen.n_rows == critic.n_rows == 3 and gen.batched_weights and critic.batched_weights
    z = torch.randn(3, 6, 3, generator=torch.Generator().manual_seed(0))
    x = torch.randn(3, 6, 2, generator=torch.Generator().manual_seed(1))
    gx, cx = gen(z), critic(x)
    for s, seed in enumerate(seeds):
        init = torch.Generator().manual_seed(seed)  # the generator first, then the critic, from one stream
        g_alone = reinitialize_(MLPGenerator(3, 2, hidden), init)
        c_alone = reinitialize_(MLPCritic(2, hidden), init)
        for p, q in zip(gen.row(s).parameters(), g_alone.parameters()):
            assert torch.equal(p, q)
        for p, q in zip(critic.row(s).parameters(), c_alone.parameters()):
            assert torch.equal(p, q)
        torch.testing.assert_close(gx[s], g_alone(z[s]))
        torch.testing.assert_close(cx[s], c_alone(x[s]))
    # different seeds draw different networks; the same seed twice the same one
    first = next(iter(gen.row(0).parameters()))
    assert not torch.equal(first, next(iter(gen.row(1).parameters())))
    again = stacked_mlp_gan([3], latent_dim=3, data_dim=2, hidden=hidden)[0]
    assert torch.equal(next(iter(again.row(0).parameters())), first)
    with pytest.raises(ValueError, match="at least one seed"):
        stacked_mlp_gan([])


def test_stacked_batchnorm_matches_torch_in_training_and_evaluation():
    mods = [BatchNormMLPGenerator(2, 2, 6, 2, generator=torch.Generator().manual_seed(i)).double() for i in range(2)]
    stack = StackedModules(mods)
    assert stack.batched_weights
    g = torch.Generator().manual_seed(1)
    for _ in range(3):  # training mode: batch statistics, running averages with momentum 0.05
        z = torch.randn(2, 7, 2, dtype=DT, generator=g)
        out = stack(z)
        for s, m in enumerate(mods):
            torch.testing.assert_close(out[s], m(z[s]), rtol=1e-10, atol=1e-12)
    stack.eval()
    for m in mods:
        m.eval()
    z = torch.randn(2, 4, 2, dtype=DT, generator=g)
    for s, m in enumerate(mods):
        torch.testing.assert_close(stack(z)[s], m(z[s]), rtol=1e-10, atol=1e-12)
        torch.testing.assert_close(stack.row(s)(z[s]), m(z[s]), rtol=1e-10, atol=1e-12)


def test_stacking_refuses_mixed_architectures_and_wrong_rows():
    with pytest.raises(ValueError, match="same parameter"):
        StackedModules([MLPCritic(2, (4,)), MLPCritic(2, (5,))])
    with pytest.raises(ValueError, match="non-empty"):
        StackedModules([])
    stack = StackedModules([MLPCritic(2, (4,)) for _ in range(2)])
    with pytest.raises(ValueError, match="rows on its first axis"):
        stack(torch.zeros(3, 5, 2))
    with pytest.raises(ValueError, match="row must be"):
        stack.row(2)


def _trainer(gen, critic, rng, method, penalty="none", mode="simultaneous", n_critic=1, noise=0.0, game_rng=None):
    return GANTrainer(
        GANGame(gen, critic, "wasserstein" if penalty == "gp" else "non_saturating", penalty, None, noise, game_rng),
        method,
        lambda n, r: torch.randn(n, 2, generator=r, dtype=DT) * 2 + 1,
        lambda n, r: torch.randn(n, 2, generator=r, dtype=DT),
        batch_size=16,
        mode=mode,
        n_critic=n_critic,
        generator=rng,
    )


@pytest.mark.parametrize(
    "method, penalty, mode, n_critic, noise",
    [
        (lambda p: SimultaneousGDA(0.05, projection=p), "none", "simultaneous", 1, 0.0),
        (lambda p: SimultaneousAdam(1e-3, betas=(0.5, 0.9), projection=p), "gp", "simultaneous", 2, 0.1),
        (lambda p: AlternatingGDA(0.05, projection=p), "none", "alternating", 2, 0.0),
    ],
)
def test_a_stacked_gan_run_equals_the_runs_alone(method, penalty, mode, n_critic, noise):
    """S seeds as one batched model: the same numbers as S sequential GANTrainers, each with its own batch RNG and
    game RNG (gradient-penalty interpolates, instance noise), up to float64 rounding."""
    s, steps = 3, 12

    def nets(i):
        g = torch.Generator().manual_seed(i)
        return reinitialize_(MLPGenerator(2, 2, (8, 8)), g).double(), reinitialize_(MLPCritic(2, (8, 8)), g).double()

    alone = [
        _trainer(
            *nets(i),
            torch.Generator().manual_seed(100 + i),
            method,
            penalty,
            mode,
            n_critic,
            noise,
            torch.Generator().manual_seed(200 + i),
        )
        for i in range(s)
    ]
    pairs = [nets(i) for i in range(s)]
    stacked = _trainer(
        StackedModules([p[0] for p in pairs]),
        StackedModules([p[1] for p in pairs]),
        [torch.Generator().manual_seed(100 + i) for i in range(s)],
        method,
        penalty,
        mode,
        n_critic,
        noise,
        [torch.Generator().manual_seed(200 + i) for i in range(s)],
    )
    losses = [[t.step() for _ in range(steps)] for t in alone]
    stacked_losses = [stacked.step() for _ in range(steps)]
    for i, t in enumerate(alone):
        for module, stack in ((t.game.generator_net, stacked.game.generator_net), (t.game.critic, stacked.game.critic)):
            for p, q in zip(module.parameters(), stack.parameters()):
                torch.testing.assert_close(q[i], p, rtol=1e-9, atol=1e-11)
    # the stacked losses are the sums of the runs' losses
    for k in range(steps):
        assert stacked_losses[k]["loss_g"] == pytest.approx(sum(run[k]["loss_g"] for run in losses), rel=1e-9)


def test_particle_ensembles_of_several_seeds_are_the_seeds_alone():
    """Seeds × particles: an ensemble given one generator per seed is those seeds' ensembles, row by row."""

    def seeds():
        return [torch.Generator().manual_seed(i) for i in (4, 5)]

    both = ParticleGenerator(3, 2, 2, (6,), generator=seeds()), ParticleCritic(2, 2, (6,), generator=seeds())
    alone = [
        (
            ParticleGenerator(3, 2, 2, (6,), generator=torch.Generator().manual_seed(i)),
            ParticleCritic(2, 2, (6,), generator=torch.Generator().manual_seed(i)),
        )
        for i in (4, 5)
    ]
    z = torch.randn(2, 9, 2, generator=torch.Generator().manual_seed(0))
    assert both[0].n_rows == 2 and GANGame(*both).rows == 2
    for s, (gen, critic) in enumerate(alone):
        torch.testing.assert_close(both[0](z)[s], gen(z[s]))
        torch.testing.assert_close(both[1](z)[s], critic(z[s]))
        flat = torch.cat([p.detach().reshape(-1) for p in gen.parameters()])
        torch.testing.assert_close(GANGame(*both).flat_params()[0][s], flat)


def test_packing_concatenates_m_samples_for_the_critic():
    """PacGAN: the critic of PacGAN2 sees (x_1, x_2) pairs; with m = 1 the game is the plain GAN."""
    seen = []

    class Recorder(nn.Module):
        def __init__(self):
            super().__init__()
            self.w = nn.Parameter(torch.ones(4, dtype=DT))

        def forward(self, x):
            seen.append(x)
            return x @ self.w

    gen = nn.Linear(2, 2).double()
    real, z = torch.arange(12, dtype=DT).reshape(6, 2), torch.randn(6, 2, dtype=DT)
    GANGame(gen, Recorder(), "wasserstein", packing=2).losses(real, z)
    torch.testing.assert_close(seen[0], real.reshape(3, 4))
    assert seen[0][1].tolist() == [4.0, 5.0, 6.0, 7.0]  # samples 2 and 3, packed together
    with pytest.raises(ValueError, match="packing=4"):
        GANGame(gen, Recorder(), packing=4).losses(real, z)
    with pytest.raises(ValueError, match="packing"):
        GANGame(gen, Recorder(), packing=0)
    # images pack along channels: (B, 1, 8, 8) -> (B/m, m, 8, 8)
    game = GANGame(nn.Identity(), ConvCritic8x8(4), packing=3)
    assert game.pack(torch.zeros(6, 1, 8, 8)).shape == (2, 3, 8, 8)


@pytest.mark.parametrize("penalty, noise", [("none", 0.0), ("gp", 0.2), ("r1", 0.0)])
def test_functional_field_is_the_autograd_field(penalty, noise):
    """V from `functional_field` (torch.func) equals the gradients GameOptimizer takes with autograd, stacked too."""
    mods = [
        (
            reinitialize_(MLPGenerator(2, 2, (6,)), torch.Generator().manual_seed(i)).double(),
            reinitialize_(MLPCritic(2, (6,)), torch.Generator().manual_seed(10 + i)).double(),
        )
        for i in range(2)
    ]
    real, z = torch.randn(2, 8, 2, dtype=DT), torch.randn(2, 8, 2, dtype=DT)
    loss = "wasserstein" if penalty == "gp" else "non_saturating"
    stack = GANGame(
        StackedModules([m[0] for m in mods]),
        StackedModules([m[1] for m in mods]),
        loss,
        penalty,
        instance_noise=noise,
        generator=[torch.Generator().manual_seed(i) for i in range(2)],
    )
    field = stack.functional_field(real, z)([p.clone() for p in stack.flat_params()])
    for s, (gen, critic) in enumerate(mods):
        game = GANGame(gen, critic, loss, penalty, instance_noise=noise, generator=torch.Generator().manual_seed(s))
        lg, ld = game.losses(real[s], z[s])
        own = [
            torch.cat([g.reshape(-1) for g in torch.autograd.grad(lg, list(gen.parameters()), retain_graph=True)]),
            torch.cat([g.reshape(-1) for g in torch.autograd.grad(ld, list(critic.parameters()))]),
        ]
        for v, o in zip(field, own):
            torch.testing.assert_close(v[s], o, rtol=1e-10, atol=1e-12)


def test_a_stacked_particle_gan_with_langevin_noise_equals_the_seeds_alone():
    """Seeds × particles with Langevin GDA: one noise generator per seed (row), so the stack draws, row by row, the
    noise each seed draws alone — the whole run equals the runs alone to float64 rounding."""
    seeds, steps = (3, 4), 6

    def trainer(gen_seeds, noise, rng):
        gen = ParticleGenerator(2, 2, 2, (6,), generator=gen_seeds())
        critic = ParticleCritic(2, 2, (6,), generator=gen_seeds())
        return GANTrainer(
            GANGame(gen.double(), critic.double(), "wasserstein"),
            lambda p: LangevinGDA(0.05, 0.01, noise, projection=p),
            lambda n, r: torch.randn(n, 2, generator=r, dtype=DT),
            lambda n, r: torch.randn(n, 2, generator=r, dtype=DT),
            batch_size=8,
            generator=rng,
        )

    alone = [
        trainer(
            lambda s=s: torch.Generator().manual_seed(s),
            torch.Generator().manual_seed(50 + s),
            torch.Generator().manual_seed(70 + s),
        )
        for s in seeds
    ]
    both = trainer(
        lambda: [torch.Generator().manual_seed(s) for s in seeds],
        [torch.Generator().manual_seed(50 + s) for s in seeds],
        [torch.Generator().manual_seed(70 + s) for s in seeds],
    )
    for t in (*alone, both):
        for _ in range(steps):
            t.step()
    flat = both.game.flat_params()
    for i, t in enumerate(alone):
        for a, b in zip(flat, t.game.flat_params()):
            torch.testing.assert_close(a[i], b[0], rtol=1e-10, atol=1e-12)
