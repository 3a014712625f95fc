"""The live lease: a running session's proof, to every process, that its recording is live.

A live session renews `Recording.live_until` every third of LIVE_LEASE_SECONDS. A lease
that has run out means the session's process died: the recording is then interrupted
(live/recovery.py) and may be resumed anywhere (live/resume.py). It lives on the floor
because the recording services take and check it too.
"""

from __future__ import annotations

import asyncio
import logging
from collections import Counter
from collections.abc import Callable
from datetime import datetime, timedelta

from channels.db import database_sync_to_async
from django.conf import settings
from django.db import transaction
from django.db.models import Case, FloatField, Q, QuerySet, Value, When
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


def leases_renew(lags: dict[int, float]) -> int:
    """Renew the leases of these live recordings at once, recording how far behind each is;
    how many were renewed (the others have ended, or are held by another transaction).

    Sessions mostly share one lag (the event loop's, to a tenth of a second): they are
    renewed by one plain UPDATE, and only the others by one that picks each a value. A
    statement picking a value for each of 300 sessions took the database thread 30 ms of
    Python, holding the interpreter every live session shares (docs/benchmarks.md).

    The rows are locked first, skipping those another transaction holds: a meeting ending
    (it ends its lease itself) or a final being saved (the search trigger reads its recording
    FOR SHARE). Those are renewed at the next round, a third of a lease later. A renewal that
    waited for them held every row it had locked while it waited, and those meetings' words
    waited behind it, or waited for it while it waited for them (a deadlock, docs/benchmarks.md).
    It never waits, so it can do neither.
    """
    if not lags:
        return 0
    with transaction.atomic():
        live = Recording.objects.filter(status=Recording.Status.LIVE)
        free = live.filter(pk__in=list(lags)).select_for_update(no_key=True, skip_locked=True)
        held = set(free.values_list("pk", flat=True))
        if not held:
            return 0
        return _renew_locked(live, {pk: lag for pk, lag in lags.items() if pk in held})


def _renew_locked(live: QuerySet[Recording], lags: dict[int, float]) -> int:
    tenths = {pk: round(lag, 1) for pk, lag in lags.items()}
    usual = Counter(tenths.values()).most_common(1)[0][0]
    until = lease_until()
    renewed = live.filter(pk__in=[pk for pk, lag in tenths.items() if lag == usual]).update(
        live_until=until, live_lag=usual
    )
    others = {pk: lag for pk, lag in tenths.items() if lag != usual}
    if others:
        behind = Case(
            *(When(pk=pk, then=Value(lag)) for pk, lag in others.items()),
            output_field=FloatField(),
        )
        renewed += live.filter(pk__in=list(others)).update(live_until=until, live_lag=behind)
    return renewed


class LeaseKeeper:
    """Renews the leases of every live session in this process: one UPDATE a round.

    A round every third of LIVE_LEASE_SECONDS; each session's lag is recorded with it, for
    staff (the admin). A failed round is logged and tried again at the next.
    """

    def __init__(self) -> None:
        self._lags: dict[int, Callable[[], float]] = {}
        self._task: asyncio.Task[None] | None = None

    def hold(self, recording_id: int, lag: Callable[[], float]) -> None:
        """A session of this recording runs here: keep its lease."""
        self._lags[recording_id] = lag
        loop = asyncio.get_running_loop()
        if self._task is None or self._task.done() or self._task.get_loop() is not loop:
            self._task = loop.create_task(self._renew(), name="live-leases")

    def release(self, recording_id: int, lag: Callable[[], float]) -> None:
        """The session has ended (its recording is closed): stop renewing."""
        if self._lags.get(recording_id) == lag:  # not one of a later session
            del self._lags[recording_id]
        if not self._lags and self._task is not None:
            self._task.cancel()
            self._task = None

    async def _renew(self) -> None:
        while self._lags:
            await asyncio.sleep(settings.LIVE_LEASE_SECONDS / 3)
            lags = {pk: lag() for pk, lag in list(self._lags.items())}
            try:
                await database_sync_to_async(leases_renew)(lags)
            except Exception:
                logger.exception("Could not renew the leases of %d recordings", len(lags))


lease_keeper = LeaseKeeper()
