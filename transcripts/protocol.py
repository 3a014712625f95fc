"""The /ws/record/ contract (docs/protocol.md): the close codes and every message the server
sends, built here. What the client sends is parsed in controls.py."""

from __future__ import annotations

from typing import Literal, NotRequired, TypedDict

from transcripts.models import Mark, Recording, Segment, TranscriptionJob

# Application close codes (4000-4999), one meaning each; static/js/common.js mirrors them.
CLOSE_BAD_MESSAGE = 4400  # a malformed or out-of-order message
CLOSE_UNAUTHENTICATED = 4401  # not logged in
CLOSE_NOT_FOUND = 4404  # no such recording, or none this person may reach (resume, watch)
CLOSE_CONSENT_REQUIRED = 4412  # the consent notice was not confirmed (or it has changed)
CLOSE_CONFLICT = 4409  # the recording's state does not allow it (finished, recorded elsewhere)
CLOSE_AT_CAPACITY = 4429  # this server runs as many recordings as it can; try again shortly
CLOSE_ENGINE_FAILED = 4502  # the transcription engine failed mid-recording
CLOSE_ENGINE_UNAVAILABLE = 4503  # no engine can record with these settings now
CLOSE_CODES = {
    "BAD_MESSAGE": CLOSE_BAD_MESSAGE,
    "UNAUTHENTICATED": CLOSE_UNAUTHENTICATED,
    "NOT_FOUND": CLOSE_NOT_FOUND,
    "CONSENT_REQUIRED": CLOSE_CONSENT_REQUIRED,
    "CONFLICT": CLOSE_CONFLICT,
    "AT_CAPACITY": CLOSE_AT_CAPACITY,
    "ENGINE_FAILED": CLOSE_ENGINE_FAILED,
    "ENGINE_UNAVAILABLE": CLOSE_ENGINE_UNAVAILABLE,
}


# --- Server → client messages -------------------------------------------------------


class Started(TypedDict):
    type: Literal["started"]
    recording: int


class Interim(TypedDict):
    type: Literal["interim"]
    text: str
    start: float
    end: float
    channel: int | None  # 0 the microphone ("You"), 1 the shared audio; None in mono


class Final(TypedDict):
    type: Literal["final"]
    segment: int
    text: str
    start: float
    end: float
    speaker: int | None
    channel: int | None


class Resumed(TypedDict):
    type: Literal["resumed"]
    recording: int
    segments: int
    audio_seconds: float


class Stopped(TypedDict):
    type: Literal["stopped"]
    recording: int
    segments: int


class Ended(TypedDict):
    type: Literal["ended"]
    recording: int
    status: str


class Reconnecting(TypedDict):
    type: Literal["reconnecting"]
    attempt: int
    message: str


class Notice(TypedDict):
    """A message with nothing but its type: reconnected, paused, unpaused, revoked.

    `recheck` and `heard` never reach a page: the first asks the viewers' sockets to look at
    their access again, the second says a live session now publishes to them.
    """

    type: Literal["reconnected", "paused", "unpaused", "revoked", "caught_up", "recheck", "heard"]


class Lagging(TypedDict):
    type: Literal["lagging"]
    seconds: float
    message: str


class TranscriptionPaused(TypedDict):
    type: Literal["transcription_paused"]
    message: str


class Problem(TypedDict):
    """A warning (the recording goes on) or an error (the socket closes next)."""

    type: Literal["warning", "error"]
    code: str
    message: str


class RefineProgress(TypedDict):
    status: str
    progress: int
    error: str


class JobState(TypedDict):
    """/ws/events/ and the status endpoint: a recording's state and its latest job's."""

    type: Literal["job"]
    recording: int
    status: str
    status_label: str
    progress: int
    error: str
    refine: NotRequired[RefineProgress]
    downloading: NotRequired[bool]  # true while the file is fetched from its link
    audio_ready: NotRequired[bool]  # a live recording whose audio is stored (after stop)


class MarkEvent(TypedDict):
    """A moment someone marked (or an action item ticked done), for everyone following."""

    type: Literal["mark"]
    mark: int
    kind: str
    kind_label: str
    at: float
    note: str
    author: str
    done: bool


LiveEvent = Interim | Final | Ended | MarkEvent
ServerMessage = (
    Started | Interim | Final | Resumed | Stopped | Ended | Reconnecting | Notice
    | Lagging | TranscriptionPaused | Problem | JobState | MarkEvent
)  # fmt: skip


def started(recording_id: int) -> Started:
    """Server → client: the recording exists; audio may flow."""
    return {"type": "started", "recording": recording_id}


def interim(text: str, start: float, end: float, channel: int | None = None) -> Interim:
    """Server → client: provisional text that the next interim (or final) of its channel
    replaces."""
    return {
        "type": "interim",
        "text": text,
        "start": round(start, 3),
        "end": round(end, 3),
        "channel": channel,
    }


def final(segment: Segment) -> Final:
    """Server → client: a segment that has been saved."""
    return {
        "type": "final",
        "segment": segment.pk,
        "text": segment.text,
        "start": round(segment.start, 3),
        "end": round(segment.end, 3),
        "speaker": segment.speaker,
        "channel": segment.channel,
    }


def mark(mark: Mark, author: str) -> MarkEvent:
    """Server → viewers: a mark made or changed (`author` as the page names them)."""
    return {
        "type": "mark",
        "mark": mark.pk,
        "kind": mark.kind,
        "kind_label": mark.get_kind_display(),
        "at": round(mark.at, 3),
        "note": mark.note,
        "author": author,
        "done": mark.done_at is not None,
    }


def resumed(recording_id: int, segments: int, audio_seconds: float) -> Resumed:
    """Server → client: the recording goes on; send audio from `audio_seconds` on."""
    return {
        "type": "resumed",
        "recording": recording_id,
        "segments": segments,
        "audio_seconds": round(audio_seconds, 3),
    }


def stopped(recording_id: int, segments: int) -> Stopped:
    """Server → client: everything is saved; the socket closes next."""
    return {"type": "stopped", "recording": recording_id, "segments": segments}


def ended(recording_id: int, status: str) -> Ended:
    """Server → viewers: the live recording is over, with the status it ended in."""
    return {"type": "ended", "recording": recording_id, "status": status}


def paused() -> Notice:
    """Server → client: the pause is taken; the engine has been asked to flush."""
    return {"type": "paused"}


def unpaused() -> Notice:
    """Server → client: audio is expected again."""
    return {"type": "unpaused"}


def revoked() -> Notice:
    """Server → viewers: the owner stopped sharing; the socket closes next."""
    return {"type": "revoked"}


class Unshared(TypedDict):
    """/ws/events/: a recording the page showed is no longer shared with its person."""

    type: Literal["unshared"]
    recording: int


def unshared(recording_id: int) -> Unshared:
    """Server → a page on /ws/events/: it hears no more about this recording."""
    return {"type": "unshared", "recording": recording_id}


def recheck() -> Notice:
    """Server → viewers' sockets (not pages): sharing changed; look again at access."""
    return {"type": "recheck"}


def heard() -> Notice:
    """Server → viewers' sockets (not pages): a live session of the recording heard that
    someone watches and publishes from now on; read the finals saved before that."""
    return {"type": "heard"}


def reconnecting(attempt: int, message: str) -> Reconnecting:
    """Server → client: the engine's stream broke; the server is reconnecting on its own."""
    return {"type": "reconnecting", "attempt": attempt, "message": message}


def reconnected() -> Notice:
    """Server → client: transcription goes on; audio from the break is being transcribed."""
    return {"type": "reconnected"}


def transcription_paused(message: str) -> TranscriptionPaused:
    """Server → client: the engine stays unreachable; audio is still recorded."""
    return {"type": "transcription_paused", "message": message}


def lagging(seconds: float) -> Lagging:
    """Server → client: audio waits this long before the engine hears it; it will catch up."""
    return {
        "type": "lagging",
        "seconds": round(seconds, 1),
        "message": (
            f"Transcription is about {round(seconds)} s behind: this server is busy. Your audio "
            "is kept, and the transcript will catch up."
        ),
    }


def caught_up() -> Notice:
    """Server → client: transcription has caught up with the speaker again."""
    return {"type": "caught_up"}


def warning(code: str, message: str) -> Problem:
    """Server → client: something went wrong that does not end the recording."""
    return {"type": "warning", "code": code, "message": message}


def error(code: str, message: str) -> Problem:
    """Server → client: something went wrong, in words."""
    return {"type": "error", "code": code, "message": message}


def status_event(recording: Recording, progress: int) -> JobState:
    """What a page needs to show a recording's state: status in words, progress, error."""
    event: JobState = {
        "type": "job",
        "recording": recording.pk,
        "status": recording.status,
        "status_label": recording.get_status_display(),
        "progress": progress,
        "error": recording.error,
    }
    if recording.downloading:  # an imported file: fetched first, then transcribed
        event["status_label"] = "Downloading"
        event["downloading"] = True
    if recording.source == Recording.Source.LIVE and recording.audio:
        event["audio_ready"] = True
    return event


def job_event(job: TranscriptionJob) -> JobState:
    """A job's change for the owner's pages, with a refine job's own state under "refine"."""
    event = status_event(job.recording, job.progress)
    if job.kind == TranscriptionJob.Kind.REFINE:
        # A recording keeps its state while it is refined: only the job's state moves.
        event["refine"] = {"status": job.status, "progress": job.progress, "error": job.error}
    return event
