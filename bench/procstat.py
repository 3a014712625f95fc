"""CPU time, memory and listening ports of processes, read from /proc (psutil is not installed)."""

from __future__ import annotations

import os
import time
from dataclasses import dataclass, field

CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
LISTEN = "0A"  # TCP state code for LISTEN in /proc/net/tcp


def cpu_seconds(pid: int) -> float:
    """User + system CPU seconds used so far by all threads of `pid`."""
    with open(f"/proc/{pid}/stat") as stat:
        text = stat.read()
    # The command name (field 2) may hold spaces, so count fields from its closing bracket.
    fields = text.rpartition(")")[2].split()
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS


def main_thread_times(pid: int) -> tuple[float, float]:
    """(seconds on a CPU, seconds runnable but waiting for one) of `pid`'s main thread so far:
    the kernel's scheduler statistics. For Daphne that thread is the event loop."""
    with open(f"/proc/{pid}/task/{pid}/schedstat") as schedstat:
        on_cpu, waiting = schedstat.read().split()[:2]
    return int(on_cpu) / 1e9, int(waiting) / 1e9


def children(pid: int) -> list[int]:
    """Direct child processes of `pid` (e.g. an encoder process Daphne started)."""
    found: list[int] = []
    for task in os.listdir(f"/proc/{pid}/task"):
        with open(f"/proc/{pid}/task/{task}/children") as listed:
            found += [int(child) for child in listed.read().split()]
    return found


def rss_bytes(pid: int) -> int:
    """Resident set size of `pid`."""
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    raise ProcessLookupError(pid)  # a zombie has no VmRSS line


def machine_jiffies() -> tuple[int, int]:
    """(busy, total) CPU jiffies of the whole machine since boot."""
    with open("/proc/stat") as stat:
        values = [int(v) for v in stat.readline().split()[1:9]]
    idle = values[3] + values[4]  # idle + iowait
    return sum(values) - idle, sum(values)


def listening_ports(pid: int) -> list[int]:
    """TCP ports `pid` listens on: its socket inodes matched against /proc/net/tcp{,6}."""
    inodes = set()
    for fd in os.listdir(f"/proc/{pid}/fd"):
        try:
            target = os.readlink(f"/proc/{pid}/fd/{fd}")
        except OSError:
            continue  # closed between listdir and readlink
        if target.startswith("socket:["):
            inodes.add(target[8:-1])
    ports = []
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        with open(table) as rows:
            for row in list(rows)[1:]:
                parts = row.split()
                if parts[3] == LISTEN and parts[9] in inodes:
                    ports.append(int(parts[1].rpartition(":")[2], 16))
    return ports


@dataclass
class Sample:
    """One reading of every watched process and the machine."""

    at: float
    cpu: dict[str, float]
    rss: dict[str, int]
    machine: tuple[int, int]


@dataclass
class Sampler:
    """Periodic readings of named processes; a process that has gone is skipped."""

    pids: dict[str, int]
    samples: list[Sample] = field(default_factory=list)
    child_cpu: dict[int, float] = field(default_factory=dict)

    def take(self) -> Sample:
        """Read every watched process now and keep the sample."""
        sample = Sample(at=time.time(), cpu={}, rss={}, machine=machine_jiffies())
        for name, pid in self.pids.items():
            try:
                sample.cpu[name] = cpu_seconds(pid)
                sample.rss[name] = rss_bytes(pid)
                if name == "daphne":  # its event loop's thread; its helper processes
                    running, waiting = main_thread_times(pid)
                    sample.cpu["daphne-loop-on-cpu"] = running
                    sample.cpu["daphne-loop-waiting"] = waiting
                    for child in children(pid):
                        self.child_cpu[child] = cpu_seconds(child)
                    sample.cpu["daphne-children"] = sum(self.child_cpu.values())
            except (FileNotFoundError, ProcessLookupError):
                continue
        self.samples.append(sample)
        return sample

    def within(self, start: float, end: float) -> list[Sample]:
        """Samples taken between `start` and `end` (wall-clock seconds)."""
        return [s for s in self.samples if start <= s.at <= end]
