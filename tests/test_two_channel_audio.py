"""A two-channel recording's audio: kept as stereo Ogg/Opus, recovered, and refined per channel.

Channel 0 (left) is the microphone of the person recording, channel 1 (right) the meeting's
shared audio. The spool, the stored Ogg and the refine job all keep them apart.
"""

from __future__ import annotations

import io
import json
import os
import wave
from array import array
from datetime import timedelta
from pathlib import Path

import av
import numpy as np
import pytest
from channels.db import database_sync_to_async
from django.contrib.auth.models import User
from django.test import Client
from django.utils import timezone

from tests.audio import RATE, silence, tone
from tests.fake_deepgram import FakeDeepgram
from tests.fakedeepgram.protocol import iso_now, model_info
from tests.fakedeepgram.transcript import (
    RestOptions,
    Utterance,
    metadata_fields,
    multichannel_results,
    tokenize,
)
from tests.reviewing import bring_to, make_cast
from tests.speech import SCRIPT as SPOKEN
from tests.speech import speech_pcm, word_error_rate
from tests.test_worker import run_worker
from transcripts import protocol, services
from transcripts.engines.base import MICROPHONE, SHARED_AUDIO, FinalSegment, Word
from transcripts.engines.deepgram.files import callback_transcript
from transcripts.jobs import merge, refine
from transcripts.live import archive, recovery
from transcripts.live.spool import AudioSpool
from transcripts.models import Recording, Segment
from transcripts.storage import store_file

# The microphone speaks first, the meeting answers, the microphone again: tone bursts the
# fake Deepgram hears as speech, each on its own channel.
LEFT = tone(1.0) + silence(3.0) + tone(1.0) + silence(1.0)
RIGHT = silence(2.0) + tone(1.0, hz=660.0) + silence(3.0)
SCRIPT = ["I can hear you.", "Good, let us start.", "First item, then."]


def interleaved(left: bytes, right: bytes) -> bytes:
    """Two mono PCM16 signals as interleaved stereo PCM16, as a two-channel client sends."""
    a, b = array("h", left), array("h", right)
    both = array("h", bytes(4 * len(a)))
    both[0::2], both[1::2] = a, b
    return both.tobytes()


def stereo_ogg(left: bytes, right: bytes, folder: Path) -> Path:
    """Stereo Ogg/Opus as a finished two-channel session archives it."""
    path = folder / "both.ogg"
    writer = archive.OggOpusWriter(path, RATE, 2)
    writer.write(interleaved(left, right))
    writer.close()
    return path


def channel_loudness(stored: Path | io.BufferedIOBase, window: float = 1.0) -> np.ndarray:
    """RMS of each channel in windows of `window` seconds: an array (channels, windows)."""
    with av.open(stored) as container:  # type: ignore[arg-type]
        stream = container.streams.audio[0]
        resampler = av.AudioResampler(format="fltp", rate=RATE)  # planar: row per channel
        rows = [
            f.to_ndarray() for frame in container.decode(stream) for f in resampler.resample(frame)
        ]
    samples = np.concatenate(rows, axis=1)
    size = int(window * RATE)
    count = samples.shape[1] // size
    pieces = samples[:, : count * size].reshape(samples.shape[0], count, size)
    return np.sqrt((pieces**2).mean(axis=2))


def two_channel_recording(owner: User, *, draft: tuple[FinalSegment, ...] = ()) -> Recording:
    """A live two-channel recording still in progress, with these draft segments."""
    recording = services.recording_start(
        owner=owner, title="Call", language="en", engine="deepgram", model="nova-3",
        options={"channels": 2},
    )  # fmt: skip
    for index, segment in enumerate(draft):
        services.segment_append(recording_id=recording.pk, index=index, segment=segment)
    return recording


def finish_with_audio(recording: Recording, ogg: Path) -> None:
    """As the session ends: the recording completes, its stereo audio is stored, refine due."""
    services.recording_finish(recording_id=recording.pk, duration=6.0)
    services.recording_attach_audio(recording=recording, name=store_file(ogg, "ogg"))
    refine.refine_if_due(recording_id=recording.pk, audio_changed=True)


def saved(recording: Recording) -> list[tuple[int | None, int | None, str]]:
    """(channel, speaker, text) of the saved segments, in order."""
    rows = Segment.objects.filter(recording=recording).order_by("index")
    return [(s.channel, s.speaker, s.text) for s in rows]


# --- The spool and the archive ---------------------------------------------------------


@pytest.mark.parametrize("channels", [1, 2])
def test_a_spool_header_says_its_channels_and_its_length_counts_whole_frames(
    tmp_path: Path, channels: int
) -> None:
    path = tmp_path / "spool.wav"
    fd = archive.open_spool(path, RATE, channels)
    os.write(fd, bytes(2 * channels * RATE * 3))  # three seconds
    os.close(fd)
    assert archive.wav_format(path) == (RATE, channels)
    assert archive.wav_seconds(path) == pytest.approx(3.0)
    with wave.open(str(path)) as spool:
        assert (spool.getnchannels(), spool.getframerate(), spool.getsampwidth()) == (
            channels,
            RATE,
            2,
        )


def test_a_mono_spool_header_is_as_it_always_was() -> None:
    assert archive.wav_header(16000) == bytes.fromhex(
        "52494646ffffffff57415645666d74201000000001000100803e0000007d0000"
        "02001000" + "64617461ffffffff"
    )


@pytest.mark.django_db(transaction=True)
async def test_a_two_channel_session_is_stored_as_stereo_opus_each_channel_its_own(
    user: User,
) -> None:
    recording = await database_sync_to_async(two_channel_recording)(user)
    warnings: list[protocol.Problem] = []

    async def warn(problem: protocol.Problem) -> None:
        warnings.append(problem)

    spool = AudioSpool(
        recording_id=recording.pk, sample_rate=RATE, part="", send_warning=warn, channels=2
    )
    pcm = interleaved(LEFT, RIGHT)
    for offset in range(0, len(pcm), 4 * RATE // 10):  # 100 ms frames, as received
        spool.add(pcm[offset : offset + 4 * RATE // 10])
    spool.release()
    await spool.run()
    assert warnings == []
    stored = await Recording.objects.aget(pk=recording.pk)
    with stored.audio.open("rb") as audio:
        data = io.BytesIO(audio.read())
    with av.open(data) as container:
        stream = container.streams.audio[0]
        assert (stream.codec_context.name, stream.codec_context.layout.nb_channels) == ("opus", 2)
        assert float(stream.duration * stream.time_base) == pytest.approx(6.0, abs=0.05)
    data.seek(0)
    loud = channel_loudness(data) > 0.05
    assert loud[:, :5].tolist() == [
        [True, False, False, False, True],
        [False, False, True, False, False],
    ]


@pytest.mark.django_db
def test_a_crashed_two_channel_spool_is_recovered_as_stereo(user: User) -> None:
    recording = two_channel_recording(user)
    Recording.objects.filter(pk=recording.pk).update(
        live_until=timezone.now() - timedelta(minutes=5)
    )
    # The process died mid-meeting: the raw spool on disk is all there is.
    fd = archive.open_spool(archive.spool_path(recording.pk), RATE, 2)
    os.write(fd, interleaved(LEFT, RIGHT))
    os.close(fd)
    assert recovery.recording_recover(recording_id=recording.pk)
    recording.refresh_from_db()
    assert recording.status == Recording.Status.INTERRUPTED
    assert recording.duration == pytest.approx(6.0, abs=0.01)
    with recording.audio.open("rb") as audio:
        loud = channel_loudness(io.BytesIO(audio.read())) > 0.05
    assert loud[:, :3].tolist() == [[True, False, False], [False, False, True]]
    assert archive.spools_of(recording.pk) == []


# --- The refine job keeps the channels -------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_deepgram_refines_each_channel_and_the_segments_keep_them_in_time_order(
    user: User, deepgram: FakeDeepgram, tmp_path: Path
) -> None:
    deepgram.script = SCRIPT
    draft = (FinalSegment("i can hear you", 0.0, 1.0, channel=MICROPHONE),)
    recording = two_channel_recording(user, draft=draft)
    finish_with_audio(recording, stereo_ogg(LEFT, RIGHT, tmp_path))
    run_worker()
    recording.refresh_from_db()
    assert (recording.status, recording.error) == ("completed", "")
    # Speakers are told apart inside the meeting's channel only (the fake says 1 there).
    assert saved(recording) == [
        (MICROPHONE, None, SCRIPT[0]),
        (SHARED_AUDIO, 1, SCRIPT[1]),
        (MICROPHONE, None, SCRIPT[2]),
    ]
    [request] = deepgram.requests
    assert (request.query["multichannel"], request.query["diarize"]) == (["true"], ["true"])
    assert recording.draft[0]["channel"] == MICROPHONE


@pytest.mark.django_db(transaction=True)
def test_an_edit_of_what_others_said_is_kept_on_their_channel_after_refining(
    user: User, deepgram: FakeDeepgram, tmp_path: Path
) -> None:
    deepgram.script = SCRIPT
    heard = "good let us start"
    said = tuple(Word(w, 2.0 + i * 0.25, 2.25 + i * 0.25) for i, w in enumerate(heard.split()))
    draft = (FinalSegment(heard, 2.0, 3.0, words=said, speaker=0, channel=SHARED_AUDIO),)
    recording = two_channel_recording(user, draft=draft)
    services.segment_edit(recording=recording, index=0, text="Good, let's start!")
    finish_with_audio(recording, stereo_ogg(LEFT, RIGHT, tmp_path))
    run_worker()
    rows = Segment.objects.filter(recording=recording).order_by("index")
    assert [(s.channel, s.text, s.edited) for s in rows] == [
        (MICROPHONE, SCRIPT[0], False),
        (SHARED_AUDIO, "Good, let's start!", True),
        (MICROPHONE, SCRIPT[2], False),
    ]


@pytest.mark.django_db(transaction=True)
def test_a_mono_recording_is_refined_without_multichannel(
    user: User, deepgram: FakeDeepgram, tmp_path: Path
) -> None:
    recording = services.recording_start(
        owner=user, title="Memo", language="en", engine="deepgram", model="nova-3", options={}
    )
    path = tmp_path / "mono.ogg"
    writer = archive.OggOpusWriter(path, RATE)
    writer.write(LEFT)
    writer.close()
    finish_with_audio(recording, path)
    run_worker()
    assert {channel for channel, _, _ in saved(recording)} == {None}
    assert "multichannel" not in deepgram.requests[0].query


@pytest.fixture
def local_engine(settings) -> None:
    """No Deepgram key: the local engine (faster-whisper, tiny.en) transcribes."""
    settings.TRANSCRIPTION_ENGINE = ""
    settings.DEEPGRAM_API_KEY = ""
    settings.LOCAL_WHISPER_MODEL = ""


@pytest.mark.django_db(transaction=True)
def test_the_local_engine_refines_each_channel_on_its_own(
    user: User, local_engine: None, tmp_path: Path
) -> None:
    speech = speech_pcm()
    gap = silence(9.0)
    # The microphone says the script first; the meeting's audio says it again after it.
    ogg = stereo_ogg(speech + gap, gap + speech, tmp_path)
    recording = two_channel_recording(user)
    finish_with_audio(recording, ogg)
    run_worker()
    recording.refresh_from_db()
    assert (recording.status, recording.error) == ("completed", "")
    segments = list(Segment.objects.filter(recording=recording).order_by("index"))
    assert [s.start for s in segments] == sorted(s.start for s in segments)
    # tiny.en on espeak-ng speech that went through Opus: up to three of the twelve words may
    # come out wrong, and which ones depends on the CPU's kernels (one host hears "quarter
    # lead humbers"). What this test is about is each channel heard on its own, in its time.
    for channel in (MICROPHONE, SHARED_AUDIO):
        heard = " ".join(s.text for s in segments if s.channel == channel)
        assert word_error_rate(SPOKEN, heard) <= 0.25, (channel, heard)
    assert max(s.end for s in segments if s.channel == MICROPHONE) < 9.0
    assert min(s.start for s in segments if s.channel == SHARED_AUDIO) > 8.8


# --- Edits carried over within their channel -------------------------------------------


def spoken(text: str, start: float, channel: int) -> FinalSegment:
    """A refined segment whose words fill one second from `start`."""
    tokens = text.split()
    step = 1.0 / len(tokens)
    words = tuple(
        Word(token, start + i * step, start + (i + 1) * step) for i, token in enumerate(tokens)
    )
    return FinalSegment(text, start, start + 1.0, words=words, channel=channel)


# The same words heard on both channels at once (the call leaking into the microphone).
ECHOED = (spoken("hello bea", 0.0, MICROPHONE), spoken("hello bea", 0.0, SHARED_AUDIO))


@pytest.mark.parametrize("channel", [MICROPHONE, SHARED_AUDIO])
def test_an_edit_carries_over_only_onto_its_own_channel(channel: int) -> None:
    edit = Segment(start=0.0, end=1.0, channel=channel, text="Hello, Bee.")
    edit.original_text, edit.edited = "hello bea", True
    rows = merge.refined_segments(ECHOED, edits=[edit])
    assert [(row.channel, row.text, row.edited) for row in rows] == [
        (MICROPHONE, "Hello, Bee." if channel == MICROPHONE else "hello bea", channel == 0),
        (SHARED_AUDIO, "Hello, Bee." if channel == SHARED_AUDIO else "hello bea", channel == 1),
    ]


def test_an_edit_whose_words_were_heard_only_on_the_other_channel_is_not_carried() -> None:
    refined = (spoken("hello bea", 0.0, SHARED_AUDIO),)
    edit = Segment(start=0.0, end=1.0, channel=MICROPHONE, text="Hello, Bee.")
    edit.original_text, edit.edited = "hello bea", True
    [row] = merge.refined_segments(refined, edits=[edit])
    assert (row.channel, row.text, row.edited) == (SHARED_AUDIO, "hello bea", False)


def test_refined_segments_of_both_channels_are_put_in_time_order() -> None:
    late, early = spoken("later on", 3.0, MICROPHONE), spoken("early", 1.0, SHARED_AUDIO)
    rows = merge.refined_segments((late, early), edits=[])
    assert [(row.index, row.channel) for row in rows] == [(0, SHARED_AUDIO), (1, MICROPHONE)]


def test_a_resumed_two_channel_recording_joins_its_parts_in_stereo(tmp_path: Path) -> None:
    first = stereo_ogg(LEFT, RIGHT, tmp_path)
    second = first.rename(tmp_path / "first.ogg").with_name("second.ogg")
    stereo_ogg(RIGHT, LEFT, tmp_path).rename(second)
    joined = tmp_path / "joined.ogg"
    archive.join_ogg([tmp_path / "first.ogg", second], joined)
    assert archive.ogg_duration(joined) == pytest.approx(12.0, abs=0.05)
    loud = channel_loudness(joined) > 0.05
    # The second part has the sides swapped: each channel kept its own signal across the join.
    assert loud[:, 6:11].tolist() == [
        [False, False, True, False, False],
        [True, False, False, False, True],
    ]


# --- The page --------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(("channels", "mixed"), [(1, False), (2, True)])
def test_only_a_two_channel_recording_page_mixes_its_audio(
    logged_in: Client, user: User, tmp_path: Path, channels: int, mixed: bool
) -> None:
    recording = services.recording_start(
        owner=user, title="Call", language="en", engine="deepgram", model="nova-3",
        options={"channels": channels},
    )  # fmt: skip
    services.recording_finish(recording_id=recording.pk, duration=6.0)
    name = store_file(stereo_ogg(LEFT, RIGHT, tmp_path), "ogg")
    services.recording_attach_audio(recording=recording, name=name)
    html = logged_in.get(f"/recordings/{recording.pk}/").content.decode()
    assert ('data-channels="2"' in html) is mixed
    assert ("js/two-channel-player." in html) is mixed


@pytest.mark.django_db
def test_the_review_page_mixes_a_two_channel_recording_too(client: Client, tmp_path: Path) -> None:
    cast = make_cast()
    name = store_file(stereo_ogg(LEFT, RIGHT, tmp_path), "ogg")
    Recording.objects.filter(pk=cast.recording.pk).update(audio=name, options={"channels": 2})
    bring_to(cast, "in_review")
    client.force_login(cast["named"])
    html = client.get(f"/review/{cast.recording.pk}/").content.decode()
    assert 'data-channels="2"' in html
    assert "js/two-channel-player." in html


def test_a_posted_back_answer_keeps_channels_and_drops_the_microphones_speakers() -> None:
    # A long refine's answer comes to the callback: the same reading of the SDK's type.
    per_channel = [
        [Utterance(0, 0.0, 1.0, tokenize("Hi there."), MICROPHONE)],
        [Utterance(1, 0.5, 1.5, tokenize("Hello."), SHARED_AUDIO)],
    ]
    options = RestOptions(
        punctuate=True, diarize=True, utterances=True, paragraphs=False, detect_language=False
    )
    metadata = metadata_fields(
        request_id="r", sha256="0" * 64, created=iso_now(), duration=2.0,
        model=model_info("nova-3"), channels=2,
    )  # fmt: skip
    body = {"metadata": metadata, "results": multichannel_results(per_channel, options)}
    transcript = callback_transcript(json.dumps(body).encode())
    assert [(s.channel, s.speaker, s.text) for s in transcript.segments] == [
        (MICROPHONE, None, "Hi there."),
        (SHARED_AUDIO, 1, "Hello."),
    ]
    assert {w.speaker for w in transcript.segments[0].words} == {None}
