"""Writing review comments: a thread on a passage, replies, resolving and reopening."""

from __future__ import annotations

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from review.comments.selectors import may_discuss
from review.models import MAX_COMMENT_CHARS, MAX_QUOTE_CHARS, ReviewComment
from transcripts.errors import ApplicationError
from transcripts.models import Recording
from transcripts.text import clean_field, clean_paragraphs


def _ensure_discusses(recording: Recording, by: User) -> None:
    if not may_discuss(user=by, recording=recording):
        raise ApplicationError("Only its owner, editors and reviewers can comment on this.")


def _passage(recording: Recording, segment_index: int | None, quote: str) -> tuple[int | None, str]:
    """The passage commented on, checked: a segment of this recording and a short quote."""
    quote = clean_field(quote, limit=MAX_QUOTE_CHARS, what="A quote")
    if segment_index is None:
        return None, quote
    if not recording.segments.filter(index=segment_index).exists():
        raise ValidationError("This recording has no such passage.")
    return segment_index, quote


@transaction.atomic
def comment_add(
    *,
    recording: Recording,
    by: User,
    text: str,
    segment_index: int | None = None,
    quote: str = "",
    parent: ReviewComment | None = None,
) -> ReviewComment:
    """Start a thread on a passage (or the whole transcript), or reply to one.

    A reply joins its thread's first comment and reopens the thread if it was resolved.
    """
    _ensure_discusses(recording, by)
    text = clean_paragraphs(text, limit=MAX_COMMENT_CHARS, what="A comment")
    if not text:
        raise ValidationError("Write a comment first.")
    if parent is not None:
        if parent.recording_id != recording.pk:
            raise ValidationError("That thread is on another recording.")
        root = parent.parent or parent
        if root.resolved_at is not None:
            _set_resolved(root, None)
        return ReviewComment.objects.create(
            recording=recording, author=by, parent=root, text=text,
            segment_index=root.segment_index, quote=root.quote,
        )  # fmt: skip
    segment_index, quote = _passage(recording, segment_index, quote)
    return ReviewComment.objects.create(
        recording=recording, author=by, text=text, segment_index=segment_index, quote=quote
    )


def _set_resolved(thread: ReviewComment, by: User | None) -> None:
    thread.resolved_at = timezone.now() if by is not None else None
    thread.resolved_by = by
    thread.save(update_fields=["resolved_at", "resolved_by"])


def _thread(comment: ReviewComment, by: User) -> ReviewComment:
    _ensure_discusses(comment.recording, by)
    return comment.parent or comment


@transaction.atomic
def thread_resolve(*, comment: ReviewComment, by: User) -> ReviewComment:
    """Mark the comment's thread resolved; it stays readable and can be reopened."""
    thread = _thread(comment, by)
    if thread.resolved_at is not None:
        raise ApplicationError("This thread is already resolved.")
    _set_resolved(thread, by)
    return thread


@transaction.atomic
def thread_reopen(*, comment: ReviewComment, by: User) -> ReviewComment:
    """Open a resolved thread again."""
    thread = _thread(comment, by)
    if thread.resolved_at is None:
        raise ApplicationError("This thread is open.")
    _set_resolved(thread, None)
    return thread
