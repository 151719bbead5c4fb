"""Robustness diagnostics: the batched empirical NTK against its floor, where batching wins, LipSDP time vs width.

(1) Floor. Θ = J Jᵀ for N digits-sized inputs (64 features), MLP 64 → width → width → K (tanh), float32.
    `empirical_ntk` (vmap(jacrev) + block contraction) is timed against its floor, the sum of
      - one batched Jacobian `parameter_jacobian` (N, K, P), and
      - one matmul of the Gram's size, (N·K, P) @ (P, N·K), on a random matrix of that shape,
    each timed separately in the same run. Target: empirical_ntk / floor ≤ 1.3. The per-sample autograd
    loop (the former yardstick) is printed for reference: at these sizes the N²·K²·P multiply-adds of the
    contraction dominate both, so loop/batched stays small (≈ 1.2–1.8×) and says little.
(2) Where batching wins: many points, small nets. Only the Jacobian differs between the batched and the
    looped NTK, so both Jacobians are timed (the loop on `--loop-points` points, extrapolated linearly).
(3) Where NTK-vector products win: wide nets. One product Θ v (`ntk_vector_product`: one vjp + one jvp)
    against forming Θ (`ntk_min_eigenvalue`'s path: Jacobian + matmul) and multiplying; and the memory of
    the Jacobian (N·K·P floats) that the product never stores.
(4) LipSDP-Neuron (cvxpy + SCS) on 64 → m → m → 10 for growing m: solve time, bound, product bound.
Times are the minimum over `--repeats` runs of the process CPU time (default `--clock cpu`, 1 thread: what
this process computed, insensitive to other users' load on a shared machine; `--clock wall` for wall time,
always wall on cuda). LipSDP is timed in wall seconds (SCS). Usage: python benchmarks/diagnostics.py
[--threads 1] [--repeats 3] [--sections 1,2,3,4] [--clock cpu|wall] [--device cpu|cuda]. Compare ratios
from one run, never absolute seconds across runs.
"""

from __future__ import annotations

import argparse
import math
import time
from collections.abc import Callable

import torch
from torch import nn

from saddle.robustness.lipschitz import ReLULayers, lipschitz_upper_bound_product
from saddle.robustness.lipsdp import lipschitz_upper_bound_sdp
from saddle.theory.ntk import empirical_ntk, ntk_matrix, ntk_vector_product, parameter_jacobian


def mlp(width: int, outputs: int, gen: torch.Generator) -> nn.Module:
    net = nn.Sequential(nn.Linear(64, width), nn.Tanh(), nn.Linear(width, width), nn.Tanh(), nn.Linear(width, outputs))
    with torch.no_grad():
        for p in net.parameters():
            p.copy_(torch.randn(p.shape, generator=gen) / math.sqrt(p.shape[-1]))
    return net


def loop_jacobian(model: nn.Module, x: torch.Tensor) -> torch.Tensor:
    """(N·K, P) by a Python loop of torch.autograd.grad per sample and output (the peer)."""
    params = list(model.parameters())
    rows = []
    for i in range(x.shape[0]):
        out = model(x[i : i + 1]).reshape(-1)
        for k in range(out.numel()):
            grads = torch.autograd.grad(out[k], params, retain_graph=k < out.numel() - 1)
            rows.append(torch.cat([g.reshape(-1) for g in grads]))
    return torch.stack(rows)


class Timer:
    def __init__(self, repeats: int, sync: Callable[[], None], clock: Callable[[], float] = time.perf_counter) -> None:
        self.repeats, self.sync, self.clock = repeats, sync, clock

    def __call__(self, fn: Callable[[], object], repeats: int | None = None) -> tuple[float, object]:
        """Minimum wall time over the repeats, and the last result."""
        best, out = math.inf, None
        for _ in range(repeats or self.repeats):
            self.sync()
            t = self.clock()
            out = fn()
            self.sync()
            best = min(best, self.clock() - t)
        return best, out


def n_params(model: nn.Module) -> int:
    return sum(p.numel() for p in model.parameters())


def floor_row(timer: Timer, gen: torch.Generator, dev: torch.device, n: int, width: int, k: int) -> None:
    model = mlp(width, k, gen).to(dev)
    x = torch.rand(n, 64, generator=gen).to(dev)
    p = n_params(model)
    empirical_ntk(model, x[:4])  # warm-up (torch.func tracing)
    t_ntk, theta = timer(lambda: ntk_matrix(empirical_ntk(model, x)))
    t_jac, _ = timer(lambda: parameter_jacobian(model, x))
    j = torch.randn(n * k, p, generator=gen).to(dev)
    t_mm, _ = timer(lambda: j @ j.T)
    t_loop, jl = timer(lambda: loop_jacobian(model, x), repeats=1)
    ref = jl @ jl.T
    diff = float((theta - ref).abs().max() / ref.abs().max())
    t_loop += t_mm
    print(
        f"{n:5d} {width:5d} {k:3d} {p:7d} {t_ntk:8.3f} {t_jac:8.3f} {t_mm:8.3f} {t_ntk / (t_jac + t_mm):9.2f} "
        f"{t_loop:8.3f} {t_loop / t_ntk:8.1f} {diff:12.1e}"
    )


def floor_section(timer: Timer, gen: torch.Generator, dev: torch.device) -> None:
    print("(1) empirical_ntk against its floor (one batched Jacobian + one Gram-sized matmul)")
    print(
        f"{'N':>5s} {'width':>5s} {'K':>3s} {'P':>7s} {'ntk s':>8s} {'jac s':>8s} {'matmul s':>8s} {'ntk/floor':>9s} "
        f"{'loop s':>8s} {'loop/ntk':>8s} {'max rel diff':>12s}"
    )
    for n, width, k in ((512, 128, 1), (128, 128, 10), (256, 256, 1)):
        floor_row(timer, gen, dev, n, width, k)
    print("   (loop s = looped Jacobian + the same matmul; target ntk/floor <= 1.3)")


def many_points_row(
    timer: Timer, gen: torch.Generator, dev: torch.device, loop_points: int, n: int, width: int
) -> None:
    model = mlp(width, 1, gen).to(dev)
    x = torch.rand(n, 64, generator=gen).to(dev)
    parameter_jacobian(model, x[:4])
    t_b, _ = timer(lambda: parameter_jacobian(model, x))
    m = min(loop_points, n)
    t_l, _ = timer(lambda: loop_jacobian(model, x[:m]), repeats=1)
    t_l *= n / m
    print(f"{n:6d} {width:5d} {n_params(model):6d} {t_b:9.3f} {t_l:16.3f} {t_l / t_b:12.1f}")


def many_points_section(timer: Timer, gen: torch.Generator, dev: torch.device, loop_points: int) -> None:
    print("\n(2) many points, small nets: batched Jacobian vs per-sample loop (K = 1)")
    print(f"{'N':>6s} {'width':>5s} {'P':>6s} {'batched s':>9s} {'loop s (extrap.)':>16s} {'loop/batched':>12s}")
    for n, width in ((4096, 8), (4096, 32), (1024, 128)):
        many_points_row(timer, gen, dev, loop_points, n, width)


def wide_row(timer: Timer, gen: torch.Generator, dev: torch.device, n: int, width: int) -> None:
    model = mlp(width, 1, gen).to(dev)
    x = torch.rand(n, 64, generator=gen).to(dev)
    v = torch.randn(n, 1, generator=gen).to(dev)
    p = n_params(model)
    ntk_vector_product(model, x[:4], v[:4])
    t_v, tv = timer(lambda: ntk_vector_product(model, x, v))

    def form() -> torch.Tensor:
        j = parameter_jacobian(model, x).reshape(n, p)
        return (j @ j.T) @ v

    t_f, ref = timer(form)
    diff = float((tv - ref).abs().max() / ref.abs().max())
    print(f"{n:4d} {width:5d} {p:8d} {n * p * 4 / 2**20:11.1f} {t_v:8.3f} {t_f:8.3f} {t_f / t_v:8.1f} {diff:12.1e}")


def wide_section(timer: Timer, gen: torch.Generator, dev: torch.device) -> None:
    print("\n(3) wide nets: one NTK-vector product Θv vs forming Θ (Jacobian + matmul) then Θv (K = 1)")
    print(
        f"{'N':>4s} {'width':>5s} {'P':>8s} {'Jacobian MB':>11s} {'Θv s':>8s} {'form Θ s':>8s} {'form/Θv':>8s} "
        f"{'max rel diff':>12s}"
    )
    for n, width in ((64, 1024), (32, 2048), (256, 512)):
        wide_row(timer, gen, dev, n, width)


def lipsdp_section(gen: torch.Generator, widths: list[int]) -> None:
    print("\n(4) LipSDP-Neuron (cvxpy + SCS, eps 1e-7) on 64-m-m-10, weights N(0, 1/fan_in)")
    print(
        f"{'m':>5s} {'hidden units':>12s} {'LMI size':>9s} {'seconds':>9s} {'LipSDP':>9s} {'product':>9s} {'ratio':>7s} "
        f"{'certified':>9s}"
    )
    for m in widths:
        ws = [
            torch.randn(m, 64, generator=gen, dtype=torch.float64) / 8,
            torch.randn(m, m, generator=gen, dtype=torch.float64) / math.sqrt(m),
            torch.randn(10, m, generator=gen, dtype=torch.float64) / math.sqrt(m),
        ]
        net = ReLULayers(ws)
        t0 = time.perf_counter()
        res = lipschitz_upper_bound_sdp(net)
        t = time.perf_counter() - t0
        prod = lipschitz_upper_bound_product(net, 2)
        print(
            f"{m:5d} {2 * m:12d} {res.input_dim + 2 * m:9d} {t:9.2f} {res.bound:9.4f} {prod:9.4f} "
            f"{res.bound / prod:7.3f} {res.certified!s:>9s}"
        )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sections", default="1,2,3,4")
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--loop-points", type=int, default=256)
    ap.add_argument("--widths", default="8,16,32,64,128")
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--device", default="cpu")
    ap.add_argument("--clock", choices=("cpu", "wall"), default="cpu")
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    dev = torch.device(args.device)
    sync = torch.cuda.synchronize if dev.type == "cuda" else (lambda: None)
    cpu_clock = args.clock == "cpu" and dev.type == "cpu"
    timer = Timer(args.repeats, sync, time.process_time if cpu_clock else time.perf_counter)
    gen = torch.Generator().manual_seed(0)
    sections = {s.strip() for s in args.sections.split(",")}
    print(
        f"{dev}, {torch.get_num_threads()} thread(s), min of {args.repeats} repeats, "
        f"{'process CPU' if cpu_clock else 'wall'} time, torch {torch.__version__}\n"
    )
    if "1" in sections:
        floor_section(timer, gen, dev)
    if "2" in sections:
        many_points_section(timer, gen, dev, args.loop_points)
    if "3" in sections:
        wide_section(timer, gen, dev)
    if "4" in sections:
        lipsdp_section(gen, [int(w) for w in args.widths.split(",")])


if __name__ == "__main__":
    main()
