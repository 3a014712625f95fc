"""The live lease: a running session's proof, to every process, that its recording is live.

A live session renews `Recording.live_until` every third of LIVE_LEASE_SECONDS. A lease
that has run out means the session's process died: the recording is then interrupted
(live/recovery.py) and may be resumed anywhere (live/resume.py). It lives on the floor
because the recording services take and check it too.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from datetime import datetime, timedelta

from channels.db import database_sync_to_async
from django.conf import settings
from django.db.models import Q
from django.utils import timezone

from transcripts.models import Recording

logger = logging.getLogger(__name__)


def lease_length() -> timedelta:
    """How long a live session's lease lasts without renewal."""
    return timedelta(seconds=settings.LIVE_LEASE_SECONDS)


def lease_until() -> datetime:
    """When a lease taken or renewed now runs out."""
    return timezone.now() + lease_length()


def lease_lapsed(recording: Recording) -> bool:
    """Whether the session holding this recording's lease stopped renewing it."""
    now = timezone.now()
    if recording.live_until is None:
        return recording.started_at < now - lease_length()
    return recording.live_until < now


def lease_held(recording: Recording) -> bool:
    """Whether a session (in this process or another) holds the recording's lease now."""
    return (
        recording.status == Recording.Status.LIVE
        and recording.live_until is not None
        and recording.live_until > timezone.now()
    )


def lapsed_recordings() -> list[int]:
    """Live recordings whose session stopped renewing its lease."""
    now = timezone.now()
    unrenewed = Q(live_until__isnull=True, started_at__lt=now - lease_length())
    lapsed = Q(live_until__lt=now) | unrenewed
    live = Recording.objects.filter(lapsed, status=Recording.Status.LIVE)
    return list(live.values_list("pk", flat=True))


def lease_renew(*, recording_id: int, lag: float = 0.0) -> bool:
    """A live session is still running, this far behind; False if it is no longer live."""
    live = Recording.objects.filter(pk=recording_id, status=Recording.Status.LIVE)
    return live.update(live_until=lease_until(), live_lag=round(lag, 1)) == 1


async def keep_lease(recording_id: int, lag: Callable[[], float]) -> None:
    """Renew the recording's lease until cancelled; a failed renewal is logged, not fatal.

    Each renewal also records how far behind the session is, for staff (the admin).
    """
    while True:
        await asyncio.sleep(settings.LIVE_LEASE_SECONDS / 3)
        try:
            await database_sync_to_async(lease_renew)(recording_id=recording_id, lag=lag())
        except Exception:
            logger.exception("Could not renew the lease of recording %s", recording_id)
