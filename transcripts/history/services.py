"""Putting a segment back as it was in an earlier version."""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.formats import date_format

from audit.models import AuditEntry
from audit.services import audit_record
from transcripts.history.record import history_baseline, version_write
from transcripts.history.selectors import segment_in_version
from transcripts.models import Recording, Segment
from transcripts.versions import Change

if TYPE_CHECKING:
    from accounts.auth import Visitor

NOT_IN_VERSION = "That version has no segment at this place."
GONE = "This segment is no longer in the transcript, so it cannot be restored."
UNCHANGED = "This segment already reads as it did in that version."
RESTORED_FIELDS = ("text", "speaker", "start", "end", "words", "edited")


@transaction.atomic
def segment_restore(
    *,
    recording: Recording,
    index: int,
    version: uuid.UUID,
    by: Visitor | None,
    ip: str | None = None,
) -> Segment:
    """Put the segment at `index` back as it was in `version`: its text, speaker, timing and
    words. Itself a version ("restored"), and an entry in the audit log."""
    recording.ensure_unlocked()
    target = segment_in_version(recording=recording, index=index, version=version)
    if target is None:
        raise ValidationError(NOT_IN_VERSION)
    history_baseline(recording=recording)
    segment = Segment.objects.select_for_update().filter(recording=recording, index=index).first()
    if segment is None:
        raise ValidationError(GONE)
    if all(getattr(segment, name) == getattr(target, name) for name in RESTORED_FIELDS):
        raise ValidationError(UNCHANGED)
    if target.edited and not segment.edited:
        segment.original_text = segment.text  # what the engine heard, as an edit keeps it
    for name in RESTORED_FIELDS:
        setattr(segment, name, getattr(target, name))
    segment.save(update_fields=[*RESTORED_FIELDS, "original_text"])
    version_write(change=Change.RESTORED, by=by, changed=[segment])
    when = date_format(timezone.localtime(target.history_date), "j M Y, H:i")
    detail = f"Segment {index + 1} restored to the version of {when} ({version})."
    audit_record(
        action=AuditEntry.Action.RESTORED, actor=by, recording=recording, ip=ip, detail=detail
    )
    return segment
