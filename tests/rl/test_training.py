"""S seeds in one process give, number for number, the S runs of one seed each; a run resumed from a checkpoint
(mid-episode, simulator state included) continues exactly; the training loop records and evaluates."""

import numpy as np
import pytest
import torch

from saddle.rl import DDPG, DDPGConfig, Runner, make_agent, train

CFG = DDPGConfig(hidden=(16,), batch_size=8, buffer_size=500, learning_starts=30)
KINDS = ["ddpg", "td3", "nr_mdp", "pr_mdp", "gad", "mixedne_ld_td3"]


def runner(kind, seeds, env_id="Pendulum-v1", steps=25):
    game = {"adversary_every": 3} if kind in ("nr_mdp", "pr_mdp") else {}
    return Runner(make_agent(kind, env_id, CFG, seeds, **game), env_id, max_episode_steps=steps)


def params(r):
    return [p.detach().clone() for p in r.agent.online().values()] + list(r.agent.targets.values())


@pytest.mark.parametrize("kind", KINDS)
def test_batched_seeds_equal_the_runs_of_each_seed_alone(kind):
    seeds = [3, 7]
    batched = runner(kind, seeds)
    batched.run(80)  # 3 episodes of 25 steps and a bit: 50 updates, resets, a partial episode
    for i, seed in enumerate(seeds):
        alone = runner(kind, seed)
        alone.run(80)
        mine = [(t, r, n) for t, s, r, n in batched.episodes_done if s == i]
        assert mine == [(t, r, n) for t, _, r, n in alone.episodes_done] and len(mine) == 3
        assert all(torch.equal(p[i], q[0]) for p, q in zip(params(batched), params(alone)))
    assert len({r for _, _, r, _ in batched.episodes_done}) == 6  # and the seeds differ


def test_batched_seeds_equal_single_runs_on_a_mujoco_task_with_early_terminations():
    batched = runner("td3", [0, 1], "Hopper-v5", steps=1000)
    batched.run(70)  # random Hopper episodes end early (falls) at different steps for each seed
    for i in range(2):
        alone = runner("td3", i, "Hopper-v5", steps=1000)
        alone.run(70)
        mine = [(t, r, n) for t, s, r, n in batched.episodes_done if s == i]
        assert mine == [(t, r, n) for t, _, r, n in alone.episodes_done] and len(mine) >= 2
        assert torch.equal(batched.agent.actor.params[i], alone.agent.actor.params[0])


@pytest.mark.parametrize("kind,env_id", [("nr_mdp", "Pendulum-v1"), ("td3", "Hopper-v5")])
def test_checkpoint_resume_mid_episode_continues_exactly(kind, env_id, tmp_path):
    straight = runner(kind, [0, 1], env_id, steps=40)
    straight.run(90)
    first = runner(kind, [0, 1], env_id, steps=40)
    first.run(57)  # mid-episode: the simulators' states must be saved
    torch.save(first.state_dict(), tmp_path / "ckpt.pt")
    resumed = runner(kind, [0, 1], env_id, steps=40)
    resumed.run(11)  # a different history, overwritten by the checkpoint
    resumed.load_state_dict(torch.load(tmp_path / "ckpt.pt", weights_only=True))
    resumed.run(33)
    assert resumed.episodes_done == straight.episodes_done
    assert all(torch.equal(p, q) for p, q in zip(params(straight), params(resumed)))
    with pytest.raises(ValueError, match="seeds"):
        runner(kind, [0, 2], env_id, steps=40).load_state_dict(first.state_dict())
    with pytest.raises(ValueError, match="2 simulator states, this runner has 3 seeds"):
        runner(kind, [0, 1, 2], env_id, steps=40).load_state_dict(first.state_dict())


def test_train_on_the_training_loop_resumes_exactly(tmp_path):
    straight = train(runner("ddpg", [0, 1]), 70, steps_per_record=20, eval_every=2, eval_episodes=1).history
    train(runner("ddpg", [0, 1]), 40, steps_per_record=20, eval_every=2, eval_episodes=1, checkpoint_dir=tmp_path)
    resumed = train(
        runner("ddpg", [0, 1]),
        70,
        steps_per_record=20,
        eval_every=2,
        eval_episodes=1,
        checkpoint_dir=tmp_path,
        resume=True,
    ).history
    assert resumed == straight
    assert [r["env_steps"] for r in straight] == [20, 40, 60, 70]
    assert [("eval_return_s1" in r) for r in straight] == [False, True, False, True]
    assert straight[1]["eval_return"] == pytest.approx(
        (straight[1]["eval_return_s0"] + straight[1]["eval_return_s1"]) / 2
    )


def test_runner_refuses_an_agent_for_another_task():
    agent = DDPG(4, np.array([-1.0]), np.array([1.0]), CFG)
    with pytest.raises(ValueError, match="obs_dim=4"):
        Runner(agent, "Pendulum-v1")
