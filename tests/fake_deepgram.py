"""A protocol-faithful fake Deepgram `/v1/listen` server for tests, benchmarks and manual runs.

Usage::

    from tests.fake_deepgram import FakeDeepgram
    with FakeDeepgram(api_key="test-key") as fake:
        ...  # point DEEPGRAM_URL at fake.url

Command line: ``python -m tests.fake_deepgram [--port N] [--api-key K] [--idle-timeout S]
[--stamp-finals] [--loop-lateness PATH] [--without-collector]`` prints
``FAKE_DEEPGRAM_URL=http://127.0.0.1:PORT`` when ready and serves until SIGINT/SIGTERM.
"""

from __future__ import annotations

import argparse
import gc
import logging
import signal
import threading
from pathlib import Path
from types import FrameType

from tests.fakedeepgram import (
    DEFAULT_SCRIPT,
    NET0000_REASON,
    NET0001_REASON,
    FakeDeepgram,
    FakeProtocolError,
    LiveConnection,
    RestRequest,
)
from tests.fakedeepgram.server import LATENESS_NOTED

__all__ = [
    "DEFAULT_SCRIPT",
    "NET0000_REASON",
    "NET0001_REASON",
    "FakeDeepgram",
    "FakeProtocolError",
    "LiveConnection",
    "RestRequest",
    "main",
]

logger = logging.getLogger(__name__)


def _parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m tests.fake_deepgram", description=__doc__)
    parser.add_argument("--port", type=int, default=0, help="port to bind (default: random free)")
    parser.add_argument("--api-key", default="test-key", help="accepted API key")
    parser.add_argument("--idle-timeout", type=float, default=10.0, help="NET-0001 timeout, s")
    parser.add_argument("--log-level", default="WARNING", help="logging level")
    parser.add_argument(
        "--stamp-finals",
        action="store_true",
        help='end every final\'s text in " t=<send time>" (for latency benchmarks)',
    )
    parser.add_argument(
        "--loop-lateness",
        type=Path,
        help=f"write each time the fake's loop runs over {LATENESS_NOTED * 1000:g} ms late to "
        "this file (benchmarks)",
    )
    parser.add_argument(
        "--without-collector",
        action="store_true",
        help="turn the cyclic garbage collector off (benchmarks: its pauses held the fake's "
        "loop up to 70 ms, reading audio that late; the fake's cycles then stay until it exits)",
    )
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    """Run the fake in the foreground until SIGINT/SIGTERM."""
    args = _parse_args(argv)
    logging.basicConfig(level=args.log_level.upper())
    stop = threading.Event()

    def _request_stop(signum: int, frame: FrameType | None) -> None:
        stop.set()

    signal.signal(signal.SIGINT, _request_stop)
    signal.signal(signal.SIGTERM, _request_stop)
    if args.without_collector:
        gc.disable()
    fake = FakeDeepgram(api_key=args.api_key, port=args.port)
    fake.idle_timeout = args.idle_timeout
    fake.stamp_finals = args.stamp_finals
    fake.loop_lateness = args.loop_lateness
    fake.keep_audio = False  # nobody in another process can read it; long runs would hoard it
    fake.start()
    print(f"FAKE_DEEPGRAM_URL={fake.url}", flush=True)
    try:
        # A bounded wait keeps the main thread responsive to signals.
        while not stop.wait(0.5):
            pass
    finally:
        fake.stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
