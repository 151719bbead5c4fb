"""A seeded run is reproducible and a run resumed from a checkpoint continues exactly."""

import pytest
import torch

from saddle.rl import DDPG, ActionRobustDDPG, DDPGConfig, EpisodeRunner, RobustGameConfig, make_env

CFG = DDPGConfig(hidden=(16,), batch_size=8, buffer_size=500, learning_starts=30)
GAMES = {
    "ddpg": None,
    "mixedne_ld": RobustGameConfig(method="langevin", temperature=1e-3),
    "pr_extra_adam": RobustGameConfig(form="pr", method="extra_adam", lr=1e-3),
}


def runner(kind, seed=0, td3=False):
    env = make_env("Pendulum-v1", max_episode_steps=25)
    cfg = DDPGConfig(**{**CFG.__dict__, "td3": td3})
    low, high = env.action_space.low, env.action_space.high
    agent = (
        DDPG(3, low, high, cfg, seed) if GAMES[kind] is None else ActionRobustDDPG(3, low, high, cfg, GAMES[kind], seed)
    )
    return EpisodeRunner(agent, env, seed)


def params(r):
    return [p.detach().clone() for m in r.agent.modules().values() for p in m.state_dict().values()]


@pytest.mark.parametrize("kind", list(GAMES))
def test_seeded_run_is_reproducible(kind):
    a, b, c = runner(kind), runner(kind), runner(kind, seed=1)
    ra = [a.run_episode()["return"] for _ in range(3)]
    rb = [b.run_episode()["return"] for _ in range(3)]
    rc = [c.run_episode()["return"] for _ in range(3)]
    assert ra == rb and ra != rc
    assert all(torch.equal(x, y) for x, y in zip(params(a), params(b)))


@pytest.mark.parametrize("kind,td3", [("ddpg", False), ("ddpg", True), ("mixedne_ld", False), ("pr_extra_adam", False)])
def test_checkpoint_resume_reproduces(kind, td3, tmp_path):
    straight = runner(kind, td3=td3)
    returns = [straight.run_episode()["return"] for _ in range(4)]
    first = runner(kind, td3=td3)
    for _ in range(2):
        first.run_episode()
    torch.save(first.state_dict(), tmp_path / "ckpt.pt")
    resumed = runner(kind, td3=td3)  # fresh objects, different history
    resumed.load_state_dict(torch.load(tmp_path / "ckpt.pt", weights_only=True))
    assert [resumed.run_episode()["return"] for _ in range(2)] == returns[2:]
    assert all(torch.equal(x, y) for x, y in zip(params(straight), params(resumed)))
    with pytest.raises(ValueError, match="seed"):
        runner(kind, seed=3, td3=td3).load_state_dict(first.state_dict())


def test_train_episodes_on_the_training_loop_resumes_exactly(tmp_path):
    from saddle.rl import train_episodes

    straight = train_episodes(runner("mixedne_ld"), 4, eval_every=2, eval_episodes=1).history
    train_episodes(runner("mixedne_ld"), 2, eval_every=2, eval_episodes=1, checkpoint_dir=tmp_path)  # "interrupted"
    resumed = train_episodes(
        runner("mixedne_ld"), 4, eval_every=2, eval_episodes=1, checkpoint_dir=tmp_path, resume=True
    ).history
    assert resumed == straight
    assert [r["step"] for r in straight] == [1, 2, 3, 4] and [("eval_return" in r) for r in straight] == [0, 1, 0, 1]
