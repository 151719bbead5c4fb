"""`saddle` command line: list experiments, run them (or the default tour), build the HTML report.

    saddle list [-v] [--out DIR]
    saddle run [NAME ...] [--quick | --full] [--set key=value ...] [--out DIR] [--seed N] [--device cpu|cuda] [--threads N]
               [--jobs N] [--nproc N]
    saddle report DIR [--markdown FILE]

Sizes: the Config defaults are the default size (what `saddle run` runs, every claim checked but those
declared `full_only`); `--quick` smoke sizes, `--full` the papers' budgets. `--jobs N` runs up to N of several
experiments at once, each in its own process with `--threads` torch threads (default N = min(2, CPUs)).
Bad input gets one line on stderr and exit code 2; a failed experiment exit code 1; SIGINT 130,
SIGTERM 143 (the runs in progress leave nothing behind, earlier results stay). After each run the
experiment's claims are checked ("claims: N/M reproduced"). Set SADDLE_DEBUG=1 to see full tracebacks.
`saddle list`, `--help` and the checks of names and options import no experiment and not torch (their names and
summaries are read from the sources); `--set` imports only the experiments named. The run folder is `saddle.runs`.
"""

from __future__ import annotations

import argparse
import atexit
import dataclasses
import json
import logging
import multiprocessing
import multiprocessing.connection
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import traceback
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any, NamedTuple, NoReturn

from saddle import __version__, runs

EXIT_BAD_INPUT = 2
EXIT_FAILED = 1
EXIT_INTERRUPTED = 130
EXIT_TERMINATED = 143
SEED_LIMIT = 2**32  # numpy's and torch's seeds are 32-bit unsigned: 0 <= seed < 2**32
RUN_LOG = "log.txt"
DEFAULT_JOBS = min(2, os.cpu_count() or 1)
STOP_GRACE_SECONDS = 60.0  # how long stopped worker processes get to discard their runs before SIGKILL


class UsageError(Exception):
    """Bad command-line input: reported as one line, exit code 2."""


class Terminated(BaseException):
    """SIGTERM, turned into an exception so that the run in progress cleans up like on Ctrl-C."""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:  # one line, exit 2, no usage dump
        raise UsageError(message)


def _parser() -> argparse.ArgumentParser:
    p = _Parser(prog="saddle", description="Min-max learning experiments that reproduce the lecture notes.")
    p.add_argument("--version", action="version", version=f"saddle {__version__}")
    sub = p.add_subparsers(dest="command", required=True, parser_class=_Parser)
    ls = sub.add_parser("list", help="list the experiments with one-line descriptions")
    ls.add_argument(
        "-v",
        "--verbose",
        action="store_true",
        help="also each experiment's config keys with their default [quick] [full] values, its claims, "
        "and the measured time of the last run at each size found in --out",
    )
    ls.add_argument("--out", default="results", help="folder whose runs give the measured times (default: results)")
    r = sub.add_parser(
        "run", help="run experiments at the default size, where every claim is checked (no NAME: the default tour)"
    )
    r.add_argument("names", nargs="*", metavar="NAME")
    size = r.add_mutually_exclusive_group()
    size.add_argument(
        "--quick",
        action="store_true",
        help="smoke sizes for tests and CI (seconds per experiment); only claims declared at_quick are checked",
    )
    size.add_argument(
        "--full",
        action="store_true",
        help="the papers' budgets (hours allowed); also checks the claims declared full_only",
    )
    r.add_argument(
        "--set",
        dest="sets",
        nargs="+",
        action="extend",
        default=[],
        metavar="KEY=VALUE",
        help="override config fields: --set a=1 b=2 (NAME.KEY=VALUE targets one experiment); experiment names "
        "go before --set",
    )
    r.add_argument("--out", default="results", help="output folder (default: results)")
    r.add_argument("--seed", type=int, default=0, help="random seed, 0 <= N < 2**32 (default 0)")
    r.add_argument("--device", default="cpu", help="cpu, cuda or cuda:N")
    r.add_argument(
        "--threads",
        type=int,
        default=1,
        help="CPU threads for torch (default 1: the experiments are many small tensor operations, "
        "for which intra-op threading costs more than it gains)",
    )
    r.add_argument(
        "--jobs",
        type=int,
        default=None,
        help=f"run up to N of several experiments at once, each in its own process with --threads threads "
        f"(default min(2, CPUs) = {DEFAULT_JOBS}; 1: one after another in this process)",
    )
    r.add_argument(
        "--nproc",
        type=int,
        default=1,
        help="processes per run: relaunch under `torchrun --nproc_per_node N` (DDP, gloo on CPU, nccl on "
        "GPU); training experiments shard each batch, only rank 0 writes results",
    )
    rep = sub.add_parser("report", help="(re)build DIR/index.html from the runs in DIR")
    rep.add_argument("dir")
    rep.add_argument(
        "--markdown",
        metavar="FILE",
        help="instead, write DIR's claims table as Markdown to FILE ('-': standard output): date, machine, "
        "size and time of each experiment and every claim's verdict (the docs' Results page)",
    )
    return p


def _check_device(device: str, option: str = "--device") -> str:
    if device == "cpu":
        return device
    if device == "cuda" or device.startswith("cuda:"):
        import torch

        if not torch.cuda.is_available():
            raise UsageError(f"{option} {device}: CUDA is not available on this machine")
        try:
            torch.device(device)
        except RuntimeError as e:
            raise UsageError(f"{option} {device}: {e}") from None
        return device
    raise UsageError(f"{option} must be cpu, cuda or cuda:N, got {device!r}")


def _check_seed(seed: int) -> int:
    if not 0 <= seed < SEED_LIMIT:
        raise UsageError(f"--seed must be in [0, 2**32 - 1] = [0, {SEED_LIMIT - 1}], got {seed}")
    return seed


def _split_sets(sets: Sequence[str], names: Sequence[str]) -> dict[str, dict[str, str]]:
    """Turn ['k=v', 'exp.k=v'] into per-experiment override dicts for the experiments `names` being run; unknown
    keys are errors (only the experiments named are imported)."""
    from saddle.experiments import experiment, summaries

    reg = {n: experiment(n) for n in names}
    per: dict[str, dict[str, str]] = {n: {} for n in names}
    for item in sets:
        if "=" not in item:
            hint = " (experiment names go before --set)" if item in summaries() else ""
            raise UsageError(f"--set expects KEY=VALUE, got {item!r}{hint}")
        key, value = item.split("=", 1)
        key = key.strip()
        target = list(names)
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


@contextmanager
def _seeded_global_rngs(seed: int) -> Iterator[None]:
    """Seed Python's, numpy's and torch's global generators for one run, restoring them afterwards.

    A safety net, not the mechanism: experiments draw from explicit generators seeded by
    `config.seed`, but torch's default `nn.Module` initialisation still draws from the global
    generator; seeding it keeps those runs reproducible too, without leaking state to the caller.
    """
    import numpy as np
    import torch

    py_state, np_state = random.getstate(), np.random.get_state()  # noqa: NPY002  # the legacy global generator
    with torch.random.fork_rng(devices=[]):
        random.seed(seed)
        np.random.seed(seed)  # noqa: NPY002  # seeding the global generator is the point here
        torch.manual_seed(seed)
        try:
            yield
        finally:
            random.setstate(py_state)
            np.random.set_state(np_state)  # noqa: NPY002  # restore the caller's global state


def _run_one(exp: Any, config: Any, out_root: Path, size: str) -> tuple[float, float, list[dict[str, Any]]]:
    """Run one experiment into a temp folder, check its claims at `size`, then move it to OUT/NAME.

    Returns (seconds taken, CPU seconds of this process, claim verdicts as dicts).
    """
    import matplotlib

    matplotlib.use("Agg")

    tmp = runs.make_temporary_folder(out_root, exp.name)
    logger = logging.getLogger(f"saddle.experiments.{exp.name}")
    logger.setLevel(logging.INFO)
    handler = logging.FileHandler(tmp / "log.txt")
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(message)s"))
    saddle_logger = logging.getLogger("saddle")  # the experiment's own lines and progress lines
    saddle_logger.addHandler(handler)
    started, start, cpu_start = time.time(), time.perf_counter(), time.process_time()
    try:
        out = runs.RunOutput(tmp, logger)
        logger.info("config %s", json.dumps(config.to_dict()))
        with _seeded_global_rngs(config.seed):
            metrics = runs.to_jsonable(dict(exp.run(config, out)))
        seconds, cpu_seconds = time.perf_counter() - start, time.process_time() - cpu_start
        logger.info("done in %.2f s (CPU %.2f s, %s size)", seconds, cpu_seconds, size)
        verdicts = [v.to_dict() for v in exp.check_claims(metrics, size, config=config)]
        meta = {
            "name": exp.name,
            "summary": exp.summary,
            "reproduces": exp.reproduces,
            "seconds": seconds,
            "cpu_seconds": cpu_seconds,
            "size": size,
            "seed": config.seed,
            "started": started,
            "finished": time.time(),
            "machine": runs.machine(config.device),
            "claims": verdicts,
        }
        runs.write_run(tmp, metrics=metrics, config=config.to_dict(), figures=out.figures, meta=meta)
        saddle_logger.removeHandler(handler)
        handler.close()
        runs.move_into_place(tmp, out_root / exp.name)
        return seconds, cpu_seconds, verdicts
    except BaseException:
        saddle_logger.removeHandler(handler)
        handler.close()
        runs.discard(tmp)
        raise


def _claim_lines(verdicts: Sequence[Mapping[str, Any]]) -> list[str]:
    """ "claims: ..." (see `saddle.claims.claims_headline`), then one line per claim that was checked and did not reproduce
    and per claim left unchecked for a reason of its own (`full_only`), grouped by status."""
    from saddle.claims import FULL_ONLY_DETAIL, NOT_CHECKED, REPRODUCED, STATUSES, claims_headline
    from saddle.report import format_value

    if not verdicts:
        return ["claims: none declared"]
    lines = [f"claims: {claims_headline(verdicts)}"]
    for status in STATUSES:
        for v in verdicts:
            if v["status"] != status or status == REPRODUCED:
                continue
            detail = v.get("detail") or ""
            if status == NOT_CHECKED and not detail.startswith(FULL_ONLY_DETAIL):
                continue  # claims not expected at quick size: counted only
            expected = f"expected {v['expected']}"
            if status == NOT_CHECKED:
                why = detail
            elif detail:
                why = f"{expected}: {detail}"
            else:
                why = f"{expected}, measured {format_value(v['measured'])}"
            lines.append(f"  {status}: {v['name']} — {v['statement']} ({why})")
    return lines


def _console_logging(out_root: Path) -> logging.Handler:
    """OUT/log.txt follows the whole invocation (console lines, experiment logs, progress lines)."""
    handler = logging.FileHandler(out_root / RUN_LOG, mode="a")
    handler.setFormatter(logging.Formatter("%(asctime)s %(message)s"))
    root = logging.getLogger("saddle")
    root.setLevel(logging.INFO)
    root.addHandler(handler)
    return handler


_speaking = True  # False on the ranks > 0 of a `--nproc` run: only rank 0 speaks


def _say(message: str) -> None:
    """One line to the console (stderr) and to OUT/log.txt (on rank 0 only under `--nproc`)."""
    if _speaking:
        print(message, file=sys.stderr, flush=True)
    logging.getLogger("saddle.cli").info(message)


def _cmd_list(args: argparse.Namespace) -> int:
    from saddle.experiments import registry, summaries

    listed = {name: exp.summary for name, exp in registry().items()} if args.verbose else summaries()
    width = max((len(n) for n in listed), default=4)
    for name, summary in listed.items():
        print(f"{name:<{width}}  {summary}")
        if args.verbose:
            for line in _describe(registry()[name], Path(args.out)):
                print(f"{'':<{width}}    {line}")
    return 0


def _describe(exp: Any, out_root: Path) -> list[str]:
    """Config keys with default [quick] [full] values, claims (with the reasons of full-size-only ones), and the
    measured time of the last run at each size in OUT."""
    from saddle.claims import SIZES

    keys = []
    for f in dataclasses.fields(exp.config):
        if f.name in ("seed", "device"):
            continue
        default = f.default_factory() if callable(f.default_factory) else f.default
        sizes = "".join(
            f" [{s} {over[f.name]!r}]" for s, over in (("quick", exp.quick), ("full", exp.full)) if f.name in over
        )
        keys.append(f"{f.name}={default!r}{sizes}")
    lines = ["config: " + (", ".join(keys) or "(none)")]
    lines.append(
        f"claims: {len(exp.claims)} (" + ", ".join(c.name for c in exp.claims) + ")"
        if exp.claims
        else "claims: none declared"
    )
    lines.extend(f"  full size only: {c.name} ({c.full_only})" for c in exp.claims if c.full_only)
    try:
        times = runs.read_times(out_root).get(exp.name, {})
    except runs.RunFileError:
        times = {}
    try:  # a run written before times.json was kept
        meta = runs.read_run_meta(out_root / exp.name)
        size = runs.run_size(meta)
        if size is not None and size not in times and "seconds" in meta:
            times = {**times, size: {"seconds": meta["seconds"], **{k: meta[k] for k in ("cpu_seconds",) if k in meta}}}
    except runs.RunFileError:
        pass
    shown = []
    for size in SIZES:
        entry = times.get(size)
        if entry is None or "seconds" not in entry:
            shown.append(f"{size} none")
            continue
        cpu = f" (CPU {entry['cpu_seconds']:.1f} s)" if "cpu_seconds" in entry else ""
        shown.append(f"{size} {entry['seconds']:.1f} s{cpu}")
    lines.append(f"last run in {out_root}: " + ", ".join(shown))
    return lines


def _without_nproc(argv: Sequence[str]) -> list[str]:
    """argv without "--nproc N" / "--nproc=N" (the relaunched processes are the N ranks)."""
    out, skip = [], False
    for a in argv:
        if skip:
            skip = False
        elif a == "--nproc":
            skip = True
        elif not a.startswith("--nproc="):
            out.append(a)
    return out


def _on_term(signum: int, frame: Any) -> None:
    """SIGTERM raises `Terminated`, so that the runs in progress clean up like on Ctrl-C."""
    signal.signal(signal.SIGTERM, signal.SIG_IGN)  # a second TERM (e.g. from `timeout`) must not stop the cleanup
    raise Terminated()


def _cmd_run(args: argparse.Namespace) -> int:
    from saddle.experiments import experiment, summaries
    from saddle.progress import enabled as bars_shown
    from saddle.progress import report_every

    if args.nproc < 1:
        raise UsageError(f"--nproc must be >= 1, got {args.nproc}")
    if args.jobs is not None and args.jobs < 1:
        raise UsageError(f"--jobs must be >= 1, got {args.jobs}")
    if args.nproc > 1 and args.jobs is not None and args.jobs > 1:
        raise UsageError(f"--jobs {args.jobs} and --nproc {args.nproc}: a run uses several processes one way only")
    jobs = 1 if args.nproc > 1 or "RANK" in os.environ else (args.jobs or DEFAULT_JOBS)
    known = summaries()  # names from the sources: nothing is imported to refuse a bad name
    names = list(known) if not args.names else list(dict.fromkeys(args.names))
    unknown = [n for n in names if n not in known]
    if unknown:
        raise UsageError(f"unknown experiment {unknown[0]!r}; see `saddle list` (known: {', '.join(known)})")
    if not names:
        raise UsageError("no experiments are registered")
    size = "quick" if args.quick else "full" if args.full else "default"
    device = _check_device(args.device)
    seed = _check_seed(args.seed)
    if args.threads < 1:
        raise UsageError(f"--threads must be >= 1, got {args.threads}")
    if not args.out.strip():
        raise UsageError("--out must name a folder, got an empty string")
    try:
        report_every()
    except ValueError as e:
        raise UsageError(str(e)) from None
    reg = {n: experiment(n) for n in names}  # imports only the experiments being run
    per = _split_sets(args.sets, names)
    configs = {}
    for n in names:  # validate everything before anything is written (or relaunched)
        try:
            configs[n] = reg[n].make_config(size=size, overrides=per[n], seed=seed, device=device)
        except (ValueError, TypeError) as e:
            raise UsageError(f"{n}: {e}") from None
        if configs[n].device != device:
            _check_device(configs[n].device, option=f"{n}: --set device")
    if args.nproc > 1 and "RANK" not in os.environ:  # relaunch this command under torchrun (one small wrapper)
        cmd = [
            sys.executable,
            "-m",
            "torch.distributed.run",
            "--standalone",
            f"--nproc_per_node={args.nproc}",
            "-m",
            "saddle",
            *_without_nproc(args.raw_argv),
        ]
        return subprocess.call(cmd)
    speaking = True
    if "RANK" in os.environ:
        from saddle import progress
        from saddle.train.distributed import setup_distributed

        setup_distributed(args.device)
        if int(os.environ["RANK"]) != 0:  # other ranks train their shards silently; their outputs are thrown away
            speaking = False
            progress.hide_bars()
            args.out = tempfile.mkdtemp(prefix="saddle-rank")
            atexit.register(shutil.rmtree, args.out, True)
    out_root = Path(args.out)
    try:
        out_root.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=out_root, prefix=".probe-"):  # created, then deleted on exit
            pass
    except OSError as e:
        raise UsageError(f"--out {str(out_root)!r} is not a writable folder: {e.strerror or e}") from None

    import torch

    global _speaking
    torch.set_num_threads(args.threads)
    log_handler = _console_logging(out_root)
    console = None
    if speaking and not bars_shown():  # no bars (stderr is not a terminal): progress lines go to the console
        console = logging.StreamHandler(sys.stderr)
        console.setFormatter(logging.Formatter("  %(message)s"))
        logging.getLogger("saddle.progress").addHandler(console)
    previous_term = signal.getsignal(signal.SIGTERM)
    signal.signal(signal.SIGTERM, _on_term)
    _speaking = speaking
    try:
        return _run_all(reg, names, configs, out_root, size, seed, min(jobs, len(names)), args.threads)
    finally:
        _speaking = True
        signal.signal(signal.SIGTERM, previous_term)
        logging.getLogger("saddle").removeHandler(log_handler)
        log_handler.close()
        if console is not None:
            logging.getLogger("saddle.progress").removeHandler(console)


class _Outcome(NamedTuple):
    """What one experiment's run gives back, in this process or from a worker process."""

    ok: bool
    seconds: float = 0.0
    cpu_seconds: float = 0.0
    verdicts: tuple[dict[str, Any], ...] = ()
    message: str = ""  # of a failure: "Type: first line of the message"
    bad_input: bool = False  # the failure is a ValueError or FileNotFoundError (exit code 2 for a single run)


def _attempt(exp: Any, config: Any, out_root: Path, size: str) -> _Outcome:
    """`_run_one`, with an exception of the experiment turned into a failed outcome (Ctrl-C and SIGTERM pass)."""
    try:
        seconds, cpu_seconds, verdicts = _run_one(exp, config, out_root, size)
    except Exception as e:
        if os.environ.get("SADDLE_DEBUG"):
            traceback.print_exc()
        message = f"{type(e).__name__}: {e}".splitlines()[0]
        return _Outcome(False, message=message, bad_input=isinstance(e, (ValueError, FileNotFoundError)))
    return _Outcome(True, seconds, cpu_seconds, tuple(verdicts))


def _worker_logging(out_root: Path, name: str) -> None:
    """In a worker process: OUT/log.txt and progress lines on the console, each line prefixed by `[NAME]`; no
    tqdm bars (the processes share the terminal). Handlers inherited from the parent are dropped."""
    from saddle import progress

    progress.hide_bars()
    root, lines = logging.getLogger("saddle"), logging.getLogger("saddle.progress")
    for logger in (root, lines):
        for handler in list(logger.handlers):
            logger.removeHandler(handler)
    to_file = logging.FileHandler(out_root / RUN_LOG, mode="a")
    to_file.setFormatter(logging.Formatter(f"%(asctime)s [{name}] %(message)s"))
    root.setLevel(logging.INFO)
    root.addHandler(to_file)
    if progress.lines_enabled():
        console = logging.StreamHandler(sys.stderr)
        console.setFormatter(logging.Formatter(f"  [{name}] %(message)s"))
        lines.addHandler(console)


def _worker(conn: Any, name: str, config: Any, out_root: Path, size: str, threads: int) -> None:
    """Body of a worker process of `--jobs`: run one experiment, send its `_Outcome` through `conn`.

    Ctrl-C and SIGTERM discard the run in progress as in a sequential run, and the process exits with 130 or
    143 without sending anything.
    """
    code = 0
    try:
        signal.signal(signal.SIGTERM, _on_term)
        signal.signal(signal.SIGINT, signal.default_int_handler)
        import torch

        from saddle.experiments import experiment

        torch.set_num_threads(threads)
        _worker_logging(out_root, name)
        conn.send(_attempt(experiment(name), config, out_root, size))
    except KeyboardInterrupt:
        code = EXIT_INTERRUPTED
    except Terminated:
        code = EXIT_TERMINATED
    finally:
        conn.close()
    sys.exit(code)


def _process_context(configs: Mapping[str, Any]) -> Any:
    """How worker processes start: fork on Linux for CPU runs (nothing to re-import: each worker starts in
    milliseconds from the parent, which has run no tensor code); spawn elsewhere and for GPU runs (CUDA does
    not survive a fork)."""
    on_gpu = any(str(getattr(c, "device", "cpu")) != "cpu" for c in configs.values())
    fork = sys.platform.startswith("linux") and "fork" in multiprocessing.get_all_start_methods() and not on_gpu
    return multiprocessing.get_context("fork" if fork else "spawn")


@contextmanager
def _signals_ignored() -> Iterator[None]:
    """Ignore SIGINT and SIGTERM for the block (while worker processes are being stopped)."""
    held = (signal.SIGINT, signal.SIGTERM)
    previous = {s: signal.signal(s, signal.SIG_IGN) for s in held}
    try:
        yield
    finally:
        for s, handler in previous.items():
            signal.signal(s, handler)


def _stop_workers(processes: Sequence[Any]) -> None:
    """SIGTERM each worker still running (it discards its run in progress), wait, then SIGKILL stragglers."""
    with _signals_ignored():
        for proc in processes:
            if proc.is_alive():
                proc.terminate()
        deadline = time.monotonic() + STOP_GRACE_SECONDS
        for proc in processes:
            proc.join(max(0.0, deadline - time.monotonic()))
        for proc in processes:
            if proc.is_alive():
                proc.kill()
                proc.join()


def _run_in_workers(
    names: Sequence[str],
    configs: Mapping[str, Any],
    out_root: Path,
    size: str,
    jobs: int,
    threads: int,
    started: Any,
    finished: Any,
) -> None:
    """Run the experiments in up to `jobs` worker processes at once, one process per experiment; call
    `started(i, name)` as each starts and `finished(i, name, outcome)` as each ends (in this process, so the
    console lines of one experiment stay together). An interruption stops every worker, and the temporary
    folders of runs that could not clean up are removed before it propagates."""
    context = _process_context(configs)
    waiting = list(enumerate(names, 1))
    running: dict[Any, tuple[int, str, Any]] = {}
    workers: list[Any] = []  # every process created, so that an interruption at any point stops them all
    died = False
    try:
        while waiting or running:
            while waiting and len(running) < jobs:
                i, name = waiting.pop(0)
                started(i, name)
                receiving, sender = context.Pipe(duplex=False)
                proc = context.Process(
                    target=_worker, args=(sender, name, configs[name], out_root, size, threads), name=f"saddle-{name}"
                )
                workers.append(proc)
                proc.start()
                sender.close()
                running[receiving] = (i, name, proc)
            for ready in multiprocessing.connection.wait(list(running)):
                receiver: Any = ready  # one of our pipe ends
                i, name, proc = running.pop(receiver)
                try:
                    outcome = receiver.recv()
                except EOFError:  # the process ended without a word: killed, or out of memory
                    outcome = None
                receiver.close()
                proc.join()
                if outcome is None:
                    died = True
                    outcome = _Outcome(False, message=f"its process ended without a result (exit code {proc.exitcode})")
                finished(i, name, outcome)
    finally:
        unfinished = [proc for proc in workers if proc.pid is not None and proc.exitcode is None]
        if unfinished:
            _stop_workers(unfinished)
        if unfinished or running or died:
            runs.remove_leftovers(out_root)


def _run_all(
    reg: Mapping[str, Any],
    names: Sequence[str],
    configs: Mapping[str, Any],
    out_root: Path,
    size: str,
    seed: int,
    jobs: int,
    threads: int,
) -> int:
    from saddle.report import write_report

    parallel = jobs > 1 and len(names) > 1
    logging.getLogger("saddle.cli").info(
        "saddle run %s (%s size, seed %d%s)", " ".join(names), size, seed, f", {jobs} jobs" if parallel else ""
    )
    removed = runs.remove_leftovers(out_root)
    if removed:
        _say(f"removed {len(removed)} leftover temporary folder(s) of killed runs: {', '.join(removed)}")
    _say(f"log: {out_root / RUN_LOG} (follow it with `tail -f`)")
    outcomes: dict[str, _Outcome] = {}

    def started(i: int, name: str) -> None:
        _say(f"[{i}/{len(names)}] {name} ({size}) ...")

    def finished(i: int, name: str, outcome: _Outcome) -> None:
        outcomes[name] = outcome
        if not outcome.ok:
            _say(f"saddle: {name} failed: {outcome.message}")
            return
        runs.record_time(out_root, name, size, outcome.seconds, outcome.cpu_seconds)
        _say(
            f"[{i}/{len(names)}] {name} done in {outcome.seconds:.1f} s (CPU {outcome.cpu_seconds:.1f} s) "
            f"-> {out_root / name}"
        )
        for line in _claim_lines(outcome.verdicts):
            _say(f"  {line}")

    start = time.perf_counter()
    what = "the runs in progress were discarded" if parallel else "the run in progress was discarded"
    try:
        if parallel:
            _run_in_workers(names, configs, out_root, size, jobs, threads, started, finished)
        else:
            for i, name in enumerate(names, 1):
                started(i, name)
                finished(i, name, _attempt(reg[name], configs[name], out_root, size))
    except KeyboardInterrupt:
        _say(f"saddle: interrupted; {what}, earlier results are kept")
        return EXIT_INTERRUPTED
    except Terminated:
        _say(f"saddle: terminated (SIGTERM); {what}, earlier results are kept")
        return EXIT_TERMINATED
    total = time.perf_counter() - start
    succeeded = {n: outcomes[n].seconds for n in names if outcomes[n].ok}
    failed = {n: outcomes[n].message for n in names if not outcomes[n].ok}
    runs.update_tour(out_root, succeeded, failed, seconds=total, seed=seed, size=size, jobs=jobs if parallel else 1)
    if len(succeeded) > 1:
        all_verdicts = [v for n in succeeded for v in outcomes[n].verdicts]
        from saddle.claims import claims_headline

        _say(f"claims, all experiments ({size} size): {claims_headline(all_verdicts)}")
        for n in succeeded:
            for line in _claim_lines(outcomes[n].verdicts)[1:]:
                _say(f"  {n}: {line.strip()}")
    code = 0
    if succeeded and _speaking:  # the ranks > 0 of a `--nproc` run write no report
        try:
            _say(f"report: {write_report(out_root)}")
        except runs.RunFileError as e:
            _say(f"saddle: error: report not written: {e}")
            code = EXIT_BAD_INPUT
    cpu = sum(outcomes[n].cpu_seconds for n in succeeded)
    _say(
        f"total time {total:.1f} s (CPU of the runs {cpu:.1f} s) for {len(names)} experiment(s) at {size} size"
        + (f", {jobs} at once" if parallel else "")
        + f"; {len(failed)} failed"
    )
    if failed:
        bad_input = any(outcomes[n].bad_input for n in failed)
        return EXIT_BAD_INPUT if bad_input and len(names) == 1 else EXIT_FAILED
    return code


def _cmd_report(args: argparse.Namespace) -> int:
    from saddle.atomic import atomic_write
    from saddle.report import markdown_report, write_report

    try:
        if args.markdown is None:
            print(write_report(args.dir))
        elif args.markdown == "-":
            sys.stdout.write(markdown_report(args.dir, command=_report_command(args)))
        else:
            target = Path(args.markdown)
            if target.is_dir() or not target.parent.is_dir():
                raise UsageError(f"--markdown {args.markdown!r} must name a file in an existing folder")
            page = markdown_report(args.dir, command=_report_command(args))
            atomic_write(target, lambda tmp: tmp.write_text(page, encoding="utf-8"))
            print(target)
    except ValueError as e:
        raise UsageError(str(e)) from None
    return 0


def _report_command(args: argparse.Namespace) -> str:
    """The command that regenerates a Markdown report, as the page states it."""
    import shlex

    return shlex.join(["saddle", "report", args.dir, "--markdown", args.markdown])


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the `saddle` console script; returns the exit code."""
    try:
        args = _parser().parse_args(argv)
        args.raw_argv = list(sys.argv[1:] if argv is None else argv)
        if args.command == "list":
            return _cmd_list(args)
        if args.command == "run":
            return _cmd_run(args)
        return _cmd_report(args)
    except UsageError as e:
        print(f"saddle: error: {e}", file=sys.stderr)
        return EXIT_BAD_INPUT


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
