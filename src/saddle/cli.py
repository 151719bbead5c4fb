"""`saddle` command line: list experiments, run them (or the default tour), build the HTML report.

    saddle list [-v] [--out DIR]
    saddle run [NAME ...] [--quick | --full] [--set key=value ...] [--out DIR] [--seed N] [--device cpu|cuda] [--threads N]
               [--nproc N]
    saddle report DIR

Bad input gets one line on stderr and exit code 2; a failed experiment exit code 1; SIGINT 130,
SIGTERM 143 (the run in progress leaves nothing behind, earlier results stay). After each run the
experiment's claims are checked ("claims: N/M reproduced"). Set SADDLE_DEBUG=1 to see full tracebacks.
"""

from __future__ import annotations

import argparse
import atexit
import dataclasses
import json
import logging
import os
import random
import re
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
from typing import Any, NoReturn

from saddle import __version__

EXIT_BAD_INPUT = 2
EXIT_FAILED = 1
EXIT_INTERRUPTED = 130
EXIT_TERMINATED = 143
SEED_LIMIT = 2**32  # numpy's and torch's seeds are 32-bit unsigned: 0 <= seed < 2**32
RUN_LOG = "log.txt"


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
        help="also each experiment's config keys with defaults (quick sizes in brackets), its claims, "
        "and the time of the last run found in --out",
    )
    ls.add_argument("--out", default="results", help="folder whose runs give the measured times (default: results)")
    r = sub.add_parser("run", help="run experiments (no NAME: the default tour of all experiments at --quick size)")
    r.add_argument("names", nargs="*", metavar="NAME")
    size = r.add_mutually_exclusive_group()
    size.add_argument("--quick", action="store_true", help="small sizes that run in minutes on 2 CPU cores")
    size.add_argument("--full", action="store_true", help="full sizes (the default for named experiments)")
    r.add_argument(
        "--set",
        dest="sets",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="override a config field; NAME.KEY=VALUE targets one experiment",
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
        "--nproc",
        type=int,
        default=1,
        help="processes per run: relaunch under `torchrun --nproc_per_node N` (DDP, gloo on CPU, nccl on "
        "GPU); training experiments shard each batch, only rank 0 writes results",
    )
    rep = sub.add_parser("report", help="(re)build DIR/index.html from the runs in DIR")
    rep.add_argument("dir")
    return p


def _check_device(device: str, option: str = "--device") -> str:
    import torch

    if device == "cpu":
        return device
    if device == "cuda" or device.startswith("cuda:"):
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
    """Turn ['k=v', 'exp.k=v'] into per-experiment override dicts; unknown keys are errors."""
    from saddle.experiments import registry

    reg = registry()
    per: dict[str, dict[str, str]] = {n: {} for n in names}
    for item in sets:
        if "=" not in item:
            raise UsageError(f"--set expects KEY=VALUE, got {item!r}")
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


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def _write_json(path: Path, obj: Any) -> None:
    """Write JSON atomically (temp file + rename) with the usual permissions (0644 under umask 022)."""
    from saddle.experiments.base import to_jsonable

    text = json.dumps(to_jsonable(obj), indent=2, allow_nan=False)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}-")
    try:
        with os.fdopen(fd, "w") as fh:
            fh.write(text)
        os.chmod(tmp, 0o666 & ~_umask())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


_TMP_RE = re.compile(r"^\.(?P<name>[A-Za-z0-9_]+(?:-old)?)-(?P<pid>\d+)-")


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _remove_leftovers(out_root: Path) -> list[str]:
    """Remove hidden temporary run folders `.NAME-PID-*` left by killed runs (their PID no longer exists)."""
    removed = []
    for p in out_root.iterdir():
        m = _TMP_RE.match(p.name)
        if m and p.is_dir() and int(m["pid"]) != os.getpid() and not _pid_alive(int(m["pid"])):
            shutil.rmtree(p, ignore_errors=True)
            removed.append(p.name)
    return removed


def _make_tmp_dir(out_root: Path, name: str) -> Path:
    """A hidden temporary folder OUT/.NAME-PID-xxxx with the usual permissions (mkdtemp gives 0700)."""
    tmp = Path(tempfile.mkdtemp(dir=out_root, prefix=f".{name}-{os.getpid()}-"))
    os.chmod(tmp, 0o777 & ~_umask())
    return tmp


@contextmanager
def _signals_held() -> Iterator[None]:
    """Hold SIGINT and SIGTERM back until the block is done, then deliver the first that arrived.

    (A signal mask would not do: a signal sent to the process may be delivered to another thread.)
    """
    pending: list[int] = []
    held = (signal.SIGINT, signal.SIGTERM)
    previous = {s: signal.signal(s, lambda signum, frame: pending.append(signum)) for s in held}
    try:
        yield
    finally:
        for s, handler in previous.items():
            signal.signal(s, handler)
        if pending:
            signal.raise_signal(pending[0])  # now handled as usual: KeyboardInterrupt, Terminated, ...


def _swap_into_place(tmp: Path, final: Path) -> None:
    """Replace `final` by `tmp` with Ctrl-C and SIGTERM held back, so that one of the two always exists."""
    old = None
    try:
        with _signals_held():
            if final.exists():
                old = _make_tmp_dir(final.parent, f"{final.name}-old")
                os.replace(final, old / "x")
            os.replace(tmp, final)
    finally:
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)


def _run_one(exp: Any, config: Any, out_root: Path, quick: bool) -> tuple[float, list[dict[str, Any]]]:
    """Run one experiment into a temp folder, check its claims, then move it to OUT/NAME.

    Returns (seconds taken, claim verdicts as dicts).
    """
    import matplotlib

    matplotlib.use("Agg")
    from saddle.experiments.base import RunOutput, to_jsonable

    tmp = _make_tmp_dir(out_root, exp.name)
    logger = logging.getLogger(f"saddle.experiments.{exp.name}")
    logger.setLevel(logging.INFO)
    handler = logging.FileHandler(tmp / "log.txt")
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(message)s"))
    saddle_logger = logging.getLogger("saddle")  # the experiment's own lines and progress lines
    saddle_logger.addHandler(handler)
    start = time.perf_counter()
    try:
        out = RunOutput(tmp, logger)
        logger.info("config %s", json.dumps(config.to_dict()))
        with _seeded_global_rngs(config.seed):
            metrics = to_jsonable(dict(exp.run(config, out)))
        seconds = time.perf_counter() - start
        logger.info("done in %.2f s", seconds)
        verdicts = [v.to_dict() for v in exp.check_claims(metrics, quick)]
        _write_json(tmp / "metrics.json", metrics)
        _write_json(tmp / "config.json", config.to_dict())
        _write_json(tmp / "figures.json", [f.__dict__ for f in out.figures])
        _write_json(
            tmp / "run.json",
            {
                "name": exp.name,
                "summary": exp.summary,
                "reproduces": exp.reproduces,
                "seconds": seconds,
                "quick": quick,
                "seed": config.seed,
                "finished": time.time(),
                "claims": verdicts,
            },
        )
        saddle_logger.removeHandler(handler)
        handler.close()
        _swap_into_place(tmp, out_root / exp.name)
        return seconds, verdicts
    except BaseException:
        saddle_logger.removeHandler(handler)
        handler.close()
        shutil.rmtree(tmp, ignore_errors=True)
        raise


def _claim_lines(verdicts: Sequence[Mapping[str, Any]]) -> list[str]:
    """ "claims: N/M reproduced" and one line per claim that was checked and did not reproduce."""
    from saddle.claims import NOT_CHECKED, REPRODUCED, claims_summary
    from saddle.report.html import format_value

    if not verdicts:
        return ["claims: none declared"]
    n, m = claims_summary(verdicts)
    skipped = sum(v["status"] == NOT_CHECKED for v in verdicts)
    if m == 0:
        return [f"claims: none checked at this size ({skipped} expected at full size only)"]
    lines = [f"claims: {n}/{m} reproduced" + (f" ({skipped} not checked at this size)" if skipped else "")]
    for v in verdicts:
        if v["status"] not in (REPRODUCED, NOT_CHECKED):
            why = v.get("detail") or f"expected {v['expected']}, measured {format_value(v['measured'])}"
            lines.append(f"  {v['status']}: {v['name']} — {v['statement']} ({why})")
    return lines


def _update_tour(
    out_root: Path, succeeded: Mapping[str, float], failed: Mapping[str, str], seed: int, quick: bool, seconds: float
) -> None:
    """tour.json keeps the latest outcome per experiment: a later success clears an earlier failure."""
    from saddle.report.files import ReportFileError, read_tour

    try:
        previous = read_tour(out_root)
    except ReportFileError:
        previous = {}
    old_failed = {k: v for k, v in previous.get("failed", {}).items() if k not in succeeded}
    _write_json(
        out_root / "tour.json",
        {
            "failed": {**old_failed, **failed},
            "last_run": {
                "succeeded": dict(succeeded),
                "failed": dict(failed),
                "seconds": seconds,
                "seed": seed,
                "quick": quick,
            },
        },
    )


def _console_logging(out_root: Path) -> logging.Handler:
    """OUT/log.txt follows the whole invocation (console lines, experiment logs, progress lines)."""
    handler = logging.FileHandler(out_root / RUN_LOG, mode="a")
    handler.setFormatter(logging.Formatter("%(asctime)s %(message)s"))
    root = logging.getLogger("saddle")
    root.setLevel(logging.INFO)
    root.addHandler(handler)
    return handler


def _say(message: str) -> None:
    """One line to the console (stderr) and to OUT/log.txt."""
    print(message, file=sys.stderr, flush=True)
    logging.getLogger("saddle.cli").info(message)


def _cmd_list(args: argparse.Namespace) -> int:
    from saddle.experiments import registry

    reg = registry()
    width = max((len(n) for n in reg), default=4)
    for name, exp in reg.items():
        print(f"{name:<{width}}  {exp.summary}")
        if args.verbose:
            for line in _describe(exp, Path(args.out)):
                print(f"{'':<{width}}    {line}")
    return 0


def _describe(exp: Any, out_root: Path) -> list[str]:
    """Config keys with defaults (quick size in brackets), claims, and the last measured time in OUT."""
    keys = []
    for f in dataclasses.fields(exp.config):
        if f.name in ("seed", "device"):
            continue
        default = f.default_factory() if callable(f.default_factory) else f.default
        quick = f" [{exp.quick[f.name]!r}]" if f.name in exp.quick else ""
        keys.append(f"{f.name}={default!r}{quick}")
    lines = ["config: " + (", ".join(keys) or "(none)")]
    lines.append(
        f"claims: {len(exp.claims)} (" + ", ".join(c.name for c in exp.claims) + ")"
        if exp.claims
        else "claims: none declared"
    )
    try:
        meta = json.loads((out_root / exp.name / "run.json").read_text())
        lines.append(
            f"last run in {out_root}: {float(meta['seconds']):.1f} s at {'quick' if meta.get('quick') else 'full'} size"
        )
    except (OSError, ValueError, KeyError, TypeError):
        lines.append(f"last run in {out_root}: none")
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


def _cmd_run(args: argparse.Namespace) -> int:
    from saddle.experiments import registry
    from saddle.progress import enabled as bars_shown
    from saddle.progress import report_every

    if args.nproc < 1:
        raise UsageError(f"--nproc must be >= 1, got {args.nproc}")
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
    if "RANK" in os.environ:
        from saddle.train.distributed import setup_distributed

        setup_distributed(args.device)
        if int(os.environ["RANK"]) != 0:  # other ranks train their shards; their outputs are thrown away
            args.out = tempfile.mkdtemp(prefix="saddle-rank")
            atexit.register(shutil.rmtree, args.out, True)

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
    seed = _check_seed(args.seed)
    if args.threads < 1:
        raise UsageError(f"--threads must be >= 1, got {args.threads}")
    if not args.out.strip():
        raise UsageError("--out must name a folder, got an empty string")
    try:
        report_every()
    except ValueError as e:
        raise UsageError(str(e)) from None
    per = _split_sets(args.sets, names)
    configs = {}
    for n in names:  # validate everything before anything is written
        try:
            configs[n] = reg[n].make_config(quick=quick, overrides=per[n], seed=seed, device=device)
        except (ValueError, TypeError) as e:
            raise UsageError(f"{n}: {e}") from None
        if configs[n].device != device:
            _check_device(configs[n].device, option=f"{n}: --set device")
    out_root = Path(args.out)
    try:
        out_root.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=out_root, prefix=".probe-"):  # created, then deleted on exit
            pass
    except OSError as e:
        raise UsageError(f"--out {str(out_root)!r} is not a writable folder: {e.strerror or e}") from None

    import torch

    torch.set_num_threads(args.threads)
    log_handler = _console_logging(out_root)
    console = None
    if not bars_shown():  # no bars (stderr is not a terminal): progress lines go to the console instead
        console = logging.StreamHandler(sys.stderr)
        console.setFormatter(logging.Formatter("  %(message)s"))
        logging.getLogger("saddle.progress").addHandler(console)
    previous_term = signal.getsignal(signal.SIGTERM)

    def on_term(signum: int, frame: Any) -> None:
        signal.signal(signal.SIGTERM, signal.SIG_IGN)  # a second TERM (e.g. from `timeout`) must not stop the cleanup
        raise Terminated()

    signal.signal(signal.SIGTERM, on_term)
    try:
        return _run_all(reg, names, configs, out_root, quick, tour, seed)
    finally:
        signal.signal(signal.SIGTERM, previous_term)
        logging.getLogger("saddle").removeHandler(log_handler)
        log_handler.close()
        if console is not None:
            logging.getLogger("saddle.progress").removeHandler(console)


def _run_all(
    reg: Mapping[str, Any],
    names: Sequence[str],
    configs: Mapping[str, Any],
    out_root: Path,
    quick: bool,
    tour: bool,
    seed: int,
) -> int:
    from saddle.claims import claims_summary
    from saddle.report import write_report
    from saddle.report.files import ReportFileError

    logging.getLogger("saddle.cli").info(
        "saddle run %s (%s, seed %d)", " ".join(names), "quick" if quick else "full", seed
    )
    removed = _remove_leftovers(out_root)
    if removed:
        _say(f"removed {len(removed)} leftover temporary folder(s) of killed runs: {', '.join(removed)}")
    _say(f"log: {out_root / RUN_LOG} (follow it with `tail -f`)")
    succeeded: dict[str, float] = {}
    failed: dict[str, str] = {}
    all_verdicts: list[dict[str, Any]] = []
    not_reproduced: list[str] = []
    bad_input = False
    start = time.perf_counter()
    for i, n in enumerate(names, 1):
        _say(f"[{i}/{len(names)}] {n} ({'quick' if quick else 'full'}) ...")
        try:
            seconds, verdicts = _run_one(reg[n], configs[n], out_root, quick)
        except KeyboardInterrupt:
            _say("saddle: interrupted; the run in progress was discarded, earlier results are kept")
            return EXIT_INTERRUPTED
        except Terminated:
            _say("saddle: terminated (SIGTERM); the run in progress was discarded, earlier results are kept")
            return EXIT_TERMINATED
        except Exception as e:
            if os.environ.get("SADDLE_DEBUG"):
                traceback.print_exc()
            msg = f"{type(e).__name__}: {e}".splitlines()[0]
            failed[n] = msg
            bad_input = bad_input or isinstance(e, (ValueError, FileNotFoundError))
            _say(f"saddle: {n} failed: {msg}")
            continue
        succeeded[n] = seconds
        all_verdicts.extend(verdicts)
        not_reproduced.extend(f"{n}: {line.strip()}" for line in _claim_lines(verdicts)[1:])
        _say(f"[{i}/{len(names)}] {n} done in {seconds:.1f} s -> {out_root / n}")
        for line in _claim_lines(verdicts):
            _say(f"  {line}")
    total = time.perf_counter() - start
    _update_tour(out_root, succeeded, failed, seed, quick, total)
    if len(succeeded) > 1:
        n_ok, n_checked = claims_summary(all_verdicts)
        _say(f"claims, all experiments: {n_ok}/{n_checked} reproduced")
        for line in not_reproduced:
            _say(f"  {line}")
    code = 0
    if succeeded:
        try:
            _say(f"report: {write_report(out_root)}")
        except ReportFileError as e:
            _say(f"saddle: error: report not written: {e}")
            code = EXIT_BAD_INPUT
    _say(f"total time {total:.1f} s for {len(names)} experiment(s); {len(failed)} failed")
    if failed:
        return EXIT_BAD_INPUT if bad_input and len(names) == 1 else EXIT_FAILED
    return code


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
