"""Writes for a file imported from a link: checked now, fetched and transcribed by the worker.

The link is checked by the SSRF guard (transcripts/outbound.py) before anything is created,
so a refused one leaves nothing behind. The recording is an upload's in every respect —
library, glossary, retry — whose file the worker downloads first (jobs/download.py); with
URL_IMPORT_VIA_DEEPGRAM and the Deepgram engine, Deepgram fetches the link itself and
Parley keeps no audio (the recording's options say `fetched_by`).
"""

from __future__ import annotations

from pathlib import PurePosixPath
from typing import TYPE_CHECKING
from urllib.parse import unquote, urlsplit

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction

from transcripts import engines, outbound, services
from transcripts.engines import get_file_engine
from transcripts.engines.base import EngineError
from transcripts.jobs.services import job_create
from transcripts.library import destination_for
from transcripts.models import MAX_FILENAME_CHARS, MAX_TITLE_CHARS, MAX_URL_CHARS, Recording
from transcripts.text import clean_field, clean_filename

if TYPE_CHECKING:
    from django.contrib.auth.models import User


def url_import_start(
    *,
    owner: User,
    url: str,
    title: str = "",
    language: str | None = None,
    diarize: bool = False,
    team_id: int | None = None,
) -> Recording:
    """Queue the file at `url` for download and transcription, as an upload of `owner`'s.

    Raises ValidationError (words for the user) for a link the guard refuses, a bad title,
    a language the engine cannot do or a team the owner is not in; EngineUnavailable when
    no engine is configured. Nothing is created when it raises.
    """
    link = checked_url(url)
    engine = get_file_engine()
    language = language or settings.DEFAULT_LANGUAGE
    try:
        engine.check_language(language)
    except EngineError as exc:
        raise ValidationError(exc.message) from exc
    title = clean_field(title, limit=MAX_TITLE_CHARS, what="A title")
    options: dict[str, object] = {"diarize": diarize}
    if links_fetched_by_deepgram():
        options["fetched_by"] = "deepgram"
    filename = filename_of(link)
    with transaction.atomic():
        recording = services.recording_create_upload(
            owner_id=owner.pk,
            title=title or (PurePosixPath(filename).stem or filename)[:MAX_TITLE_CHARS],
            language=language,
            engine=engine.name,
            model=engine.model,
            options=options,
            source_url=link,
            original_filename=filename,
            destination=destination_for(user=owner, team_id=team_id),
        )
        job_create(recording=recording)
    return recording


def links_fetched_by_deepgram() -> bool:
    """Whether Deepgram fetches a link itself (URL_IMPORT_VIA_DEEPGRAM with its engine)."""
    return (
        settings.URL_IMPORT_VIA_DEEPGRAM
        and engines.live_engine_configured()
        and engines.engine_name() == "deepgram"
    )


def checked_url(url: str) -> str:
    """The link, trimmed, if Parley may fetch it; ValidationError with the guard's words."""
    link = url.strip()
    if not link:
        raise ValidationError("Give the link of an audio or video file.")
    if len(link) > MAX_URL_CHARS:
        raise ValidationError(f"A link has at most {MAX_URL_CHARS:,} characters.")
    try:
        outbound.check_url(link)
    except outbound.OutboundRefused as exc:
        raise ValidationError(f"Parley will not fetch that link: {exc}") from exc
    return link


def filename_of(url: str) -> str:
    """What to call the file from `url`: the last part of its path, else its host."""
    parts = urlsplit(url)
    last = unquote(parts.path.rstrip("/").rsplit("/", 1)[-1])
    return clean_filename(last or parts.hostname or "link", limit=MAX_FILENAME_CHARS)
