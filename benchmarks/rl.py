"""saddle's DDPG vs stable-baselines3's DDPG on Pendulum-v1: same hyperparameters, same environment steps.

    .venv/bin/python benchmarks/rl.py [--steps 15000] [--seeds 0 1 2] [--episodes 20]

Both: actor and critic MLPs 64×64 (ReLU), Adam lr 1e-3 for both, batch 256, τ = 0.005, γ = 0.99, replay 100k,
1000 uniform-random warm-up steps, then Gaussian exploration noise σ = 0.1 × half-range (0.2 N·m), one
gradient step per environment step, time-limit truncation not treated as termination. Both trained on one
thread, seed by seed, the two libraries interleaved so that load from other processes hits both alike.
Reported: (a) the mean evaluation return of the deterministic policy over `--episodes` episodes (the same
episode starts for both, via saddle.rl.evaluate_returns), per seed, and whether saddle's mean lies within
SB3's seed spread [min, max]; (b) environment steps per second of the whole training run (warm-up included),
per seed and the ratio saddle/SB3 of the best (least disturbed) runs. Targets: return within SB3's spread,
steps/s ratio ≥ 1. Timings on a shared machine are noisy; the best of the seeds is quoted.

Measured (2026-12-02, `--steps 6000 --episodes 10`, seeds 0 1 2, one thread on a 2-core machine shared with
~10 other busy processes, so absolute rates are ~5× below an idle machine):
  return  saddle −176.9, −160.4, −147.9 (mean −161.7); SB3 −173.2, −169.3, −146.4 (mean −162.9, spread
          [−173.2, −146.4]): saddle's mean lies within SB3's spread — target met; both ≥ −200.
  steps/s saddle 17.0, 29.8, 32.4; SB3 23.0, 22.5, 27.2; best-of-seeds ratio 1.19 (target ≥ 1 met, but the
          per-seed rates moved by 2× with the load, so the ratio is only indicative).
Re-measured (2026-12-02, same arguments, load ≈ 1: one other single-threaded process on the second core):
  the same returns bit for bit (saddle −176.9, −160.4, −147.9; SB3 −173.2, −169.3, −146.4); steps/s saddle
  367.7, 370.1, 364.1; SB3 294.3, 294.3, 283.8; best-of-seeds ratio 1.26 (per-seed ratios 1.25–1.28).
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import torch

from saddle.rl import DDPG, DDPGConfig, EpisodeRunner, evaluate_returns, make_env

HIDDEN, LR, BATCH, TAU, GAMMA, BUFFER, WARMUP, SIGMA = (64, 64), 1e-3, 256, 0.005, 0.99, 100_000, 1000, 0.1


def train_saddle(steps: int, seed: int):
    env = make_env("Pendulum-v1")
    cfg = DDPGConfig(
        hidden=HIDDEN,
        actor_lr=LR,
        critic_lr=LR,
        gamma=GAMMA,
        tau=TAU,
        batch_size=BATCH,
        buffer_size=BUFFER,
        exploration_noise=SIGMA,
        learning_starts=WARMUP,
    )
    agent = DDPG(env.observation_space.shape[0], env.action_space.low, env.action_space.high, cfg, seed)
    runner = EpisodeRunner(agent, env, seed)
    t = time.perf_counter()
    while runner.env_steps < steps:
        runner.run_episode()
    return agent.act, runner.env_steps / (time.perf_counter() - t)


def train_sb3(steps: int, seed: int):
    import gymnasium as gym
    from stable_baselines3 import DDPG as SB3DDPG
    from stable_baselines3.common.noise import NormalActionNoise

    env = gym.make("Pendulum-v1")
    half = float((env.action_space.high - env.action_space.low)[0] / 2)
    model = SB3DDPG(
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
        action_noise=NormalActionNoise(np.zeros(1), SIGMA * half * np.ones(1)),
        policy_kwargs={"net_arch": list(HIDDEN)},
        seed=seed,
        device="cpu",
        verbose=0,
    )
    t = time.perf_counter()
    model.learn(total_timesteps=steps)
    rate = steps / (time.perf_counter() - t)
    return (lambda obs: model.predict(obs, deterministic=True)[0]), rate


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=15_000)
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--episodes", type=int, default=20)
    args = parser.parse_args()
    torch.set_num_threads(1)
    results: dict[str, dict[str, list[float]]] = {k: {"return": [], "steps_per_s": []} for k in ("saddle", "sb3")}
    for seed in args.seeds:
        for name, train in (("saddle", train_saddle), ("sb3", train_sb3)):
            policy, rate = train(args.steps, seed)
            ret = float(evaluate_returns(policy, "Pendulum-v1", args.episodes, seed=1000 + seed).mean())
            results[name]["return"].append(ret)
            results[name]["steps_per_s"].append(rate)
            print(
                f"seed {seed} {name:6s}: mean return over {args.episodes} episodes {ret:8.1f}   "
                f"{rate:6.1f} env steps/s",
                flush=True,
            )
    s, b = results["saddle"], results["sb3"]
    lo, hi = min(b["return"]), max(b["return"])
    print(
        f"\nreturn  saddle {np.mean(s['return']):.1f} (seeds {', '.join(f'{r:.1f}' for r in s['return'])})   "
        f"SB3 {np.mean(b['return']):.1f} (spread [{lo:.1f}, {hi:.1f}])   "
        f"saddle mean within SB3 spread: {lo <= np.mean(s['return']) <= hi}"
    )
    print(
        f"steps/s best of seeds: saddle {max(s['steps_per_s']):.1f}  SB3 {max(b['steps_per_s']):.1f}  "
        f"ratio {max(s['steps_per_s']) / max(b['steps_per_s']):.2f} (target >= 1)"
    )


if __name__ == "__main__":
    main()
