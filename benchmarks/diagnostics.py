"""Robustness diagnostics: empirical NTK batched vs per-sample loop; LipSDP solve time vs layer width.

(1) Empirical NTK Θ = J Jᵀ of `--points` digits-sized inputs (64 features) for a 3-layer MLP
    64 → width → width → outputs (tanh), float32:
      (a) `saddle.robustness.empirical_ntk` (torch.func: vmap(jacrev) + block contraction),
      (b) `ntk_min_eigenvalue`'s path: one vmapped Jacobian and one matmul (`parameter_jacobian`),
      (c) `empirical_ntk(method="ntvp")` (vjp + jvp NTK-vector products, 64 columns vmapped at a time),
      (d) the peer: a Python loop of torch.autograd.grad per sample and output, stacked, then J Jᵀ.
    Prints seconds, the ratio (d)/(a) (target ≥ 10×) and the max abs difference of the kernels.
(2) LipSDP-Neuron (cvxpy + SCS) on a net 64 → m → m → 10 for growing m: solve time, the bound, and the
    product-of-spectral-norms bound it improves on.
Usage: python benchmarks/diagnostics.py [--points 512] [--width 128] [--outputs 1] [--chunk 64] [--widths 8,16,32,64,128]
       [--threads N] [--device cpu|cuda]
Timings on a shared machine include the others' load; compare ratios from one run.
"""

from __future__ import annotations

import argparse
import math
import time

import torch
from torch import nn

from saddle.robustness.lipsdp import lipschitz_upper_bound_sdp
from saddle.robustness.lipschitz import ReLULayers, lipschitz_upper_bound_product
from saddle.robustness.ntk import empirical_ntk, ntk_matrix, parameter_jacobian


def mlp(width: int, outputs: int, gen: torch.Generator) -> nn.Module:
    net = nn.Sequential(nn.Linear(64, width), nn.Tanh(), nn.Linear(width, width), nn.Tanh(), nn.Linear(width, outputs))
    with torch.no_grad():
        for p in net.parameters():
            p.copy_(torch.randn(p.shape, generator=gen) / math.sqrt(p.shape[-1]))
    return net


def loop_ntk(model: nn.Module, x: torch.Tensor) -> torch.Tensor:
    params = list(model.parameters())
    rows = []
    for i in range(x.shape[0]):
        out = model(x[i:i + 1]).reshape(-1)
        for k in range(out.numel()):
            grads = torch.autograd.grad(out[k], params, retain_graph=k < out.numel() - 1)
            rows.append(torch.cat([g.reshape(-1) for g in grads]))
    j = torch.stack(rows)
    return j @ j.T


def timed(fn, sync):
    sync()
    t = time.perf_counter()
    out = fn()
    sync()
    return time.perf_counter() - t, out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--points", type=int, default=512)
    ap.add_argument("--width", type=int, default=128)
    ap.add_argument("--outputs", type=int, default=1)
    ap.add_argument("--chunk", type=int, default=64)
    ap.add_argument("--widths", default="8,16,32,64,128")
    ap.add_argument("--threads", type=int, default=0)
    ap.add_argument("--device", default="cpu")
    args = ap.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    dev = torch.device(args.device)
    sync = torch.cuda.synchronize if dev.type == "cuda" else (lambda: None)
    gen = torch.Generator().manual_seed(0)
    model = mlp(args.width, args.outputs, gen).to(dev)
    x = torch.rand(args.points, 64, generator=gen).to(dev)
    n_params = sum(p.numel() for p in model.parameters())
    print(f"(1) empirical NTK: {args.points} points, MLP 64-{args.width}-{args.width}-{args.outputs} "
          f"({n_params} parameters), {dev}, {torch.get_num_threads()} threads")
    empirical_ntk(model, x[:4])  # warm-up (torch.func tracing)
    t_a, theta = timed(lambda: ntk_matrix(empirical_ntk(model, x)), sync)
    t_b, gram = timed(lambda: (lambda j: j @ j.T)(parameter_jacobian(model, x).reshape(-1, n_params)), sync)
    t_c, theta_c = timed(lambda: ntk_matrix(empirical_ntk(model, x, method="ntvp", chunk_size=args.chunk)), sync)
    t_d, ref = timed(lambda: loop_ntk(model, x), sync)
    scale = float(ref.abs().max())
    rows = [("(a) empirical_ntk, vmap(jacrev) + contraction", t_a, float((theta - ref).abs().max()) / scale),
            ("(b) parameter_jacobian + one matmul", t_b, float((gram - ref).abs().max()) / scale),
            ("(c) NTK-vector products (vjp + jvp)", t_c, float((theta_c - ref).abs().max()) / scale),
            ("(d) per-sample autograd loop (peer)", t_d, 0.0)]
    print(f"{'method':58s} {'seconds':>9s} {'loop/this':>10s} {'max rel diff':>13s}")
    for name, t, diff in rows:
        print(f"{name:58s} {t:9.3f} {t_d / t:10.1f} {diff:13.2e}")
    print(f"ratio loop/batched (a): {t_d / t_a:.1f}x (target >= 10x)")

    print("\n(2) LipSDP-Neuron (cvxpy + SCS, eps 1e-7) on 64-m-m-10, weights N(0, 1/fan_in)")
    print(f"{'m':>5s} {'hidden units':>12s} {'LMI size':>9s} {'seconds':>9s} {'LipSDP':>9s} {'product':>9s} {'ratio':>7s} {'certified':>9s}")
    for m in [int(w) for w in args.widths.split(",")]:
        ws = [torch.randn(m, 64, generator=gen, dtype=torch.float64) / 8,
              torch.randn(m, m, generator=gen, dtype=torch.float64) / math.sqrt(m),
              torch.randn(10, m, generator=gen, dtype=torch.float64) / math.sqrt(m)]
        net = ReLULayers(ws)
        t0 = time.perf_counter()
        res = lipschitz_upper_bound_sdp(net)
        t = time.perf_counter() - t0
        prod = lipschitz_upper_bound_product(net, 2)
        print(f"{m:5d} {2 * m:12d} {res.input_dim + 2 * m:9d} {t:9.2f} {res.bound:9.4f} {prod:9.4f} "
              f"{res.bound / prod:7.3f} {str(res.certified):>9s}")


if __name__ == "__main__":
    main()
