"""GANTrainer: resume exactly, Dirac-GAN with and without R1, particle ensembles and Langevin."""

import io
import math

import pytest
import torch

from saddle.gans import (
    DiracCritic,
    DiracGenerator,
    GANGame,
    GANTrainer,
    MLPCritic,
    MLPGenerator,
    ParticleCritic,
    ParticleGenerator,
)
from saddle.models import reinitialize_
from saddle.optim import ExtraAdam, LangevinGDA, SimultaneousGDA

zeros = lambda n, r: torch.zeros(n, 1, dtype=torch.float64)  # noqa: E731


def dirac_trainer(penalty="none", weight=None, mode="simultaneous", h=0.1, noise=0.0, batch=1):
    game = GANGame(
        DiracGenerator(1.0),
        DiracCritic(1.0),
        "minimax",
        penalty=penalty,
        penalty_weight=weight,
        instance_noise=noise,
        generator=torch.Generator().manual_seed(0),
    )
    return game, GANTrainer(
        game,
        lambda p: SimultaneousGDA(h, projection=p),
        zeros,
        zeros,
        batch_size=batch,
        mode=mode,
        generator=torch.Generator().manual_seed(1),
    )


def norm(game):
    return math.hypot(float(game.generator_net.theta.detach()), float(game.critic.psi.detach()))


def test_r1_dirac_gan_converges_where_the_unregularised_one_does_not():
    """Mescheder et al. 2018: sim GD spirals out (Lemma 2.4), alternating GD cycles (Lemma 2.5), R1 (γ = 1) converges."""
    runs = {}
    for name, kwargs in {"sim": {}, "alt": {"mode": "alternating"}, "r1": {"penalty": "r1", "weight": 1.0}}.items():
        game, trainer = dirac_trainer(**kwargs)
        start = norm(game)
        for _ in range(2000):
            trainer.step()
        runs[name] = norm(game) / start
    assert runs["sim"] > 1.5  # grows (slower than (1 + h²/4)^{k/2} once far out, where f' < 1/2)
    assert 0.5 < runs["alt"] < 1.5  # neither converges nor diverges
    assert runs["r1"] < 1e-6


def test_r1_update_is_the_contracting_linear_map_near_equilibrium():
    """With V = f(0) + f(−ψθ) and R1 weight γ, near (0, 0) one sim GD step is z⁺ = J z with
    J = [[1, h f'(0)], [−h f'(0), 1 − hγ]], f'(0) = 1/2; ρ(J) < 1 (Mescheder et al. 2018, Thm 4.1)."""
    h, gamma = 0.1, 1.0
    game, trainer = dirac_trainer("r1", gamma, h=h)
    jac = torch.tensor([[1.0, h / 2], [-h / 2, 1 - h * gamma]], dtype=torch.float64)
    z = torch.tensor([1e-6, -2e-6], dtype=torch.float64)
    with torch.no_grad():
        game.generator_net.theta.fill_(float(z[0]))
        game.critic.psi.fill_(float(z[1]))
    for _ in range(5):
        trainer.step()
        z = jac @ z
        got = torch.cat([game.generator_net.theta.detach(), game.critic.psi.detach()])
        torch.testing.assert_close(got, z, rtol=1e-9, atol=0)
    assert float(torch.linalg.eigvals(jac).abs().max()) == pytest.approx(1 - h * gamma / 2, rel=1e-6)


def test_trainer_state_dict_resumes_bit_for_bit():
    def make():
        g = torch.Generator().manual_seed(0)
        gen, critic = reinitialize_(MLPGenerator(2, 2, (16,)), g), reinitialize_(MLPCritic(2, (16,)), g)
        return GANTrainer(
            GANGame(gen, critic, "wasserstein", penalty="gp", generator=torch.Generator().manual_seed(5)),
            lambda p: ExtraAdam(1e-3, projection=p),
            lambda n, r: torch.randn(n, 2, generator=r) + 2,
            lambda n, r: torch.randn(n, 2, generator=r),
            batch_size=16,
            n_critic=2,
            ema_decay=0.9,
            lr_critic=2e-3,
            generator=torch.Generator().manual_seed(7),
        )

    a = make()
    for _ in range(4):
        a.step()
    buf = io.BytesIO()
    torch.save(a.state_dict(), buf)
    for _ in range(4):
        a.step()
    buf.seek(0)
    b = make()
    b.game.generator.manual_seed(123)  # the game's RNG (gradient-penalty interpolates) is restored from the state
    b.load_state_dict(torch.load(buf, weights_only=True))
    for _ in range(4):
        b.step()
    for p, q in zip(
        list(a.game.generator_net.parameters()) + list(a.averaged_generator().parameters()),
        list(b.game.generator_net.parameters()) + list(b.averaged_generator().parameters()),
    ):
        assert torch.equal(p, q)


def test_particle_ensembles_are_k_independent_networks():
    """Particle k is the MLP nn.Linear's init draws k-th from the generator; sample i comes from particle i mod K."""
    gen, critic = (
        ParticleGenerator(3, 2, 2, (8,), generator=torch.Generator().manual_seed(0)),
        ParticleCritic(3, 2, (8,), generator=torch.Generator().manual_seed(1)),
    )
    g0, g1 = torch.Generator().manual_seed(0), torch.Generator().manual_seed(1)
    gens = [reinitialize_(MLPGenerator(2, 2, (8,)), g0) for _ in range(3)]
    crits = [reinitialize_(MLPCritic(2, (8,)), g1) for _ in range(3)]
    z = torch.randn(6, 2, generator=g0)
    out = gen(z)
    for i in range(6):
        torch.testing.assert_close(out[i], gens[i % 3](z[i : i + 1])[0])
    x = torch.randn(5, 2, generator=g0)
    torch.testing.assert_close(critic(x), torch.stack([c(x) for c in crits]).mean(0))
    with pytest.raises(ValueError, match="multiple"):
        gen(torch.randn(4, 2))


def test_particle_gradient_is_its_own_payoff_and_zero_temperature_langevin_is_gda():
    """GANGame multiplies a K-particle player's loss by K: particle k's gradient is that of its own expected payoff;
    LangevinGDA at T = 0 reproduces SimultaneousGDA (to rounding)."""

    def make(method):
        g = torch.Generator().manual_seed(0)
        gen, critic = ParticleGenerator(4, 2, 2, (8,), generator=g), ParticleCritic(2, 2, (8,), generator=g)
        return GANTrainer(
            GANGame(gen, critic, "wasserstein"),
            method,
            lambda n, r: torch.randn(n, 2, generator=r),
            lambda n, r: torch.randn(n, 2, generator=r),
            batch_size=8,
            generator=torch.Generator().manual_seed(1),
        )

    gen_game = make(lambda p: SimultaneousGDA(0.05, projection=p)).game
    real, z = torch.randn(8, 2), torch.randn(8, 2)
    loss_g = gen_game.losses(real, z)[0]
    first = gen_game.generator_net.particles.stack.net[0].weight  # (K, 8, 2): the first layer of every particle
    (grad_w,) = torch.autograd.grad(loss_g, first)
    own = -gen_game.critic(gen_game.generator_net(z)[0::4]).mean()  # particle 0 produced samples 0 and 4
    (grad_own,) = torch.autograd.grad(own, first)
    torch.testing.assert_close(grad_w[0], grad_own[0])
    a, b = (
        make(lambda p: SimultaneousGDA(0.05, projection=p)),
        make(lambda p: LangevinGDA(0.05, 0.0, torch.Generator().manual_seed(3), projection=p)),
    )
    for _ in range(3):
        a.step()
        b.step()
    for p, q in zip(a.game.generator_net.parameters(), b.game.generator_net.parameters()):
        torch.testing.assert_close(p, q, rtol=1e-6, atol=1e-7)  # x − h g vs fused x + (−h) g: rounding only


def test_ema_of_generator_weights_follows_the_recursion():
    """θ̄_1 = θ_1, θ̄_k = β θ̄_{k−1} + (1 − β) θ_k after each generator update (β = 0.5)."""
    g = torch.Generator().manual_seed(0)
    gen, critic = reinitialize_(MLPGenerator(2, 2, (8,)), g), reinitialize_(MLPCritic(2, (8,)), g)
    trainer = GANTrainer(
        GANGame(gen, critic),
        lambda p: SimultaneousGDA(0.1, projection=p),
        lambda n, r: torch.randn(n, 2, generator=r),
        lambda n, r: torch.randn(n, 2, generator=r),
        batch_size=8,
        ema_decay=0.5,
        generator=g,
    )
    expected = None
    for _ in range(4):
        trainer.step()
        current = [p.detach().clone() for p in gen.parameters()]
        expected = current if expected is None else [0.5 * e + 0.5 * c for e, c in zip(expected, current)]
    for e, p in zip(expected, trainer.averaged_generator().parameters()):
        torch.testing.assert_close(p.detach(), e)


def test_training_stops_with_a_clear_error_on_nan_data():
    from saddle.gans import train_gan

    g = torch.Generator().manual_seed(0)
    gen, critic = reinitialize_(MLPGenerator(2, 2, (8,)), g), reinitialize_(MLPCritic(2, (8,)), g)
    trainer = GANTrainer(
        GANGame(gen, critic),
        lambda p: SimultaneousGDA(0.1, projection=p),
        lambda n, r: torch.full((n, 2), float("nan")),
        lambda n, r: torch.randn(n, 2, generator=r),
        batch_size=8,
        generator=g,
    )
    before = [p.detach().clone() for p in critic.parameters()]
    with pytest.raises(ValueError, match="is nan; the parameters were left unchanged"):  # GameOptimizer.step's check
        train_gan(trainer, 3)
    assert all(torch.equal(a, b) for a, b in zip(before, critic.parameters()))


def test_trainer_refuses_a_game_generator_state_for_a_game_without_one():
    def make(game_generator):
        g = torch.Generator().manual_seed(0)
        gen, critic = reinitialize_(MLPGenerator(2, 2, (8,)), g), reinitialize_(MLPCritic(2, (8,)), g)
        return GANTrainer(
            GANGame(gen, critic, "wasserstein", penalty="gp", generator=game_generator),
            lambda p: ExtraAdam(1e-3, projection=p),
            lambda n, r: torch.randn(n, 2, generator=r) + 2,
            lambda n, r: torch.randn(n, 2, generator=r),
            batch_size=8,
        )

    state = make(torch.Generator().manual_seed(5)).state_dict()
    with pytest.raises(ValueError, match="game's generator"):
        make(None).load_state_dict(state)
    no_game_generator = make(None).state_dict()
    assert no_game_generator["game_generator"] is None
    make(torch.Generator().manual_seed(5)).load_state_dict(no_game_generator)  # an older/None state leaves it as is


def test_trainer_loads_a_state_saved_under_the_former_key_names():
    """States saved before the renames (generator -> generator_net, rng -> batch_generator, game_rng ->
    game_generator) resume the same run: the next step equals the next step of the trainer that saved them."""

    def make():
        g = torch.Generator().manual_seed(0)
        gen, critic = reinitialize_(MLPGenerator(2, 2, (8,)), g), reinitialize_(MLPCritic(2, (8,)), g)
        return GANTrainer(
            GANGame(gen, critic, "wasserstein", penalty="gp", generator=torch.Generator().manual_seed(5)),
            lambda p: ExtraAdam(1e-3, projection=p),
            lambda n, r: torch.randn(n, 2, generator=r) + 2,
            lambda n, r: torch.randn(n, 2, generator=r),
            batch_size=8,
            generator=torch.Generator().manual_seed(3),
        )

    a = make()
    a.step()
    new = a.state_dict()
    old = {
        {"generator_net": "generator", "batch_generator": "rng", "game_generator": "game_rng"}.get(k, k): v
        for k, v in new.items()
    }
    b = make()
    b.load_state_dict(old)
    a.step()
    b.step()
    for p, q in zip(a.game.generator_net.parameters(), b.game.generator_net.parameters()):
        assert torch.equal(p, q)


def test_game_checks_the_critics_output_shape():
    """One score per sample: (B,) or (B, 1) (dropped to (B,)); a (B, 3) critic output is refused, not averaged."""
    g = torch.Generator().manual_seed(0)
    real, z = torch.randn(6, 2, generator=g), torch.randn(6, 2, generator=g)
    gen = torch.nn.Linear(2, 2)
    critic = torch.nn.Linear(2, 1)
    flat = GANGame(gen, torch.nn.Sequential(critic, torch.nn.Flatten(0))).losses(real, z)
    column = GANGame(gen, critic).losses(real, z)
    assert all(torch.equal(a, b) for a, b in zip(flat, column))
    with pytest.raises(ValueError, match=r"one score per real sample, shape \(6,\) .*got \(6, 3\)"):
        GANGame(gen, torch.nn.Linear(2, 3)).losses(real, z)
    with pytest.raises(ValueError, match=r"one score per real sample.*got \(\)"):
        GANGame(gen, torch.nn.Sequential(torch.nn.Linear(2, 1), torch.nn.Flatten(0), _Mean())).losses(real, z)


class _Mean(torch.nn.Module):
    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x.mean()


def test_methods_langevin_entry_gives_the_critic_and_the_joint_optimiser_different_noise():
    """METHODS' Langevin factory seeds a fresh generator per call: GANTrainer builds two optimisers from it (critic
    steps and the joint step) and re-seeds the later one, so their noise streams differ — reproducibly."""
    from saddle.optim import METHODS

    def make():
        g = torch.Generator().manual_seed(0)
        gen, critic = reinitialize_(MLPGenerator(2, 2, (8,)), g), reinitialize_(MLPCritic(2, (8,)), g)
        info = METHODS["langevin_gda"]
        return GANTrainer(
            GANGame(gen, critic),
            lambda p: info.factory(0.01, projection=p),
            lambda n, r: torch.randn(n, 2, generator=r),
            lambda n, r: torch.randn(n, 2, generator=r),
            batch_size=8,
            n_critic=2,
        )

    a = make()
    ga, gd = a.joint_opt.method.generator, a.critic_opt.method.generator
    assert ga is not gd and not torch.equal(ga.get_state(), gd.get_state())
    assert not torch.equal(torch.randn(5, generator=ga), torch.randn(5, generator=gd))
    b = make()  # the same streams again: same seed, same run
    assert torch.equal(b.critic_opt.method.generator.get_state(), make().critic_opt.method.generator.get_state())
