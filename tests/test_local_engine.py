"""The local engine: faster-whisper with the bundled tiny.en, no key and no network.

Real speech (tests/fixtures/speech.wav, made with espeak-ng) goes through the real model:
live over /ws/record/, and as uploads through the real worker.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

import numpy as np
import pytest
from channels.db import database_sync_to_async
from django.core.exceptions import ImproperlyConfigured
from django.test import Client

from tests.audio import FRAME_MS, frames, silence
from tests.encoding import encode
from tests.sockets import RecordSocket
from tests.speech import SCRIPT, SPEECH_ENDS, SPEECH_WAV, speech_pcm, word_error_rate
from tests.test_worker import run_worker
from tests.uploading import start, upload
from transcripts.engines import engine_name, get_file_engine, get_live_engine
from transcripts.engines.base import EngineError, EngineUnavailable
from transcripts.engines.live_audio import StreamingVad
from transcripts.engines.local import LiveTuning, decide, seconds_to_windows
from transcripts.engines.whisper import ModelSpec, load_model, model_spec, whisper_language
from transcripts.live.archive import OggOpusWriter
from transcripts.models import Recording, Segment

RATE = 16000
# tiny.en on espeak-ng speech: a word or two of the fourteen may come out wrong.
WER_BOUND = 0.2
# A busy 2-core machine may queue decodes; the engine's own limit is LIVE_FINALIZE_TIMEOUT.
DECODE_TIMEOUT = 40.0


@pytest.fixture
def local_engine(settings) -> None:
    """Parley as a fresh install runs it: no Deepgram key, so the local engine."""
    settings.TRANSCRIPTION_ENGINE = ""
    settings.DEEPGRAM_API_KEY = ""
    settings.LOCAL_WHISPER_MODEL = ""
    settings.LIVE_FINALIZE_TIMEOUT = 30.0


# --- Choosing the engine ------------------------------------------------------------


@pytest.mark.parametrize(
    ("chosen", "key", "expected"),
    [
        ("", "", "local"),
        ("", "a-key", "deepgram"),
        ("local", "a-key", "local"),
        ("deepgram", "a-key", "deepgram"),
    ],
)
def test_the_engine_follows_the_settings(settings, chosen: str, key: str, expected: str) -> None:
    settings.TRANSCRIPTION_ENGINE = chosen
    settings.DEEPGRAM_API_KEY = key
    assert engine_name() == expected
    assert get_live_engine().name == expected
    assert get_file_engine().name == expected


def test_an_unknown_engine_is_a_configuration_error(settings) -> None:
    settings.TRANSCRIPTION_ENGINE = "whisperx"
    with pytest.raises(ImproperlyConfigured, match="TRANSCRIPTION_ENGINE must be one of"):
        get_live_engine()


def test_the_bundled_model_is_tiny_en_and_english_only(local_engine: None) -> None:
    spec = model_spec()
    assert (spec.name, spec.english_only) == ("tiny.en", True)
    assert get_live_engine().model == "tiny.en"


def test_a_model_that_cannot_be_loaded_is_reported_in_words(
    local_engine: None, settings, tmp_path: Path
) -> None:
    settings.LOCAL_WHISPER_MODEL = str(tmp_path)  # a directory without a model in it
    with pytest.raises(EngineUnavailable) as caught:
        load_model(model_spec())
    assert f"The local speech model {tmp_path.name!r} could not be loaded" in caught.value.message
    assert "LOCAL_WHISPER_MODEL" in caught.value.message


def test_languages_follow_what_the_model_understands() -> None:
    english = ModelSpec("tiny.en", "tiny.en", english_only=True)
    several = ModelSpec("small", "small", english_only=False)
    assert whisper_language("en-GB", english) == "en"
    assert (whisper_language("de", several), whisper_language("pt-BR", several)) == ("de", "pt")
    assert whisper_language("multi", several) is None  # the model detects it
    for language, model in [("de", english), ("multi", english), ("tlh", several)]:
        with pytest.raises(EngineError) as caught:
            whisper_language(language, model)
        assert caught.value.code == "language_unsupported"


def test_pages_say_which_engine_transcribes(local_engine: None, logged_in: Client) -> None:
    for url in ("/record/", "/upload/"):
        page = logged_in.get(url).content.decode()
        assert "Whisper tiny.en, on this server" in page
        assert "This model understands English only." in page
        assert 'value="de"' not in page  # only the languages the model knows are offered
        assert "Speaker labels need Deepgram" in page


# --- Voice activity: where utterances end --------------------------------------------


def test_streaming_vad_hears_what_the_whole_file_vad_hears() -> None:
    from faster_whisper.vad import get_vad_model

    samples = np.frombuffer(speech_pcm(), dtype="<i2").astype(np.float32) / 32768
    whole = samples[: samples.size // 512 * 512]
    expected = np.asarray(get_vad_model()(whole)).reshape(-1)
    vad = StreamingVad()
    streamed = np.concatenate([vad.feed(whole[i : i + 1600]) for i in range(0, whole.size, 1600)])
    np.testing.assert_allclose(streamed, expected, atol=1e-4)
    assert (expected >= 0.5).any()
    assert (expected < 0.5).any()


TUNING = LiveTuning(end_of_speech=0.6, max_segment=15.0, interim_interval=1.0)


def probabilities(*runs: tuple[float, float]) -> np.ndarray:
    """VAD windows: (seconds, probability) runs."""
    return np.concatenate([np.full(seconds_to_windows(s), p, np.float32) for s, p in runs])


def test_an_utterance_ends_after_enough_silence() -> None:
    assert decide(probabilities((1.0, 0.1), (2.0, 0.9), (0.3, 0.1)), TUNING).action == "wait"
    ended = decide(probabilities((1.0, 0.1), (2.0, 0.9), (0.7, 0.1)), TUNING)
    assert ended.action == "final"
    speech_end = seconds_to_windows(1.0) + seconds_to_windows(2.0)
    assert speech_end < ended.cut < speech_end + seconds_to_windows(0.3)


def test_silence_before_speech_is_dropped_and_long_speech_is_cut() -> None:
    dropped = decide(probabilities((5.0, 0.05)), TUNING)
    assert dropped.action == "drop"
    assert seconds_to_windows(5.0) - dropped.cut < seconds_to_windows(0.5)  # a lead-in stays
    assert decide(probabilities((0.05, 0.9), (3.0, 0.05)), TUNING).action == "drop"  # a click
    assert decide(probabilities((16.0, 0.9)), TUNING).action == "long"


# --- Live, over the socket ---------------------------------------------------------


async def stream_in_real_time(socket: RecordSocket, pcm: bytes) -> None:
    """Send 100 ms frames at the pace a microphone produces them."""
    loop = asyncio.get_running_loop()
    began = loop.time()
    for number, frame in enumerate(frames(pcm)):
        await socket.send_bytes(frame)
        # The microphone's clock, not a wait for the server: the next frame exists then.
        await asyncio.sleep(max(0.0, began + (number + 1) * FRAME_MS / 1000 - loop.time()))


async def saved_segments(recording_id: int) -> list[Segment]:
    return await database_sync_to_async(
        lambda: list(Segment.objects.filter(recording_id=recording_id).order_by("index"))
    )()


@pytest.mark.django_db(transaction=True)
async def test_a_live_recording_is_transcribed_on_this_server(
    local_engine: None, cookie: str
) -> None:
    socket = RecordSocket(cookie=cookie)
    assert await socket.connect()
    recording_id = await socket.start(title="Local", language="en")
    await stream_in_real_time(socket, speech_pcm() + silence(1.0))
    stopped = await socket.stop(DECODE_TIMEOUT)

    kinds = [message["type"] for message in socket.received]
    finals = [message for message in socket.received if message["type"] == "final"]
    assert kinds.index("interim") < kinds.index("final")  # interim text while speaking
    assert stopped["segments"] == len(finals) >= 1
    heard = " ".join(final["text"] for final in finals)
    assert word_error_rate(SCRIPT, heard) <= WER_BOUND, heard

    segments = await saved_segments(recording_id)
    assert [s.text for s in segments] == [f["text"] for f in finals]
    for segment in segments:
        assert segment.words
        assert segment.start <= segment.words[0]["start"] <= segment.words[-1]["end"]
        assert segment.words[-1]["end"] <= segment.end + 0.05
        assert all(0.0 < word["confidence"] <= 1.0 for word in segment.words)
    assert 0.0 <= segments[0].start < segments[-1].end <= 8.9
    saved = await Recording.objects.aget(pk=recording_id)
    assert (saved.status, saved.engine, saved.model) == ("completed", "local", "tiny.en")


@pytest.mark.django_db(transaction=True)
async def test_stop_right_after_the_last_word_still_saves_it(
    local_engine: None, cookie: str
) -> None:
    socket = RecordSocket(cookie=cookie)
    assert await socket.connect()
    recording_id = await socket.start(language="en-GB")
    spoken = speech_pcm()[: int(SPEECH_ENDS * RATE) * 2]  # no pause after "numbers"
    await socket.send_audio(spoken)
    await socket.stop(DECODE_TIMEOUT)
    segments = await saved_segments(recording_id)
    heard = " ".join(s.text for s in segments)
    assert word_error_rate(SCRIPT, heard) <= WER_BOUND, heard
    assert segments[-1].words[-1]["end"] > SPEECH_ENDS - 0.8  # "numbers", the last word


@pytest.mark.django_db(transaction=True)
async def test_an_english_only_model_refuses_another_language_before_recording(
    local_engine: None, cookie: str
) -> None:
    socket = RecordSocket(cookie=cookie)
    assert await socket.connect()
    await socket.send({"type": "start", "language": "de"})
    error = await socket.expect_error_and_close(4503)
    assert error["code"] == "language_unsupported"
    assert "understands English only" in error["message"]
    assert not await Recording.objects.aexists()


@pytest.mark.django_db(transaction=True)
async def test_a_model_that_will_not_load_fails_the_recording_in_words(
    local_engine: None, settings, cookie: str, tmp_path: Path
) -> None:
    settings.LOCAL_WHISPER_MODEL = str(tmp_path)
    socket = RecordSocket(cookie=cookie)
    assert await socket.connect()
    recording_id = await socket.start(language="en")
    error = await socket.expect_error_and_close(4502)
    await socket.disconnect()
    assert error["code"] == "engine_unavailable"
    assert "could not be loaded" in error["message"]
    saved = await Recording.objects.aget(pk=recording_id)
    assert (saved.status, saved.error) == ("failed", error["message"])


# --- Uploads, through the real worker --------------------------------------------------


def ogg_opus(tmp_path: Path) -> bytes:
    """speech.wav as Ogg/Opus, as a phone app might save it."""
    path = tmp_path / "speech.ogg"
    writer = OggOpusWriter(path, RATE)
    writer.write(speech_pcm())
    writer.close()
    return path.read_bytes()


def speech_file(extension: str, tmp_path: Path) -> bytes:
    """The fixture's speech as a file of this kind."""
    if extension == "wav":
        return SPEECH_WAV.read_bytes()
    if extension == "ogg":
        return ogg_opus(tmp_path)
    return encode(speech_pcm(), RATE, extension)


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("extension", ["wav", "ogg", "m4a", "mp3", "webm", "flac"])
def test_an_upload_is_transcribed_locally(
    local_engine: None, logged_in: Client, tmp_path: Path, extension: str
) -> None:
    data = speech_file(extension, tmp_path)
    answer = upload(logged_in, data, filename=f"memo.{extension}", language="en")
    assert answer.status == 201, answer.body
    run_worker()
    recording = Recording.objects.get(pk=answer.body["recording"])
    assert (recording.status, recording.error) == ("completed", "")
    assert (recording.engine, recording.model) == ("local", "tiny.en")
    segments = list(Segment.objects.filter(recording=recording).order_by("index"))
    heard = " ".join(s.text for s in segments)
    assert word_error_rate(SCRIPT, heard) <= WER_BOUND, heard
    assert all(s.words and s.speaker is None for s in segments)
    assert all(0.0 < w["confidence"] <= 1.0 for s in segments for w in s.words)
    assert recording.duration == pytest.approx(8.83, abs=0.1)
    assert recording.jobs.get().progress == 100


@pytest.mark.django_db
def test_an_upload_in_a_language_the_model_lacks_is_refused_before_sending(
    local_engine: None, logged_in: Client
) -> None:
    answer = start(logged_in, filename="interview.mp3", size=1000, language="fr")
    assert answer.status == 400
    assert "understands English only" in answer.body["error"]
    assert not Recording.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_a_job_whose_model_will_not_load_fails_in_words(
    local_engine: None, settings, logged_in: Client, tmp_path: Path
) -> None:
    answer = upload(logged_in, SPEECH_WAV.read_bytes(), filename="memo.wav", language="en")
    settings.LOCAL_WHISPER_MODEL = str(tmp_path)  # broken after the upload was accepted
    run_worker()
    recording = Recording.objects.get(pk=answer.body["recording"])
    assert recording.status == "failed"
    assert "could not be loaded" in recording.error
    assert recording.jobs.get().attempts == 1  # not retried: it would fail the same way
