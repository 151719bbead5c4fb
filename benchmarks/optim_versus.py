"""Step time of every Euclidean method: this checkout against another checkout of saddle, interleaved in one process.

    PYTHONPATH=src .venv/bin/python benchmarks/optim_versus.py OTHER_SRC [--batch 10000] [--steps 4000] [--chunk 100]

OTHER_SRC is the `src` folder of another checkout (e.g. `git worktree add /tmp/old e12f34c`, then `/tmp/old/src`).
Its `saddle` package is copied to a temporary folder as `saddle_other` (imports rewritten), so that both versions
live in one process. For every Euclidean METHODS entry present in both, each version steps its own batch of B
two-dimensional bilinear games (float64, 1 thread, min_x max_y xy, step min(registry step, 0.1)) in chunks of
`--chunk` steps, the two versions alternating chunk by chunk (the order flipped every chunk), and the lower
quartile of the per-step chunk times is printed for each: drift of the machine's speed (other processes, CPU
frequency, the heap's layout) hits both alike. Separate runs of `benchmarks/games.py` scatter by ±20–40% per method
on this 2-core machine even at load ≈ 1 (the same template, EG and EG+, 41 and 28 µs per step in one run), which
hides a 5% difference; chunks interleaved in one process agree to about ±3%.

Measured (idle 2-core machine, load 0.7, batch 10,000, 4,000 steps in chunks of 100), main after issue 18's
overhead fix against e12f34c (before templates × directions), this/other per step: extragradient 1.04 (28.9/27.8
µs), sim_gda 1.04 (14.9/14.4 µs), rfbs 1.03, ceg_plus 1.02, alt_gda 1.01, langevin_gda 1.01,
preconditioned_langevin_gda 1.00, seg_plus 1.00, langevin_mirror_descent 1.00, eg_plus 1.00, proximal_point 0.99,
curvature_eg_plus 0.99, optimistic_adam 0.86, extra_adam 0.86, sim_adam 0.82 (108.8/132.3 µs), ogda 0.69. At batch
1 (the per-step Python overhead alone): every method within 1.07 (extragradient 1.069, sim_gda 1.068), the Adam
family 0.96–0.98.
"""

from __future__ import annotations

import argparse
import re
import shutil
import sys
import tempfile
import time
from pathlib import Path

import torch

import saddle.optim as this


def load_other(src: Path, into: Path):
    """The `saddle` package under `src` imported as `saddle_other` (a renamed copy in `into`)."""
    if not (src / "saddle" / "__init__.py").exists():
        raise SystemExit(f"{src} has no saddle package (give the src folder of a checkout)")
    dest = into / "saddle_other"
    shutil.copytree(src / "saddle", dest)
    pattern = re.compile(r"\b(from|import) saddle(?=[. ])")
    for f in dest.rglob("*.py"):
        text = f.read_text()
        text = pattern.sub(r"\1 saddle_other", text).replace('"saddle.', '"saddle_other.')
        f.write_text(text)
    sys.path.insert(0, str(into))
    import saddle_other.optim as other  # type: ignore[import-not-found]

    return other


def field(p: list[torch.Tensor]) -> list[torch.Tensor]:
    return [p[1], -p[0]]


def setup(module, name: str, batch: int) -> list:
    info = module.METHODS[name]
    method = info.factory(min(info.step_size, 0.1))
    g = torch.Generator().manual_seed(0)
    z = torch.randn(batch, 2, generator=g, dtype=torch.float64)
    params = [z[:, :1].clone(), z[:, 1:].clone()]
    return [method, params, method.init(params)]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("other_src", type=Path, nargs="?", help="the src folder of the checkout to compare with")
    ap.add_argument("--batch", type=int, default=10_000)
    ap.add_argument("--steps", type=int, default=4_000)
    ap.add_argument("--chunk", type=int, default=100)
    args = ap.parse_args()
    if args.other_src is None:  # `make bench` runs every file without arguments
        print("optim_versus.py: give OTHER_SRC, the src folder of another checkout, to compare step times with it")
        return
    torch.set_num_threads(1)
    with tempfile.TemporaryDirectory() as tmp:
        other = load_other(args.other_src.resolve(), Path(tmp))
        names = [n for n, i in this.METHODS.items() if i.domain == "euclidean" and n in other.METHODS]
        print(f"batch {args.batch}, {args.steps} steps each in chunks of {args.chunk}, lower quartile of chunk times")
        print(f"{'method':<28} {'this µs':>8} {'other µs':>9} {'this/other':>10}")
        for name in names:
            runs = {"this": setup(this, name, args.batch), "other": setup(other, name, args.batch)}
            times: dict[str, list[float]] = {"this": [], "other": []}
            for c in range(args.steps // args.chunk):
                for tag in ("this", "other") if c % 2 == 0 else ("other", "this"):
                    method, params, state = runs[tag]
                    t = time.process_time()
                    for _ in range(args.chunk):
                        params, state = method.step(params, state, field)
                    times[tag].append((time.process_time() - t) / args.chunk)
                    runs[tag][1:] = [params, state]
            q = {k: sorted(v)[len(v) // 4] for k, v in times.items()}
            print(
                f"{name:<28} {q['this'] * 1e6:8.1f} {q['other'] * 1e6:9.1f} {q['this'] / q['other']:10.3f}", flush=True
            )


if __name__ == "__main__":
    main()
