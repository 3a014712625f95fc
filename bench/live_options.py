"""The live load benchmark's command line (bench/live_load.py)."""

from __future__ import annotations

import argparse

REDIS_URL = "redis://127.0.0.1:6379/9"  # kept apart from the test legs


def parse_args(argv: list[str] | None, *, description: str) -> argparse.Namespace:
    """Command-line options."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--sessions", type=int, nargs="+", default=[1, 50, 200])
    parser.add_argument("--seconds", type=float, default=60.0, help="audio per session")
    parser.add_argument("--postgres", action="store_true", help="PostgreSQL + Redis")
    parser.add_argument(
        "--pg-database",
        default="",
        help="PostgreSQL database to (re)create and drop (default: parley_bench_<pid>)",
    )
    parser.add_argument("--redis-url", default=REDIS_URL, help="Redis for the channel layer")
    parser.add_argument("--client-procs", type=int, default=2, help="client worker processes")
    parser.add_argument("--ramp", type=float, default=5.0, help="seconds to connect all sessions")
    parser.add_argument(
        "--profile-daphne",
        action="store_true",
        help="run Daphne under cProfile (slower!) and print where its main thread spends time",
    )
    parser.add_argument(
        "--py-spy", action="store_true", help="sample Daphne with py-spy in the steady window"
    )
    parser.add_argument(
        "--native", action="store_true", help="py-spy --native: C frames too (pauses Daphne)"
    )
    parser.add_argument(
        "--gil", action="store_true", help="py-spy --gil: only the thread holding the interpreter"
    )
    parser.add_argument(
        "--probe-at",
        choices=("steady", "start", "end"),
        default="steady",
        help="when py-spy samples: the steady window, while sessions connect, or while they stop",
    )
    parser.add_argument(
        "--tracemalloc",
        action="store_true",
        help="run Daphne under tracemalloc (slower!) and print what grew per session",
    )
    parser.add_argument(
        "--gc-pauses", action="store_true", help="time every garbage collection in Daphne"
    )
    parser.add_argument("--tag", default="", help="a label for the probe files")
    args = parser.parse_args(argv)
    if min(args.sessions) < 1 or args.client_procs < 1 or args.seconds < 4:
        parser.error("sessions and client processes must be >= 1, seconds >= 4")
    return args
