"""Two-channel live recordings over /ws/record/ (real ASGI stack, both engines): the
microphone ("You", channel 0) and the meeting's shared audio ("Others", channel 1) told apart,
saved and sent by channel, in time order, with the call's echo on the microphone dropped."""

from __future__ import annotations

from array import array

import pytest
from channels.db import database_sync_to_async
from django.contrib.auth.models import User

from tests.audio import silence, tone
from tests.conftest import session_cookie
from tests.fake_deepgram import NET0001_REASON, FakeDeepgram
from tests.fakedeepgram import DROP_CONNECTION
from tests.sockets import RecordSocket, WatchSocket
from tests.speech import SCRIPT, SPEECH_ENDS, speech_pcm, word_error_rate
from tests.stereo import stereo
from transcripts.engines.base import FinalSegment
from transcripts.engines.deepgram.live import event_from_results
from transcripts.models import Recording, Segment
from transcripts.sharing import services as sharing

pytestmark = pytest.mark.django_db(transaction=True)

# tiny.en on espeak-ng speech (tests/test_local_engine.py); a busy machine queues decodes.
LOCAL_WER_BOUND = 0.2
LOCAL_DECODE_TIMEOUT = 60.0
MINE = ["Hello from my side.", "Second thought of mine.", "Third note of mine."]
THEIRS = ["The budget is approved.", "We ship on Friday.", "Thanks everyone."]


@pytest.fixture
def call(deepgram: FakeDeepgram) -> FakeDeepgram:
    """The fake Deepgram with a script for each side of the call."""
    deepgram.script = list(MINE)
    deepgram.script_others = list(THEIRS)
    return deepgram


async def open_stereo(cookie: str, **fields: object) -> tuple[RecordSocket, int]:
    socket = RecordSocket(cookie=cookie)
    assert await socket.connect()
    return socket, await socket.start(channels=2, **fields)


async def saved(recording_id: int) -> list[tuple[int | None, str]]:
    query = Segment.objects.filter(recording_id=recording_id).order_by("index")
    return [(segment.channel, segment.text) async for segment in query]


def halved(pcm: bytes) -> bytes:
    """`pcm` at half the loudness: the call as the microphone hears it through speakers."""
    samples = array("h", pcm)
    return array("h", (sample // 2 for sample in samples)).tobytes()


def finals_of(socket: RecordSocket) -> list[tuple[int | None, str]]:
    return [(m["channel"], m["text"]) for m in socket.received if m["type"] == "final"]


# You speak, then they answer, then you again (seconds: 0.2-1.2, 1.6-2.6, 3.2-4.2).
YOU = silence(0.2) + tone(1.0) + silence(2.0) + tone(1.0) + silence(0.6)
THEM = silence(1.6) + tone(1.0) + silence(2.2)


async def test_finals_are_saved_and_sent_with_their_channel_in_time_order(
    call: FakeDeepgram, cookie: str
) -> None:
    socket, recording_id = await open_stereo(cookie)
    await socket.send_audio(stereo(YOU, THEM))
    await socket.stop()
    await socket.disconnect()

    expected = [(0, MINE[0]), (1, THEIRS[0]), (0, MINE[1])]
    assert finals_of(socket) == expected
    assert await saved(recording_id) == expected
    recording = await Recording.objects.aget(pk=recording_id)
    assert recording.options["channels"] == 2
    assert recording.duration == pytest.approx(4.8)  # sample frames, not bytes / 2
    query = {key: values[0] for key, values in call.connections[0].query.items()}
    assert (query["channels"], query["multichannel"]) == ("2", "true")


async def test_interims_say_which_channel_they_belong_to(call: FakeDeepgram, cookie: str) -> None:
    socket, _ = await open_stereo(cookie)
    await socket.send_audio(stereo(silence(0.2) + tone(2.0) + silence(0.6), silence(2.8)))
    await socket.stop()
    await socket.disconnect()
    interims = [m for m in socket.received if m["type"] == "interim" and m["text"]]
    assert interims
    assert {m["channel"] for m in interims} == {0}


async def test_a_mono_recording_has_no_channel(call: FakeDeepgram, cookie: str) -> None:
    socket = RecordSocket(cookie=cookie)
    assert await socket.connect()
    recording_id = await socket.start()
    await socket.send_audio(YOU)
    await socket.stop()
    await socket.disconnect()
    assert {channel for channel, _ in await saved(recording_id)} == {None}
    assert {m["channel"] for m in socket.received if m["type"] == "final"} == {None}


async def test_a_viewer_is_told_each_finals_channel(
    call: FakeDeepgram, cookie: str, other_user: User
) -> None:
    socket, recording_id = await open_stereo(cookie)
    recording = await Recording.objects.aget(pk=recording_id)
    token = await database_sync_to_async(shared_token)(recording)
    viewer = WatchSocket(token, cookie=await database_sync_to_async(session_cookie)(other_user))
    assert await viewer.connect()
    await socket.send_audio(stereo(YOU, THEM))
    await socket.stop()
    await socket.disconnect()
    seen, _ = await viewer.finals_until_ended()
    await viewer.disconnect()
    assert [(m["channel"], m["text"]) for m in seen] == finals_of(socket)


def shared_token(recording: Recording) -> str:
    token = sharing.share_start(recording=recording).share_token
    assert token is not None
    return token


# --- Echo: the call heard again through the microphone -------------------------------------


@pytest.mark.parametrize(
    ("mic_words", "mic_delay", "kept"),
    [
        ("The budget is approved.", 0.3, False),  # the same words, a moment later: echo
        ("the BUDGET, is approved", 0.3, False),  # case and punctuation do not matter
        ("The budget is approved.", 4.0, True),  # said again much later: a person speaking
        ("I disagree with that.", 0.3, True),  # other words: the person recording
    ],
)
async def test_a_microphone_final_repeating_the_others_is_dropped(
    call: FakeDeepgram, cookie: str, mic_words: str, mic_delay: float, kept: bool
) -> None:
    call.script = [mic_words]
    them = silence(0.2) + tone(1.0) + silence(mic_delay + 1.6)
    you = silence(0.2 + mic_delay) + tone(1.0) + silence(1.6)
    socket, recording_id = await open_stereo(cookie)
    await socket.send_audio(stereo(you, them))
    await socket.stop()
    await socket.disconnect()

    expected = [(1, THEIRS[0])] + ([(0, mic_words)] if kept else [])
    assert finals_of(socket) == expected
    assert await saved(recording_id) == expected


async def test_a_microphone_final_heard_before_the_others_is_kept(
    call: FakeDeepgram, cookie: str
) -> None:
    # Only saved shared-audio finals can suppress: a microphone copy finalised first stays.
    call.script = [THEIRS[0]]
    you = silence(0.2) + tone(1.0) + silence(2.0)
    them = silence(0.2) + tone(1.6) + silence(1.4)
    socket, recording_id = await open_stereo(cookie)
    await socket.send_audio(stereo(you, them))
    await socket.stop()
    await socket.disconnect()
    assert await saved(recording_id) == [(0, THEIRS[0]), (1, THEIRS[0])]


# --- Sources that go quiet or away ----------------------------------------------------------


async def test_a_silent_channel_leaves_only_the_other_channels_finals(
    call: FakeDeepgram, cookie: str
) -> None:
    socket, recording_id = await open_stereo(cookie)
    await socket.send_audio(stereo(silence(4.8), THEM))
    await socket.stop()
    await socket.disconnect()
    assert await saved(recording_id) == [(1, THEIRS[0])]


async def test_a_shared_source_dropped_mid_meeting_leaves_the_microphone_recording(
    call: FakeDeepgram, cookie: str
) -> None:
    # They speak once, then sharing stops: the page sends silence on the right from then on.
    you = YOU + silence(0.4) + tone(1.0) + silence(0.6)
    them = THEM + silence(2.0)
    socket, recording_id = await open_stereo(cookie)
    await socket.send_audio(stereo(you, them))
    await socket.stop()
    await socket.disconnect()
    assert await saved(recording_id) == [
        (0, MINE[0]),
        (1, THEIRS[0]),
        (0, MINE[1]),
        (0, MINE[2]),
    ]
    recording = await Recording.objects.aget(pk=recording_id)
    assert recording.status == "completed"


# --- A broken engine stream: replayed per channel ---------------------------------------------


@pytest.mark.parametrize("fault", [(3.0, 1011, NET0001_REASON), (3.0, DROP_CONNECTION, "")])
async def test_a_broken_stream_replays_each_channel_without_loss_or_repeats(
    call: FakeDeepgram, settings, cookie: str, fault: tuple[float, int, str]
) -> None:
    # When the stream breaks, you are mid-sentence (2.0-4.0 s) while the others' last words
    # (1.0-1.8 s) were finalised after you began: your words are replayed, theirs not repeated.
    call.name_by_pitch = True
    call.faults_next = [fault]
    settings.LIVE_RECONNECT_FIRST_DELAY = 0.05
    you = silence(2.0) + tone(2.0, hz=500) + silence(1.0)
    them = silence(1.0) + tone(0.8, hz=700) + silence(2.4) + tone(0.6, hz=900) + silence(0.2)
    socket, recording_id = await open_stereo(cookie)
    await socket.send_audio(stereo(you, them))
    await socket.stop()
    await socket.disconnect()

    query = Segment.objects.filter(recording_id=recording_id).order_by("start", "index")
    segments = [s async for s in query]
    assert [(s.channel, s.text) for s in segments] == [
        (1, "tone 700"),
        (0, "tone 500"),
        (1, "tone 900"),
    ]
    mine = segments[1]
    assert mine.words[0]["start"] == pytest.approx(2.0, abs=0.05)
    assert mine.words[-1]["end"] == pytest.approx(4.0, abs=0.05)
    assert len(call.connections) == 2


# --- Resume, and what the socket refuses ----------------------------------------------------


async def test_a_resumed_recording_keeps_its_two_channels(call: FakeDeepgram, cookie: str) -> None:
    first, recording_id = await open_stereo(cookie)
    await first.send_audio(stereo(YOU, THEM))
    await first.finals(3)
    await first.disconnect()

    second = RecordSocket(cookie=cookie)
    assert await second.connect()
    await second.send({"type": "resume", "recording": recording_id, "sample_rate": 16000})
    resumed = await second.expect("resumed")
    assert resumed["audio_seconds"] == pytest.approx(4.8)
    await second.send_audio(stereo(silence(1.6), tone(1.0) + silence(0.6)))
    await second.stop()
    await second.disconnect()

    segments = await saved(recording_id)
    assert segments[:3] == [(0, MINE[0]), (1, THEIRS[0]), (0, MINE[1])]
    assert segments[3:] == [(1, THEIRS[0])]  # a new stream: the fake's script starts over
    starts = [s.start async for s in Segment.objects.filter(recording_id=recording_id)]
    assert max(starts) >= 4.8  # the second part continues the timeline
    query = {key: values[0] for key, values in call.connections[-1].query.items()}
    assert query["channels"] == "2"


@pytest.mark.parametrize("channels", [1, 3])
async def test_resume_with_another_channel_count_is_refused(
    call: FakeDeepgram, cookie: str, channels: int
) -> None:
    first, recording_id = await open_stereo(cookie)
    await first.disconnect()
    second = RecordSocket(cookie=cookie)
    assert await second.connect()
    await second.send({"type": "resume", "recording": recording_id, "channels": channels})
    await second.expect_error_and_close(4400)


@pytest.mark.parametrize(
    "start",
    [
        {"type": "start", "channels": 3},
        {"type": "start", "channels": 0},
        {"type": "start", "channels": "2"},
    ],
)
async def test_a_channel_count_other_than_one_or_two_is_refused(
    call: FakeDeepgram, cookie: str, start: dict[str, object]
) -> None:
    socket = RecordSocket(cookie=cookie)
    assert await socket.connect()
    await socket.send(start)
    error = await socket.expect_error_and_close(4400)
    assert "channels" in error["message"]
    assert not await Recording.objects.aexists()


@pytest.mark.parametrize("size", [2, 6, 3202])
async def test_a_stereo_frame_of_half_samples_is_refused(
    call: FakeDeepgram, cookie: str, size: int
) -> None:
    socket, _ = await open_stereo(cookie)
    await socket.send_bytes(bytes(size))
    error = await socket.expect_error_and_close(4400)
    assert "multiple of 4 bytes" in error["message"]
    await socket.disconnect()


# --- The local engine: each channel through its own pipeline --------------------------------


@pytest.fixture
def local_engine(settings) -> None:
    """No Deepgram key: the local engine (faster-whisper's bundled tiny.en)."""
    settings.TRANSCRIPTION_ENGINE = ""
    settings.DEEPGRAM_API_KEY = ""
    settings.LOCAL_WHISPER_MODEL = ""
    settings.LIVE_FINALIZE_TIMEOUT = 30.0


async def test_the_local_engine_transcribes_each_channel_on_its_own(
    local_engine: None, cookie: str
) -> None:
    # You say the script; once you have finished, the others say it too (and no echo
    # follows: their words come after yours, which were saved first).
    speech = speech_pcm()
    gap = silence(SPEECH_ENDS + 0.2)
    socket, recording_id = await open_stereo(cookie, language="en")
    await socket.send_audio(stereo(speech + gap, gap + speech))
    await socket.stop(LOCAL_DECODE_TIMEOUT)
    await socket.disconnect()

    segments = [s async for s in Segment.objects.filter(recording_id=recording_id)]
    mine = " ".join(s.text for s in segments if s.channel == 0)
    theirs = " ".join(s.text for s in segments if s.channel == 1)
    assert word_error_rate(SCRIPT, mine) <= LOCAL_WER_BOUND, mine
    assert word_error_rate(SCRIPT, theirs) <= LOCAL_WER_BOUND, theirs
    assert max(s.end for s in segments if s.channel == 0) <= SPEECH_ENDS + 0.5
    assert min(s.start for s in segments if s.channel == 1) >= SPEECH_ENDS
    recording = await Recording.objects.aget(pk=recording_id)
    assert recording.options["channels"] == 2
    assert recording.duration == pytest.approx(len(speech + gap) / 2 / 16000, abs=0.01)


async def test_the_local_engine_hears_nothing_on_a_silent_channel(
    local_engine: None, cookie: str
) -> None:
    speech = speech_pcm()
    socket, recording_id = await open_stereo(cookie, language="en")
    await socket.send_audio(stereo(silence(len(speech) / 2 / 16000), speech))
    await socket.stop(LOCAL_DECODE_TIMEOUT)
    await socket.disconnect()
    channels = {s.channel async for s in Segment.objects.filter(recording_id=recording_id)}
    assert channels == {1}


async def test_the_local_engine_drops_the_calls_echo_on_the_microphone(
    local_engine: None, cookie: str, settings
) -> None:
    # The others speak; once their words are saved, the microphone hears them again, quieter.
    # The test waits for the shared channel's finals before sending the echo (so which side is
    # saved first is certain): the echo comes one whole pass (8.8 s) later than through real
    # speakers, and the window is widened to match.
    settings.LIVE_ECHO_WINDOW_SECONDS = 10.0
    speech = speech_pcm()
    quiet = silence(len(speech) / 2 / 16000)
    socket, recording_id = await open_stereo(cookie, language="en")
    await socket.send_audio(stereo(quiet, speech))
    theirs: list[str] = []
    while word_error_rate(SCRIPT, " ".join(theirs)) > LOCAL_WER_BOUND:
        final = await socket.expect("final", LOCAL_DECODE_TIMEOUT)
        assert final["channel"] == 1, final
        theirs.append(final["text"])
    await socket.send_audio(stereo(halved(speech), quiet))
    await socket.stop(LOCAL_DECODE_TIMEOUT)
    await socket.disconnect()
    assert {channel for channel, _ in finals_of(socket)} == {1}
    assert {channel for channel, _ in await saved(recording_id)} == {1}


# --- Deepgram's multichannel results, and diarization inside the others' channel -----------


def results(channel_index: list[int], speakers: list[int]) -> dict[str, object]:
    words = [
        {"word": "hi", "start": 0.1 * n, "end": 0.1 * n + 0.1, "confidence": 0.9, "speaker": s}
        for n, s in enumerate(speakers)
    ]
    alternative = {"transcript": "hi " * len(words), "confidence": 0.9, "words": words}
    return {
        "type": "Results",
        "channel_index": channel_index,
        "start": 0.0,
        "duration": 1.0,
        "is_final": True,
        "channel": {"alternatives": [alternative]},
    }


@pytest.mark.parametrize(
    ("channel_index", "channel", "speaker"),
    [
        ([0, 1], None, 1),  # one channel: as before
        ([0, 2], 0, None),  # the microphone: one person, diarization's numbers dropped
        ([1, 2], 1, 1),  # the others: diarization tells them apart
    ],
)
def test_deepgram_results_carry_their_channel(
    channel_index: list[int], channel: int | None, speaker: int | None
) -> None:
    final = event_from_results(results(channel_index, [1, 1, 0]))
    assert isinstance(final, FinalSegment)
    assert (final.channel, final.speaker) == (channel, speaker)
    assert {word.speaker for word in final.words} == ({None} if speaker is None else {0, 1})


async def test_diarization_labels_only_the_others(call: FakeDeepgram, cookie: str) -> None:
    them = silence(0.2) + tone(1.0) + silence(0.6) + tone(1.0) + silence(0.6)
    socket, recording_id = await open_stereo(cookie, diarize=True)
    await socket.send_audio(stereo(YOU, them))
    await socket.stop()
    await socket.disconnect()
    query = Segment.objects.filter(recording_id=recording_id).order_by("start", "index")
    said = [(s.channel, s.speaker) async for s in query]
    assert said == [(0, None), (1, 0), (1, 1), (0, None)]
