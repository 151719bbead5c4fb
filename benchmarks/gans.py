"""GAN update cost: every Method per generator update, and GameOptimizer's overhead over plain torch.optim.

    PYTHONPATH=src .venv/bin/python benchmarks/gans.py [--repeats 7] [--steps 20] [--hidden 128] [--batch 256]

On the 2-D MLP GAN of `gan_mixtures` (3×hidden ReLU generator and critic, non-saturating loss, 25 Gaussians):
(a) for each Method of `saddle.optim` used on GANs: field calls (closure evaluations) per generator update and
    seconds per update, relative to simultaneous GDA (one field call);
(b) GameOptimizer + SimultaneousGDA against the same update written with two torch.optim.SGD optimisers on the
    same networks and the same batch (losses, two autograd.grad calls, .grad assignment, step): target ≤ 1.2×.
    The same for SimultaneousAdam against two torch.optim.Adam.
Times are the minimum over `--repeats` rounds of `--steps` updates, the variants interleaved in every round so
that load from other processes hits all alike; this machine is shared and noisy, so quote them as such.

Measured (2-core machine shared by ~8 jobs, load ≈ 12; --repeats 5 --steps 10): (a) ms/update and ratio to
sim GDA (37.3 ms): alt GDA 2 calls 2.06x, EG 2 calls 1.84x, OGDA 1.11x, SEG+ 3 calls 2.91x, Langevin GDA 1.20x,
sim Adam 1.20x, ExtraAdam 2 calls 2.11x, optimistic Adam 1.12x: the cost follows the field calls. (b)
GameOptimizer / torch.optim: GDA/SGD 0.89x, Adam/Adam 0.95x — the flat-vector copy per field call costs less
than the noise, so it stays (the Methods need one tensor per player).
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable

import torch

from saddle.data.toy import twenty_five_gaussians
from saddle.gans import GANGame, MLPCritic, MLPGenerator
from saddle.models import reinitialize_
from saddle.optim import (
    AlternatingGDA,
    ExtraAdam,
    ExtraGradient,
    GameOptimizer,
    LangevinGDA,
    LangevinMirrorDescent,
    Method,
    OptimisticAdam,
    OptimisticGDA,
    SimultaneousAdam,
    SimultaneousGDA,
    StochasticSEGPlus,
)


def networks(hidden: int) -> tuple[torch.nn.Module, torch.nn.Module]:
    g = torch.Generator().manual_seed(0)
    return reinitialize_(MLPGenerator(2, 2, (hidden,) * 3), g), reinitialize_(MLPCritic(2, (hidden,) * 3), g)


def interleaved_min(fns: dict[str, Callable[[], None]], repeats: int) -> dict[str, float]:
    best = {k: float("inf") for k in fns}
    for _ in range(repeats):
        for name, fn in fns.items():
            t = time.perf_counter()
            fn()
            best[name] = min(best[name], time.perf_counter() - t)
    return best


def overhead_row(
    label: str,
    method: Callable[[], Method],
    torch_opt: Callable[[list[torch.nn.Parameter]], torch.optim.Optimizer],
    real: torch.Tensor,
    z: torch.Tensor,
    args: argparse.Namespace,
) -> None:
    """(b) for one pair: GameOptimizer with `method` vs the same update by two `torch_opt` optimisers."""
    gen, critic = networks(args.hidden)
    game, opt = GANGame(gen, critic), GameOptimizer([gen, critic], method())
    gen2, critic2 = networks(args.hidden)
    game2 = GANGame(gen2, critic2)
    opt_g, opt_d = torch_opt(list(gen2.parameters())), torch_opt(list(critic2.parameters()))
    pg, pd = list(gen2.parameters()), list(critic2.parameters())

    def ours():
        for _ in range(args.steps):
            opt.step(lambda: game.losses(real, z))

    def plain():
        for _ in range(args.steps):
            loss_g, loss_d = game2.losses(real, z)
            grads_g = torch.autograd.grad(loss_g, pg, retain_graph=True)
            grads_d = torch.autograd.grad(loss_d, pd)
            for p, gr in zip(pg, grads_g):
                p.grad = gr
            for p, gr in zip(pd, grads_d):
                p.grad = gr
            opt_g.step()
            opt_d.step()

    t = interleaved_min({"ours": ours, "plain": plain}, args.repeats)
    print(
        f"{label:>12}: GameOptimizer {1e3 * t['ours'] / args.steps:.2f} ms, torch.optim "
        f"{1e3 * t['plain'] / args.steps:.2f} ms per update: ratio {t['ours'] / t['plain']:.2f}x (target <= 1.2x)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--steps", type=int, default=20)
    parser.add_argument("--hidden", type=int, default=128)
    parser.add_argument("--batch", type=int, default=256)
    args = parser.parse_args()
    torch.set_num_threads(1)
    g = torch.Generator().manual_seed(1)
    real, z = twenty_five_gaussians(args.batch, g), torch.randn(args.batch, 2, generator=g)

    methods = {
        "sim_gda": lambda: SimultaneousGDA(0.01),
        "alt_gda": lambda: AlternatingGDA(0.01),
        "extragradient": lambda: ExtraGradient(0.01),
        "ogda": lambda: OptimisticGDA(0.01),
        "seg_plus": lambda: StochasticSEGPlus(0.01, alpha=0.5),
        "langevin_gda": lambda: LangevinGDA(0.01, 1e-6, torch.Generator().manual_seed(0)),
        "langevin_mirror": lambda: LangevinMirrorDescent(0.01, 1e-6, torch.Generator().manual_seed(0), 5, 0.9),
        "sim_adam": lambda: SimultaneousAdam(1e-3),
        "extra_adam": lambda: ExtraAdam(1e-3),
        "optimistic_adam": lambda: OptimisticAdam(1e-3),
    }
    runs, calls = {}, {}
    for name, make in methods.items():
        gen, critic = networks(args.hidden)
        game, opt = GANGame(gen, critic), GameOptimizer([gen, critic], make())
        counter = [0]

        def closure(game=game, counter=counter):
            counter[0] += 1
            return game.losses(real, z)

        opt.step(closure)  # warm-up (state init); SEG+ makes 2 calls at k = 0, 3 after
        counter[0] = 0

        def run(opt=opt, closure=closure):
            for _ in range(args.steps):
                opt.step(closure)

        runs[name] = run
        calls[name] = counter
    times = interleaved_min(runs, args.repeats)
    print(
        f"(a) cost per generator update, MLP GAN 3x{args.hidden}, batch {args.batch} "
        f"(min over {args.repeats} rounds of {args.steps} updates; shared machine: noisy)"
    )
    base = times["sim_gda"]
    print(f"{'method':>16} {'field calls':>12} {'ms/update':>10} {'vs sim GDA':>11}")
    for name in methods:
        per = calls[name][0] / (args.repeats * args.steps)
        print(f"{name:>16} {per:12.1f} {1e3 * times[name] / args.steps:10.2f} {times[name] / base:10.2f}x")

    print("\n(b) GameOptimizer vs the same update with plain torch.optim on the same networks")
    for label, method, torch_opt in (
        ("GDA / SGD", lambda: SimultaneousGDA(0.01), lambda ps: torch.optim.SGD(ps, lr=0.01)),
        ("Adam / Adam", lambda: SimultaneousAdam(1e-3), lambda ps: torch.optim.Adam(ps, lr=1e-3)),
    ):
        overhead_row(label, method, torch_opt, real, z, args)


if __name__ == "__main__":
    main()
