"""/ws/record/ end to end: real ASGI stack and session cookies, real SDK, fake Deepgram."""

from __future__ import annotations

import asyncio
import logging
import socket as stdlib_socket
import threading

import pytest
from django.conf import settings as django_settings

from tests.audio import silence, tone, utterances
from tests.fake_deepgram import FakeDeepgram
from tests.fakedeepgram.transcript import WORD_CONFIDENCE
from tests.sockets import RecordSocket
from transcripts.models import Recording, Segment

pytestmark = pytest.mark.django_db(transaction=True)


async def open_socket(cookie: str | None, **kwargs: str) -> RecordSocket:
    socket = RecordSocket(cookie=cookie, **kwargs)
    assert await socket.connect()
    return socket


async def saved_texts(recording_id: int) -> list[str]:
    return [
        segment.text
        async for segment in Segment.objects.filter(recording_id=recording_id).order_by("index")
    ]


async def recording(recording_id: int) -> Recording:
    return await Recording.objects.aget(pk=recording_id)


# --- The happy path -----------------------------------------------------------


async def test_a_recording_streams_finals_saves_them_and_stops_cleanly(
    deepgram: FakeDeepgram, cookie: str
) -> None:
    socket = await open_socket(cookie)
    recording_id = await socket.start(title="Standup", language="en-GB")
    await socket.send_audio(utterances(2))
    finals = await socket.finals(2)
    assert await socket.stop() == {"type": "stopped", "recording": recording_id, "segments": 2}
    await socket.disconnect()

    assert await saved_texts(recording_id) == deepgram.script[:2]
    assert [final["text"] for final in finals] == deepgram.script[:2]
    saved = await recording(recording_id)
    assert (saved.status, saved.title, saved.language) == ("completed", "Standup", "en-GB")
    assert saved.duration == pytest.approx(3.2)
    assert saved.upstream_request_id == deepgram.connections[0].request_id


async def test_interim_text_comes_before_the_final_it_becomes(
    deepgram: FakeDeepgram, cookie: str
) -> None:
    socket = await open_socket(cookie)
    await socket.start()
    await socket.send_audio(utterances(1, speech=2.0))
    final = await socket.expect("final")
    interims = [m for m in socket.received if m["type"] == "interim" and m["text"]]
    assert interims, "no interim text before the final"
    assert all(final["text"].lower().startswith(m["text"].lower().rstrip(".,")) for m in interims)
    assert final["start"] <= interims[0]["start"] < final["end"]
    await socket.stop()
    await socket.disconnect()


async def test_each_final_is_in_the_database_when_the_browser_hears_of_it(
    deepgram: FakeDeepgram, cookie: str
) -> None:
    socket = await open_socket(cookie)
    await socket.start()
    await socket.send_audio(utterances(3))
    for final in await socket.finals(3):
        segment = await Segment.objects.aget(pk=final["segment"])
        assert (segment.text, segment.start, segment.end) == (
            final["text"],
            pytest.approx(final["start"]),
            pytest.approx(final["end"]),
        )
    await socket.stop()
    await socket.disconnect()


async def test_deepgram_is_asked_for_the_documented_live_features(
    deepgram: FakeDeepgram, cookie: str
) -> None:
    socket = await open_socket(cookie)
    await socket.start(language="de", sample_rate=48000, diarize=True)
    await socket.stop()
    await socket.disconnect()
    connection = deepgram.connections[0]
    assert connection.headers["Authorization"] == f"Token {deepgram.api_key}"
    assert {key: values[0] for key, values in connection.query.items()} == {
        "model": "nova-3",
        "language": "de",
        "encoding": "linear16",
        "channels": "1",
        "sample_rate": "48000",
        "interim_results": "true",
        "punctuate": "true",
        "smart_format": "true",
        "utterance_end_ms": "1000",
        "vad_events": "true",
        "diarize": "true",
    }


async def test_audio_goes_to_deepgram_uncompressed(deepgram: FakeDeepgram, cookie: str) -> None:
    # PCM barely compresses; permessage-deflate cost 15 % of the event loop under load.
    socket = await open_socket(cookie)
    await socket.start()
    await socket.stop()
    await socket.disconnect()
    extensions = deepgram.connections[0].headers.get("Sec-WebSocket-Extensions", "")
    assert "permessage-deflate" not in extensions


async def test_speaker_labels_reach_the_browser_and_the_database(
    deepgram: FakeDeepgram, cookie: str
) -> None:
    socket = await open_socket(cookie)
    recording_id = await socket.start(diarize=True)
    await socket.send_audio(utterances(2))
    assert [final["speaker"] for final in await socket.finals(2)] == [0, 1]
    await socket.stop()
    await socket.disconnect()
    speakers = [s.speaker async for s in Segment.objects.filter(recording_id=recording_id)]
    assert sorted(speakers) == [0, 1]


# --- No lost words ---------------------------------------------------------------


async def test_stop_saves_the_last_words(deepgram: FakeDeepgram, cookie: str) -> None:
    socket = await open_socket(cookie)
    recording_id = await socket.start()
    await socket.send_audio(tone(1.2))  # still speaking when stop arrives
    stopped = await socket.stop()
    await socket.disconnect()
    assert stopped["segments"] == 1
    assert await saved_texts(recording_id) == deepgram.script[:1]
    control = [message["type"] for message in deepgram.connections[0].control]
    assert control[-2:] == ["Finalize", "CloseStream"]
    assert deepgram.connections[0].close_code == 1000


async def test_a_live_final_keeps_each_word_with_its_timing_and_confidence(
    deepgram: FakeDeepgram, cookie: str
) -> None:
    socket = await open_socket(cookie)
    recording_id = await socket.start()
    await socket.send_audio(tone(1.2))
    await socket.stop()
    await socket.disconnect()
    segment = await Segment.objects.aget(recording_id=recording_id, index=0)
    assert " ".join(w["word"] for w in segment.words) == segment.text
    assert {w["confidence"] for w in segment.words} == {WORD_CONFIDENCE}
    starts = [w["start"] for w in segment.words]
    assert starts == sorted(starts)
    assert segment.start <= starts[0]
    assert segment.words[-1]["end"] <= segment.end


async def test_stop_gives_up_waiting_for_a_silent_engine_and_keeps_what_it_said(
    deepgram: FakeDeepgram, cookie: str, settings
) -> None:
    deepgram.ignore_close_stream = True  # Deepgram never closes after CloseStream
    settings.LIVE_FINALIZE_TIMEOUT = 0.5
    socket = await open_socket(cookie)
    recording_id = await socket.start()
    await socket.send_audio(tone(1.0))
    stopped = await socket.stop()
    await socket.disconnect()
    assert stopped["segments"] == 1  # Finalize's answer still arrived and was saved
    assert await saved_texts(recording_id) == deepgram.script[:1]
    assert (await recording(recording_id)).status == Recording.Status.COMPLETED
    assert deepgram.connections[0].closed_by == "client"


async def test_a_browser_that_vanishes_still_gets_its_last_words_saved(
    deepgram: FakeDeepgram, cookie: str
) -> None:
    socket = await open_socket(cookie)
    recording_id = await socket.start()
    await socket.send_audio(utterances(1) + tone(1.0))
    await socket.expect("final")
    await deepgram.await_for(lambda fake: fake.connections[0].audio_bytes == 2 * 16000 * 2.6)
    await socket.disconnect()
    assert await saved_texts(recording_id) == deepgram.script[:2]
    assert (await recording(recording_id)).status == Recording.Status.INTERRUPTED
    assert [m["type"] for m in deepgram.connections[0].control][-2:] == ["Finalize", "CloseStream"]


async def test_audio_sent_before_deepgram_answers_is_not_lost(
    deepgram: FakeDeepgram, cookie: str
) -> None:
    gate = threading.Event()
    deepgram.handshake_gate = gate
    socket = await open_socket(cookie)
    recording_id = await socket.start()  # answered while the handshake is still held
    audio = utterances(2)
    await socket.send_audio(audio)
    await deepgram.await_for(lambda fake: len(fake.connections) == 1)
    assert deepgram.connections[0].audio_bytes == 0
    gate.set()
    await socket.finals(2)
    await socket.stop()
    await socket.disconnect()
    assert deepgram.connections[0].audio_bytes == len(audio)
    assert await saved_texts(recording_id) == deepgram.script[:2]


async def speak_then_pause(
    deepgram: FakeDeepgram, cookie: str, *, keepalive_seconds: float, settings
) -> tuple[RecordSocket, int]:
    """One utterance, saved, then the microphone goes quiet: Deepgram idles out after 1 s."""
    deepgram.idle_timeout = 1.0
    settings.LIVE_KEEPALIVE_SECONDS = keepalive_seconds
    socket = await open_socket(cookie)
    recording_id = await socket.start()
    await socket.send_audio(utterances(1))
    await socket.expect("final")
    return socket, recording_id


async def test_keepalive_carries_a_session_through_a_long_pause(
    deepgram: FakeDeepgram, cookie: str, settings
) -> None:
    socket, recording_id = await speak_then_pause(
        deepgram, cookie, keepalive_seconds=0.25, settings=settings
    )
    await asyncio.sleep(2.5)  # the microphone is paused: no audio for 2.5 idle timeouts
    await socket.send_audio(utterances(1))
    await socket.expect("final")
    await socket.stop()
    await socket.disconnect()
    assert await saved_texts(recording_id) == deepgram.script[:2]
    assert "KeepAlive" in [m["type"] for m in deepgram.connections[0].control]
    assert (await recording(recording_id)).status == Recording.Status.COMPLETED


async def test_without_keepalive_deepgram_idles_the_stream_out_and_parley_reconnects(
    deepgram: FakeDeepgram, cookie: str, settings
) -> None:
    settings.LIVE_RECONNECT_FIRST_DELAY = 0.05
    socket, recording_id = await speak_then_pause(
        deepgram, cookie, keepalive_seconds=60.0, settings=settings
    )
    reconnecting = await socket.expect("reconnecting")
    assert "net0001" in reconnecting["message"]
    await socket.expect("reconnected")
    await socket.send_audio(utterances(1))
    await socket.expect("final", skip=("interim", "reconnecting", "reconnected"))
    await socket.stop()
    assert deepgram.connections[0].close_code == 1011
    saved = await recording(recording_id)
    assert (saved.status, saved.error) == (Recording.Status.COMPLETED, "")
    assert len(await saved_texts(recording_id)) == 2


# --- Bad input: one socket closes with a reason ------------------------------------


@pytest.mark.parametrize(
    ("before_start", "frame"),
    [
        (True, b"\x00\x01"),
        (True, '{"type":"stop"}'),
        (True, "not json"),
        (True, '{"type":"start","sample_rate":1}'),
        (False, '{"type":"start"}'),
        (False, '{"type":"rewind"}'),
        (False, "{oops"),
        (False, b"\x00" * (64 * 1024 + 2)),
        (False, b"\x00" * 301),
    ],
    ids=[
        "audio-before-start",
        "stop-before-start",
        "invalid-json-first",
        "bad-sample-rate",
        "start-twice",
        "unknown-type",
        "invalid-json",
        "frame-over-64k",
        "odd-bytes",
    ],
)
async def test_a_malformed_or_out_of_order_message_closes_that_socket_with_4400(
    deepgram: FakeDeepgram, cookie: str, before_start: bool, frame: bytes | str
) -> None:
    socket = await open_socket(cookie)
    recording_id = None
    if not before_start:
        recording_id = await socket.start()
        await socket.send_audio(utterances(1))
        await socket.expect("final")
    await (socket.send_bytes(frame) if isinstance(frame, bytes) else socket.send_text(frame))
    error = await socket.expect_error_and_close(4400)
    await socket.disconnect()
    assert error["code"] == "bad_message"
    assert error["message"]
    if recording_id is None:
        assert not await Recording.objects.aexists()
    else:  # what was said before the bad message is kept
        assert await saved_texts(recording_id) == deepgram.script[:1]
        assert (await recording(recording_id)).status == Recording.Status.INTERRUPTED


async def test_a_bad_socket_does_not_disturb_another(deepgram: FakeDeepgram, cookie: str) -> None:
    good, bad = await open_socket(cookie), await open_socket(cookie)
    recording_id = await good.start()
    await bad.send_text("garbage")
    await bad.expect_error_and_close(4400)
    await good.send_audio(utterances(1))
    await good.expect("final")
    assert (await good.stop())["recording"] == recording_id
    await bad.disconnect()
    await good.disconnect()


# --- Who may connect ------------------------------------------------------------------


async def test_an_anonymous_socket_is_closed_with_4401(deepgram: FakeDeepgram, db: None) -> None:
    socket = await open_socket(None)
    error = await socket.expect_error_and_close(4401)
    assert error["code"] == "login_required"
    await socket.disconnect()


async def test_a_socket_from_another_origin_is_refused(deepgram: FakeDeepgram, cookie: str) -> None:
    socket = RecordSocket(cookie=cookie, origin="https://evil.example")
    assert not await socket.connect()


async def test_users_only_receive_their_own_transcript(
    deepgram: FakeDeepgram, cookie: str, other_cookie: str
) -> None:
    alice = await open_socket(cookie)
    bob = await open_socket(other_cookie)
    alice_id, bob_id = await alice.start(), await bob.start()
    await alice.send_audio(utterances(2))
    await bob.send_audio(utterances(1))
    alice_finals, bob_finals = await alice.finals(2), await bob.finals(1)
    await alice.stop()
    await bob.stop()
    owners = {
        final["segment"]: (
            await Segment.objects.select_related("recording").aget(pk=final["segment"])
        ).recording.owner_id
        for final in alice_finals + bob_finals
    }
    assert [owners[f["segment"]] for f in alice_finals] == [
        (await recording(alice_id)).owner_id
    ] * 2
    assert [owners[f["segment"]] for f in bob_finals] == [(await recording(bob_id)).owner_id]
    assert (await recording(alice_id)).owner_id != (await recording(bob_id)).owner_id
    await alice.disconnect()
    await bob.disconnect()


# --- Upstream failures reach the browser in words ----------------------------------------


@pytest.mark.parametrize(
    ("setup", "code", "words"),
    [
        ("bad_key", "engine_auth", "rejected Parley's credentials"),
        ("busy", "engine_busy", "limit of simultaneous recordings"),
        ("unsupported_language", "engine_rejected", "refused these recording settings"),
        ("refused", "engine_unreachable", "could not reach the transcription service"),
    ],
)
async def test_an_engine_that_will_not_start_is_reported_in_words(
    deepgram: FakeDeepgram, cookie: str, settings, caplog, setup: str, code: str, words: str
) -> None:
    caplog.set_level(logging.DEBUG)
    language = "en"
    if setup == "bad_key":
        settings.DEEPGRAM_API_KEY = "wrong-key-7d1e"
    elif setup == "busy":
        deepgram.reject_next = [429]
    elif setup == "unsupported_language":
        language = "tlh"
    else:
        settings.DEEPGRAM_URL = f"http://127.0.0.1:{unused_port()}"
    socket = await open_socket(cookie)
    recording_id = await socket.start(language=language)
    await socket.send_audio(tone(0.3))
    error = await socket.expect_error_and_close(4502)
    await socket.disconnect()
    assert error["code"] == code
    assert words in error["message"]
    saved = await recording(recording_id)
    assert saved.status == Recording.Status.FAILED
    assert words in saved.error
    assert django_settings.DEEPGRAM_API_KEY not in caplog.text + error["message"]


async def test_a_stream_deepgram_cannot_decode_is_reported_and_keeps_what_was_said(
    deepgram: FakeDeepgram, cookie: str
) -> None:
    # 1008 is final: the same audio would fail again, so there is no reconnecting
    # (tests/test_resilience.py covers the failures that are worth a reconnect).
    deepgram.close_after_audio = (2.0, 1008, "DATA-0000: could not decode the audio (net0000)")
    socket = await open_socket(cookie)
    recording_id = await socket.start()
    await socket.send_audio(utterances(1) + silence(1.0))
    await socket.expect("final")
    error = await socket.expect_error_and_close(4502)
    await socket.disconnect()
    assert error["code"] == "engine_closed"
    assert "1008" in error["message"]
    assert "net0000" in error["message"]
    assert await saved_texts(recording_id) == deepgram.script[:1]
    saved = await recording(recording_id)
    assert saved.status == Recording.Status.FAILED
    assert saved.error == error["message"]


async def test_without_an_engine_the_socket_says_how_to_configure_one(
    no_engine: None, cookie: str
) -> None:
    socket = await open_socket(cookie)
    await socket.send({"type": "start"})
    error = await socket.expect_error_and_close(4503)
    await socket.disconnect()
    assert error["code"] == "engine_unavailable"
    assert "DEEPGRAM_API_KEY" in error["message"]
    assert not await Recording.objects.aexists()


@pytest.mark.redis
@pytest.mark.skipif(not django_settings.REDIS_URL, reason="needs the Redis channel layer leg")
async def test_an_idle_socket_survives_on_the_redis_channel_layer(
    deepgram: FakeDeepgram, cookie: str, settings
) -> None:
    settings.LIVE_KEEPALIVE_SECONDS = 2.0
    socket = await open_socket(cookie)
    await socket.start()
    await asyncio.sleep(12)  # longer than redis-py's 5 s default read timeout, twice over
    await socket.send_audio(utterances(1))
    await socket.expect("final")
    assert (await socket.stop())["segments"] == 1
    await socket.disconnect()


def unused_port() -> int:
    """A loopback port with nothing listening on it."""
    with stdlib_socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.mark.parametrize(("fields", "refine"), [({}, True), ({"refine": False}, False)])
async def test_the_refine_switch_is_kept_with_the_recording(
    deepgram: FakeDeepgram, cookie: str, fields: dict[str, bool], refine: bool
) -> None:
    socket = await open_socket(cookie)
    recording_id = await socket.start(**fields)
    await socket.stop()
    assert (await recording(recording_id)).refine is refine
