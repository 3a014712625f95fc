"""What a /ws/record/ client sends (docs/protocol.md): control messages, each validated against
its schema before any field is read, and audio frames, checked for size and shape."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import (
    AfterValidator,
    BeforeValidator,
    Field,
    StringConstraints,
    TypeAdapter,
    ValidationError,
)

from transcripts.schemas import Language, NotAnObject, Schema, Title, complaint, json_object

MAX_AUDIO_FRAME_BYTES = 64 * 1024
# What Daphne itself takes in one WebSocket message (./parley start passes it): a message
# between the limits below and this one is refused by Parley with 4400; a larger one never
# reaches Parley, and Daphne drops the connection (the browser sees 1006).
MAX_SOCKET_MESSAGE_BYTES = 1024 * 1024
MAX_CONTROL_MESSAGE_CHARS = 4096
MAX_ID = 2**63 - 1  # ids are 64-bit
MIN_SAMPLE_RATE, MAX_SAMPLE_RATE = 8000, 48000
DEFAULT_SAMPLE_RATE = 16000
# 1: mono PCM16; 2: interleaved stereo PCM16, the microphone left and the shared audio right.
Channels = Literal[1, 2]


class ProtocolError(Exception):
    """A malformed or out-of-order client message: the socket closes with 4400."""


class Refused(Exception):
    """A start or resume the server will not carry out: the client gets an error with this
    code and message, and the socket closes with this close code."""

    def __init__(self, close_code: int, code: str, message: str) -> None:
        super().__init__(message)
        self.close_code, self.code, self.message = close_code, code, message


def _sample_rate(value: int) -> int:
    if not MIN_SAMPLE_RATE <= value <= MAX_SAMPLE_RATE:
        raise ValueError(f"sample_rate must be between {MIN_SAMPLE_RATE} and {MAX_SAMPLE_RATE} Hz.")
    return value


def _recording_id(value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 < value <= MAX_ID:
        raise ValueError("recording must be the id of a recording.")
    return value


def _team_id(value: object) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not 0 < value <= MAX_ID:
        raise ValueError("team must be the id of one of your teams, or null for only you.")
    return value


SampleRate = Annotated[int, AfterValidator(_sample_rate)]
# The version of the consent notice the person confirmed (the record page shows it).
ConsentVersion = Annotated[str, StringConstraints(max_length=64)]
RecordingId = Annotated[int, BeforeValidator(_recording_id)]
# Where a new recording goes: a team's library, or (None) only its owner's.
TeamId = Annotated[int | None, BeforeValidator(_team_id)]


class Start(Schema):
    """`{"type":"start"}`: begin a recording."""

    type: Literal["start"] = "start"
    title: Title = ""
    language: Language | None = None
    sample_rate: SampleRate = DEFAULT_SAMPLE_RATE
    diarize: bool = False
    refine: bool = True
    team: TeamId = None
    consent: ConsentVersion | None = None
    channels: Channels = 1


class Resume(Schema):
    """`{"type":"resume","recording":ID}`: continue an interrupted recording of one's own."""

    type: Literal["resume"] = "resume"
    recording: RecordingId
    sample_rate: SampleRate = DEFAULT_SAMPLE_RATE
    channels: Channels | None = None  # if sent, the recording's own count


class Stop(Schema):
    """`{"type":"stop"}`: finish the recording and keep its last words."""

    type: Literal["stop"] = "stop"


class Pause(Schema):
    """`{"type":"pause"}`: the microphone is paused; the engine flushes what it heard."""

    type: Literal["pause"] = "pause"


class Unpause(Schema):
    """`{"type":"unpause"}`: audio flows again."""

    type: Literal["unpause"] = "unpause"


ControlMessage = Start | Resume | Stop | Pause | Unpause
CONTROL_SCHEMA: TypeAdapter[ControlMessage] = TypeAdapter(
    Annotated[ControlMessage, Field(discriminator="type")]
)


def parse_control(text: str) -> ControlMessage:
    """A client text frame as a typed message; raises ProtocolError if it is not one."""
    if len(text) > MAX_CONTROL_MESSAGE_CHARS:
        raise ProtocolError(f"Control message over {MAX_CONTROL_MESSAGE_CHARS} characters.")
    try:
        message = json_object(text, what="Control message")
        return CONTROL_SCHEMA.validate_python(message)
    except NotAnObject as exc:
        raise ProtocolError(str(exc)) from None
    except ValidationError as exc:
        kind = message.get("type")
        raise ProtocolError(complaint(exc, kind=f"{kind} message", tag=kind)) from None


def check_audio_frame(frame: bytes, channels: int = 1) -> None:
    """Raise ProtocolError unless `frame` is a sane chunk of PCM16 audio in `channels`."""
    if not frame:
        raise ProtocolError("Audio frame is empty.")
    if len(frame) > MAX_AUDIO_FRAME_BYTES:
        raise ProtocolError(f"Audio frame over {MAX_AUDIO_FRAME_BYTES} bytes.")
    if len(frame) % 2:
        raise ProtocolError("Audio frame has an odd number of bytes; expected 16-bit samples.")
    if len(frame) % (2 * channels):
        raise ProtocolError(
            "Audio frame does not hold whole stereo samples; expected a multiple of 4 bytes."
        )
