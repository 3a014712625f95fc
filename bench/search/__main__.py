"""Search benchmark: the app's own full-text search over a million transcript segments."""

from __future__ import annotations

import argparse
import json
import signal
import subprocess
import sys
import time
import traceback
from types import FrameType

from bench.search.constants import LABELS, RESULTS, ROOT, SEGMENTS_PER_RECORDING, USERS
from bench.search.figures import format_run, results_name, verdict, write_results
from bench.search.run import run_database


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    """Command-line options."""
    parser = argparse.ArgumentParser(
        prog="python -m bench.search", description=__doc__.split("\n")[0]
    )
    which = parser.add_mutually_exclusive_group()
    which.add_argument("--postgres", action="store_const", dest="which", const="postgres")
    which.add_argument("--sqlite", action="store_const", dest="which", const="sqlite")
    which.add_argument("--both", action="store_const", dest="which", const="both")
    parser.add_argument("--segments", type=int, default=1_000_000, help="default 1,000,000")
    parser.add_argument(
        "--own-only", action="store_true", help="the old scenario: no teams, nothing shared"
    )
    parser.add_argument(
        "--pg-database", default="", help="PostgreSQL database to (re)create; default per run"
    )
    parser.add_argument("--keep", action="store_true", help="keep the database(s)")
    parser.add_argument("--explain", action="store_true", help="plans of each class's slowest")
    args = parser.parse_args(argv)
    args.which = args.which or "both"
    if args.segments < USERS * SEGMENTS_PER_RECORDING:
        parser.error(f"--segments must be at least {USERS * SEGMENTS_PER_RECORDING}")
    return args


def _exit_on_sigterm(signum: int, frame: FrameType | None) -> None:
    raise SystemExit(128 + signum)  # unwinds the ExitStack: the database goes


def run_one(args: argparse.Namespace) -> int:
    """One database in this process: print its table and verdict, write its JSON."""
    began = time.monotonic()
    try:
        run = run_database(args.which, args)
    except KeyboardInterrupt:
        print("\ninterrupted: benchmark database removed", file=sys.stderr)
        return 130
    except Exception:  # reported, and told apart from a missed target by the exit status
        traceback.print_exc()
        print("the run failed: benchmark database removed", file=sys.stderr)
        return 2
    runtime = time.monotonic() - began
    met, line = verdict([run])
    print(format_run(run))
    print(f"\nresults: {write_results(run, runtime)}; runtime {runtime:.0f} s")
    print(line, flush=True)
    return 0 if met else 1


def run_child(kind: str, args: argparse.Namespace) -> int:
    """This benchmark for one database, in a child process; waits for its clean-up on Ctrl+C."""
    command = [sys.executable, "-m", "bench.search", f"--{kind}", "--segments", str(args.segments)]
    command += ["--keep"] * args.keep + ["--explain"] * args.explain
    command += ["--own-only"] * args.own_only
    command += ["--pg-database", args.pg_database] * bool(args.pg_database)
    child = subprocess.Popen(command, cwd=ROOT)
    try:
        return child.wait()
    except KeyboardInterrupt:
        child.wait()  # it had the SIGINT too and is removing its database
        raise
    except SystemExit:
        child.terminate()
        child.wait()
        raise


def run_both(args: argparse.Namespace) -> int:
    """PostgreSQL, then SQLite, each in its own process; then the combined verdict."""
    began = time.monotonic()
    runs, codes = [], {}
    try:
        for kind in ("postgres", "sqlite"):
            codes[kind] = run_child(kind, args)
            path = RESULTS / results_name(kind, own_only=args.own_only)
            if codes[kind] in (0, 1):
                runs.append(json.loads(path.read_text())["run"])
            print(flush=True)
    except KeyboardInterrupt:
        print("\ninterrupted", file=sys.stderr)
        return 130
    failed = [kind for kind, code in codes.items() if code not in (0, 1)]
    print(f"total runtime {time.monotonic() - began:.0f} s")
    met, line = verdict(runs) if runs else (False, "no database finished")
    print(line + "".join(f"; {LABELS[kind]} run FAILED" for kind in failed))
    return 2 if failed else 0 if met else 1


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark for one database or, by default, both."""
    args = parse_args(argv)
    signal.signal(signal.SIGTERM, _exit_on_sigterm)
    return run_both(args) if args.which == "both" else run_one(args)


if __name__ == "__main__":
    raise SystemExit(main())
