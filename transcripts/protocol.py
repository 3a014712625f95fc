"""The /ws/record/ contract (docs/protocol.md): client messages parsed, server ones built."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

from transcripts.models import Segment

MAX_AUDIO_FRAME_BYTES = 64 * 1024
MAX_CONTROL_MESSAGE_CHARS = 4096
MAX_TITLE_CHARS = 200
MIN_SAMPLE_RATE, MAX_SAMPLE_RATE = 8000, 48000
DEFAULT_SAMPLE_RATE = 16000
LANGUAGE_PATTERN = re.compile(r"^(multi|[a-z]{2,3}(-[A-Za-z0-9]{2,8}){0,3})$")

# Application close codes (4000-4999).
CLOSE_BAD_MESSAGE = 4400
CLOSE_UNAUTHENTICATED = 4401
CLOSE_ENGINE_FAILED = 4502
CLOSE_ENGINE_UNAVAILABLE = 4503
CLOSE_NOT_RESUMABLE = 4404


class ProtocolError(Exception):
    """A malformed or out-of-order client message: the socket closes with 4400."""


@dataclass(frozen=True, slots=True)
class Start:
    """`{"type":"start"}`: begin a recording."""

    title: str
    language: str | None
    sample_rate: int
    diarize: bool
    refine: bool = True


@dataclass(frozen=True, slots=True)
class Resume:
    """`{"type":"resume","recording":ID}`: continue an interrupted recording of one's own."""

    recording: int
    sample_rate: int


@dataclass(frozen=True, slots=True)
class Stop:
    """`{"type":"stop"}`: finish the recording and keep its last words."""


@dataclass(frozen=True, slots=True)
class Pause:
    """`{"type":"pause"}`: the microphone is paused; the engine flushes what it heard."""


@dataclass(frozen=True, slots=True)
class Unpause:
    """`{"type":"unpause"}`: audio flows again."""


ControlMessage = Start | Resume | Stop | Pause | Unpause

START_FIELDS = frozenset({"type", "title", "language", "sample_rate", "diarize", "refine"})
RESUME_FIELDS = frozenset({"type", "recording", "sample_rate"})
SIMPLE_MESSAGES: dict[str, type[Stop | Pause | Unpause]] = {
    "stop": Stop,
    "pause": Pause,
    "unpause": Unpause,
}


def parse_control(text: str) -> ControlMessage:
    """A client text frame as a typed message; raises ProtocolError if it is not one."""
    if len(text) > MAX_CONTROL_MESSAGE_CHARS:
        raise ProtocolError(f"Control message over {MAX_CONTROL_MESSAGE_CHARS} characters.")
    try:
        message = json.loads(text)
    except ValueError:
        raise ProtocolError("Control message is not valid JSON.") from None
    if not isinstance(message, dict):
        raise ProtocolError("Control message must be a JSON object.")
    kind = message.get("type")
    if kind == "start":
        return _parse_start(message)
    if kind == "resume":
        return _parse_resume(message)
    if isinstance(kind, str) and kind in SIMPLE_MESSAGES:
        _reject_unknown_fields(message, frozenset({"type"}))
        return SIMPLE_MESSAGES[kind]()
    raise ProtocolError(f"Unknown message type {kind!r}.")


def _parse_start(message: dict[str, Any]) -> Start:
    _reject_unknown_fields(message, START_FIELDS)
    return Start(
        title=_title(message.get("title", "")),
        language=_language(message.get("language")),
        sample_rate=_sample_rate(message.get("sample_rate", DEFAULT_SAMPLE_RATE)),
        diarize=_flag(message.get("diarize", False), "diarize"),
        refine=_flag(message.get("refine", True), "refine"),
    )


def _parse_resume(message: dict[str, Any]) -> Resume:
    _reject_unknown_fields(message, RESUME_FIELDS)
    recording = message.get("recording")
    if isinstance(recording, bool) or not isinstance(recording, int) or recording <= 0:
        raise ProtocolError("recording must be the id of a recording.")
    return Resume(
        recording=recording,
        sample_rate=_sample_rate(message.get("sample_rate", DEFAULT_SAMPLE_RATE)),
    )


def _reject_unknown_fields(message: dict[str, Any], allowed: frozenset[str]) -> None:
    unknown = sorted(set(message) - allowed)
    if unknown:
        raise ProtocolError(f"Unknown field {unknown[0]!r} in {message['type']} message.")


def _title(value: object) -> str:
    if not isinstance(value, str):
        raise ProtocolError("title must be a string.")
    title = " ".join(value.split())
    if len(title) > MAX_TITLE_CHARS:
        raise ProtocolError(f"title must be at most {MAX_TITLE_CHARS} characters.")
    return title


def _language(value: object) -> str | None:
    if value is None or value == "":
        return None
    if not isinstance(value, str) or not LANGUAGE_PATTERN.match(value):
        raise ProtocolError("language must be a language tag such as 'en', 'en-GB' or 'multi'.")
    return value


def _sample_rate(value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ProtocolError("sample_rate must be an integer.")
    if not MIN_SAMPLE_RATE <= value <= MAX_SAMPLE_RATE:
        raise ProtocolError(
            f"sample_rate must be between {MIN_SAMPLE_RATE} and {MAX_SAMPLE_RATE} Hz."
        )
    return value


def _flag(value: object, name: str) -> bool:
    if not isinstance(value, bool):
        raise ProtocolError(f"{name} must be true or false.")
    return value


def check_audio_frame(frame: bytes) -> None:
    """Raise ProtocolError unless `frame` is a sane chunk of PCM16 audio."""
    if not frame:
        raise ProtocolError("Audio frame is empty.")
    if len(frame) > MAX_AUDIO_FRAME_BYTES:
        raise ProtocolError(f"Audio frame over {MAX_AUDIO_FRAME_BYTES} bytes.")
    if len(frame) % 2:
        raise ProtocolError("Audio frame has an odd number of bytes; expected 16-bit samples.")


def started(recording_id: int) -> dict[str, Any]:
    """Server → client: the recording exists; audio may flow."""
    return {"type": "started", "recording": recording_id}


def interim(text: str, start: float, end: float) -> dict[str, Any]:
    """Server → client: provisional text that the next interim or final replaces."""
    return {"type": "interim", "text": text, "start": round(start, 3), "end": round(end, 3)}


def final(segment: Segment) -> dict[str, Any]:
    """Server → client: a segment that has been saved."""
    return {
        "type": "final",
        "segment": segment.pk,
        "text": segment.text,
        "start": round(segment.start, 3),
        "end": round(segment.end, 3),
        "speaker": segment.speaker,
    }


def resumed(recording_id: int, segments: int, audio_seconds: float) -> dict[str, Any]:
    """Server → client: the recording goes on; send audio from `audio_seconds` on."""
    return {
        "type": "resumed",
        "recording": recording_id,
        "segments": segments,
        "audio_seconds": round(audio_seconds, 3),
    }


def stopped(recording_id: int, segments: int) -> dict[str, Any]:
    """Server → client: everything is saved; the socket closes next."""
    return {"type": "stopped", "recording": recording_id, "segments": segments}


def reconnecting(attempt: int, message: str) -> dict[str, Any]:
    """Server → client: the engine's stream broke; the server is reconnecting on its own."""
    return {"type": "reconnecting", "attempt": attempt, "message": message}


def reconnected() -> dict[str, Any]:
    """Server → client: transcription goes on; audio from the break is being transcribed."""
    return {"type": "reconnected"}


def transcription_paused(message: str) -> dict[str, Any]:
    """Server → client: the engine stays unreachable; audio is still recorded."""
    return {"type": "transcription_paused", "message": message}


def warning(code: str, message: str) -> dict[str, Any]:
    """Server → client: something went wrong that does not end the recording."""
    return {"type": "warning", "code": code, "message": message}


def error(code: str, message: str) -> dict[str, Any]:
    """Server → client: something went wrong, in words."""
    return {"type": "error", "code": code, "message": message}
