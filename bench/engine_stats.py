"""Statistics and machine readings for the local engine benchmark: percentiles, CPU, memory."""

from __future__ import annotations

import math
import os
import resource
import time
from collections.abc import Sequence
from dataclasses import dataclass

from bench.procstat import CLOCK_TICKS, cpu_seconds, machine_jiffies, rss_bytes

CPU_REFERENCE_LOOP = 2_000_000  # iterations of the CPU reference loop
OTHER_LOAD_WARNING = 0.1  # share of the machine's CPU taken by other processes worth a warning


def nearest_rank(values: Sequence[float], p: float) -> float:
    """The p-th percentile (0-100) by the nearest-rank method; NaN when there are none."""
    if not values:
        return math.nan
    ordered = sorted(values)
    return ordered[max(0, math.ceil(p / 100 * len(ordered)) - 1)]


def spread(values: Sequence[float]) -> dict[str, float | int]:
    """Count, p50, p95 and max."""
    top = max(values) if values else math.nan
    return {
        "n": len(values),
        "p50": nearest_rank(values, 50),
        "p95": nearest_rank(values, 95),
        "max": top,
    }


def cpu_reference_ms() -> float:
    """Milliseconds a fixed pure-Python loop takes (best of 3): compares runs on shared hosts."""
    best = math.inf
    for _ in range(3):
        began = time.perf_counter()
        sum(i * i for i in range(CPU_REFERENCE_LOOP))
        best = min(best, time.perf_counter() - began)
    return best * 1000


def memory() -> dict[str, float]:
    """Peak and current RSS of this process, in MiB."""
    peak_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux
    return {"peak_rss_mib": peak_kib / 1024, "rss_mib": rss_bytes(os.getpid()) / 1024**2}


@dataclass(frozen=True, slots=True)
class CpuMark:
    """The machine's and this process's CPU counters at one moment."""

    busy: int
    total: int
    own: float

    @classmethod
    def now(cls) -> CpuMark:
        """Read the counters."""
        busy, total = machine_jiffies()
        return cls(busy, total, cpu_seconds(os.getpid()))

    def shares_since(self) -> dict[str, float]:
        """Shares of the whole machine's CPU (all cores = 1) used since this mark."""
        later = CpuMark.now()
        elapsed = max(1, later.total - self.total)
        machine = (later.busy - self.busy) / elapsed
        ours = (later.own - self.own) * CLOCK_TICKS / elapsed
        return {"machine": machine, "this_process": ours, "others": max(0.0, machine - ours)}


def format_cpu(shares: dict[str, float], label: str) -> str:
    """One line on who used the CPU, warning when other processes took a noticeable share."""
    line = (
        f"{label}machine {shares['machine']:.0%} busy: this process "
        f"{shares['this_process']:.0%}, other processes {shares['others']:.0%}"
    )
    if shares["others"] > OTHER_LOAD_WARNING:
        line += " (other load on the machine: the figures are disturbed)"
    return line
