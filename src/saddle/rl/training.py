"""Off-policy training of a DDPG-family agent: one episode is one step of the outer loop.

`EpisodeRunner.run_episode()` plays one episode (uniform random actions for the first `learning_starts`
environment steps, then `agent.explore`), stores every transition and does one `agent.update` per
environment step once the buffer holds `learning_starts` transitions (SB3's train_freq = gradient_steps = 1).
Episode e starts from `reset(seed=episode_seed(seed, e))`, so a run restored from `state_dict` between
episodes continues exactly as the uninterrupted run.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import gymnasium as gym
import numpy as np
import torch

from saddle.rl.ddpg import DDPG
from saddle.progress import progress_range
from saddle.rl.env import episode_seed, reset_checked, step_checked
from saddle.rl.evaluation import evaluate_returns
from saddle.rl.replay import ReplayBuffer
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
        if env.observation_space.shape[0] != agent.obs_dim or env.action_space.shape[0] != agent.action_dim:
            raise ValueError(f"agent has obs_dim={agent.obs_dim}, action_dim={agent.action_dim} but the environment "
                             f"has {env.observation_space.shape[0]}, {env.action_space.shape[0]}")
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
        return {"return": total, "length": length, "env_steps": self.env_steps,
                "critic_loss": sum(losses) / len(losses) if losses else float("nan")}

    def state_dict(self) -> dict[str, Any]:
        return {"agent": self.agent.state_dict(), "buffer": self.buffer.state_dict(), "env_steps": self.env_steps,
                "episodes": self.episodes, "seed": self.seed}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        if int(state["seed"]) != self.seed:
            raise ValueError(f"state_dict is for seed {state['seed']}, this runner has seed {self.seed}")
        self.agent.load_state_dict(state["agent"])
        self.buffer.load_state_dict(state["buffer"])
        self.env_steps, self.episodes = int(state["env_steps"]), int(state["episodes"])




def train_episodes(runner: EpisodeRunner, episodes: int, eval_every: int = 0, eval_episodes: int = 5,
                   eval_seed: int = 10_000, checkpoint: str | Path | None = None, desc: str = "") -> dict[str, list]:
    """Run `runner` until it has played `episodes` episodes; returns the learning curve.

    Every `eval_every` episodes (0: never) the deterministic policy is evaluated over `eval_episodes` episodes
    (evaluate_returns, seed `eval_seed`). With `checkpoint`, the runner and the history are saved there
    (atomically) after every episode and a run finding the file resumes from it, exactly.
    Returns {'episode', 'env_steps', 'return', 'eval_episode', 'eval_return'} (lists).
    """
    check_int("episodes", episodes)
    check_int("eval_every", eval_every, 0)
    history: dict[str, list] = {"episode": [], "env_steps": [], "return": [], "eval_episode": [], "eval_return": []}
    path = None if checkpoint is None else Path(checkpoint)
    if path is not None and path.exists():
        saved = torch.load(path, weights_only=True)
        runner.load_state_dict(saved["runner"])
        history = saved["history"]
    env_id = runner.env.spec.id if runner.env.spec else None
    for _ in progress_range(max(episodes - runner.episodes, 0), desc=desc):
        stats = runner.run_episode()
        history["episode"].append(runner.episodes)
        history["env_steps"].append(runner.env_steps)
        history["return"].append(stats["return"])
        if eval_every and runner.episodes % eval_every == 0 and env_id is not None:
            history["eval_episode"].append(runner.episodes)
            history["eval_return"].append(float(np.mean(evaluate_returns(runner.agent.act, env_id, eval_episodes,
                                                                         eval_seed))))
        if path is not None:
            tmp = path.with_suffix(path.suffix + ".tmp")
            torch.save({"runner": runner.state_dict(), "history": history}, tmp)
            os.replace(tmp, path)
    return history
