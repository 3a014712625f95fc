"""The server: Daphne, on uvloop's event loop.

`python -m config.serve` takes Daphne's own arguments (`-b`, `-p`, ... `config.asgi:application`).
Daphne builds the event loop every socket, meeting and page shares when its server module is
first imported, from asyncio's loop policy; this sets uvloop's policy first. uvloop runs the
loop, the sockets to Deepgram and the hand-offs from other threads in C: at 300 live meetings
Daphne used 4-10 % less CPU and about 8 KB less memory a meeting than on asyncio's own loop
(docs/benchmarks.md). Twisted, under Daphne, runs on either loop. Where uvloop is not installed
(it has no Windows build), or with PARLEY_EVENT_LOOP=asyncio, Daphne keeps asyncio's own loop.
"""

from __future__ import annotations

import asyncio
import os


def use_fast_event_loop() -> bool:
    """Make uvloop's the loop asyncio builds next; whether it will be."""
    if os.environ.get("PARLEY_EVENT_LOOP", "uvloop") == "asyncio":
        return False
    try:
        import uvloop
    except ImportError:
        return False
    asyncio.set_event_loop_policy(uvloop.EventLoopPolicy())
    return True


def main() -> None:
    """Daphne's command line, on the loop chosen above."""
    use_fast_event_loop()
    from daphne.cli import CommandLineInterface  # type: ignore[import-untyped]  # builds the loop

    CommandLineInterface.entrypoint()


if __name__ == "__main__":
    main()
