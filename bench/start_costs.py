"""What a meeting's start costs the event loop, in parts a shared host's load cannot blur.

While 300 meetings connect within 5 s, the live process's event loop opens 300 browser
sockets and 300 Deepgram sockets, and other threads run Python for the same starts (logins,
recordings created). Two costs of a start, each measured on its own:

- **A system call on the event loop beside a busy thread.** CPython lets go of the interpreter
  around every system call; a thread running Python takes it and keeps it until its own next
  pause. Creating a spool (its folder, the file, its header: `archive.open_spool`) is timed
  alone and beside one thread running Python. Parley's disk writer now does it instead.
- **Opening a browser's socket.** Daphne's socket as autobahn opens it, and as Parley fits it
  (`live/daphne_sockets.py`: the options copied without autobahn's pretty-printed listing of
  them for a debug line), in CPU time per socket.

Usage
    .venv/bin/python bench/start_costs.py [--seconds 2] [--sockets 2000]
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import daphne.server  # (installs Twisted's asyncio reactor, as Daphne does)
from twisted.internet.address import IPv4Address
from twisted.internet.testing import StringTransport

from bench.database import setup_django


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=2.0, help="per system-call timing")
    parser.add_argument("--sockets", type=int, default=2000, help="sockets opened per kind")
    return parser.parse_args(argv)


def calls_per_second(call: Callable[[], None], seconds: float) -> float:
    """How many times `call()` runs in `seconds` of wall time."""
    count, deadline = 0, time.perf_counter() + seconds
    while time.perf_counter() < deadline:
        call()
        count += 1
    return count / seconds


def beside_a_busy_thread(measure: Callable[[], float]) -> float:
    """`measure()` while another thread runs Python without a pause."""
    stop = threading.Event()

    def spin() -> None:
        while not stop.is_set():
            sum(range(1000))

    busy = threading.Thread(target=spin, daemon=True)
    busy.start()
    try:
        return measure()
    finally:
        stop.set()
        busy.join()


def spool_creations(seconds: float) -> None:
    from transcripts.live.archive import open_spool

    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "spools" / "1.wav"

        def create() -> None:
            os.close(open_spool(path, 16000))

        alone = calls_per_second(create, seconds)
        beside = beside_a_busy_thread(lambda: calls_per_second(create, seconds))
    for name, rate in (("alone", alone), ("beside a busy thread", beside)):
        print(f"creating a spool (3 system calls), {name:<21} {1e6 / rate:8,.0f} µs a spool")


def socket_openings(count: int) -> None:
    from transcripts.live.daphne_sockets import fit_daphne_sockets

    kinds = {"Daphne's socket": daphne.server.WebSocketFactory}
    fit_daphne_sockets()
    kinds["as Parley fits it"] = daphne.server.WebSocketFactory
    for name, factory_class in kinds.items():
        factory = factory_class(None, server="bench")
        factory.setProtocolOptions(autoPingTimeout=20, allowNullOrigin=True)
        address = IPv4Address("TCP", "127.0.0.1", 40000)
        started = time.thread_time()
        for _ in range(count):
            factory.buildProtocol(address).makeConnection(StringTransport())
        cost = (time.thread_time() - started) / count
        print(f"opening a browser's socket, {name:<18} {cost * 1e6:8,.0f} µs of CPU")


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    setup_django({"SECRET_KEY": "bench-start-costs"})
    print(
        f"Python {sys.version.split()[0]}, {os.cpu_count()} CPUs, switch interval "
        f"{sys.getswitchinterval() * 1000:.0f} ms"
    )
    spool_creations(args.seconds)
    socket_openings(args.sockets)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
