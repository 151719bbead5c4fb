"""Throughput of the batched samplers: chain-steps per second with 10,000 chains in one tensor vs one chain looped.

    .venv/bin/python benchmarks/sampling.py [--chains 10000] [--steps 50] [--looped-chains 20] [--dim 10] [--threads 1]
                                            [--repeats 5]

The batched run advances all chains together for `--steps` steps. The looped baseline runs the same kernel on one
chain at a time (a (1, d) tensor) for `--looped-chains` chains × `--steps` steps and is *extrapolated*: its
chain-steps/s is what 10,000 looped chains would reach at the same per-step cost. Target: a correlated Gaussian
in `--dim` dimensions with closed-form gradient (covariance a aᵀ/d + I). Each number is the best (min time) of
`--repeats` runs: timings are wall clock on a possibly shared machine, the minimum is the least disturbed one.
"""

from __future__ import annotations

import argparse
import time

import torch

from saddle.sampling import HMC, MALA, ULA, Gaussian, sample


def make_target(d: int) -> Gaussian:
    g = torch.Generator().manual_seed(0)
    a = torch.randn(d, d, generator=g)
    return Gaussian(torch.zeros(d), a @ a.T / d + torch.eye(d))


def best_seconds(fn, repeats: int) -> float:
    """Minimum wall time of `repeats` calls of fn() after one warm-up call."""
    fn()
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return min(times)


def throughput(kernel, n_chains: int, steps: int, d: int, repeats: int = 5) -> float:
    """Chain-steps per second when `n_chains` chains advance together (best of `repeats`)."""
    x0 = torch.zeros(n_chains, d)
    g = torch.Generator().manual_seed(1)
    return n_chains * steps / best_seconds(lambda: sample(kernel, x0, steps, g), repeats)


def looped_throughput(kernel, n_chains: int, steps: int, d: int, repeats: int = 5) -> float:
    """Chain-steps per second when chains are run one after another as (1, d) tensors (best of `repeats`)."""
    g = torch.Generator().manual_seed(1)

    def loop() -> None:
        for _ in range(n_chains):
            sample(kernel, torch.zeros(1, d), steps, g)

    return n_chains * steps / best_seconds(loop, repeats)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--chains", type=int, default=10_000)
    p.add_argument("--steps", type=int, default=50)
    p.add_argument("--looped-chains", type=int, default=20)
    p.add_argument("--dim", type=int, default=10)
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--repeats", type=int, default=5)
    args = p.parse_args()
    torch.set_num_threads(args.threads)
    target = make_target(args.dim)
    kernels = {
        "ULA": ULA(0.05, potential=target),
        "MALA": MALA(0.1, potential=target),
        "HMC (10 leapfrog)": HMC(0.1, 1.0, potential=target),
    }
    print(
        f"d={args.dim}, threads={args.threads}, batched: {args.chains} chains x {args.steps} steps; looped: "
        f"{args.looped_chains} chains x {args.steps} steps, extrapolated per chain-step; best of {args.repeats}"
    )
    print(f"{'sampler':<18} {'batched chain-steps/s':>22} {'looped chain-steps/s':>21} {'ratio':>8}")
    for name, kernel in kernels.items():
        b = throughput(kernel, args.chains, args.steps, args.dim, args.repeats)
        lo = looped_throughput(kernel, args.looped_chains, args.steps, args.dim, args.repeats)
        print(f"{name:<18} {b:>22,.0f} {lo:>21,.0f} {b / lo:>8.0f}x")


if __name__ == "__main__":
    main()
