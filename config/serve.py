"""The server: Daphne, on uvloop's event loop.

`python -m config.serve` takes Daphne's own arguments (`-b`, `-p`, ... `config.asgi:application`).
Daphne builds the event loop every socket, meeting and page shares when its server module is
first imported, from asyncio's loop policy; this sets uvloop's policy first. uvloop runs the
loop, the sockets to Deepgram and the hand-offs from other threads in C: at 300 live meetings
Daphne used 2-11 % less CPU and 6-19 KB less memory a meeting than on asyncio's own loop
(docs/benchmarks.md). Twisted, under Daphne, runs on either loop. Where uvloop is not installed
(it has no Windows build), or with PARLEY_EVENT_LOOP=asyncio, Daphne keeps asyncio's own loop.
"""

from __future__ import annotations

import asyncio
import os

EVENT_LOOPS = ("uvloop", "asyncio")


def use_fast_event_loop() -> None:
    """Make uvloop's the loop asyncio builds next, unless PARLEY_EVENT_LOOP says asyncio (or
    uvloop is not installed). Any other value stops the server with a clear message."""
    chosen = os.environ.get("PARLEY_EVENT_LOOP", "uvloop")
    if chosen not in EVENT_LOOPS:
        raise SystemExit(f"PARLEY_EVENT_LOOP must be uvloop or asyncio, not {chosen!r}.")
    if chosen == "asyncio":
        return
    try:
        import uvloop
    except ImportError:
        return
    asyncio.set_event_loop_policy(uvloop.EventLoopPolicy())


def main() -> None:
    """Daphne's command line, on the loop chosen above."""
    use_fast_event_loop()
    from daphne.cli import CommandLineInterface  # type: ignore[import-untyped]  # builds the loop

    CommandLineInterface.entrypoint()


if __name__ == "__main__":
    main()
