"""Deepgram callbacks: which files are sent with one, their credentials, checking a delivery.

A long file sent to Deepgram with `callback=` is answered at once with a request id; Deepgram
posts the transcript to `PUBLIC_URL/hooks/deepgram/<job>/` when it is done. Each attempt gets
its own random Basic Auth password (in the callback URL, which Deepgram sends back as an
`Authorization: Basic` header) and its own secret (sent as `extra=callback_secret:<secret>`,
returned in the body's `metadata.extra`). Only their SHA-256 digests are stored.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import math
import secrets
import urllib.parse
from dataclasses import dataclass
from enum import StrEnum

from django.conf import settings
from django.urls import reverse

from transcripts.engines import engine_name
from transcripts.engines.base import Callback, FileTranscript
from transcripts.models import Recording

CALLBACK_USER = "deepgram"
# A file whose length is not known yet is taken to be 128 kbit/s: a typical MP3 or AAC file
# is estimated right, higher-rate audio (WAV) longer than it is, so it leans towards callbacks.
ESTIMATED_BYTES_PER_SECOND = 16_000
# A callback body is the whole transcript with every word's timing (about 3 MB an hour).
MAX_CALLBACK_BYTES = 64 * 1024 * 1024
MAX_REQUEST_ID_CHARS = 100
MAX_SPEAKER = 32767  # Segment.speaker is a small integer


class CallbackOutcome(StrEnum):
    """What became of one delivery to the hook."""

    SAVED = "saved"
    DUPLICATE = "duplicate"
    UNKNOWN_JOB = "unknown_job"
    BAD_CREDENTIALS = "bad_credentials"
    BAD_SECRET = "bad_secret"
    BAD_BODY = "bad_body"
    NOT_WAITING = "not_waiting"


@dataclass(frozen=True, slots=True)
class CallbackKeys:
    """A new attempt's callback for the engine, and the digests the job keeps."""

    callback: Callback
    auth_digest: str
    secret_digest: str


def seconds_estimate(recording: Recording) -> float:
    """How long the recording's audio is: known once measured, else estimated from its size."""
    if recording.duration > 0:
        return recording.duration
    return (recording.file_size or 0) / ESTIMATED_BYTES_PER_SECOND


def callback_wanted(recording: Recording) -> bool:
    """Whether the file goes to Deepgram with a callback rather than waiting for the answer."""
    return (
        bool(settings.PUBLIC_URL)
        and engine_name() == "deepgram"
        and seconds_estimate(recording) >= settings.DEEPGRAM_CALLBACK_MIN_SECONDS
    )


def digest(value: str) -> str:
    """SHA-256 of a random single-use secret (no salt needed: each has 192 random bits)."""
    return hashlib.sha256(value.encode()).hexdigest()


def keys_new(job_id: int) -> CallbackKeys:
    """Fresh random credentials and secret for one attempt, and the callback URL carrying them."""
    password = secrets.token_urlsafe(24)
    secret = secrets.token_urlsafe(24)
    public = urllib.parse.urlsplit(settings.PUBLIC_URL)
    netloc = f"{CALLBACK_USER}:{password}@{public.netloc}"
    path = public.path.rstrip("/") + reverse("transcripts:deepgram_hook", args=[job_id])
    url = urllib.parse.urlunsplit((public.scheme, netloc, path, "", ""))
    return CallbackKeys(
        callback=Callback(url=url, secret=secret),
        auth_digest=digest(f"{CALLBACK_USER}:{password}"),
        secret_digest=digest(secret),
    )


def auth_matches(header: str, auth_digest: str) -> bool:
    """Whether an `Authorization: Basic` header carries the credentials with this digest."""
    scheme, _, encoded = header.partition(" ")
    if scheme.lower() != "basic" or not auth_digest:
        return False
    try:
        credentials = base64.b64decode(encoded.strip(), validate=True).decode()
    except (binascii.Error, UnicodeDecodeError):
        return False
    return hmac.compare_digest(digest(credentials), auth_digest)


def secret_matches(secret: str | None, secret_digest: str) -> bool:
    """Whether the secret a delivery carries is the one with this digest."""
    if not secret or not secret_digest:
        return False
    return hmac.compare_digest(digest(secret), secret_digest)


def plausible(transcript: FileTranscript) -> bool:
    """Whether a transcript fits what Parley stores (ids, speakers and times in range)."""
    if not transcript.request_id or len(transcript.request_id) > MAX_REQUEST_ID_CHARS:
        return False
    numbers = [transcript.duration]
    for segment in transcript.segments:
        if segment.speaker is not None and not 0 <= segment.speaker <= MAX_SPEAKER:
            return False
        numbers += [segment.start, segment.end]
        numbers += [value for word in segment.words for value in (word.start, word.end)]
    return all(math.isfinite(value) for value in numbers)


def timeout_message() -> str:
    """Why a job that waited too long for its callback failed, in words."""
    seconds = settings.DEEPGRAM_CALLBACK_TIMEOUT_SECONDS
    span = f"{seconds / 60:g} minutes" if seconds >= 60 else f"{seconds:g} seconds"
    return (
        f"Deepgram did not send the transcript back within {span}. "
        "Transcribing it again sends the file once more."
    )


WAITING_NOTE = "Deepgram has the whole file and is transcribing it; the transcript follows."
