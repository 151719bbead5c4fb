"""The game's health on GAN runs: the Dirac-GAN in closed form through GANTrainer, and logging that changes nothing."""

import json
import math

import pytest
import torch

from saddle.gans import (
    HEALTH_KEYS,
    DiracCritic,
    DiracGenerator,
    GANGame,
    GANTrainer,
    MLPCritic,
    MLPGenerator,
    StackedModules,
    TrainerStep,
    gan_health,
    health_evaluator,
    train_gan,
)
from saddle.models import reinitialize_
from saddle.optim import LangevinGDA, SimultaneousAdam, SimultaneousGDA

zeros = lambda n, r: torch.zeros(n, 1, dtype=torch.float64)  # noqa: E731


def dirac(h, mode="simultaneous", penalty="none", weight=None):
    """The Dirac-GAN at its equilibrium θ = ψ = 0: V = f′(0)[ψ, −θ] (f′(0) = ½) plus γψ from R1 on the critic."""
    return GANTrainer(
        GANGame(DiracGenerator(0.0), DiracCritic(0.0), "minimax", penalty=penalty, penalty_weight=weight),
        lambda p: SimultaneousGDA(h, projection=p),
        zeros,
        zeros,
        batch_size=4,
        mode=mode,
    )


@pytest.mark.parametrize("h", [0.2, 1.0, 2.5])
def test_dirac_gan_health_is_pure_rotation_with_the_closed_form_radius(h):
    """Simultaneous GD: |λ| = sqrt(1 + h²f′(0)²) (Mescheder et al. 2018, Lemma 2.4); alternating GD: |λ| = 1 while
    hf′(0) < 2 (Lemma 2.5); at the equilibrium the Jacobian is antisymmetric (S = 0) and V = 0."""
    g = torch.Generator().manual_seed(0)
    sim = gan_health(dirac(h), g, iters=2)
    assert float(sim.symmetric[0]) < 1e-15 and float(sim.antisymmetric[0]) == pytest.approx(0.5, rel=1e-12)
    assert float(sim.field_norms.abs().max()) == 0.0
    assert float(sim.update_radius[0]) == pytest.approx(math.sqrt(1 + (h / 2) ** 2), rel=1e-12)
    alt = gan_health(dirac(h, mode="alternating"), g, iters=2)
    assert float(alt.update_radius[0]) == pytest.approx(1.0, rel=1e-12)


def test_r1_adds_a_potential_part_and_makes_the_equilibrium_attracting():
    """R1 adds (γ/2)ψ² to the critic's loss: S = diag(0, γ), and for small h the sim-GD radius drops below 1
    (Mescheder et al. 2018, Thm 4.1): eigenvalues 1 − h(γ ± sqrt(γ² − 4f′²))/2 for γ = 1, f′ = ½ ⇒ 1 − h/2 (double)."""
    h, g = 0.3, torch.Generator().manual_seed(1)
    health = gan_health(dirac(h, penalty="r1", weight=1.0), g, iters=2)
    assert float(health.symmetric[0]) > 0.0
    assert float(health.update_radius[0]) == pytest.approx(1 - h / 2, rel=1e-6)  # a defective double eigenvalue


@pytest.mark.parametrize("mode", ["simultaneous", "alternating"])
def test_trainer_step_is_the_trainers_whole_step_in_closed_form(mode):
    """On the field V(θ, ψ) = (cψ, −cθ) with η_G ≠ η_D and n_critic = 2: simultaneous takes one critic-only step
    ψ₁ = ψ + η_D cθ, then the joint step (θ − η_G cψ₁, ψ₁ + η_D cθ); alternating takes two critic steps
    (ψ₂ = ψ + 2η_D cθ), then the generator step θ − η_G cψ₂ — each optimiser with its own group's lr."""
    c, eta_g, eta_d, theta, psi = 1.5, 0.3, 0.7, 0.4, -0.2
    trainer = GANTrainer(
        GANGame(DiracGenerator(0.0), DiracCritic(0.0), "minimax"),
        lambda p: SimultaneousGDA(1.0, projection=p),
        zeros,
        zeros,
        batch_size=4,
        mode=mode,
        n_critic=2,
        lr_generator=eta_g,
        lr_critic=eta_d,
    )
    method = TrainerStep(trainer)
    x = torch.tensor([[theta]], dtype=torch.float64)
    y = torch.tensor([[psi]], dtype=torch.float64)
    (x1, y1), _ = method.step([x, y], method.init([x, y]), lambda p: [c * p[1], -c * p[0]])
    if mode == "simultaneous":
        psi1 = psi + eta_d * c * theta
        expected = (theta - eta_g * c * psi1, psi1 + eta_d * c * theta)
    else:
        psi2 = psi + 2 * eta_d * c * theta
        expected = (theta - eta_g * c * psi2, psi2)
    assert (float(x1), float(y1)) == pytest.approx(expected, rel=1e-14)


def _mlp_trainer(seeds, method):
    def nets(s):
        r = torch.Generator().manual_seed(s)
        return reinitialize_(MLPGenerator(2, 2, (8,)), r).double(), reinitialize_(MLPCritic(2, (8,)), r).double()

    pairs = [nets(s) for s in seeds]
    return GANTrainer(
        GANGame(StackedModules([p[0] for p in pairs]), StackedModules([p[1] for p in pairs]), "non_saturating"),
        method,
        lambda n, r: torch.randn(n, 2, generator=r, dtype=torch.float64),
        lambda n, r: torch.randn(n, 2, generator=r, dtype=torch.float64),
        batch_size=8,
        generator=[torch.Generator().manual_seed(10 + s) for s in seeds],
    )


def test_logging_the_health_changes_no_number_of_the_run(tmp_path):
    """Health every 2 steps into a JSON-lines log: the same parameters as without it, the Langevin noise included."""

    def method(p):
        return LangevinGDA(0.05, 0.01, torch.Generator().manual_seed(3), projection=p)

    plain, logged = _mlp_trainer([0, 1], method), _mlp_trainer([0, 1], method)
    train_gan(plain, 6)
    result = train_gan(
        logged, 6, evaluate=health_evaluator(logged, seed=5), eval_every=2, log_path=tmp_path / "l.jsonl"
    )
    for p, q in zip(plain.game.generator_net.parameters(), logged.game.generator_net.parameters()):
        assert torch.equal(p, q)
    lines = [json.loads(line) for line in (tmp_path / "l.jsonl").read_text().splitlines()]
    assert len(lines) == 3 and all(f"health/{k}" in lines[-1] for k in HEALTH_KEYS)
    assert result.history[-1]["health/update_radius"] > 0


def test_stacked_health_is_each_seeds_health():
    """For stacked seeds, gan_health's rows are the seeds' own values (Adam: augmented state with m, v per row)."""
    method = lambda p: SimultaneousAdam(1e-2, betas=(0.5, 0.9), projection=p)  # noqa: E731
    both = _mlp_trainer([0, 1], method)
    alone = [_mlp_trainer([s], method) for s in (0, 1)]
    for t in (both, *alone):
        for _ in range(3):
            t.step()
    # the same batch per seed: one health generator per seed, the stack drawing row s from generator s
    h_both = gan_health(both, torch.Generator().manual_seed(7), iters=6, radius=False)
    h0 = gan_health(alone[0], torch.Generator().manual_seed(7), iters=6, radius=False)
    torch.testing.assert_close(h_both.field_norms[0], h0.field_norms[0], rtol=1e-10, atol=1e-12)
