"""EG on a batch of 2-D bilinear trajectories: batched Method vs. per-trajectory loop vs. hand-written floor.

10,000 trajectories × 1,000 EG steps on min_x max_y xy (float64, CPU), three ways:
  (a) one ExtraGradient object stepping the whole batch (params [x, y], each of shape (B, 1));
  (b) the same Method looped over trajectories one at a time (timed on fewer trajectories and
      extrapolated linearly: the loop's cost is per trajectory-step);
  (c) the floor: the same update written by hand as four tensor expressions per step.
Prints trajectory-steps per second and the ratios (a)/(b) (target ≥ 100) and (c)/(a) (target ≤ 2),
plus (a) with saddle.games.Bilinear's matmul field when that module is present.
Then the same batched run for every Euclidean method of the registry (--no-all-methods to skip).
Times are process CPU seconds (`time.process_time`; with one thread ≈ wall time on an idle machine, and less
disturbed than wall time on a shared one).
Usage: python benchmarks/games.py [--batch 10000] [--steps 1000] [--loop-trajectories 20] [--threads 1]
"""

from __future__ import annotations

import argparse
import time

import torch

from saddle.optim import METHODS, ExtraGradient

ETA = 0.1


def field(p):
    return [p[1], -p[0]]


def start(b: int) -> list[torch.Tensor]:
    g = torch.Generator().manual_seed(0)
    z = torch.randn(b, 2, generator=g, dtype=torch.float64)
    return [z[:, :1].clone(), z[:, 1:].clone()]


def batched(b: int, steps: int, f=field) -> tuple[float, list[torch.Tensor]]:
    method = ExtraGradient(ETA)
    z = start(b)
    state = method.init(z)
    t = time.process_time()
    for _ in range(steps):
        z, state = method.step(z, state, f)
    return time.process_time() - t, z


def looped(b: int, steps: int, total: int) -> tuple[float, list[torch.Tensor]]:
    method = ExtraGradient(ETA)
    z0 = start(total)  # the first b of the same starting points as the batch
    out = []
    t = time.process_time()
    for i in range(b):
        z = [p[i : i + 1] for p in z0]
        state = method.init(z)
        for _ in range(steps):
            z, state = method.step(z, state, field)
        out.append(z)
    elapsed = time.process_time() - t
    return elapsed, [torch.cat([o[j] for o in out]) for j in range(2)]


def floor(b: int, steps: int) -> tuple[float, list[torch.Tensor]]:
    x, y = start(b)
    t = time.process_time()
    for _ in range(steps):
        xb = x - ETA * y  # x̄ = x − η V_x(z),  V_x = y
        yb = y + ETA * x  # ȳ = y − η V_y(z),  V_y = −x
        x = x - ETA * yb  # x⁺ = x − η ȳ
        y = y + ETA * xb  # y⁺ = y + η x̄
    return time.process_time() - t, [x, y]


def run_method(info, b: int, steps: int) -> tuple[float, list[torch.Tensor]]:
    """`steps` steps of a registry method (step min(registry step, 0.1)) on the batch; CPU seconds and the end."""
    method = info.factory(min(info.step_size, 0.1))
    z = start(b)
    state = method.init(z)
    t = time.process_time()
    for _ in range(steps):
        z, state = method.step(z, state, field)
    return time.process_time() - t, z


def best_of(fn, repeats: int, *args):
    runs = [fn(*args) for _ in range(repeats)]
    return min(r[0] for r in runs), runs[0][1]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--batch", type=int, default=10_000)
    ap.add_argument("--steps", type=int, default=1_000)
    ap.add_argument("--loop-trajectories", type=int, default=20)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument(
        "--all-methods",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="also time every Euclidean method of the registry (batched)",
    )
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    b, n = args.batch, args.steps

    t_a, z_a = best_of(batched, args.repeats, b, n)
    t_c, z_c = best_of(floor, args.repeats, b, n)
    t_b_small, z_b = looped(args.loop_trajectories, n, b)
    t_b = t_b_small * b / args.loop_trajectories
    # the three computations agree (same update, float64)
    for u, v in zip(z_a, z_c):
        torch.testing.assert_close(u, v, rtol=1e-12, atol=1e-12)
    for u, v in zip(z_b, z_a):
        torch.testing.assert_close(u, v[: args.loop_trajectories], rtol=1e-12, atol=1e-12)

    rate = lambda t: b * n / t  # noqa: E731
    rows = [
        ("(a) ExtraGradient, batched", t_a, rate(t_a)),
        (f"(b) same Method, loop (timed on {args.loop_trajectories}, extrapolated)", t_b, rate(t_b)),
        ("(c) hand-written tensor expression (floor)", t_c, rate(t_c)),
    ]
    try:
        from saddle.games.bilinear import Bilinear

        game = Bilinear()
        t_g, _ = best_of(batched, args.repeats, b, n, game.field)
        rows.append(("(a') ExtraGradient, batched, games.Bilinear field (matmul)", t_g, rate(t_g)))
    except ImportError:
        pass
    print(
        f"EG on xy, {b} trajectories x {n} steps, float64, torch {torch.__version__}, "
        f"{torch.get_num_threads()} thread(s)"
    )
    print(f"{'variant':<66} {'seconds':>10} {'traj-steps/s':>14}")
    for name, t, r in rows:
        print(f"{name:<66} {t:>10.4f} {r:>14.3e}")
    print(f"batched / loop speed-up: {t_b / t_a:10.1f}x   (target >= 100x)")
    print(f"batched / floor time:    {t_a / t_c:10.2f}x   (target <= 2x)")
    if args.all_methods:
        print(
            "\nevery Euclidean method of saddle.optim.METHODS, batched, same game and size, step min(registry step, 0.1), "
            f"min of {args.repeats} runs"
        )
        print(f"{'method':<20} {'field calls/step':>16} {'seconds':>10} {'traj-steps/s':>14} {'x EG time':>10}")
        for name, info in METHODS.items():
            if info.domain != "euclidean":
                continue
            el = best_of(run_method, args.repeats, info, b, n)[0]
            calls = "varies" if info.field_calls_per_step is None else str(info.field_calls_per_step)
            print(f"{name:<20} {calls:>16} {el:>10.4f} {rate(el):>14.3e} {el / t_a:>10.2f}")


if __name__ == "__main__":
    main()
