"""The Deepgram engine's pure parts: addresses and message translation."""

from __future__ import annotations

from typing import Any

import pytest
from deepgram.listen.v1.types import ListenV1Results
from django.core.exceptions import ImproperlyConfigured

from transcripts.engines.base import FinalSegment, InterimText, Word
from transcripts.engines.deepgram._sdk import environment_for
from transcripts.engines.deepgram.live import event_from_results


@pytest.mark.parametrize(
    ("url", "rest", "websocket"),
    [
        ("https://api.deepgram.com", "https://api.deepgram.com", "wss://api.deepgram.com"),
        ("https://api.deepgram.com/", "https://api.deepgram.com", "wss://api.deepgram.com"),
        ("http://127.0.0.1:8080", "http://127.0.0.1:8080", "ws://127.0.0.1:8080"),
        ("HTTP://dg.internal/stt", "HTTP://dg.internal/stt", "ws://dg.internal/stt"),
    ],
)
def test_one_url_gives_both_sdk_addresses(url: str, rest: str, websocket: str) -> None:
    environment = environment_for(url)
    assert (environment.base, environment.production) == (rest, websocket)


@pytest.mark.parametrize("url", ["api.deepgram.com", "ftp://x", "wss://api.deepgram.com"])
def test_a_url_without_http_is_a_configuration_error(url: str) -> None:
    with pytest.raises(ImproperlyConfigured, match="DEEPGRAM_URL"):
        environment_for(url)


def results(*, is_final: bool, speakers: list[int | None]) -> dict[str, Any]:
    """A Results message as Deepgram sends it (JSON), checked against the SDK's own type."""
    words = [
        {
            "word": f"w{n}",
            "punctuated_word": f"W{n}.",
            "start": 1.0 + n,
            "end": 1.5 + n,
            "confidence": 0.9,
            **({"speaker": s} if s is not None else {}),
        }
        for n, s in enumerate(speakers)
    ]
    message = {
        "type": "Results",
        "channel_index": [0, 1],
        "start": 1.0,
        "duration": 2.5,
        "is_final": is_final,
        "speech_final": is_final,
        "channel": {
            "alternatives": [{"transcript": " W0. W1. W2. ", "confidence": 0.97, "words": words}]
        },
        "metadata": {
            "request_id": "r",
            "model_info": {"name": "n", "version": "v", "arch": "a"},
            "model_uuid": "u",
        },
    }
    ListenV1Results.model_validate(message)
    return message


def test_a_final_result_becomes_a_segment_with_words_and_majority_speaker() -> None:
    event = event_from_results(results(is_final=True, speakers=[1, 0, 1]))
    assert event == FinalSegment(
        text="W0. W1. W2.",
        start=1.0,
        end=3.5,
        speaker=1,
        confidence=0.97,
        words=(
            Word("W0.", 1.0, 1.5, 0.9, 1),
            Word("W1.", 2.0, 2.5, 0.9, 0),
            Word("W2.", 3.0, 3.5, 0.9, 1),
        ),
    )


def test_without_diarization_a_segment_has_no_speaker() -> None:
    event = event_from_results(results(is_final=True, speakers=[None, None, None]))
    assert isinstance(event, FinalSegment)
    assert event.speaker is None


def test_a_non_final_result_is_interim_text() -> None:
    assert event_from_results(results(is_final=False, speakers=[None] * 3)) == InterimText(
        text="W0. W1. W2.", start=1.0, end=3.5
    )
