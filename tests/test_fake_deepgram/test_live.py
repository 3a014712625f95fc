"""The fake Deepgram's live transcription: results, words, endpointing, control, framing."""

from __future__ import annotations

import hashlib
import time

import pytest
from deepgram import AsyncDeepgramClient
from deepgram.listen.v1.types import (
    ListenV1Finalize,
)

from tests.fake_deepgram import FakeDeepgram
from tests.test_fake_deepgram.sdk import (
    BURST_SPANS,
    LIVE,
    MARKS,
    SCRIPT,
    TWO_BURSTS,
    collect,
    finals,
    of_type,
    recv_until,
    send_audio,
    silence,
    text,
    tone,
    transcribe_live,
)

pytestmark = MARKS


async def test_two_bursts_give_interims_then_two_speech_finals(
    fake: FakeDeepgram, aclient: AsyncDeepgramClient
) -> None:
    received = await transcribe_live(aclient, TWO_BURSTS, interim_results=True, punctuate=True)
    results = of_type(received, "Results")
    first_final = results.index(finals(received)[0])
    assert any(not r.is_final for r in results[:first_final])
    assert any(not r.is_final for r in results[first_final + 1 :])
    assert [text(r) for r in finals(received)] == SCRIPT
    assert all(r.speech_final for r in finals(received))


async def test_final_words_lie_inside_their_bursts(aclient: AsyncDeepgramClient) -> None:
    received = await transcribe_live(aclient, TWO_BURSTS)
    for result, (begin, end) in zip(finals(received), BURST_SPANS, strict=True):
        words = result.channel.alternatives[0].words
        assert words[0].start == pytest.approx(begin)
        assert words[-1].end == pytest.approx(end)
        assert all(begin <= w.start < w.end <= end for w in words)


async def test_result_windows_are_contiguous(aclient: AsyncDeepgramClient) -> None:
    received = await transcribe_live(aclient, TWO_BURSTS, interim_results=True)
    window_start = 0.0
    for result in of_type(received, "Results"):
        assert result.start == pytest.approx(window_start)
        for word in result.channel.alternatives[0].words:
            assert result.start <= word.start <= word.end <= result.start + result.duration + 1e-6
        if result.is_final:
            window_start = result.start + result.duration


async def test_without_punctuate_words_are_bare_lowercase(aclient: AsyncDeepgramClient) -> None:
    received = await transcribe_live(aclient, TWO_BURSTS)
    first = finals(received)[0].channel.alternatives[0]
    assert first.transcript == "hello everyone thanks for joining"
    assert all(w.punctuated_word is None and w.speaker is None for w in first.words)


async def test_smart_format_and_diarize_add_word_fields(aclient: AsyncDeepgramClient) -> None:
    received = await transcribe_live(aclient, TWO_BURSTS, smart_format=True, diarize=True)
    speakers = [{w.speaker for w in r.channel.alternatives[0].words} for r in finals(received)]
    assert speakers == [{0}, {1}]
    assert finals(received)[0].channel.alternatives[0].words[0].punctuated_word == "Hello"


async def test_script_exhaustion_generates_numbered_utterances(
    fake: FakeDeepgram, aclient: AsyncDeepgramClient
) -> None:
    fake.script = ["only one"]
    received = await transcribe_live(aclient, TWO_BURSTS)
    assert [text(r) for r in finals(received)] == ["only one", "utterance 1"]


async def test_stamp_finals_ends_final_text_in_send_time(
    fake: FakeDeepgram, aclient: AsyncDeepgramClient
) -> None:
    fake.stamp_finals = True
    before = time.time()
    received = await transcribe_live(aclient, TWO_BURSTS, interim_results=True, punctuate=True)
    after = time.time()
    assert all(" t=" not in text(r) for r in of_type(received, "Results") if not r.is_final)
    for result, line in zip(finals(received), SCRIPT, strict=True):
        spoken, _, stamp = text(result).rpartition(" t=")
        assert spoken == line
        assert before <= float(stamp) <= after
        assert result.channel.alternatives[0].words[-1].punctuated_word.endswith(f" t={stamp}")
    recorded = [m["channel"]["alternatives"][0]["transcript"] for m in fake.connections[0].finals()]
    assert recorded == [text(r) for r in finals(received)]  # the record holds what was sent


async def test_endpointing_query_overrides_silence_ms(aclient: AsyncDeepgramClient) -> None:
    # 0.8 s gap < 1000 ms endpointing: both bursts are one region.
    received = await transcribe_live(aclient, TWO_BURSTS, endpointing=1000)
    assert [text(r) for r in finals(received)] == ["hello everyone thanks for joining"]
    assert finals(received)[0].channel.alternatives[0].words[-1].end == pytest.approx(3.0)


async def test_long_speech_is_finalised_in_pieces(
    fake: FakeDeepgram, aclient: AsyncDeepgramClient
) -> None:
    fake.max_final_seconds = 1.0
    fake.script = ["one two three four five six seven eight nine ten"]
    received = await transcribe_live(aclient, tone(2.5) + silence(0.5))
    pieces = finals(received)
    assert [r.speech_final for r in pieces] == [False, False, True]
    assert " ".join(text(r) for r in pieces) == fake.script[0]


async def test_vad_events_and_utterance_end(aclient: AsyncDeepgramClient) -> None:
    audio = silence(0.2) + tone(1.0) + silence(1.5)
    received = await transcribe_live(
        aclient, audio, interim_results=True, vad_events=True, utterance_end_ms=1000
    )
    kinds = [m.type for m in received]
    assert kinds[0] == "SpeechStarted"
    assert received[0].timestamp == pytest.approx(0.2)
    final = finals(received)[0]
    utterance_end = of_type(received, "UtteranceEnd")[0]
    assert kinds.index("UtteranceEnd") > received.index(final)
    assert utterance_end.last_word_end == final.channel.alternatives[0].words[-1].end


async def test_no_utterance_end_when_speech_resumes_within_gap(
    aclient: AsyncDeepgramClient,
) -> None:
    received = await transcribe_live(
        aclient, TWO_BURSTS, interim_results=True, utterance_end_ms=1000
    )
    assert of_type(received, "UtteranceEnd") == []


async def test_finalize_flushes_region_with_from_finalize(
    fake: FakeDeepgram, aclient: AsyncDeepgramClient
) -> None:
    async with aclient.listen.v1.connect(**LIVE) as conn:
        await send_audio(conn, tone(1.0))
        await conn.send_finalize(ListenV1Finalize(type="Finalize", channel=0))
        received = await recv_until(conn, lambda m: m.type == "Results" and m.is_final)
        await conn.send_close_stream()
        received += await collect(conn)
    final = finals(received)
    assert len(final) == 1
    assert (final[0].from_finalize, final[0].speech_final) == (True, False)
    assert text(final[0]) == "hello everyone thanks for joining"
    assert fake.connections[0].control[0] == {"type": "Finalize", "channel": 0}


async def test_finalize_without_speech_sends_nothing(aclient: AsyncDeepgramClient) -> None:
    async with aclient.listen.v1.connect(**LIVE) as conn:
        await send_audio(conn, silence(0.5))
        await conn.send_finalize()
        await conn.send_close_stream()
        received = await collect(conn)
    assert [m.type for m in received] == ["Metadata"]


async def test_close_stream_flushes_then_metadata_then_close_1000(
    fake: FakeDeepgram, aclient: AsyncDeepgramClient
) -> None:
    audio = tone(1.0)
    received = await transcribe_live(aclient, audio)  # no trailing silence: region still open
    assert [m.type for m in received] == ["Results", "Metadata"]
    metadata = received[1]
    assert metadata.duration == pytest.approx(1.0)
    assert metadata.sha256 == hashlib.sha256(audio).hexdigest()
    assert metadata.transaction_key == "deprecated"
    assert metadata.created.endswith("Z")
    assert metadata.model_extra is not None
    assert len(metadata.model_extra["models"]) == 1
    conn = fake.connections[0]
    assert (conn.closed_by, conn.close_code, conn.audio_bytes) == ("server", 1000, len(audio))


async def test_empty_binary_frame_acts_as_close_stream(
    fake: FakeDeepgram, aclient: AsyncDeepgramClient
) -> None:
    async with aclient.listen.v1.connect(**LIVE) as conn:
        await send_audio(conn, tone(0.6))
        await conn.send_media(b"")
        received = await collect(conn)
    assert [m.type for m in received] == ["Results", "Metadata"]
    assert fake.connections[0].close_code == 1000


async def test_odd_length_frames_keep_the_leftover_byte(
    fake: FakeDeepgram, aclient: AsyncDeepgramClient
) -> None:
    audio = tone(1.0) + silence(0.5)
    async with aclient.listen.v1.connect(**LIVE) as conn:
        for offset in range(0, len(audio), 3201):
            await conn.send_media(audio[offset : offset + 3201])
        await conn.send_close_stream()
        received = await collect(conn)
    assert [text(r) for r in finals(received)] == ["hello everyone thanks for joining"]
    assert of_type(received, "Metadata")[0].duration == pytest.approx(1.5)
    assert bytes(fake.connections[0].audio) == audio


async def test_non_linear16_audio_is_treated_as_silence(aclient: AsyncDeepgramClient) -> None:
    received = await transcribe_live(aclient, b"\xff" * 8000, encoding="mulaw", sample_rate=8000)
    assert [m.type for m in received] == ["Metadata"]
    assert received[0].duration == pytest.approx(1.0)
