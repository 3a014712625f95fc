"""The live server's heap and Python's cyclic garbage collector.

A full collection walks every object the collector tracks, holding the one event loop that
serves every session: with Django, the engine's SDK and hundreds of sessions loaded, that
was 80 to 140 ms each time, several times a minute (docs/benchmarks.md), and every meeting's
transcript stalled for it. What a server loads before it takes its first session lives as
long as the process, so it is frozen (`gc.freeze`): collections then walk only what the
sessions made since. Objects that die are still freed as before; only cycles among the
frozen objects would wait for the process to end, and start-up leaves none worth keeping.

The young generation is collected every 2,000 allocations at least, as Python 3.13 does:
3.12's 700 made three times the collections, full ones included (docs/benchmarks.md).
"""

from __future__ import annotations

import gc

from transcripts import engines

YOUNG_COLLECTION_EVERY = 2000


def settle_server_heap() -> None:
    """Load the configured live engine's libraries now, then freeze all that is loaded."""
    if engines.live_engine_configured():
        engines.live_engine_class()
    gc.collect()  # what start-up left as garbage is freed first, not frozen
    gc.freeze()
    young, *older = gc.get_threshold()
    gc.set_threshold(max(young, YOUNG_COLLECTION_EVERY), *older)
