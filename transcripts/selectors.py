"""Reads of recordings and segments. The only way to fetch a user's recording."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db.models import Count, OuterRef, QuerySet, Subquery
from django.http import Http404

from transcripts import realtime
from transcripts.models import Recording, Segment, TranscriptionJob
from transcripts.search import SearchFilters, SearchQuery

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser, AnonymousUser


def recording_get_for_user(
    *, user: AbstractBaseUser | AnonymousUser, recording_id: int, staff_may_read: bool = False
) -> Recording:
    """The access gate: the user's own recording, or 404 (missing and foreign alike).

    With `staff_may_read`, staff may read anyone's (the admin's review of audio).
    """
    recordings = Recording.objects.all()
    if not (staff_may_read and user.is_staff):
        recordings = recordings.filter(owner_id=user.pk)
    try:
        return recordings.get(pk=recording_id)
    except Recording.DoesNotExist:
        raise Http404("No such recording.") from None


def _latest_job_progress() -> Subquery:
    latest = TranscriptionJob.objects.filter(recording=OuterRef("pk")).order_by("-created_at")
    return Subquery(latest.values("progress")[:1])


def recording_list_for_user(*, user: AbstractBaseUser, title: str = "") -> QuerySet[Recording]:
    """The user's recordings, newest first, with segment counts and job progress."""
    recordings = Recording.objects.filter(owner_id=user.pk)
    if title:
        recordings = recordings.filter(title__icontains=title)
    return recordings.annotate(
        segment_count=Count("segments"), progress=_latest_job_progress()
    ).order_by("-started_at", "-pk")


def recording_states_for_user(
    *, user: AbstractBaseUser, recording_ids: list[int]
) -> list[dict[str, object]]:
    """The current state of those of the given recordings the user owns."""
    recordings = Recording.objects.filter(owner_id=user.pk, pk__in=recording_ids).annotate(
        progress=_latest_job_progress()
    )
    return [realtime.status_event(r, r.progress or 0) for r in recordings]  # type: ignore[attr-defined]


def latest_job(*, recording: Recording) -> TranscriptionJob | None:
    """The recording's most recent transcription job, if it has had one."""
    return recording.jobs.order_by("-created_at").first()


def segment_list(*, recording: Recording) -> QuerySet[Segment]:
    """A recording's segments in order."""
    return Segment.objects.filter(recording=recording).order_by("index")


def recordings_titled(
    *, user: AbstractBaseUser, query: SearchQuery, filters: SearchFilters, limit: int = 10
) -> list[Recording]:
    """The user's recordings whose title has every word and phrase, newest first."""
    recordings = Recording.objects.filter(owner_id=user.pk)
    for words in [(word,) for word in query.words] + list(query.phrases):
        recordings = recordings.filter(title__icontains=" ".join(words))
    for words in query.excluded:
        recordings = recordings.exclude(title__icontains=" ".join(words))
    if filters.source:
        recordings = recordings.filter(source=filters.source)
    return list(recordings.order_by("-started_at")[:limit])
