"""The live audio archive: Ogg/Opus on disk as audio arrives, then in storage."""

from __future__ import annotations

import asyncio
import os
from pathlib import Path

import av
import pytest
from channels.db import database_sync_to_async
from django.core.files.storage import default_storage

from tests.audio import tone, utterances
from tests.fake_deepgram import FakeDeepgram
from tests.sockets import RecordSocket
from transcripts.live import spool
from transcripts.live.archive import (
    OggOpusWriter,
    encode_spool,
    open_spool,
    spool_path,
    wav_seconds,
)
from transcripts.live.registry import audio_stored
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


def test_a_crash_leaves_every_second_written_in_the_raw_spool(tmp_path: Path) -> None:
    path = tmp_path / "a.wav"
    fd = open_spool(path, 16000)
    for _ in range(10):
        os.write(fd, tone(1.0))
    # The process dies here: the header still says "size unknown", and nothing is lost.
    assert wav_seconds(path) == 10.0
    assert decoded_seconds(path) == pytest.approx(10.0, abs=0.001)
    os.close(fd)


def test_a_spool_is_encoded_to_an_ogg_as_long_as_it(tmp_path: Path) -> None:
    path = tmp_path / "a.wav"
    fd = open_spool(path, 16000)
    os.write(fd, utterances(5, speech=1.3, pause=0.9))
    os.close(fd)
    ogg = encode_spool(path)
    assert not path.exists()
    assert decoded_seconds(ogg) == pytest.approx(11.0, abs=0.07)


def corrupt_packets(path: Path | str) -> int:
    """Packets a demuxer flags as corrupt (a damaged page, a cut-off write)."""
    with av.open(str(path)) as container:
        return sum(packet.is_corrupt for packet in container.demux(audio=0))


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
    stored = default_storage.path(recording.audio.name)
    assert corrupt_packets(stored) == 0
    assert decoded_seconds(stored) == pytest.approx(4.8, abs=0.07)  # an Opus frame at most
    assert not spool_path(recording_id).exists()


@pytest.mark.django_db(transaction=True)
async def test_stopped_comes_before_the_audio_is_stored_and_frees_the_place_at_once(
    deepgram: FakeDeepgram, cookie: str, settings, tmp_path: Path
) -> None:
    # The encoder is busy (the meetings that ended before this one) until the gate opens.
    settings.LIVE_MAX_SESSIONS = 1
    gate = tmp_path / "gate"
    os.mkfifo(gate)
    busy = spool.encoder().submit(gate.read_bytes)
    socket = RecordSocket(cookie=cookie)
    assert await socket.connect()
    recording_id = await socket.start()
    await socket.send_audio(utterances(1))
    await socket.finals(1)
    await socket.send({"type": "stop"})
    assert (await socket.expect("stopped"))["segments"] == 1
    recording = await Recording.objects.aget(pk=recording_id)
    assert (recording.status, recording.audio.name) == ("completed", "")
    # A session only storing its audio leaves the process's place to a new recording.
    other = RecordSocket(cookie=cookie)
    assert await other.connect()
    assert await other.start()
    await asyncio.to_thread(gate.write_bytes, b"")  # the encoder is free
    await asyncio.wrap_future(busy)
    await audio_stored(recording_id)
    recording = await Recording.objects.aget(pk=recording_id)
    assert decoded_seconds(default_storage.path(recording.audio.name)) == pytest.approx(
        1.6, abs=0.07
    )
    await other.stop()
    await other.disconnect()
    await socket.disconnect()


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


def test_the_transcript_page_says_the_audio_is_on_its_way(logged_in, user) -> None:
    recording = Recording.objects.create(owner=user, title="Standup", status="completed")
    page = logged_in.get(f"/recordings/{recording.pk}/")
    assert "The audio is being saved" not in page.content.decode()  # no spool: no audio kept
    spool_path(recording.pk).parent.mkdir(parents=True, exist_ok=True)
    spool_path(recording.pk).write_bytes(b"RIFF")  # stopped: encoding and storing it
    page = logged_in.get(f"/recordings/{recording.pk}/")
    assert "The audio is being saved: it plays here in a moment" in page.content.decode()
