"""A recording's glossary reaches both engines: Deepgram's query at the wire, Whisper's decoder.

Deepgram: the fake Deepgram (real HTTP and WebSocket on loopback) records every query it is
sent, repeated parameters included. Local: tests/fixtures/glossary.wav is espeak-ng saying
"Please send the report to Quarvex before Friday." (en-us, 160 words a minute); the bundled
tiny.en hears "Qarmex" unless the glossary names Quarvex (bench/glossary.py measures this on
five minutes of speech).
"""

from __future__ import annotations

import asyncio
import wave
from dataclasses import replace
from pathlib import Path

import pytest

from teams.models import MAX_GLOSSARY_TERMS
from tests.audio import frames, silence
from tests.factories import make_recording, make_user
from tests.fake_deepgram import FakeDeepgram
from transcripts.engines.base import (
    EngineError,
    FileOptions,
    FinalSegment,
    LiveOptions,
)
from transcripts.engines.deepgram._sdk import glossary_query
from transcripts.engines.deepgram.files import DeepgramFileEngine
from transcripts.engines.deepgram.live import DeepgramLiveEngine
from transcripts.engines.local import LocalLiveEngine
from transcripts.engines.local_files import (
    CUT_SEARCH_SECONDS,
    PIECE_SECONDS,
    LocalFileEngine,
    piece_sizes,
)
from transcripts.engines.whisper import DecodeOptions, glossary_text, looping
from transcripts.jobs.services import job_file_options
from transcripts.models import TranscriptionJob

RATE = 16000
GLOSSARY = ("Quarvex", "Acme Cloud", "Nimbalo")
QUARVEX_WAV = Path(__file__).parent / "fixtures" / "glossary.wav"
DECODE_TIMEOUT = 40.0

pytestmark = pytest.mark.filterwarnings(
    "ignore:websockets.exceptions.InvalidStatusCode is deprecated:DeprecationWarning"
)


# --- Deepgram: which parameter carries the terms ------------------------------------------


@pytest.mark.parametrize(
    ("model", "glossary", "expected"),
    [
        ("nova-3", GLOSSARY, {"keyterm": ["Quarvex", "Acme Cloud", "Nimbalo"]}),
        ("nova-3-medical", ("Quarvex",), {"keyterm": ["Quarvex"]}),
        ("nova-2", GLOSSARY, {"keywords": ["Quarvex", "Acme", "Cloud", "Nimbalo"]}),
        ("enhanced", ("Acme Cloud", "Cloud"), {"keywords": ["Acme", "Cloud"]}),
        ("base", (" Quarvex ",), {"keywords": ["Quarvex"]}),
        ("nova-3", (), {}),
        ("nova-2", ("  ",), {}),
    ],
)
def test_nova_3_gets_key_terms_and_older_models_get_keywords(
    model: str, glossary: tuple[str, ...], expected: dict[str, list[str]]
) -> None:
    assert glossary_query(model, glossary) == expected


def deepgram_live(fake: FakeDeepgram, model: str) -> DeepgramLiveEngine:
    return DeepgramLiveEngine(
        api_key=fake.api_key, url=fake.url, model=model, keepalive_seconds=5.0
    )


async def open_and_finish(engine: DeepgramLiveEngine, options: LiveOptions) -> None:
    """A short stream: a little audio, finish, every event read."""
    async with engine.connect(options) as stream:
        await stream.send_audio(silence(0.2))
        await stream.finish()
        async for _event in stream.events():
            pass


@pytest.mark.parametrize(
    ("model", "parameter", "sent"),
    [
        ("nova-3", "keyterm", ["Quarvex", "Acme Cloud", "Nimbalo"]),
        ("nova-2", "keywords", ["Quarvex", "Acme", "Cloud", "Nimbalo"]),
    ],
)
async def test_a_live_stream_carries_the_glossary_to_deepgram(
    fake_deepgram: FakeDeepgram, model: str, parameter: str, sent: list[str]
) -> None:
    options = LiveOptions(language="en", sample_rate=RATE, glossary=GLOSSARY)
    await open_and_finish(deepgram_live(fake_deepgram, model), options)
    connection = fake_deepgram.connections[-1]
    assert connection.status == 101
    assert connection.query[parameter] == sent
    assert ({"keyterm", "keywords"} - {parameter}).isdisjoint(connection.query)


@pytest.mark.parametrize("model", ["nova-3", "nova-2"])
async def test_a_live_stream_without_a_glossary_sends_no_terms(
    fake_deepgram: FakeDeepgram, model: str
) -> None:
    await open_and_finish(
        deepgram_live(fake_deepgram, model), LiveOptions(language="en", sample_rate=RATE)
    )
    query = fake_deepgram.connections[-1].query
    assert {"keyterm", "keywords"}.isdisjoint(query)


async def test_a_refused_stream_with_a_glossary_says_it_may_be_too_long(
    fake_deepgram: FakeDeepgram,
) -> None:
    fake_deepgram.reject_next = [400, 400]
    engine = deepgram_live(fake_deepgram, "nova-3")
    with pytest.raises(EngineError) as refused:
        await open_and_finish(engine, LiveOptions("en", RATE, glossary=GLOSSARY))
    assert "try a shorter one" in refused.value.message
    with pytest.raises(EngineError) as plain:
        await open_and_finish(engine, LiveOptions("en", RATE))
    assert "glossary" not in plain.value.message


def test_a_live_recording_stores_the_glossary_it_was_made_with(fake_deepgram: FakeDeepgram) -> None:
    engine = deepgram_live(fake_deepgram, "nova-3")
    described = engine.describe_options(
        LiveOptions(language="en", sample_rate=RATE, glossary=("Quarvex",))
    )
    assert described["glossary"] == ["Quarvex"]
    assert described["keyterm"] == ["Quarvex"]
    assert "glossary" not in engine.describe_options(LiveOptions(language="en", sample_rate=RATE))


def transcribe_with_deepgram(
    fake: FakeDeepgram, model: str, glossary: tuple[str, ...]
) -> dict[str, list[str]]:
    """Send the Quarvex clip as an upload; the query the fake received."""
    engine = DeepgramFileEngine(api_key=fake.api_key, url=fake.url, model=model, timeout=30.0)
    options = FileOptions(language="en", diarize=False, mime="audio/wav", glossary=glossary)
    with QUARVEX_WAV.open("rb") as audio:
        engine.transcribe(
            audio=audio,
            size=QUARVEX_WAV.stat().st_size,
            options=options,
            on_progress=lambda share: None,
            should_stop=lambda: False,
        )
    request = fake.requests[-1]
    assert request.status == 200
    return request.query


@pytest.mark.parametrize(
    ("model", "parameter", "sent"),
    [
        ("nova-3", "keyterm", ["Quarvex", "Acme Cloud", "Nimbalo"]),
        ("nova-2", "keywords", ["Quarvex", "Acme", "Cloud", "Nimbalo"]),
    ],
)
def test_an_upload_carries_the_glossary_to_deepgram(
    fake_deepgram: FakeDeepgram, model: str, parameter: str, sent: list[str]
) -> None:
    query = transcribe_with_deepgram(fake_deepgram, model, GLOSSARY)
    assert query[parameter] == sent
    assert query["model"] == [model]


def test_an_upload_without_a_glossary_sends_no_terms(fake_deepgram: FakeDeepgram) -> None:
    query = transcribe_with_deepgram(fake_deepgram, "nova-3", ())
    assert {"keyterm", "keywords"}.isdisjoint(query)


def test_a_full_glossary_goes_out_whole(fake_deepgram: FakeDeepgram) -> None:
    terms = tuple(f"Term{n}" for n in range(MAX_GLOSSARY_TERMS))
    assert transcribe_with_deepgram(fake_deepgram, "nova-3", terms)["keyterm"] == list(terms)


# --- Jobs: an upload's glossary reaches the engine ----------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("kind", [TranscriptionJob.Kind.TRANSCRIBE, TranscriptionJob.Kind.REFINE])
def test_a_job_passes_the_recordings_glossary(kind: str) -> None:
    recording = make_recording(
        make_user(), media_format="wav", options={"glossary": ["Quarvex", "Nimbalo"]}
    )
    job = TranscriptionJob.objects.create(recording=recording, kind=kind)
    assert job_file_options(job).glossary == ("Quarvex", "Nimbalo")


@pytest.mark.django_db
def test_a_job_without_a_glossary_passes_none() -> None:
    recording = make_recording(make_user(), media_format="wav", options={"diarize": True})
    job = TranscriptionJob.objects.create(recording=recording)
    assert job_file_options(job).glossary == ()


# --- Local engine: the glossary reaches Whisper's decoder ---------------------------------


def test_whisper_reads_a_glossary_as_comma_separated_terms() -> None:
    assert glossary_text(["Quarvex", " Acme Cloud ", "", "Nimbalo"]) == (
        "Quarvex, Acme Cloud, Nimbalo"
    )
    assert glossary_text([]) is None


@pytest.fixture
def tiny_en(settings) -> None:
    """The bundled tiny.en, as a fresh install runs it."""
    settings.LOCAL_WHISPER_MODEL = ""


def transcribe_locally(glossary: tuple[str, ...]) -> str:
    """The Quarvex clip through the local file engine, as the worker runs it."""
    options = FileOptions(language="en", diarize=False, mime="audio/wav", glossary=glossary)
    with QUARVEX_WAV.open("rb") as audio:
        transcript = LocalFileEngine.from_settings().transcribe(
            audio=audio,
            size=QUARVEX_WAV.stat().st_size,
            options=options,
            on_progress=lambda share: None,
            should_stop=lambda: False,
        )
    return " ".join(segment.text for segment in transcript.segments)


def test_an_upload_with_the_name_in_its_glossary_gets_the_name_right(tiny_en: None) -> None:
    assert "Quarvex" not in transcribe_locally(())
    heard = transcribe_locally(("Nimbalo", "Quarvex"))
    assert "Quarvex" in heard
    assert "Nimbalo" not in heard  # a glossary term nobody said is not written


async def stream_locally(glossary: tuple[str, ...]) -> str:
    """The Quarvex clip, then a second of silence, through a local live stream."""
    engine = LocalLiveEngine.from_settings()
    options = LiveOptions(language="en", sample_rate=RATE, glossary=glossary)
    with wave.open(str(QUARVEX_WAV)) as wav:
        pcm = wav.readframes(wav.getnframes())
    texts: list[str] = []
    async with engine.connect(options) as stream:
        for frame in frames(pcm + silence(1.0)):
            await stream.send_audio(frame)
        await stream.finish()
        async with asyncio.timeout(DECODE_TIMEOUT):
            async for event in stream.events():
                if isinstance(event, FinalSegment):
                    texts.append(event.text)
    return " ".join(texts)


async def test_a_live_recording_with_the_name_in_its_glossary_gets_the_name_right(
    tiny_en: None,
) -> None:
    assert "Quarvex" not in await stream_locally(())
    heard = await stream_locally(("Nimbalo", "Quarvex"))
    assert "Quarvex" in heard
    assert "Nimbalo" not in heard


def test_a_local_live_recording_stores_its_glossary(tiny_en: None) -> None:
    engine = LocalLiveEngine.from_settings()
    options = LiveOptions(language="en", sample_rate=RATE, glossary=("Quarvex",))
    assert engine.describe_options(options)["glossary"] == ["Quarvex"]
    assert "glossary" not in engine.describe_options(LiveOptions(language="en", sample_rate=RATE))


def segments_saying(*texts: str) -> list[FinalSegment]:
    return [FinalSegment(text=text, start=0.0, end=1.0) for text in texts]


@pytest.mark.parametrize(
    ("texts", "loops"),
    [
        (("Quarvex, Zentrilo, Zentrilo, Zentrilo, Zentrilo, Zentrilo",), True),
        (("Vyan, Vyan,", "vyan. Vyan"), True),
        (("Quarvex and Nimbalo agreed.", "Quarvex will lead."), False),
        (("No, no, no, we should wait.",), False),
        ((), False),
    ],
)
def test_a_word_said_four_times_in_a_row_is_a_decoder_loop(
    texts: tuple[str, ...], loops: bool
) -> None:
    assert looping(segments_saying(*texts)) is loops


def test_with_a_glossary_a_file_is_decoded_a_window_at_a_time() -> None:
    plain = DecodeOptions(language="en", word_timestamps=True)
    prompted = replace(plain, glossary="Quarvex", glossary_as="prompt")
    assert piece_sizes(plain) == (PIECE_SECONDS, CUT_SEARCH_SECONDS)
    assert piece_sizes(prompted)[0] < 30.0  # one Whisper window: the prompt precedes it all
