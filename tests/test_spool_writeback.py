"""A live spool's pages go to the disk as it grows (live/writeback.py), not all at once when the
kernel finds them 30 s old: the dirty pages a spool leaves behind are at most the last few
seconds of its audio. Read with Linux's cachestat (6.5 on), which counts a file's dirty pages."""

from __future__ import annotations

import ctypes
import errno
import os
import sys
from pathlib import Path

import pytest
from django.conf import settings

from transcripts.live.spool import WRITEBACK_AFTER_BYTES, AudioSpool

CACHESTAT = 451  # the system call's number on x86-64 and arm64 alike
PAGE = os.sysconf("SC_PAGE_SIZE")
FRAME = b"\x01\x02" * 1600  # 100 ms of 16 kHz PCM16
FRAMES = 640  # 64 s: 2 MB, sixteen times WRITEBACK_AFTER_BYTES


class CachestatRange(ctypes.Structure):
    _fields_ = [("off", ctypes.c_uint64), ("len", ctypes.c_uint64)]


class Cachestat(ctypes.Structure):
    _fields_ = [
        (name, ctypes.c_uint64)
        for name in ("nr_cache", "nr_dirty", "nr_writeback", "nr_evicted", "nr_recently_evicted")
    ]


def dirty_pages(path: Path) -> int:
    """How many of the file's pages are dirty in the page cache (not yet handed to the disk)."""
    libc = ctypes.CDLL(None, use_errno=True)
    stat = Cachestat()
    fd = os.open(path, os.O_RDONLY)
    try:
        if libc.syscall(CACHESTAT, fd, ctypes.byref(CachestatRange(0, 0)), ctypes.byref(stat), 0):
            code = ctypes.get_errno()
            pytest.skip(f"cachestat is not available here ({errno.errorcode.get(code, code)})")
    finally:
        os.close(fd)
    return int(stat.nr_dirty)


@pytest.fixture(autouse=True)
def linux_only() -> None:
    if not sys.platform.startswith("linux"):
        pytest.skip("sync_file_range and cachestat are Linux's")


def written_plainly(folder: Path) -> int:
    """The dirty pages of the same audio written without a word to the kernel; the test means
    nothing where the kernel writes a file back at once by itself (a tmpfs, a busy disk)."""
    plain = folder / "plain.wav"
    plain.write_bytes(FRAME * FRAMES)
    dirty = dirty_pages(plain)
    if dirty * PAGE < len(FRAME) * FRAMES // 2:
        pytest.skip(f"the kernel wrote the plain file back by itself ({dirty} pages dirty)")
    return dirty


async def test_a_spool_leaves_at_most_its_last_seconds_dirty(tmp_path: Path) -> None:
    plainly = written_plainly(tmp_path)  # the spools' folder is in tmp_path too (conftest)
    spool = AudioSpool(recording_id=7, sample_rate=16000, part="", send_warning=_no_warning)
    for _ in range(FRAMES):
        spool.add(FRAME)
    assert [piece async for piece in spool.read(0, 2)] == [FRAME[:2]]  # all of it on disk
    dirty = dirty_pages(Path(settings.LIVE_AUDIO_DIR) / "7.wav")
    assert dirty * PAGE <= WRITEBACK_AFTER_BYTES + PAGE < plainly * PAGE
    spool.release()


async def _no_warning(problem: object) -> None:
    raise AssertionError(f"the spool warned: {problem}")
