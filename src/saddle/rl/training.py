"""Off-policy training of S seeds of a DDPG-family agent in one process: S copies of the task in one gymnasium
vector env, one batched agent, one replay buffer with a ring per seed.

`Runner.run(n)` plays n environment steps on every copy: uniform random actions for the first `learning_starts`
steps, then `agent.explore`; every `train_freq` steps, once the buffer holds `learning_starts` transitions,
`gradient_steps` updates (SB3's schedule; an update of MixedNE-LD is one SGLD step of its inner loop, and the
Runner updates until the outer step is closed before it acts again). Seed s's episode e starts from reset(seed=episode_seed(seed_s, e)), so
a copy's trajectory depends on its seed only, and seed s of a run with S seeds is, number for number, the run with
seed s alone (the tests check it). `state_dict` holds the agent, the buffer, the counters and every copy's
simulator state (`env_state`), so a run resumed between any two steps continues exactly.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import numpy as np
import torch

from saddle.rl.ddpg import DDPG
from saddle.rl.env import box_spaces, check_observation, env_state, episode_seed, make_vector_env, set_env_state
from saddle.rl.evaluation import evaluate_returns
from saddle.rl.replay import ReplayBuffer
from saddle.train import TrainResult, train_loop
from saddle.validation import check_int

__all__ = ["Runner", "train"]


def _tensors(state: dict[str, Any]) -> dict[str, Any]:
    """numpy arrays of a state as tensors (checkpoints are read with weights_only=True)."""
    return {k: torch.from_numpy(v) if isinstance(v, np.ndarray) else v for k, v in state.items()}


def _array(value: torch.Tensor | np.ndarray) -> np.ndarray:
    """A tensor or array of a saved state as a fresh numpy array."""
    return value.numpy().copy() if isinstance(value, torch.Tensor) else np.array(value)


class Runner:
    """S seeds of `agent` on S copies of the task `env_id` (a SyncVectorEnv without autoreset) + the replay buffer.

    Args: agent (DDPG or ActionRobustDDPG with S seeds), env_id, env_kwargs (to `make_env`, e.g.
    max_episode_steps). Counters: env_steps (per copy), episodes (S,) started per seed; `episodes_done` lists
    (env_steps, seed index, return, length) of every finished training episode.
    """

    def __init__(self, agent: DDPG, env_id: str, **env_kwargs: Any) -> None:
        self.agent, self.env_id, self.env_kwargs = agent, env_id, env_kwargs
        self.envs = make_vector_env(env_id, agent.num_seeds, **env_kwargs)
        obs_space, action_space = box_spaces(self.envs)
        if obs_space.shape[0] != agent.obs_dim or action_space.shape[0] != agent.action_dim:
            raise ValueError(
                f"agent has obs_dim={agent.obs_dim}, action_dim={agent.action_dim} but the environment "
                f"has {obs_space.shape[0]}, {action_space.shape[0]}"
            )
        s = agent.num_seeds
        self.buffer = ReplayBuffer(agent.config.buffer_size, agent.obs_dim, agent.action_dim, s)
        self.env_steps = 0
        self.episodes = np.zeros(s, dtype=np.int64)
        self.episode_return = np.zeros(s)
        self.episode_length = np.zeros(s, dtype=np.int64)
        self.episodes_done: list[tuple[int, int, float, int]] = []
        self.obs: np.ndarray | None = None

    def _reset(self, mask: np.ndarray | None = None) -> None:
        seeds: list[int | None] = [episode_seed(seed, int(e)) for seed, e in zip(self.agent.seeds, self.episodes)]
        options = None if mask is None else {"reset_mask": mask}
        obs, _ = self.envs.reset(seed=seeds, options=options)
        obs = check_observation(obs, f"{self.env_id} reset")
        if self.obs is None or mask is None:
            self.obs = obs
        else:
            self.obs[mask] = obs[mask]

    def _update(self) -> float:
        """One update of the agent on a fresh minibatch per seed; returns the critic loss averaged over seeds."""
        batch = self.buffer.sample(self.agent.config.batch_size, self.agent.generator)
        return float(self.agent.update(batch)["critic_loss"].mean())

    def run(self, steps: int) -> dict[str, float]:
        """Play and learn from `steps` environment steps on every copy; returns {'return' (mean over the episodes
        finished meanwhile, absent if none), 'critic_loss' (mean over seeds and updates, absent before the first
        update), 'env_steps'}."""
        agent, c = self.agent, self.agent.config
        if self.obs is None:
            self._reset()
        finished_before = len(self.episodes_done)
        losses: list[float] = []
        for _ in range(check_int("steps", steps)):
            assert self.obs is not None  # reset above
            action = agent.random_action() if self.env_steps < c.learning_starts else agent.explore(self.obs)
            next_obs, reward, terminated, truncated, _ = self.envs.step(action)
            next_obs = check_observation(next_obs, f"{self.env_id} step")
            if not np.all(np.isfinite(reward)):
                raise ValueError(f"{self.env_id} returned a non-finite reward {reward.tolist()}")
            self.buffer.add(self.obs, action, reward, next_obs, terminated)
            self.env_steps += 1
            if len(self.buffer) >= max(c.learning_starts, 1) and self.env_steps % c.train_freq == 0:
                for _ in range(c.gradient_steps):
                    losses.append(self._update())
                    while agent.inner_pending():  # MixedNE-LD: finish the outer step (a fresh minibatch each)
                        losses.append(self._update())
            self.episode_return += reward
            self.episode_length += 1
            self.obs = next_obs
            done = terminated | truncated
            if done.any():
                for i in np.flatnonzero(done):
                    self.episodes_done.append(
                        (self.env_steps, int(i), float(self.episode_return[i]), int(self.episode_length[i]))
                    )
                self.episodes[done] += 1
                self.episode_return[done] = 0.0
                self.episode_length[done] = 0
                self._reset(done)
        out = {"env_steps": float(self.env_steps)}
        finished = self.episodes_done[finished_before:]
        if finished:
            out["return"] = float(np.mean([r for _, _, r, _ in finished]))
        if losses:
            out["critic_loss"] = float(np.mean(losses))
        return out

    def state_dict(self) -> dict[str, Any]:
        return {
            "agent": self.agent.state_dict(),  # its generator's state names the seeds (checked on load)
            "buffer": self.buffer.state_dict(),
            "env_steps": self.env_steps,
            "episodes": torch.from_numpy(self.episodes.copy()),
            "episode_return": torch.from_numpy(self.episode_return.copy()),
            "episode_length": torch.from_numpy(self.episode_length.copy()),
            "episodes_done": [list(x) for x in self.episodes_done],
            "obs": None if self.obs is None else torch.from_numpy(self.obs.copy()),
            "env_states": None if self.obs is None else [_tensors(env_state(e)) for e in self.envs.envs],
        }

    def load_state_dict(self, state: dict[str, Any]) -> None:
        saved = state["env_states"]
        if saved is not None and len(saved) != self.agent.num_seeds:
            raise ValueError(
                f"state_dict holds {len(saved)} simulator states, this runner has {self.agent.num_seeds} seeds"
            )
        self.agent.load_state_dict(state["agent"])
        self.buffer.load_state_dict(state["buffer"])
        self.env_steps = int(state["env_steps"])
        self.episodes = _array(state["episodes"]).astype(np.int64)
        self.episode_return = _array(state["episode_return"]).astype(np.float64)
        self.episode_length = _array(state["episode_length"]).astype(np.int64)
        self.episodes_done = [(int(a), int(b), float(r), int(n)) for a, b, r, n in state["episodes_done"]]
        if state["obs"] is None:
            self.obs = None
            return
        self._reset()  # every copy's wrappers need a reset before the saved physics go in
        for env, saved in zip(self.envs.envs, state["env_states"]):
            set_env_state(env, {k: _array(v) if isinstance(v, torch.Tensor) else v for k, v in saved.items()})
        self.obs = _array(state["obs"]).astype(np.float32)


def train(
    runner: Runner,
    env_steps: int,
    steps_per_record: int = 1000,
    eval_every: int = 0,
    eval_episodes: int = 5,
    eval_seed: int = 10_000,
    checkpoint_dir: str | Path | None = None,
    resume: bool = False,
    desc: str = "rl",
) -> TrainResult:
    """Train `runner` for `env_steps` environment steps per seed on THE training loop (`saddle.train.train_loop`;
    one loop step = `steps_per_record` environment steps, the last one shorter if needed).

    One record per loop step: 'env_steps', 'return' (mean training return, with exploration, of the episodes
    finished in it), 'critic_loss'; every `eval_every` records (0: never) 'eval_return' (mean over seeds) and
    'eval_return_s{i}' per seed i: the mean return of the deterministic policies over `eval_episodes` episodes
    (`evaluate_returns`, seed `eval_seed`). With `checkpoint_dir` the runner is checkpointed after every record
    and `resume=True` continues exactly from the last checkpoint. Returns the loop's TrainResult.
    """
    env_steps = check_int("env_steps", env_steps)
    chunk = check_int("steps_per_record", steps_per_record)
    eval_every = check_int("eval_every", eval_every, 0)
    records = math.ceil(env_steps / chunk)

    def step_fn(_batch: None, step: int) -> dict[str, float]:
        return runner.run(min(chunk, env_steps - step * chunk))

    def evaluate() -> dict[str, float]:
        agent = runner.agent
        returns = evaluate_returns(
            agent.act, runner.env_id, agent.num_seeds, eval_episodes, eval_seed, env_kwargs=runner.env_kwargs
        ).mean(axis=1)
        return {"eval_return": float(returns.mean()), **{f"eval_return_s{i}": float(r) for i, r in enumerate(returns)}}

    return train_loop(
        step_fn,
        steps=records,
        evaluate=evaluate if eval_every else None,
        eval_every=eval_every or 1,
        record_every=1,
        state={"runner": runner},
        checkpoint_dir=checkpoint_dir,
        resume=resume,
        desc=desc,
    )
