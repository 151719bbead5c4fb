"""Training speed against its floors and peers, in one run (issue 9):

    .venv/bin/python benchmarks/training.py [--repeats 3] [--steps 10] [--no-ddp] [--no-autoattack]

(a) one PGD-AT epoch with K attack steps vs one ERM epoch on the same data and model (DigitsCNN, 1,437
    training digits, batch 64): the ratio divided by its floor K + 1 (K input-gradient passes + 1 training
    pass per batch); target ≤ 1.15;
(b) unless --no-ddp: the same ERM training (DigitsCNN, global batch 128, 3 epochs) in 1 process vs 2 processes
    under `torchrun --nproc_per_node 2` (DDP, gloo), 1 thread each, training time measured inside the processes;
    target ≥ 1.6× on 2 cores;
(c) `saddle.train.fit` vs a bare hand-written loop (same shuffling, Adam, cross-entropy) for ERM, interleaved
    runs after a warm-up: overhead target ≤ 5%;
(d) unless --no-autoattack: torchattacks AutoAttack (standard) vs saddle's worst case (PGD-20 ∪ APGD-CE-50 ∪
    margin attack, `saddle.train.recipes.evaluation_attacks`) on a PGD-AT DigitsMLP (ε = 0.1, 10 epochs) on the
    360 test digits: difference in points (target |Δ| ≤ 1).
Times are the minimum over `--repeats` runs. This machine is shared with other processes: the load they put
on the cores inflates wall times, most for (b), which needs both cores at once; say so when quoting.

Measured 2026-12-02 on the shared 2-core machine (load average ~15 from other engineers' jobs):
(a) ERM epoch 0.95 s, PGD-AT K = 10 epoch 7.66 s: ratio 8.09 = 0.74 × floor 11 (target met; the attack's
    input-gradient passes skip parameter gradients, so they are cheaper than a training pass); rerun 0.73×.
(b) 1 process 2.39 s, 2 processes 2.01 s: 1.19× — target 1.6× NOT met under this load (both cores were busy
    with other jobs; the measurement needs two idle cores).
(c) fit 4.81 s vs bare loop 4.61 s: +4.3% (target met; a first, non-interleaved run measured +18%, noise).
(d) AutoAttack standard 0.7944 vs saddle worst case 0.7944 robust accuracy (difference 0.00 points), 56 s vs 1.7 s.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import torch
import torch.nn.functional as F

from saddle.data import load_digits
from saddle.models import make_classifier
from saddle.progress import set_enabled
from saddle.train import ERM, PGDAdversarialTraining, ShuffledBatches, fit


def _epoch_time(objective, repeats: int, model: str = "cnn", batch_size: int = 64, epochs: int = 1) -> float:
    train, _ = load_digits()
    best = float("inf")
    for r in range(repeats):
        net = make_classifier(model, 8, torch.Generator().manual_seed(r))
        data = ShuffledBatches(train.x, train.y, batch_size=batch_size, generator=torch.Generator().manual_seed(r))
        t0 = time.perf_counter()
        fit(net, torch.optim.Adam(net.parameters(), 1e-3), objective, data, epochs=epochs)
        best = min(best, time.perf_counter() - t0)
    return best


def _bare_erm(repeats: int, epochs: int = 2) -> float:
    train, _ = load_digits()
    best = float("inf")
    for r in range(repeats):
        net = make_classifier("cnn", 8, torch.Generator().manual_seed(r))
        opt = torch.optim.Adam(net.parameters(), 1e-3)
        g = torch.Generator().manual_seed(r)
        t0 = time.perf_counter()
        net.train()
        for _ in range(epochs):
            perm = torch.randperm(len(train.x), generator=g)
            for i in range(0, len(perm), 64):
                idx = perm[i : i + 64]
                loss = F.cross_entropy(net(train.x[idx]), train.y[idx])
                opt.zero_grad(set_to_none=True)
                loss.backward()
                opt.step()
        best = min(best, time.perf_counter() - t0)
    return best


def _ddp_worker(out: Path) -> None:
    """One process of (b): ERM on the digits, global batch 128, 3 epochs; writes its training time."""
    from saddle.train.distributed import rank_and_world, setup_distributed, teardown_distributed, wrap_ddp

    torch.set_num_threads(1)
    setup_distributed("cpu")
    rank, world = rank_and_world()
    train, _ = load_digits()
    net = make_classifier("cnn", 8, torch.Generator().manual_seed(0))
    data = ShuffledBatches(
        train.x, train.y, batch_size=128, generator=torch.Generator().manual_seed(0), rank=rank, world_size=world
    )
    model = wrap_ddp(net)
    fit(model, torch.optim.Adam(net.parameters(), 1e-3), ERM(), data, epochs=1)  # warm-up (allocations, gloo)
    t0 = time.perf_counter()
    fit(model, torch.optim.Adam(net.parameters(), 1e-3), ERM(), data, epochs=3)
    seconds = time.perf_counter() - t0
    (out / f"time{rank}_of{world}.json").write_text(json.dumps({"seconds": seconds}))
    teardown_distributed()


def _ddp_times(repeats: int) -> tuple[float, float]:
    env = {**os.environ, "OMP_NUM_THREADS": "1", "SADDLE_PROGRESS": "0"}
    one = two = float("inf")
    for _ in range(repeats):
        with tempfile.TemporaryDirectory() as d:
            subprocess.run([sys.executable, __file__, "--ddp-worker", d], check=True, env=env)
            subprocess.run(
                [
                    sys.executable,
                    "-m",
                    "torch.distributed.run",
                    "--standalone",
                    "--nproc_per_node",
                    "2",
                    __file__,
                    "--ddp-worker",
                    d,
                ],
                check=True,
                env=env,
                capture_output=True,
            )
            one = min(one, json.loads(Path(d, "time0_of1.json").read_text())["seconds"])
            two = min(two, max(json.loads(Path(d, f"time{r}_of2.json").read_text())["seconds"] for r in (0, 1)))
    return one, two


def _autoattack_check(eps: float = 0.1) -> None:
    import torchattacks

    from saddle.train.recipes import evaluation_attacks, robust_evaluator, train_robust_classifier

    train, test = load_digits()
    model, _ = train_robust_classifier("pgd", train, test, eps=eps, epochs=10, lr=3e-3, steps=10)
    model.eval()
    t0 = time.perf_counter()
    ours = robust_evaluator(test.x, test.y, evaluation_attacks(eps, torch.Generator().manual_seed(0)))(model)
    t_ours = time.perf_counter() - t0
    t0 = time.perf_counter()
    aa = torchattacks.AutoAttack(model, norm="Linf", eps=eps, version="standard", n_classes=10, seed=0)
    x_aa = aa(test.x, test.y)
    with torch.no_grad():
        acc_aa = float((model(x_aa).argmax(-1) == test.y).float().mean())
    t_aa = time.perf_counter() - t0
    print("\n(d) PGD-AT DigitsMLP, ε = 0.1, 360 test digits   time [s]   robust acc")
    print(f"    torchattacks AutoAttack (standard)          {t_aa:8.2f}   {acc_aa:.4f}")
    print(
        f"    saddle worst case (PGD-20, APGD-CE, margin) {t_ours:8.2f}   {ours['robust_acc']:.4f}   "
        f"(difference {100 * (ours['robust_acc'] - acc_aa):+.2f} points; clean {ours['clean_acc']:.4f})"
    )


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--repeats", type=int, default=3)
    p.add_argument("--steps", type=int, default=10)
    p.add_argument("--no-ddp", action="store_true")
    p.add_argument("--no-autoattack", action="store_true")
    p.add_argument("--ddp-worker", default=None, help=argparse.SUPPRESS)
    args = p.parse_args()
    if args.ddp_worker is not None:
        _ddp_worker(Path(args.ddp_worker))
        return
    torch.set_num_threads(1)
    set_enabled(False)
    k = args.steps
    _epoch_time(ERM(), 1)  # warm-up
    t_erm = _epoch_time(ERM(), args.repeats)
    t_pgd = _epoch_time(PGDAdversarialTraining(0.1, steps=k), args.repeats)
    ratio = t_pgd / t_erm
    print(
        f"(a) DigitsCNN epoch: ERM {t_erm:.3f} s, PGD-AT (K = {k}) {t_pgd:.3f} s; ratio {ratio:.2f} = "
        f"{ratio / (k + 1):.3f} × floor K + 1 = {k + 1} (target ≤ 1.15)"
    )
    if not args.no_ddp:
        one, two = _ddp_times(args.repeats)
        print(
            f"(b) ERM 3 epochs, global batch 128: 1 process {one:.3f} s, 2 processes (torchrun, gloo) {two:.3f} s; "
            f"speed-up {one / two:.2f}× (target ≥ 1.6× on 2 cores; shared machine)"
        )
    _epoch_time(ERM(), 1, epochs=1), _bare_erm(1, epochs=1)  # warm-up: allocator, first-call dispatch
    t_fit = t_bare = float("inf")
    for _ in range(max(args.repeats, 5)):  # interleaved, so that bursts of load hit both alike
        t_fit = min(t_fit, _epoch_time(ERM(), 1, epochs=2))
        t_bare = min(t_bare, _bare_erm(1, epochs=2))
    print(
        f"(c) ERM 2 epochs: saddle.train.fit {t_fit:.3f} s, bare loop {t_bare:.3f} s; overhead "
        f"{100 * (t_fit / t_bare - 1):+.1f}% (target ≤ 5%)"
    )
    if not args.no_autoattack:
        _autoattack_check()


if __name__ == "__main__":
    main()
