"""saddle.rl against its floors: S seeds batched in one process vs the same seeds one after the other, and saddle's TD3
vs stable-baselines3's TD3 on a MuJoCo task with the same hyperparameters and environment steps.

    .venv/bin/python benchmarks/rl.py seeds [--env Pendulum-v1] [--steps 3000] [--seeds 5]
    .venv/bin/python benchmarks/rl.py td3 [--env InvertedPendulum-v5] [--steps 30000] [--seeds 0 1 2] [--episodes 10]

(a) `seeds`: one Runner with S seeds (one batched network, S copies of the task in a gymnasium vector env) vs S
    Runners with one seed each, the same DDPG settings (64×64, batch 256, 1000 warm-up steps, one update per step)
    and the same steps; reported: CPU seconds of each (process time, one torch thread), their ratio (target ≥ 3
    on a 2-core machine), and whether every seed's episode returns and final weights are equal (they must be).
(b) `td3`: TD3 with SB3's hyperparameters for both (actor and critic MLPs 64×64 ReLU, Adam lr 1e-3, batch 256,
    τ = 0.005, γ = 0.99, replay 100k, 1000 uniform-random warm-up steps, Gaussian exploration noise σ = 0.1 of the
    half-range, one gradient step per environment step, policy delay 2, target noise 0.2 clipped at 0.5 of the
    half-range, time-limit truncation not treated as termination), one seed at a time, the two libraries
    interleaved so that load from other processes hits both alike. Reported: the mean evaluation return of the
    deterministic policy over `--episodes` episodes (the same starts for both, `saddle.rl.evaluate_returns`) per
    seed and whether saddle's mean lies within SB3's seed spread [min, max]; environment steps per CPU second
    of the whole training run (warm-up included) per seed, and the ratio saddle/SB3 of the seeds' totals
    (target ≥ 1). A third line gives saddle with all seeds batched in one run (its steps/s per seed).
`uptime`'s load is printed before and after: timings are only comparable at the same load.
"""

from __future__ import annotations

import argparse
import os
import time
from collections.abc import Callable

import numpy as np
import torch

from saddle.rl import DDPG, DDPGConfig, Runner, evaluate_returns, make_env

HIDDEN, LR, BATCH, TAU, GAMMA, BUFFER, WARMUP, SIGMA = (64, 64), 1e-3, 256, 0.005, 0.99, 100_000, 1000, 0.1


def load() -> str:
    return "load average {:.2f} {:.2f} {:.2f}".format(*os.getloadavg())


def config(td3: bool) -> DDPGConfig:
    return DDPGConfig(
        hidden=HIDDEN,
        actor_lr=LR,
        critic_lr=LR,
        gamma=GAMMA,
        tau=TAU,
        batch_size=BATCH,
        buffer_size=BUFFER,
        exploration_noise=SIGMA,
        learning_starts=WARMUP,
        td3=td3,
    )


def saddle_runner(env_id: str, seeds: int | list[int], td3: bool) -> Runner:
    env = make_env(env_id)
    agent = DDPG(env.observation_space.shape[0], env.action_space.low, env.action_space.high, config(td3), seeds)
    return Runner(agent, env_id)


def batched_vs_sequential(env_id: str, steps: int, num_seeds: int) -> None:
    seeds = list(range(num_seeds))
    print(f"{num_seeds} seeds of DDPG on {env_id}, {steps} steps each; {load()}", flush=True)
    t = time.process_time()
    batched = saddle_runner(env_id, seeds, td3=False)
    batched.run(steps)
    cpu_batched = time.process_time() - t
    t = time.process_time()
    singles = []
    for s in seeds:
        r = saddle_runner(env_id, s, td3=False)
        r.run(steps)
        singles.append(r)
    cpu_sequential = time.process_time() - t
    equal = all(
        [(a, r) for a, i, r, _ in batched.episodes_done if i == s] == [(a, r) for a, _, r, _ in one.episodes_done]
        and torch.equal(batched.agent.actor.params[s], one.agent.actor.params[0])
        for s, one in enumerate(singles)
    )
    print(
        f"batched {cpu_batched:.1f} CPU s, sequential {cpu_sequential:.1f} CPU s: speed-up "
        f"{cpu_sequential / cpu_batched:.2f} (target >= 3); returns and weights equal seed by seed: {equal}; {load()}"
    )


def train_saddle(env_id: str, steps: int, seed: int) -> tuple[Callable[[np.ndarray], np.ndarray], float]:
    runner = saddle_runner(env_id, seed, td3=True)
    t = time.process_time()
    runner.run(steps)
    return runner.agent.act, steps / (time.process_time() - t)


def train_sb3(env_id: str, steps: int, seed: int) -> tuple[Callable[[np.ndarray], np.ndarray], float]:
    import gymnasium as gym
    from stable_baselines3 import TD3
    from stable_baselines3.common.noise import NormalActionNoise

    env = gym.make(env_id)
    k = env.action_space.shape[0]
    model = TD3(
        "MlpPolicy",
        env,
        learning_rate=LR,
        buffer_size=BUFFER,
        learning_starts=WARMUP,
        batch_size=BATCH,
        tau=TAU,
        gamma=GAMMA,
        train_freq=1,
        gradient_steps=1,
        action_noise=NormalActionNoise(np.zeros(k), SIGMA * np.ones(k)),  # SB3 adds it in the [-1, 1] scaled space
        policy_delay=2,
        target_policy_noise=0.2,
        target_noise_clip=0.5,
        policy_kwargs={"net_arch": list(HIDDEN)},
        seed=seed,
        device="cpu",
        verbose=0,
    )
    t = time.process_time()
    model.learn(total_timesteps=steps)
    rate = steps / (time.process_time() - t)

    def policy(obs: np.ndarray) -> np.ndarray:  # (1, N, d) -> (1, N, k)
        return model.predict(obs[0], deterministic=True)[0][None]

    return policy, rate


def td3_vs_sb3(env_id: str, steps: int, seeds: list[int], episodes: int) -> None:
    print(f"TD3 on {env_id}, {steps} steps per seed, seeds {seeds}; {load()}", flush=True)
    results: dict[str, dict[str, list[float]]] = {k: {"return": [], "rate": []} for k in ("saddle", "sb3")}
    for seed in seeds:
        for name, fit in (("saddle", train_saddle), ("sb3", train_sb3)):
            policy, rate = fit(env_id, steps, seed)
            ret = float(evaluate_returns(policy, env_id, 1, episodes, seed=1000 + seed).mean())
            results[name]["return"].append(ret)
            results[name]["rate"].append(rate)
            print(f"seed {seed} {name:6s}: return {ret:8.1f}  {rate:6.1f} env steps per CPU s", flush=True)
    s, b = results["saddle"], results["sb3"]
    lo, hi = min(b["return"]), max(b["return"])
    total = len(seeds) * steps
    ratio = (total / sum(total / r for r in s["rate"])) / (total / sum(total / r for r in b["rate"]))
    print(
        f"return  saddle {np.mean(s['return']):.1f} (seeds {', '.join(f'{r:.1f}' for r in s['return'])})   "
        f"SB3 {np.mean(b['return']):.1f} (spread [{lo:.1f}, {hi:.1f}])   "
        f"saddle's mean within SB3's spread: {lo <= np.mean(s['return']) <= hi}"
    )
    print(f"env steps per CPU second, all seeds: saddle/SB3 = {ratio:.2f} (target >= 1); {load()}")
    runner = saddle_runner(env_id, seeds, td3=True)
    t = time.process_time()
    runner.run(steps)
    per_seed = len(seeds) * steps / (time.process_time() - t)
    print(f"saddle with the {len(seeds)} seeds batched: {per_seed:.1f} env steps per CPU s per seed; {load()}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="which", required=True)
    a = sub.add_parser("seeds")
    a.add_argument("--env", default="Pendulum-v1")
    a.add_argument("--steps", type=int, default=3000)
    a.add_argument("--seeds", type=int, default=5)
    b = sub.add_parser("td3")
    b.add_argument("--env", default="InvertedPendulum-v5")
    b.add_argument("--steps", type=int, default=30_000)
    b.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    b.add_argument("--episodes", type=int, default=10)
    args = parser.parse_args()
    torch.set_num_threads(1)
    if args.which == "seeds":
        batched_vs_sequential(args.env, args.steps, args.seeds)
    else:
        td3_vs_sb3(args.env, args.steps, args.seeds, args.episodes)


if __name__ == "__main__":
    main()
