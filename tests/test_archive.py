"""The live audio archive: Ogg/Opus on disk as audio arrives, then in storage."""

from __future__ import annotations

from pathlib import Path

import av
import pytest
from channels.db import database_sync_to_async
from django.core.files.storage import default_storage

from tests.audio import tone, utterances
from tests.fake_deepgram import FakeDeepgram
from tests.sockets import RecordSocket
from transcripts.live.archive import OggOpusWriter, spool_path
from transcripts.models import Recording


def decoded_seconds(path: Path | str) -> float:
    """How much audio a file really holds, by decoding all of it."""
    samples, rate = 0, 1
    with av.open(str(path)) as container:
        for frame in container.decode(audio=0):
            samples += frame.samples
            rate = frame.sample_rate
    return samples / rate


@pytest.mark.parametrize("rate", [16000, 44100])
def test_the_archive_holds_all_the_audio_it_was_given(tmp_path: Path, rate: int) -> None:
    path = tmp_path / "a.ogg"
    writer = OggOpusWriter(path, rate)
    for _ in range(10):
        writer.write(tone(1.0, rate=rate))
    writer.close()
    assert decoded_seconds(path) == pytest.approx(10.0, abs=0.1)


def test_an_hour_of_speech_stays_under_30_mb(tmp_path: Path) -> None:
    path = tmp_path / "a.ogg"
    writer = OggOpusWriter(path, 16000)
    for _ in range(60):
        writer.write(utterances(1, speech=0.7, pause=0.3))
    writer.close()
    assert path.stat().st_size * 60 < 30_000_000  # a minute's size, times sixty


def test_a_crash_leaves_a_playable_file_up_to_the_last_second(tmp_path: Path) -> None:
    path = tmp_path / "a.ogg"
    writer = OggOpusWriter(path, 16000)
    for _ in range(10):
        writer.write(tone(1.0))
    # The process dies here: no close(), nothing flushed at exit.
    assert decoded_seconds(path) >= 9.5
    writer.close()


@pytest.mark.django_db(transaction=True)
async def test_a_live_recording_keeps_its_audio_in_storage(
    deepgram: FakeDeepgram, cookie: str
) -> None:
    socket = RecordSocket(cookie=cookie)
    assert await socket.connect()
    recording_id = await socket.start()
    await socket.send_audio(utterances(3))
    await socket.finals(3)
    await socket.stop()
    await socket.disconnect()
    recording = await database_sync_to_async(Recording.objects.get)(pk=recording_id)
    assert recording.audio.name.startswith("recordings/")
    assert recording.audio.name.endswith(".ogg")
    assert (recording.media_format, recording.file_size) == ("ogg", recording.audio.size)
    assert decoded_seconds(default_storage.path(recording.audio.name)) == pytest.approx(
        4.8, abs=0.15
    )
    assert not spool_path(recording_id).exists()


@pytest.mark.django_db(transaction=True)
async def test_a_browser_that_vanishes_still_leaves_its_audio(
    deepgram: FakeDeepgram, cookie: str
) -> None:
    socket = RecordSocket(cookie=cookie)
    assert await socket.connect()
    recording_id = await socket.start()
    await socket.send_audio(tone(2.5))
    await deepgram.await_for(lambda fake: fake.connections[0].audio_bytes == 2 * 16000 * 2.5)
    await socket.disconnect()
    recording = await database_sync_to_async(Recording.objects.get)(pk=recording_id)
    assert recording.status == Recording.Status.INTERRUPTED
    assert decoded_seconds(default_storage.path(recording.audio.name)) == pytest.approx(
        2.5, abs=0.15
    )
