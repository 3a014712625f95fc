"""A live session's spool is created by the disk writer, not by the event loop that serves
every meeting; a spool that cannot be created costs the audio, never the meeting."""

from __future__ import annotations

import sys
import threading
from pathlib import Path
from typing import Any

from django.conf import settings as live_settings

from transcripts import protocol
from transcripts.live.archive import WAV_HEADER_BYTES, wav_format
from transcripts.live.spool import AudioSpool

FRAME = b"\x01\x02" * 1600  # 100 ms of 16 kHz PCM16

# Every file opened in this process: its path and the thread that opened it (an audit hook
# stays for the process's life, so it only records).
opened: list[tuple[str, int]] = []


def _record_opens(event: str, args: tuple[Any, ...]) -> None:
    if event == "open" and isinstance(args[0], str | Path):
        opened.append((str(args[0]), threading.get_ident()))


sys.addaudithook(_record_opens)


class Warnings:
    def __init__(self) -> None:
        self.problems: list[protocol.Problem] = []

    async def send(self, problem: protocol.Problem) -> None:
        self.problems.append(problem)


async def test_the_event_loop_leaves_creating_the_spool_to_the_disk_writer() -> None:
    warnings = Warnings()
    spool = AudioSpool(recording_id=11, sample_rate=16000, part="", send_warning=warnings.send)
    for _ in range(10):
        spool.add(FRAME)
    assert [piece async for piece in spool.read(0, 4)] == [FRAME[:4]]  # created and written
    path = Path(live_settings.LIVE_AUDIO_DIR) / "11.wav"
    openers = {thread for name, thread in opened if name == str(path)}
    assert openers
    assert threading.get_ident() not in openers
    assert wav_format(path) == (16000, 1)
    assert path.stat().st_size == WAV_HEADER_BYTES + 10 * len(FRAME)
    spool.release()
    assert warnings.problems == []


async def test_a_spool_that_cannot_be_created_warns_the_page_and_keeps_nothing(
    settings: Any, tmp_path: Path
) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_bytes(b"")
    settings.LIVE_AUDIO_DIR = blocker / "live-audio"  # under a file: no folder can be made
    warnings = Warnings()
    spool = AudioSpool(recording_id=12, sample_rate=16000, part="", send_warning=warnings.send)
    for _ in range(10):
        spool.add(FRAME)
    assert [piece async for piece in spool.read(0, 4)] == []  # nothing to read back
    spool.release()
    await spool.run()
    assert [problem["code"] for problem in warnings.problems] == ["audio_not_kept"]
