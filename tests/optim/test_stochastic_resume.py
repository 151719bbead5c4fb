"""Exact resume of the stochastic game methods: GameOptimizer's state_dict carries the method's generator state."""

import io

import pytest
import torch
from torch import nn

from saddle.gans import GANGame, GANTrainer, ParticleCritic, ParticleGenerator
from saddle.optim import GameOptimizer, LangevinGDA, PreconditionedLangevinGDA
from saddle.train import train_loop

METHODS = {
    "langevin": lambda gen: LangevinGDA(0.05, 0.5, gen),
    "preconditioned": lambda gen: PreconditionedLangevinGDA(0.01, 0.5, gen, alpha=0.9),
}


def players(seed):
    g = torch.Generator().manual_seed(seed)
    x, y = nn.Linear(3, 2).double(), nn.Linear(2, 1).double()
    with torch.no_grad():
        for p in [*x.parameters(), *y.parameters()]:
            p.copy_(torch.randn(p.shape, generator=g, dtype=torch.float64))
    return x, y


DATA = torch.randn(8, 3, generator=torch.Generator().manual_seed(11), dtype=torch.float64)


def losses(x, y):
    """A non-zero-sum game of two nn.Modules: x minimises Φ + ‖x‖²/2, y maximises Φ − ‖y‖²/2, Φ = E y(tanh x(a))."""
    phi = y(torch.tanh(x(DATA))).mean()
    sq = lambda m: sum((p**2).sum() for p in m.parameters()) / 2  # noqa: E731
    return [phi + sq(x), -phi + sq(y)]


def vector(*modules):
    return torch.cat([p.detach().reshape(-1) for m in modules for p in m.parameters()])


def reference(name, steps):
    x, y = players(0)
    opt = GameOptimizer([x, y], METHODS[name](torch.Generator().manual_seed(1)))
    for _ in range(steps):
        opt.step(lambda: losses(x, y))
    return vector(x, y)


@pytest.mark.parametrize("name", list(METHODS))
def test_state_dict_resume_draws_the_noise_of_the_uninterrupted_run(name):
    x, y = players(0)
    opt = GameOptimizer([x, y], METHODS[name](torch.Generator().manual_seed(1)))
    for _ in range(6):
        opt.step(lambda: losses(x, y))
    buf = io.BytesIO()
    torch.save({"x": x.state_dict(), "y": y.state_dict(), "opt": opt.state_dict()}, buf)
    buf.seek(0)
    saved = torch.load(buf, weights_only=True)

    def resumed(state):  # other initial weights and another generator seed: everything comes from `state`
        x2, y2 = players(3)
        x2.load_state_dict(state["x"])
        y2.load_state_dict(state["y"])
        opt2 = GameOptimizer([x2, y2], METHODS[name](torch.Generator().manual_seed(99)))
        opt2.load_state_dict(state["opt"])
        for _ in range(6):
            opt2.step(lambda: losses(x2, y2))
        return vector(x2, y2)

    full = reference(name, 12)
    assert torch.equal(resumed(saved), full)
    # the generator state is what makes it exact: the same resume with the fresh generator's state differs
    fresh = {**saved, "opt": {**saved["opt"], "generator_state": torch.Generator().manual_seed(99).get_state()}}
    assert not torch.allclose(resumed(fresh), full, rtol=0, atol=1e-6)


class Interrupted(Exception):
    pass


@pytest.mark.parametrize("name", list(METHODS))
def test_train_loop_checkpoint_resumes_bit_for_bit(name, tmp_path):
    def run(stop_at=None, resume=False):
        x, y = players(5 if resume else 0)  # a resumed run gets its weights from the checkpoint
        opt = GameOptimizer([x, y], METHODS[name](torch.Generator().manual_seed(7 if resume else 1)))

        def step(_, k):
            if k == stop_at:
                raise Interrupted
            return {"loss_x": opt.step(lambda: losses(x, y))[0]}

        res = train_loop(
            step,
            steps=10,
            state={"x": x, "y": y, "opt": opt},
            checkpoint_dir=tmp_path,
            checkpoint_every=3,
            resume=resume,
        )
        return vector(x, y), res.history

    with pytest.raises(Interrupted):
        run(stop_at=8)  # the last checkpoint is at step 6; steps 7 and 8 are redone from it
    resumed, history = run(resume=True)
    assert torch.equal(resumed, reference(name, 10))
    assert len(history) == 10


def test_mixed_strategy_gan_trainer_resumes_bit_for_bit():
    # particle generator and critic moved by Langevin GDA whose noise has its own generator (not the batches' rng)
    def make(seed):
        rng, noise = torch.Generator().manual_seed(seed), torch.Generator().manual_seed(seed + 3)
        gen = ParticleGenerator(2, 2, 2, (8,), generator=torch.Generator().manual_seed(seed + 1))
        critic = ParticleCritic(2, 2, (8,), generator=torch.Generator().manual_seed(seed + 2))
        return GANTrainer(
            GANGame(gen, critic, "wasserstein"),
            lambda p: LangevinGDA(0.01, 0.1, noise, projection=p),
            lambda n, r: torch.randn(n, 2, generator=r) + 2,
            lambda n, r: torch.randn(n, 2, generator=r),
            batch_size=8,
            n_critic=2,
            generator=rng,
        )

    a = make(0)
    for _ in range(3):
        a.step()
    buf = io.BytesIO()
    torch.save(a.state_dict(), buf)
    for _ in range(3):
        a.step()
    buf.seek(0)
    b = make(10)
    b.load_state_dict(torch.load(buf, weights_only=True))
    for _ in range(3):
        b.step()
    for p, q in zip(a.game.generator_net.parameters(), b.game.generator_net.parameters()):
        assert torch.equal(p, q)


def test_a_state_without_the_generator_state_is_refused():
    x, y = players(0)
    noisy = GameOptimizer([x, y], PreconditionedLangevinGDA(0.01, 0.5, torch.Generator().manual_seed(0)))
    quiet = GameOptimizer([x, y], PreconditionedLangevinGDA(0.01))  # T = 0: no generator
    noisy.step(lambda: losses(x, y))
    quiet.step(lambda: losses(x, y))
    with pytest.raises(ValueError, match=r"holds a generator state, but .* draws no noise"):
        quiet.load_state_dict(noisy.state_dict())
    with pytest.raises(ValueError, match="holds no generator state"):
        noisy.load_state_dict(quiet.state_dict())
    assert quiet.state_dict()["generator_state"] is None
