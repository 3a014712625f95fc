"""When a recording's audio and transcript expire, and which recordings' have, at a given time.

A recording's time counts from when it ended (`ended_at`, else `started_at`). Its team's rule
applies, else the site's (teams/retention.py). The expired querysets are one SQL condition
with a term per distinct period teams use, so a sweep reads only what has expired.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from django.conf import settings
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.db.models.functions import Coalesce
from django.http import Http404
from django.utils import timezone

from teams.models import Membership, Team
from teams.retention import MAX_RETENTION_DAYS, Rule, audio_rule, effective_days, transcript_rule
from transcripts.access import Access, recording_for
from transcripts.models import Recording, TranscriptionJob

if TYPE_CHECKING:
    from accounts.auth import Visitor

# Nothing of a recording is deleted while it is being recorded or transcribed, or reviewed.
BUSY_STATUSES = (Recording.Status.LIVE, Recording.Status.QUEUED, Recording.Status.TRANSCRIBING)
REVIEW_STATES = (Recording.Review.SUBMITTED, Recording.Review.IN_REVIEW)


@dataclass(frozen=True, slots=True)
class RetentionPolicy:
    """What retention will do to one recording: its rules and the dates they give."""

    audio: Rule
    transcript: Rule
    audio_expires_at: datetime | None  # None: kept forever, or no audio to delete
    transcript_expires_at: datetime | None  # None: kept forever


@dataclass(frozen=True, slots=True)
class RetentionFacts:
    """What the transcript page says about retention, and whether the viewer may hold it."""

    policy: RetentionPolicy
    audio_deleted_at: datetime | None
    held: bool
    in_review: bool
    may_hold: bool
    now: datetime

    @property
    def audio_due(self) -> bool:
        """The audio's time is up; the next daily sweep deletes it."""
        expires = self.policy.audio_expires_at
        return expires is not None and expires <= self.now

    @property
    def transcript_due(self) -> bool:
        """The recording's time is up; the next daily sweep deletes it."""
        expires = self.policy.transcript_expires_at
        return expires is not None and expires <= self.now


def retention_start(recording: Recording) -> datetime:
    """When a recording's retention starts counting: when it ended, else when it started."""
    return recording.ended_at or recording.started_at


def retention_policy(*, recording: Recording) -> RetentionPolicy:
    """When this recording's audio and transcript expire under its team's rule or the site's."""
    team = recording.team
    audio, transcript = audio_rule(team), transcript_rule(team)
    start = retention_start(recording)
    has_audio = bool(recording.audio) and recording.audio_deleted_at is None
    return RetentionPolicy(
        audio=audio,
        transcript=transcript,
        audio_expires_at=start + timedelta(days=audio.days) if audio.days and has_audio else None,
        transcript_expires_at=start + timedelta(days=transcript.days) if transcript.days else None,
    )


def may_hold(*, user: Visitor, recording: Recording) -> bool:
    """Staff and the admins of the recording's team set and lift its legal hold."""
    if user.pk is None:
        return False
    if user.is_staff:
        return True
    return (
        recording.team_id is not None
        and Membership.objects.filter(
            team_id=recording.team_id, user_id=user.pk, role=Membership.Role.ADMIN
        ).exists()
    )


def retention_facts(*, recording: Recording, user: Visitor) -> RetentionFacts:
    """Everything the transcript page says about this recording's retention and hold."""
    return RetentionFacts(
        policy=retention_policy(recording=recording),
        audio_deleted_at=recording.audio_deleted_at,
        held=recording.legal_hold,
        in_review=recording.review_state in REVIEW_STATES,
        may_hold=may_hold(user=user, recording=recording),
        now=timezone.now(),
    )


def recording_for_hold(*, user: Visitor, recording_id: int) -> Recording:
    """The recording if `user` may set or lift its legal hold, else 404 like a missing one."""
    recording = recording_for(
        user=user, recording_id=recording_id, need=Access.VIEW, staff_reads=True
    )
    if not may_hold(user=user, recording=recording):
        raise Http404("No such recording.")
    return recording


def deletable() -> QuerySet[Recording]:
    """Recordings retention may touch: not held, not in review, not busy, no job under way."""
    active_job = TranscriptionJob.objects.filter(
        recording=OuterRef("pk"), status__in=TranscriptionJob.ACTIVE_STATUSES
    )
    return (
        Recording.objects.filter(legal_hold=False)
        .exclude(review_state__in=REVIEW_STATES)
        .exclude(status__in=BUSY_STATUSES)
        .exclude(Exists(active_job))
    )


def _expired(field: str, site_days: int | None, now: datetime) -> QuerySet[Recording]:
    """Deletable recordings older than their team's `field` (or the site's `site_days`)."""
    own = f"team__{field}"
    condition = Q()
    if site_days:
        follows_site = Q(team__isnull=True) | Q(**{f"{own}__isnull": True})
        condition |= follows_site & Q(retention_start__lte=now - timedelta(days=site_days))
    periods = Team.objects.filter(**{f"{field}__gt": 0}).order_by().values_list(field, flat=True)
    for days in periods.distinct():
        kept = effective_days(days, None) or MAX_RETENTION_DAYS  # bounded, as pages show it
        condition |= Q(**{own: days}, retention_start__lte=now - timedelta(days=kept))
    if not condition:
        return Recording.objects.none()
    return (
        deletable()
        .annotate(retention_start=Coalesce("ended_at", "started_at"))
        .filter(condition)
        .order_by("pk")
    )


def expired_audio(*, now: datetime) -> QuerySet[Recording]:
    """Recordings whose stored audio retention deletes at `now`."""
    expired = _expired("audio_retention_days", settings.RETENTION_AUDIO_DAYS, now)
    return expired.exclude(audio="").filter(audio_deleted_at__isnull=True)


def expired_transcripts(*, now: datetime) -> QuerySet[Recording]:
    """Recordings that retention deletes whole, with their transcript, at `now`."""
    return _expired("transcript_retention_days", settings.RETENTION_TRANSCRIPT_DAYS, now)
