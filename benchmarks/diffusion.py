"""Samplers at equal quality: network evaluations and seconds per sample to reach a W2 target on a 2-D toy.

One ε-network (ScoreMLP) is trained on the VP SDE for `--toy`. The reference quality is the best W2 (POT, exact)
to fresh data over all samplers at the largest budget; for each sampler we report the smallest number of
network evaluations (NFE) from a grid whose W2 is within `--slack` of it, and the seconds per sample there.
Also printed: the W2 between two independent data draws (the floor). Run: .venv/bin/python benchmarks/diffusion.py
"""

from __future__ import annotations

import argparse
import time

import torch

from saddle.data import sample_toy
from saddle.diffusion import ScoreMLP, VPSDE, model_eps_fn, train_epsilon_model
from saddle.experiments.diffusion_2d import _Counter, samplers_at_equal_nfe
from saddle.metrics.transport import wasserstein


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--toy", default="swissroll")
    ap.add_argument("--train-steps", type=int, default=6000)
    ap.add_argument("--n", type=int, default=2000)
    ap.add_argument("--nfe", default="10,20,50,100,200,500")
    ap.add_argument("--slack", type=float, default=1.1)
    args = ap.parse_args()
    grid = [int(v) for v in args.nfe.split(",")]
    torch.manual_seed(0)
    sde = VPSDE()
    data = sample_toy(args.toy, 20000, torch.Generator().manual_seed(0))
    net = ScoreMLP(2)
    t0 = time.perf_counter()
    train_epsilon_model(net, sde, data, steps=args.train_steps, seed=0)
    print(f"trained {args.train_steps} steps in {time.perf_counter() - t0:.1f}s")
    ref = sample_toy(args.toy, args.n, torch.Generator().manual_seed(1))
    floor = wasserstein(ref, sample_toy(args.toy, args.n, torch.Generator().manual_seed(2)))
    xT = sde.prior_sample((args.n, 2), torch.Generator().manual_seed(3))
    table: dict[str, list[tuple[int, float, float]]] = {}
    for nfe in grid:
        for name, sampler in samplers_at_equal_nfe(sde, nfe, 1e-3).items():
            if name == "rk45" and nfe != grid[0]:
                continue
            if name == "rk45":  # adaptive: sweep the tolerance instead
                for tol in (1e-1, 1e-2, 1e-3, 1e-4):
                    eps = _Counter(model_eps_fn(net, sde))
                    t0 = time.perf_counter()
                    x = samplers_at_equal_nfe(sde, nfe, tol)["rk45"](eps, xT.clone(), None)
                    table.setdefault(name, []).append((eps.calls, (time.perf_counter() - t0) / args.n,
                                                       wasserstein(x, ref)))
                continue
            eps = _Counter(model_eps_fn(net, sde))
            t0 = time.perf_counter()
            x = sampler(eps, xT.clone(), torch.Generator().manual_seed(4))
            table.setdefault(name, []).append((eps.calls, (time.perf_counter() - t0) / args.n, wasserstein(x, ref)))
    best = min(w for rows in table.values() for _, _, w in rows)
    target = args.slack * best
    print(f"toy {args.toy}: W2(data, data) = {floor:.4f}; best sampler W2 = {best:.4f}; target W2 <= {target:.4f}")
    print(f"{'sampler':16s} {'NFE':>6s} {'us/sample':>10s} {'W2':>8s} {'W2/floor':>9s}  (first grid point at target)")
    for name, rows in table.items():
        hit = next(((n, s, w) for n, s, w in sorted(rows) if w <= target), None)
        if hit is None:
            n, s, w = min(rows, key=lambda r: r[2])
            print(f"{name:16s} {'>' + str(n):>6s} {1e6 * s:10.1f} {w:8.4f} {w / floor:9.2f}  (target not reached)")
        else:
            n, s, w = hit
            print(f"{name:16s} {n:6d} {1e6 * s:10.1f} {w:8.4f} {w / floor:9.2f}")
    print("full sweep (sampler: NFE -> W2):")
    for name, rows in table.items():
        print(f"  {name:16s} " + ", ".join(f"{n}->{w:.3f}" for n, _, w in sorted(rows)))


if __name__ == "__main__":
    main()
