"""Reads of recordings and segments. The only way to fetch a user's recording."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db.models import Count, QuerySet
from django.http import Http404

from transcripts.models import Recording, Segment

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser, AnonymousUser


def recording_get_for_user(
    *, user: AbstractBaseUser | AnonymousUser, recording_id: int
) -> Recording:
    """The access gate: the user's own recording, or 404 (missing and foreign alike)."""
    try:
        return Recording.objects.get(pk=recording_id, owner_id=user.pk)
    except Recording.DoesNotExist:
        raise Http404("No such recording.") from None


def recording_list_for_user(*, user: AbstractBaseUser) -> QuerySet[Recording]:
    """The user's recordings, newest first, each with its segment count."""
    return (
        Recording.objects.filter(owner_id=user.pk)
        .annotate(segment_count=Count("segments"))
        .order_by("-started_at", "-pk")
    )


def segment_list(*, recording: Recording) -> QuerySet[Segment]:
    """A recording's segments in order."""
    return Segment.objects.filter(recording=recording).order_by("index")
