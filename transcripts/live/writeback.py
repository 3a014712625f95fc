"""A spool's pages handed to the disk as it grows, not all at once half a minute later.

Linux writes a file's dirty pages back once they are 30 s old (`vm.dirty_expire_centisecs`).
300 meetings spool 9.6 MB of audio a second, so every half minute or so the kernel wrote
120-150 MB at once, and PostgreSQL's commits, which wait for their WAL to reach the disk,
waited 80-150 ms behind it: every final being saved then reached its browser that much later
(docs/benchmarks.md). PostgreSQL limits its own writes the same way (`checkpoint_flush_after`):
`sync_file_range(SYNC_FILE_RANGE_WRITE)` starts writing what is dirty and returns without
waiting for the disk. Where there is no such call (not Linux), the kernel's own pace is kept.
"""

from __future__ import annotations

import ctypes
import sys
from collections.abc import Callable

SYNC_FILE_RANGE_WRITE = 2  # <fcntl.h>: start writing the dirty pages, do not wait for them

type SyncFileRange = Callable[[int, int, int, int], int]


def _linux_sync_file_range() -> SyncFileRange | None:
    if not sys.platform.startswith("linux"):
        return None
    call = getattr(ctypes.CDLL(None, use_errno=True), "sync_file_range", None)
    if call is None:
        return None
    call.argtypes = (ctypes.c_int, ctypes.c_int64, ctypes.c_int64, ctypes.c_uint)
    call.restype = ctypes.c_int
    return call


_sync_file_range = _linux_sync_file_range()


def start_writeback(fd: int) -> None:
    """Start writing the file's dirty pages to disk, without waiting for them.

    Advice only: where the call is missing or the file system refuses it, nothing is done and
    the kernel writes the pages back at its own pace, as for any file.
    """
    if _sync_file_range is not None:
        _sync_file_range(fd, 0, 0, SYNC_FILE_RANGE_WRITE)  # 0, 0: the whole file
