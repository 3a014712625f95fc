"""Writes to single words of a segment: a reviewer or editor accepts a word the engine
was unsure of, so it is no longer flagged or counted."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.core.exceptions import ValidationError
from django.db import transaction

from audit.models import AuditEntry
from audit.services import audit_record
from transcripts.models import Recording, Segment

if TYPE_CHECKING:
    from django.contrib.auth.models import User


@transaction.atomic
def segment_word_accept(*, recording: Recording, index: int, word: int, by: User) -> Segment:
    """Mark word `word` (from 0) of segment `index` as right; Segment.DoesNotExist if none."""
    recording.ensure_unlocked()
    segment = Segment.objects.select_for_update().get(recording=recording, index=index)
    words = list(segment.words or [])
    if not 0 <= word < len(words):
        raise ValidationError("This passage has no such word.")
    if not words[word].get("accepted"):
        words[word] = {**words[word], "accepted": True}
        segment.words = words
        segment.save(update_fields=["words"])
        audit_record(
            action=AuditEntry.Action.EDITED, actor=by, recording=recording,
            detail=f"accepted “{words[word].get('word', '')}” at passage {index + 1}",
        )  # fmt: skip
    return segment
