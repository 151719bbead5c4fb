"""Off-policy training of a DDPG-family agent: one episode is one step of the outer loop.

`EpisodeRunner.run_episode()` plays one episode (uniform random actions for the first `learning_starts`
environment steps, then `agent.explore`), stores every transition and does one `agent.update` per
environment step once the buffer holds `learning_starts` transitions (SB3's train_freq = gradient_steps = 1).
Episode e starts from `reset(seed=episode_seed(seed, e))`, so a run restored from `state_dict` between
episodes continues exactly as the uninterrupted run.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import gymnasium as gym
import numpy as np

from saddle.rl.ddpg import DDPG
from saddle.rl.env import box_spaces, episode_seed, reset_checked, step_checked
from saddle.rl.evaluation import evaluate_returns
from saddle.rl.replay import ReplayBuffer
from saddle.train import TrainResult, train_loop
from saddle.validation import check_int

__all__ = ["EpisodeRunner", "train_episodes"]


class EpisodeRunner:
    """Agent + environment + replay buffer; `run_episode()` is the per-step function of the outer loop.

    Args: agent (DDPG or ActionRobustDDPG), env (a gymnasium env from `make_env`), seed (episode starts).
    Checkpointables: `state_dict()` holds the agent, the buffer and the counters (environment steps, episodes).
    """

    def __init__(self, agent: DDPG, env: gym.Env, seed: int = 0) -> None:
        self.agent, self.env = agent, env
        self.seed = check_int("seed", seed, 0)
        obs_space, action_space = box_spaces(env)
        if obs_space.shape[0] != agent.obs_dim or action_space.shape[0] != agent.action_dim:
            raise ValueError(
                f"agent has obs_dim={agent.obs_dim}, action_dim={agent.action_dim} but the environment "
                f"has {obs_space.shape[0]}, {action_space.shape[0]}"
            )
        self.buffer = ReplayBuffer(agent.config.buffer_size, agent.obs_dim, agent.action_dim)
        self.env_steps = 0
        self.episodes = 0

    def run_episode(self) -> dict[str, float]:
        """Play and learn from one episode; returns {'return', 'length', 'env_steps', 'critic_loss' (mean)}."""
        agent, c = self.agent, self.agent.config
        obs = reset_checked(self.env, episode_seed(self.seed, self.episodes))
        total, length, losses = 0.0, 0, []
        done = False
        while not done:
            action = agent.random_action() if self.env_steps < c.learning_starts else agent.explore(obs)
            next_obs, reward, terminated, truncated = step_checked(self.env, action)
            self.buffer.add(obs, action, reward, next_obs, terminated)
            self.env_steps += 1
            if len(self.buffer) >= max(c.learning_starts, 1):
                losses.append(agent.update(self.buffer.sample(c.batch_size, agent.generator))["critic_loss"])
            total += reward
            length += 1
            obs, done = next_obs, terminated or truncated
        self.episodes += 1
        return {
            "return": total,
            "length": length,
            "env_steps": self.env_steps,
            "critic_loss": sum(losses) / len(losses) if losses else float("nan"),
        }

    def state_dict(self) -> dict[str, Any]:
        return {
            "agent": self.agent.state_dict(),
            "buffer": self.buffer.state_dict(),
            "env_steps": self.env_steps,
            "episodes": self.episodes,
            "seed": self.seed,
        }

    def load_state_dict(self, state: dict[str, Any]) -> None:
        if int(state["seed"]) != self.seed:
            raise ValueError(f"state_dict is for seed {state['seed']}, this runner has seed {self.seed}")
        self.agent.load_state_dict(state["agent"])
        self.buffer.load_state_dict(state["buffer"])
        self.env_steps, self.episodes = int(state["env_steps"]), int(state["episodes"])


def train_episodes(
    runner: EpisodeRunner,
    episodes: int,
    eval_every: int = 0,
    eval_episodes: int = 5,
    eval_seed: int = 10_000,
    checkpoint_dir: str | Path | None = None,
    resume: bool = False,
    desc: str = "rl",
) -> TrainResult:
    """Play `episodes` episodes with `runner` on THE training loop (`saddle.train.train_loop`, one step = one episode).

    One record per episode: 'return' (training return, with exploration), 'env_steps', 'critic_loss' (mean over
    the episode's updates; absent during the warm-up); every `eval_every` episodes (0: never) 'eval_return', the
    mean return of the deterministic policy over `eval_episodes` episodes (evaluate_returns, seed `eval_seed`).
    With `checkpoint_dir` the runner (agent, buffer, counters) is checkpointed after every episode and
    `resume=True` continues exactly from the last one. Returns the loop's TrainResult (`.history`: the records).
    """
    check_int("episodes", episodes)
    eval_every = check_int("eval_every", eval_every, 0)
    env_id = runner.env.spec.id if runner.env.spec else ""  # a gymnasium id is never empty
    if eval_every and not env_id:
        raise ValueError("evaluation needs an environment made by id (make_env), got one without a spec")

    def step_fn(_batch: None, _step: int) -> dict[str, float]:
        stats = runner.run_episode()
        out = {"return": stats["return"], "env_steps": float(stats["env_steps"])}
        if math.isfinite(stats["critic_loss"]):
            out["critic_loss"] = stats["critic_loss"]
        return out

    def evaluate() -> dict[str, float]:
        return {"eval_return": float(np.mean(evaluate_returns(runner.agent.act, env_id, eval_episodes, eval_seed)))}

    return train_loop(
        step_fn,
        steps=episodes,
        evaluate=evaluate if eval_every else None,
        eval_every=eval_every or 1,
        record_every=1,
        state={"runner": runner},
        checkpoint_dir=checkpoint_dir,
        resume=resume,
        desc=desc,
    )
