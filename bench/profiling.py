"""Where Daphne's CPU goes: a cProfile of the Daphne process, summed by package.

Python 3.12's cProfile is built on sys.monitoring, so it sees every thread (the event loop and
asgiref's database thread). Time blocked in epoll is the idle loop and is left out of the
shares. Profiling slows pure-Python calls down (C calls much less), so use it on an
unsaturated run and read the shares, not the totals.
"""

from __future__ import annotations

import pstats
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SITE = "site-packages/"
STDLIB = "/python3.12/"
IDLE = "<method 'poll' of 'select.epoll' objects>"

Key = tuple[str, int, str]
Row = tuple[int, int, float, float, dict[Key, tuple[int, int, float, float]]]


def owner(filename: str, function: str) -> str:
    """The package (or stdlib module, or built-in) a profiled function belongs to."""
    if filename == "~":
        return f"built-in {function}"
    if SITE in filename:
        return filename.split(SITE, 1)[1].split("/", 1)[0].removesuffix(".py")
    if STDLIB in filename:
        return "stdlib " + filename.split(STDLIB, 1)[1].split("/", 1)[0].removesuffix(".py")
    return "parley " + filename.removeprefix(f"{ROOT}/")


def summary(path: Path, top: int = 12) -> list[str]:
    """Busy time by package, and Parley's own functions by cumulative time, as report lines."""
    stats: dict[Key, Row] = pstats.Stats(str(path)).stats  # type: ignore[attr-defined]
    by_owner: dict[str, float] = defaultdict(float)
    for (filename, _, function), row in stats.items():
        if function != IDLE:
            by_owner[owner(filename, function)] += row[2]
    busy = sum(by_owner.values()) or 1.0
    lines = [f"Daphne profile ({path.name}): {busy:.1f} s busy (idle epoll left out)"]
    lines.append("  own time by package:")
    for name, own in sorted(by_owner.items(), key=lambda item: -item[1])[:top]:
        lines.append(f"    {100 * own / busy:5.1f} %  {name[:90]}")
    lines.append("  Parley functions by cumulative time (calls):")
    for key, row in _parley_functions(stats)[:top]:
        label = f"{Path(key[0]).relative_to(ROOT)}:{key[1]} {key[2]}"
        lines.append(f"    {100 * row[3] / busy:5.1f} %  {label} ({row[1]})")
    return lines


def _parley_functions(stats: dict[Key, Row]) -> list[tuple[Key, Row]]:
    """Functions in Parley's own code (not the venv), most cumulative time first."""
    venv = str(ROOT / ".venv")
    mine = [
        (key, row)
        for key, row in stats.items()
        if key[0].startswith(str(ROOT)) and not key[0].startswith(venv)
    ]
    return sorted(mine, key=lambda item: -item[1][3])
