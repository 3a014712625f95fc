"""The fake Deepgram's multichannel live streams: each channel heard and scripted on its own,
every message saying which channel it speaks for, all of it valid to the SDK's types."""

from __future__ import annotations

from array import array

from deepgram import AsyncDeepgramClient

from tests.fake_deepgram import FakeDeepgram
from tests.test_fake_deepgram.sdk import (
    MARKS,
    finals,
    of_type,
    silence,
    text,
    tone,
    transcribe_live,
)

pytestmark = MARKS

STEREO = {"channels": 2, "multichannel": True}
OTHERS = ["Can everyone hear me?", "The budget is approved."]


def stereo(left: bytes, right: bytes) -> bytes:
    """Interleave two mono PCM16 streams of equal length."""
    samples = array("h", bytes(2 * len(left)))
    samples[0::2], samples[1::2] = array("h", left), array("h", right)
    return samples.tobytes()


# The microphone speaks first, the others later, then the microphone again.
LEFT = silence(0.2) + tone(1.0) + silence(2.0) + tone(1.0) + silence(0.6)
RIGHT = silence(1.6) + tone(1.0) + silence(2.2)


async def test_each_channel_reads_its_own_script(
    fake: FakeDeepgram, aclient: AsyncDeepgramClient
) -> None:
    fake.script_others = list(OTHERS)
    received = await transcribe_live(aclient, stereo(LEFT, RIGHT), **STEREO, punctuate=True)
    said = [(r.channel_index[0], text(r)) for r in finals(received) if text(r)]
    assert said == [
        (0, "Hello everyone, thanks for joining."),
        (1, "Can everyone hear me?"),
        (0, "Let's review the action items."),
    ]


async def test_results_and_utterance_ends_name_their_channel(
    fake: FakeDeepgram, aclient: AsyncDeepgramClient
) -> None:
    received = await transcribe_live(
        aclient,
        stereo(LEFT, RIGHT),
        **STEREO,
        interim_results=True,
        utterance_end_ms=1000,
        vad_events=True,
    )
    assert {tuple(r.channel_index) for r in of_type(received, "Results")} == {(0, 2), (1, 2)}
    assert {tuple(m.channel) for m in of_type(received, "UtteranceEnd")} == {(0, 2), (1, 2)}
    assert {tuple(m.channel) for m in of_type(received, "SpeechStarted")} == {(0, 2), (1, 2)}


async def test_a_silent_channel_yields_no_text(aclient: AsyncDeepgramClient) -> None:
    silent = silence(len(LEFT) / 2 / 16000)
    received = await transcribe_live(aclient, stereo(LEFT, silent), **STEREO)
    assert {r.channel_index[0] for r in finals(received) if text(r)} == {0}


async def test_without_multichannel_the_channels_are_one_stream(
    aclient: AsyncDeepgramClient,
) -> None:
    received = await transcribe_live(aclient, stereo(LEFT, RIGHT), channels=2)
    assert {tuple(r.channel_index) for r in of_type(received, "Results")} == {(0, 1)}
