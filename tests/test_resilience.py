"""A live recording survives its engine stream breaking: reconnect, replay, continuous times.

The fake Deepgram names each tone burst by its pitch ("tone 700"), so the same audio gives
the same words on any connection: a lost or repeated word shows in the saved transcript.
"""

from __future__ import annotations

from itertools import pairwise
from pathlib import Path
from typing import Any

import pytest
from channels.db import database_sync_to_async

from tests.audio import silence, tone
from tests.fake_deepgram import NET0001_REASON, FakeDeepgram
from tests.fakedeepgram import DROP_CONNECTION
from tests.sockets import RecordSocket
from transcripts.live import archive
from transcripts.models import Recording, Segment

pytestmark = pytest.mark.django_db(transaction=True)

PITCHES = [400, 500, 600, 700, 800, 900, 1000, 1100]
SPEECH, PAUSE = 1.0, 0.6
EXPECTED = [f"tone {pitch}" for pitch in PITCHES]


@pytest.fixture
def flaky(deepgram: FakeDeepgram, settings) -> FakeDeepgram:
    """The fake Deepgram, naming tones by pitch; Parley retrying quickly."""
    deepgram.name_by_pitch = True
    settings.LIVE_RECONNECT_FIRST_DELAY = 0.05
    settings.LIVE_RECONNECT_MAX_DELAY = 0.2
    return deepgram


def meeting() -> bytes:
    """One tone burst per pitch, each followed by a pause that ends it."""
    return audio_for(PITCHES)


async def segments_of(recording_id: int) -> list[Segment]:
    return await database_sync_to_async(
        lambda: list(Segment.objects.filter(recording_id=recording_id).order_by("index"))
    )()


async def open_recording(cookie: str) -> tuple[RecordSocket, int]:
    socket = RecordSocket(cookie=cookie)
    assert await socket.connect()
    return socket, await socket.start(title="Flaky network")


async def first_stream_open(fake: FakeDeepgram) -> None:
    await fake.await_for(lambda f: bool(f.connections) and f.connections[0].status == 101)


def assert_complete_and_continuous(segments: list[Segment]) -> None:
    """Every tone once, in order, each word where its tone is on the recording's timeline."""
    assert [s.text for s in segments] == EXPECTED
    for number, segment in enumerate(segments):
        tone_start = number * (SPEECH + PAUSE)
        assert segment.words[0]["start"] == pytest.approx(tone_start, abs=0.05)
        assert segment.words[-1]["end"] == pytest.approx(tone_start + SPEECH, abs=0.05)
    assert all(a.end <= b.start + 1e-6 for a, b in pairwise(segments))


def types(received: list[dict[str, Any]]) -> list[str]:
    return [message["type"] for message in received]


@pytest.mark.parametrize(
    "fault",
    [(2.5, 1011, NET0001_REASON), (2.5, DROP_CONNECTION, "")],
    ids=["closed-1011", "tcp-dropped"],
)
async def test_a_broken_stream_is_reconnected_and_no_word_is_lost_or_repeated(
    flaky: FakeDeepgram, cookie: str, fault: tuple[float, int, str]
) -> None:
    flaky.faults_next = [fault]
    socket, recording_id = await open_recording(cookie)
    await socket.send_audio(meeting())
    stopped = await socket.stop()

    assert stopped["segments"] == len(PITCHES)
    assert_complete_and_continuous(await segments_of(recording_id))
    kinds = types(socket.received)
    assert kinds.index("reconnecting") < kinds.index("reconnected")
    assert "error" not in kinds
    assert len(flaky.connections) == 2
    recording = await Recording.objects.aget(pk=recording_id)
    assert (recording.status, recording.error) == ("completed", "")


async def test_refused_reconnects_are_retried_with_backoff(
    flaky: FakeDeepgram, cookie: str
) -> None:
    flaky.faults_next = [(2.5, 1011, NET0001_REASON)]
    socket, recording_id = await open_recording(cookie)
    await first_stream_open(flaky)
    flaky.reject_next = [503, 503]
    await socket.send_audio(meeting())
    await socket.stop()

    assert_complete_and_continuous(await segments_of(recording_id))
    attempts = [m["attempt"] for m in socket.received if m["type"] == "reconnecting"]
    assert attempts == [1, 2, 3]
    assert [c.status for c in flaky.connections] == [101, 503, 503, 101]


async def test_while_the_engine_stays_away_the_page_hears_transcription_is_paused(
    flaky: FakeDeepgram, cookie: str, settings
) -> None:
    settings.LIVE_RECONNECT_ATTEMPTS_BEFORE_PAUSE = 2
    flaky.faults_next = [(2.5, 1011, NET0001_REASON)]
    socket, recording_id = await open_recording(cookie)
    await first_stream_open(flaky)
    flaky.reject_next = [503] * 1000
    await socket.send_audio(meeting())
    paused = await socket.expect("transcription_paused", skip=("interim", "final", "reconnecting"))
    assert "Transcription is paused from 0:0" in paused["message"]
    assert "still being recorded" in paused["message"]
    flaky.reject_next = []  # the service is back
    await socket.expect("reconnected", skip=("interim", "final", "reconnecting"))
    await socket.stop()
    assert_complete_and_continuous(await segments_of(recording_id))


async def test_stopping_while_the_engine_is_away_keeps_everything_recorded(
    flaky: FakeDeepgram, cookie: str
) -> None:
    flaky.faults_next = [(2.5, 1011, NET0001_REASON)]
    socket, recording_id = await open_recording(cookie)
    await first_stream_open(flaky)
    flaky.reject_next = [503] * 1000
    await socket.send_audio(meeting())
    await socket.expect("reconnecting", skip=("interim", "final"))
    stopped = await socket.stop()

    saved = [s.text for s in await segments_of(recording_id)]
    assert saved == EXPECTED[: len(saved)]  # what was transcribed before the break stays
    assert stopped["segments"] == len(saved) >= 1
    recording = await Recording.objects.aget(pk=recording_id)
    assert recording.status == "completed"
    assert "Transcription is paused" in recording.error
    assert recording.duration == pytest.approx(len(PITCHES) * (SPEECH + PAUSE), abs=0.01)
    assert recording.audio.name  # every second of it is in the archive


# --- The browser's socket drops: the page resumes the same recording --------------------


async def test_a_dropped_page_resumes_the_same_recording_with_a_continuous_timeline(
    flaky: FakeDeepgram, cookie: str
) -> None:
    first, recording_id = await open_recording(cookie)
    await first.send_audio(audio_for(PITCHES[:3]))
    await first.finals(3)
    await first.disconnect()  # Wi-Fi gone: no stop
    interrupted = await Recording.objects.aget(pk=recording_id)
    assert interrupted.status == "interrupted"

    second = RecordSocket(cookie=cookie)
    assert await second.connect()
    await second.send({"type": "resume", "recording": recording_id, "sample_rate": 16000})
    resumed = await second.expect("resumed")
    assert resumed == {
        "type": "resumed",
        "recording": recording_id,
        "segments": 3,
        "audio_seconds": pytest.approx(3 * (SPEECH + PAUSE), abs=0.001),
    }
    await second.send_audio(audio_for(PITCHES[3:]))
    stopped = await second.stop()

    assert stopped == {"type": "stopped", "recording": recording_id, "segments": len(PITCHES)}
    segments = await segments_of(recording_id)
    assert [s.index for s in segments] == list(range(len(PITCHES)))
    assert_complete_and_continuous(segments)
    recording = await Recording.objects.aget(pk=recording_id)
    assert (recording.status, recording.error) == ("completed", "")
    assert recording.duration == pytest.approx(len(PITCHES) * (SPEECH + PAUSE), abs=0.01)
    assert await stored_audio_seconds(recording) == pytest.approx(recording.duration, abs=0.1)


async def test_a_page_dropped_before_any_audio_keeps_the_audio_of_its_resumed_part(
    flaky: FakeDeepgram, cookie: str
) -> None:
    first, recording_id = await open_recording(cookie)
    await first.disconnect()  # gone before the microphone sent a frame: an empty first part
    second = RecordSocket(cookie=cookie)
    assert await second.connect()
    await second.send({"type": "resume", "recording": recording_id, "sample_rate": 16000})
    await second.expect("resumed")
    await second.send_audio(audio_for(PITCHES[:2]))
    assert (await second.stop())["segments"] == 2
    assert not [m for m in second.received if m["type"] == "warning"]
    recording = await Recording.objects.aget(pk=recording_id)
    assert await stored_audio_seconds(recording) == pytest.approx(recording.duration, abs=0.1)
    assert recording.duration == pytest.approx(2 * (SPEECH + PAUSE), abs=0.01)


@pytest.mark.parametrize("who", ["someone else", "nobody"])
async def test_only_the_owner_can_resume_a_recording(
    flaky: FakeDeepgram, cookie: str, other_cookie: str, who: str
) -> None:
    first, recording_id = await open_recording(cookie)
    await first.disconnect()
    stranger = RecordSocket(cookie=other_cookie)
    assert await stranger.connect()
    target = recording_id if who == "someone else" else recording_id + 1000
    await stranger.send({"type": "resume", "recording": target})
    error = await stranger.expect_error_and_close(4404)
    assert error["code"] == "not_resumable"
    assert (await Recording.objects.aget(pk=recording_id)).status == "interrupted"


async def test_a_finished_recording_cannot_be_resumed(flaky: FakeDeepgram, cookie: str) -> None:
    first, recording_id = await open_recording(cookie)
    await first.stop()
    second = RecordSocket(cookie=cookie)
    assert await second.connect()
    await second.send({"type": "resume", "recording": recording_id})
    error = await second.expect_error_and_close(4409)
    assert "finished" in error["message"]


async def test_pause_has_the_engine_finalise_what_was_said(
    flaky: FakeDeepgram, cookie: str
) -> None:
    flaky.silence_ms = 5000  # only Finalize ends an utterance here
    socket, _ = await open_recording(cookie)
    await socket.send_audio(tone(SPEECH, hz=500))
    await socket.send({"type": "pause"})
    assert (await socket.expect("final", skip=("interim", "paused")))["text"] == "tone 500"
    await socket.send({"type": "unpause"})
    await socket.expect("unpaused")
    await socket.stop()
    assert "Finalize" in [m["type"] for m in flaky.connections[0].control]


def audio_for(pitches: list[int]) -> bytes:
    return b"".join(tone(SPEECH, hz=pitch) + silence(PAUSE) for pitch in pitches)


async def stored_audio_seconds(recording: Recording) -> float:
    return await database_sync_to_async(archive.ogg_duration)(Path(recording.audio.path))
