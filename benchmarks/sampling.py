"""Throughput of the batched samplers: chain-steps per second with 10,000 chains in one tensor vs one chain looped.

    .venv/bin/python benchmarks/sampling.py [--chains 10000] [--steps 50] [--looped-chains 20] [--dim 10] [--threads 1]

The batched run advances all chains together for `--steps` steps. The looped baseline runs the same kernel on one
chain at a time (a (1, d) tensor) for `--looped-chains` chains × `--steps` steps and is *extrapolated*: its
chain-steps/s is what 10,000 looped chains would reach at the same per-step cost. Target: a correlated Gaussian
in `--dim` dimensions with closed-form gradient. Timings are wall clock on a possibly shared machine.
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


def throughput(kernel, n_chains: int, steps: int, d: int, repeats: int = 1) -> float:
    """Chain-steps per second when `n_chains` chains advance together."""
    x0 = torch.zeros(n_chains, d)
    g = torch.Generator().manual_seed(1)
    sample(kernel, x0, 2, g)  # warm-up
    t0 = time.perf_counter()
    for _ in range(repeats):
        sample(kernel, x0, steps, g)
    return n_chains * steps * repeats / (time.perf_counter() - t0)


def looped_throughput(kernel, n_chains: int, steps: int, d: int) -> float:
    """Chain-steps per second when chains are run one after another as (1, d) tensors."""
    g = torch.Generator().manual_seed(1)
    sample(kernel, torch.zeros(1, d), 2, g)
    t0 = time.perf_counter()
    for _ in range(n_chains):
        sample(kernel, torch.zeros(1, d), steps, g)
    return n_chains * steps / (time.perf_counter() - t0)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--chains", type=int, default=10_000)
    p.add_argument("--steps", type=int, default=50)
    p.add_argument("--looped-chains", type=int, default=20)
    p.add_argument("--dim", type=int, default=10)
    p.add_argument("--threads", type=int, default=1)
    args = p.parse_args()
    torch.set_num_threads(args.threads)
    target = make_target(args.dim)
    kernels = {"ULA": ULA(0.05, potential=target), "MALA": MALA(0.1, potential=target),
               "HMC (10 leapfrog)": HMC(0.1, 1.0, potential=target)}
    print(f"d={args.dim}, threads={args.threads}, batched: {args.chains} chains x {args.steps} steps; looped: "
          f"{args.looped_chains} chains x {args.steps} steps, extrapolated per chain-step")
    print(f"{'sampler':<18} {'batched chain-steps/s':>22} {'looped chain-steps/s':>21} {'ratio':>8}")
    for name, kernel in kernels.items():
        b = throughput(kernel, args.chains, args.steps, args.dim)
        lo = looped_throughput(kernel, args.looped_chains, args.steps, args.dim)
        print(f"{name:<18} {b:>22,.0f} {lo:>21,.0f} {b / lo:>8.0f}x")


if __name__ == "__main__":
    main()
