"""Reads of recordings and segments; who may read which is decided in access.py.

Selectors import only models and other selectors; what a page or socket makes of what
they read (events, messages) is built at the edge.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import TYPE_CHECKING

from django.db.models import Count, IntegerField, OuterRef, Prefetch, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce
from django.http import Http404
from django.utils import timezone

from transcripts.access import recordings_visible
from transcripts.models import (
    LOCKED_MESSAGE,
    Mark,
    PendingUpload,
    Recording,
    RecordingShare,
    RecordingTag,
    Segment,
    TranscriptionJob,
)
from transcripts.segments import is_two_channel

# A watch link's token: 32 random bytes, URL-safe base64 (sharing/services.py).
SHARE_TOKEN = re.compile(r"[A-Za-z0-9_-]{43}")

if TYPE_CHECKING:
    from accounts.auth import Visitor


def recording_get_shared(*, token: str) -> Recording:
    """The recording shared by this watch link, with its owner; 404 once it is not shared."""
    if not SHARE_TOKEN.fullmatch(token):  # only what share_start makes reaches the database
        raise Http404("No such shared recording.")
    try:
        return Recording.objects.select_related("owner").get(share_token=token)
    except Recording.DoesNotExist:
        raise Http404("No such shared recording.") from None


def recording_shared_or_none(*, token: str) -> Recording | None:
    """The recording this watch link shares, if it still does."""
    try:
        return recording_get_shared(token=token)
    except Http404:
        return None


def upload_get_for_user(*, user: Visitor, token: str) -> PendingUpload:
    """The user's upload in progress with this token, or 404 (missing and foreign alike)."""
    try:
        return PendingUpload.objects.get(token=token, owner_id=user.pk)
    except PendingUpload.DoesNotExist:
        raise Http404("No such upload.") from None


def _latest_job_progress() -> Subquery:
    latest = TranscriptionJob.objects.filter(recording=OuterRef("pk")).order_by("-created_at")
    return Subquery(latest.values("progress")[:1])


def open_actions_count() -> Coalesce:
    """An annotation: the recording's action items not yet done.

    A subquery, not a Count over a join: joined with the segments it would multiply both.
    """
    open_actions = (
        Mark.objects.filter(recording=OuterRef("pk"), kind=Mark.Kind.ACTION, done_at__isnull=True)
        .order_by()
        .values("recording")
        .annotate(number=Count("pk"))
        .values("number")
    )
    return Coalesce(Subquery(open_actions, output_field=IntegerField()), Value(0))


@dataclass(frozen=True, slots=True)
class HistoryFilters:
    """Which of the recordings a user may see the history lists, and in what order."""

    title: str = ""
    scope: str = "all"  # all, mine, shared (with me, directly or through a team), team
    team_id: int | None = None
    owner: str = ""  # a user name
    tag: str = ""
    date_from: date | None = None
    date_to: date | None = None
    source: str = ""
    sort: str = "date"  # date (newest first) or title


def recording_list_for_user(
    *, user: Visitor, filters: HistoryFilters | None = None
) -> QuerySet[Recording]:
    """The recordings the user may see, filtered and ordered, with owner, team, tags,
    segment counts, open action items and job progress: a page of them costs the same few
    queries."""
    filters = filters or HistoryFilters()
    recordings = _in_scope(recordings_visible(user=user), user, filters)
    if filters.title:
        recordings = recordings.filter(title__icontains=filters.title)
    if filters.owner:
        recordings = recordings.filter(owner__username__iexact=filters.owner)
    if filters.tag:
        recordings = recordings.filter(tags__name=filters.tag.lower())
    if filters.source:
        recordings = recordings.filter(source=filters.source)
    recordings = _in_dates(recordings, filters)
    order = ("title", "-started_at", "-pk") if filters.sort == "title" else ("-started_at", "-pk")
    return (
        recordings.select_related("owner", "team", "reviewer")
        .prefetch_related(Prefetch("tags", RecordingTag.objects.order_by("name")))
        .annotate(
            segment_count=Count("segments"),
            progress=_latest_job_progress(),
            open_actions=open_actions_count(),
        )
        .order_by(*order)
    )


def _in_scope(
    recordings: QuerySet[Recording], user: Visitor, filters: HistoryFilters
) -> QuerySet[Recording]:
    if filters.scope == "mine":
        return recordings.filter(owner_id=user.pk)
    if filters.scope == "shared":
        return recordings.exclude(owner_id=user.pk)
    if filters.scope == "team" and filters.team_id is not None:
        shared = RecordingShare.objects.filter(team_id=filters.team_id).values("recording_id")
        return recordings.filter(pk__in=shared)
    return recordings


def _in_dates(recordings: QuerySet[Recording], filters: HistoryFilters) -> QuerySet[Recording]:
    """Local-day bounds, as on the search page."""
    zone = timezone.get_current_timezone()
    if filters.date_from:
        recordings = recordings.filter(
            started_at__gte=datetime.combine(filters.date_from, time(), zone)
        )
    if filters.date_to:
        next_day = filters.date_to + timedelta(days=1)
        recordings = recordings.filter(started_at__lt=datetime.combine(next_day, time(), zone))
    return recordings


def tags_suggested(*, user: Visitor, limit: int = 200) -> list[str]:
    """Tags on recordings the user may see (their own and their teams'), for autocomplete."""
    visible = recordings_visible(user=user).values("pk")
    names = RecordingTag.objects.filter(recording__in=visible).values_list("name", flat=True)
    return list(names.distinct().order_by("name")[:limit])


def recording_shares(*, recording: Recording) -> list[RecordingShare]:
    """Whom the recording is shared with, people then teams."""
    shares = RecordingShare.objects.filter(recording=recording).select_related("user", "team")
    return sorted(shares, key=lambda share: (share.user_id is None, share.pk))


def recordings_with_latest_job(
    *, user: Visitor, recording_ids: list[int]
) -> list[tuple[Recording, TranscriptionJob | None]]:
    """Those of the given recordings the user may see, each with its latest job (two queries)."""
    latest_job = Prefetch(
        "jobs", TranscriptionJob.objects.order_by("-created_at")[:1], to_attr="latest_jobs"
    )
    recordings = recordings_visible(user=user).filter(pk__in=recording_ids)
    return [
        (recording, next(iter(recording.latest_jobs), None))
        for recording in recordings.prefetch_related(latest_job)
    ]


def shared_recording_ids(*, user: Visitor, recording_ids: list[int]) -> list[int]:
    """Those of the given recordings the user may see and does not own (one query)."""
    shared = recordings_visible(user=user).filter(pk__in=recording_ids).exclude(owner_id=user.pk)
    return list(shared.values_list("pk", flat=True))


def latest_job(*, recording: Recording) -> TranscriptionJob | None:
    """The recording's most recent transcription job, if it has had one."""
    return recording.jobs.order_by("-created_at").first()


@dataclass(frozen=True, slots=True)
class RefineState:
    """What a transcript page says about refining its live recording."""

    job: TranscriptionJob | None  # the latest refine job
    refined: bool  # a refined transcript has replaced the live draft
    offer: bool  # offer to transcribe it again from the stored audio


def recording_refine_state(
    *, recording: Recording, latest_job: TranscriptionJob | None
) -> RefineState:
    """What to say about refining, given the recording's latest job.

    Only live recordings are refined and they have no other jobs, so a refine job is the
    latest job; the history is read only when that job did not succeed.
    """
    job = latest_job if latest_job and latest_job.kind == TranscriptionJob.Kind.REFINE else None
    refined = job is not None and (
        job.status == TranscriptionJob.Status.SUCCEEDED
        or recording.jobs.filter(kind=job.kind, status=TranscriptionJob.Status.SUCCEEDED).exists()
    )
    busy = job is not None and job.status in TranscriptionJob.ACTIVE_STATUSES
    unfinished = recording.status in (Recording.Status.INTERRUPTED, Recording.Status.FAILED)
    gave_up = job is not None and job.status in (job.Status.FAILED, job.Status.CANCELLED)
    refusal = refine_refusal(recording=recording, busy=busy)
    return RefineState(job=job, refined=refined, offer=(unfinished or gave_up) and not refusal)


def refine_refusal(*, recording: Recording, busy: bool) -> str:
    """Why the recording cannot be transcribed again from its audio now; empty if it can.

    `busy`: a job of the recording's is queued or running.
    """
    if recording.source != Recording.Source.LIVE or not recording.audio:
        return "Only a live recording whose audio was kept can be transcribed from it again."
    if recording.status == Recording.Status.LIVE:
        return "This recording is still in progress."
    if recording.locked:  # transcribing again would replace the approved text
        return LOCKED_MESSAGE
    if busy:
        return "This recording is already being transcribed."
    return ""


def segment_list(*, recording: Recording) -> QuerySet[Segment]:
    """A recording's segments in order: by time in a two-channel recording, whose channels'
    finals are saved as each is ready (one may lag the other), else as saved."""
    segments = Segment.objects.filter(recording=recording)
    if is_two_channel(recording):
        return segments.order_by("start", "index")
    return segments.order_by("index")
