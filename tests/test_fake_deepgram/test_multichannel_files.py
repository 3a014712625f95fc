"""The fake Deepgram's `multichannel=true`: each channel of a stereo file heard on its own."""

from __future__ import annotations

import io
import wave
from array import array
from pathlib import Path

import pytest
from deepgram import DeepgramClient
from deepgram.types import ListenV1Response

from tests.fake_deepgram import FakeDeepgram
from tests.test_fake_deepgram.sdk import MARKS, RATE, SCRIPT, silence, tone
from transcripts.live.archive import OggOpusWriter

pytestmark = MARKS

# The left channel speaks first, the right answers: one region each, in script order.
LEFT = tone(1.0) + silence(2.0)
RIGHT = silence(1.5) + tone(1.0) + silence(0.5)
SPANS = [(0.0, 1.0, 0), (1.5, 2.5, 1)]


def interleaved(left: bytes, right: bytes) -> bytes:
    """Two mono PCM16 signals as one interleaved stereo PCM16 stream."""
    a, b = array("h", left), array("h", right)
    both = array("h", bytes(4 * len(a)))
    both[0::2], both[1::2] = a, b
    return both.tobytes()


def stereo_wav(left: bytes, right: bytes) -> bytes:
    """A stereo RIFF/WAVE file: `left` on channel 0, `right` on channel 1."""
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as out:
        out.setnchannels(2)
        out.setsampwidth(2)
        out.setframerate(RATE)
        out.writeframes(interleaved(left, right))
    return buffer.getvalue()


def stereo_ogg(left: bytes, right: bytes, tmp_path: Path) -> bytes:
    """The same as Ogg/Opus stereo, as Parley stores a two-channel recording."""
    path = tmp_path / "both.ogg"
    writer = OggOpusWriter(path, RATE, 2)
    writer.write(interleaved(left, right))
    writer.close()
    return path.read_bytes()


def heard(response: ListenV1Response) -> list[tuple[float, float, int | None, str | None]]:
    return [
        (u.start or 0.0, u.end or 0.0, u.channel, u.transcript)
        for u in response.results.utterances or []
    ]


@pytest.mark.parametrize("container", ["wav", "ogg"])
def test_each_channel_is_heard_on_its_own_and_utterances_say_which(
    client: DeepgramClient, container: str, tmp_path: Path
) -> None:
    body = stereo_wav(LEFT, RIGHT) if container == "wav" else stereo_ogg(LEFT, RIGHT, tmp_path)
    response = client.listen.v1.media.transcribe_file(
        request=body, model="nova-3", multichannel=True, utterances=True, smart_format=True
    )
    assert isinstance(response, ListenV1Response)
    assert response.metadata.channels == 2
    utterances = heard(response)
    assert [(channel, text) for _, _, channel, text in utterances] == [
        (0, SCRIPT[0]),
        (1, SCRIPT[1]),
    ]
    tolerance = 0.02 if container == "wav" else 0.1  # Opus smears the edges a little
    for (start, end, _, _), (want_start, want_end, _) in zip(utterances, SPANS, strict=True):
        assert start == pytest.approx(want_start, abs=tolerance)
        assert end == pytest.approx(want_end, abs=tolerance)
    words = [
        " ".join(w.word or "" for w in channel.alternatives[0].words or [])
        for channel in response.results.channels
    ]
    assert words == ["hello everyone thanks for joining", "let's review the action items"]


def test_a_silent_channel_has_no_utterances(client: DeepgramClient) -> None:
    body = stereo_wav(LEFT, silence(3.0))
    response = client.listen.v1.media.transcribe_file(
        request=body, multichannel=True, utterances=True
    )
    assert isinstance(response, ListenV1Response)
    assert [channel for _, _, channel, _ in heard(response)] == [0]
    assert response.results.channels[1].alternatives[0].words == []


def test_without_multichannel_a_stereo_file_is_one_channel(
    client: DeepgramClient, fake: FakeDeepgram
) -> None:
    response = client.listen.v1.media.transcribe_file(
        request=stereo_wav(LEFT, RIGHT), utterances=True
    )
    assert isinstance(response, ListenV1Response)
    assert response.metadata.channels == 1
    assert len(response.results.channels) == 1
    assert {channel for _, _, channel, _ in heard(response)} == {0}
