"""`saddle` command line: list experiments, run them (or the default tour), build the HTML report.

    saddle list
    saddle run [NAME ...] [--quick | --full] [--set key=value ...] [--out DIR] [--seed N] [--device cpu|cuda] [--threads N]
    saddle report DIR

Bad input gets one line on stderr and exit code 2; a failed experiment exit code 1. Set
SADDLE_DEBUG=1 to see full tracebacks.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import random
import shutil
import sys
import tempfile
import time
import traceback
from collections.abc import Sequence
from pathlib import Path
from typing import Any

EXIT_BAD_INPUT = 2
EXIT_FAILED = 1


class UsageError(Exception):
    """Bad command-line input: reported as one line, exit code 2."""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # one line, exit 2, no usage dump
        raise UsageError(message)


def _parser() -> argparse.ArgumentParser:
    p = _Parser(prog="saddle", description="Min-max learning experiments that reproduce the lecture notes.")
    sub = p.add_subparsers(dest="command", required=True, parser_class=_Parser)
    sub.add_parser("list", help="list the experiments with one-line descriptions")
    r = sub.add_parser("run", help="run experiments (no NAME: the default tour of all experiments at --quick size)")
    r.add_argument("names", nargs="*", metavar="NAME")
    size = r.add_mutually_exclusive_group()
    size.add_argument("--quick", action="store_true", help="small sizes that run in minutes on 2 CPU cores")
    size.add_argument("--full", action="store_true", help="full sizes (the default for named experiments)")
    r.add_argument("--set", dest="sets", action="append", default=[], metavar="KEY=VALUE",
                   help="override a config field; NAME.KEY=VALUE targets one experiment")
    r.add_argument("--out", default="results", help="output folder (default: results)")
    r.add_argument("--seed", type=int, default=0)
    r.add_argument("--device", default="cpu", help="cpu, cuda or cuda:N")
    r.add_argument("--threads", type=int, default=1,
                   help="CPU threads for torch (default 1: the experiments are many small tensor operations, "
                        "for which intra-op threading costs more than it gains)")
    rep = sub.add_parser("report", help="(re)build DIR/index.html from the runs in DIR")
    rep.add_argument("dir")
    return p


def _check_device(device: str) -> str:
    import torch

    if device == "cpu":
        return device
    if device == "cuda" or device.startswith("cuda:"):
        if not torch.cuda.is_available():
            raise UsageError(f"--device {device}: CUDA is not available on this machine")
        try:
            torch.device(device)
        except RuntimeError as e:
            raise UsageError(f"--device {device}: {e}") from None
        return device
    raise UsageError(f"--device must be cpu, cuda or cuda:N, got {device!r}")


def _split_sets(sets: Sequence[str], names: Sequence[str]) -> dict[str, dict[str, str]]:
    """Turn ['k=v', 'exp.k=v'] into per-experiment override dicts; unknown keys are errors."""
    from saddle.experiments import registry

    reg = registry()
    per: dict[str, dict[str, str]] = {n: {} for n in names}
    for item in sets:
        if "=" not in item:
            raise UsageError(f"--set expects KEY=VALUE, got {item!r}")
        key, value = item.split("=", 1)
        key = key.strip()
        target = [n for n in names]
        if "." in key:
            exp, key = key.split(".", 1)
            if exp not in per:
                raise UsageError(f"--set {item!r}: experiment {exp!r} is not being run")
            target = [exp]
        matched = False
        for n in target:
            fields = reg[n].config.__dataclass_fields__
            if key in fields:
                per[n][key] = value
                matched = True
            elif len(target) == 1:
                raise UsageError(f"unknown key {key!r} for experiment {n!r}; known keys: {', '.join(sorted(fields))}")
        if not matched:
            raise UsageError(f"--set {item!r}: no experiment being run has a key {key!r}")
    return per


def _seed_everything(seed: int) -> None:
    import numpy as np
    import torch

    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)


def _write_json(path: Path, obj: Any) -> None:
    from saddle.experiments.base import to_jsonable

    path.write_text(json.dumps(to_jsonable(obj), indent=2, allow_nan=False))


def _run_one(exp: Any, config: Any, out_root: Path, quick: bool) -> float:
    """Run one experiment into a temp folder, then move it to OUT/NAME. Returns seconds taken."""
    import matplotlib

    matplotlib.use("Agg")
    from saddle.experiments.base import RunOutput

    tmp = Path(tempfile.mkdtemp(dir=out_root, prefix=f".{exp.name}-"))
    logger = logging.getLogger(f"saddle.experiments.{exp.name}")
    logger.setLevel(logging.INFO)
    logger.propagate = False
    handler = logging.FileHandler(tmp / "log.txt")
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(message)s"))
    logger.addHandler(handler)
    start = time.perf_counter()
    try:
        _seed_everything(config.seed)
        out = RunOutput(tmp, logger)
        logger.info("config %s", json.dumps(config.to_dict()))
        metrics = exp.run(config, out)
        seconds = time.perf_counter() - start
        logger.info("done in %.2f s", seconds)
        _write_json(tmp / "metrics.json", dict(metrics))
        _write_json(tmp / "config.json", config.to_dict())
        _write_json(tmp / "figures.json", [f.__dict__ for f in out.figures])
        _write_json(tmp / "run.json", {"name": exp.name, "summary": exp.summary, "reproduces": exp.reproduces,
                                       "seconds": seconds, "quick": quick})
        handler.close()
        logger.removeHandler(handler)
        final = out_root / exp.name
        if final.exists():
            old = Path(tempfile.mkdtemp(dir=out_root, prefix=f".{exp.name}-old-"))
            os.replace(final, old / "x")
            shutil.rmtree(old, ignore_errors=True)
        os.replace(tmp, final)
        return seconds
    except BaseException:
        handler.close()
        logger.removeHandler(handler)
        shutil.rmtree(tmp, ignore_errors=True)
        raise


def _cmd_list() -> int:
    from saddle.experiments import registry

    reg = registry()
    width = max((len(n) for n in reg), default=4)
    for name, exp in reg.items():
        print(f"{name:<{width}}  {exp.summary}")
    return 0


def _cmd_run(args: argparse.Namespace) -> int:
    from saddle.experiments import registry
    from saddle.report import write_report

    reg = registry()
    tour = not args.names
    names = list(reg) if tour else list(dict.fromkeys(args.names))
    unknown = [n for n in names if n not in reg]
    if unknown:
        raise UsageError(f"unknown experiment {unknown[0]!r}; see `saddle list` (known: {', '.join(reg)})")
    if not names:
        raise UsageError("no experiments are registered")
    quick = args.quick or (tour and not args.full)
    device = _check_device(args.device)
    if args.threads < 1:
        raise UsageError(f"--threads must be >= 1, got {args.threads}")
    per = _split_sets(args.sets, names)
    configs = {}
    for n in names:  # validate everything before anything is written
        try:
            configs[n] = reg[n].make_config(quick=quick, overrides=per[n], seed=args.seed, device=device)
        except (ValueError, TypeError) as e:
            raise UsageError(f"{n}: {e}") from None
    out_root = Path(args.out)
    try:
        out_root.mkdir(parents=True, exist_ok=True)
        probe = tempfile.NamedTemporaryFile(dir=out_root, prefix=".probe-")
        probe.close()
    except OSError as e:
        raise UsageError(f"--out {str(out_root)!r} is not a writable folder: {e.strerror or e}") from None

    import torch

    torch.set_num_threads(args.threads)
    succeeded: dict[str, float] = {}
    failed: dict[str, str] = {}
    bad_input = False
    start = time.perf_counter()
    for i, n in enumerate(names, 1):
        print(f"[{i}/{len(names)}] {n} ({'quick' if quick else 'full'}) ...", file=sys.stderr, flush=True)
        try:
            seconds = _run_one(reg[n], configs[n], out_root, quick)
            succeeded[n] = seconds
            print(f"[{i}/{len(names)}] {n} done in {seconds:.1f} s -> {out_root / n}", file=sys.stderr, flush=True)
        except KeyboardInterrupt:
            print("saddle: interrupted", file=sys.stderr)
            return 130
        except Exception as e:  # noqa: BLE001 -- reported as one line, run continues with the next experiment
            if os.environ.get("SADDLE_DEBUG"):
                traceback.print_exc()
            msg = f"{type(e).__name__}: {e}".splitlines()[0]
            failed[n] = msg
            bad_input = bad_input or isinstance(e, (ValueError, FileNotFoundError))
            print(f"saddle: {n} failed: {msg}", file=sys.stderr, flush=True)
    total = time.perf_counter() - start
    if tour or len(names) > 1:
        _write_json(out_root / "tour.json", {"succeeded": succeeded, "failed": failed, "seconds": total,
                                             "seed": args.seed, "quick": quick})
    if succeeded:
        page = write_report(out_root)
        print(f"report: {page}", file=sys.stderr)
    print(f"total time {total:.1f} s for {len(names)} experiment(s); {len(failed)} failed", file=sys.stderr)
    if failed:
        return EXIT_BAD_INPUT if bad_input and len(names) == 1 else EXIT_FAILED
    return 0


def _cmd_report(args: argparse.Namespace) -> int:
    from saddle.report import write_report

    try:
        page = write_report(args.dir)
    except ValueError as e:
        raise UsageError(str(e)) from None
    print(page)
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the `saddle` console script; returns the exit code."""
    try:
        args = _parser().parse_args(argv)
        if args.command == "list":
            return _cmd_list()
        if args.command == "run":
            return _cmd_run(args)
        return _cmd_report(args)
    except UsageError as e:
        print(f"saddle: error: {e}", file=sys.stderr)
        return EXIT_BAD_INPUT


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
