"""Writes for uploads: a file arrives in pieces, is judged by its content, becomes a job.

The browser declares the file (name, size), then sends it in pieces of at most
UPLOAD_CHUNK_BYTES, each at the offset the server has reached. Pieces are written to a
partial file, so no request holds more than one piece. The first piece decides whether
the file is audio or video at all; the last one moves the file into storage under a
generated name and queues its transcription.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path, PurePath
from typing import TYPE_CHECKING, BinaryIO, Protocol

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.template.defaultfilters import filesizeformat
from django.utils import timezone

from transcripts import media, services
from transcripts.engines import get_file_engine
from transcripts.engines.base import EngineError
from transcripts.errors import ApplicationError
from transcripts.jobs.services import job_create
from transcripts.library import destination_for
from transcripts.models import MAX_FILENAME_CHARS, MAX_TITLE_CHARS, PendingUpload, Recording
from transcripts.storage import delete_stored, store_file
from transcripts.text import clean_field, clean_filename

if TYPE_CHECKING:
    from django.contrib.auth.models import User

COPY_BLOCK_BYTES = 1024 * 1024


class Readable(Protocol):
    """A piece's body as it arrives: a request, or any binary file."""

    def read(self, size: int | None = ..., /) -> bytes: ...


class OffsetMismatch(ApplicationError):
    """A piece arrived for the wrong offset; `received` says where to continue."""

    def __init__(self, received: int) -> None:
        super().__init__(f"The server has {received} bytes of this file; continue from there.")
        self.received = received


def upload_begin(
    *,
    owner: User,
    filename: str,
    size: int,
    title: str,
    language: str,
    diarize: bool,
    team_id: int | None = None,
) -> PendingUpload:
    """Announce a file; refuses empty and oversized ones before a byte is sent.

    `team_id`: the team whose library it goes to (None: only the owner's); checked now.
    """
    name = clean_filename(filename, limit=MAX_FILENAME_CHARS)
    if size <= 0:
        raise ValidationError(f"“{name}” is empty.")
    if size > settings.UPLOAD_MAX_BYTES:
        raise ValidationError(
            f"“{name}” is {filesizeformat(size)}; "
            f"the largest file Parley accepts is {filesizeformat(settings.UPLOAD_MAX_BYTES)}."
        )
    engine = get_file_engine()  # no engine configured: say so now, not after the upload
    try:
        engine.check_language(language)
    except EngineError as exc:
        raise ValidationError(exc.message) from exc
    return PendingUpload.objects.create(
        owner=owner,
        original_filename=name,
        size=size,
        title=clean_field(title, limit=MAX_TITLE_CHARS, what="A title"),
        language=language,
        diarize=diarize,
        team=destination_for(user=owner, team_id=team_id).team,
    )


def partial_path(upload: PendingUpload) -> Path:
    """Where the pieces of an upload are assembled."""
    return Path(settings.UPLOAD_TEMP_DIR) / f"{upload.token}.part"


def upload_append(
    *, upload: PendingUpload, offset: int, stream: Readable, length: int
) -> PendingUpload:
    """Write one piece at `offset`; the first piece must show the file is audio or video."""
    if offset != upload.received:
        raise OffsetMismatch(upload.received)
    if not 0 < length <= settings.UPLOAD_CHUNK_BYTES or offset + length > upload.size:
        raise ValidationError("That piece of the file has the wrong size.")
    path = partial_path(upload)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("r+b" if offset else "wb") as out:
        out.seek(offset)
        out.truncate()  # a piece cut short by a dropped request is written again whole
        written = _copy(stream, out, length)
    if written != length:
        raise ValidationError("That piece of the file arrived incomplete; send it again.")
    if offset == 0:
        _check_content(upload, path)
    moved = PendingUpload.objects.filter(pk=upload.pk, received=offset).update(
        received=offset + written, updated_at=timezone.now()
    )
    if not moved:  # another request wrote this piece first
        upload.refresh_from_db(fields=["received"])
        raise OffsetMismatch(upload.received)
    upload.received = offset + written
    return upload


def _copy(stream: Readable, out: BinaryIO, length: int) -> int:
    written = 0
    while written < length:
        block = stream.read(min(COPY_BLOCK_BYTES, length - written))
        if not block:
            break
        out.write(block)
        written += len(block)
    return written


def _check_content(upload: PendingUpload, path: Path) -> None:
    with path.open("rb") as partial:
        head = partial.read(media.SNIFF_BYTES)
    found = media.sniff(head)
    if found is None:
        upload_discard(upload)
        reason = "it looks like text" if media.looks_like_text(head) else "unknown content"
        raise ValidationError(
            f"“{upload.original_filename}” is not an audio or video file ({reason}). "
            f"Parley reads {media.ACCEPTED_DESCRIPTION}."
        )
    upload.media_format = found.name
    PendingUpload.objects.filter(pk=upload.pk).update(media_format=found.name)


def upload_finish(*, upload: PendingUpload) -> Recording:
    """Move the complete file into storage, then record it and queue its transcription.

    The move happens outside the transaction: across disks it is a copy, and SQLite's
    write lock must not wait on it.
    """
    if upload.received != upload.size:
        raise ApplicationError("The file has not fully arrived yet.")
    media_format = media.FORMATS_BY_NAME[upload.media_format]
    stored = store_file(partial_path(upload), media_format.extension)
    try:
        return _recording_for(upload, stored)
    except Exception:
        delete_stored(stored)
        raise


@transaction.atomic
def _recording_for(upload: PendingUpload, stored: str) -> Recording:
    engine = get_file_engine()
    try:  # checked again: the owner may have left the team while the file arrived
        destination = destination_for(user=upload.owner, team_id=upload.team_id)
    except ValidationError:
        destination = destination_for(user=upload.owner, team_id=None)
    recording = services.recording_create_upload(
        owner_id=upload.owner_id,
        title=upload.title or PurePath(upload.original_filename).stem[:MAX_TITLE_CHARS] or "Upload",
        language=upload.language,
        engine=engine.name,
        model=engine.model,
        options={"diarize": upload.diarize},
        audio=stored,
        original_filename=upload.original_filename,
        file_size=upload.size,
        media_format=upload.media_format,
        destination=destination,
    )
    upload.delete()
    job_create(recording=recording)
    return recording


def upload_discard(upload: PendingUpload) -> None:
    """Forget an upload that will not be finished, and its pieces."""
    partial_path(upload).unlink(missing_ok=True)
    upload.delete()


def uploads_discard_abandoned() -> int:
    """Discard uploads nobody has added to for UPLOAD_ABANDON_SECONDS; returns how many."""
    cutoff = timezone.now() - timedelta(seconds=settings.UPLOAD_ABANDON_SECONDS)
    abandoned = list(PendingUpload.objects.filter(updated_at__lt=cutoff))
    for upload in abandoned:
        upload_discard(upload)
    return len(abandoned)
