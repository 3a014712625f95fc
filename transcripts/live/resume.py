"""Continuing an interrupted live recording on a new socket (the `resume` message).

The browser lost its socket (a network blip, a laptop asleep, a server restart) and asks to
go on with the same recording. Only its owner may. If this process is still finishing the
old session, resume waits for it; if another process was recording it, resume waits until
that process's lease has lapsed (it died) and recovers the recording first.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

from channels.db import database_sync_to_async
from django.conf import settings
from django.http import Http404

from transcripts import access, controls, lease, protocol, services
from transcripts.access import Access
from transcripts.errors import ApplicationError
from transcripts.live import recovery, registry
from transcripts.models import Recording

if TYPE_CHECKING:
    from accounts.auth import Visitor

NOT_YOURS = "There is no recording of yours with that number to continue."
STILL_RECORDING = "This recording is still being recorded in another window or tab."
LEASE_POLL_SECONDS = 0.25


def not_resumable(message: str, close_code: int = protocol.CLOSE_CONFLICT) -> controls.Refused:
    """This recording cannot be continued; the message says why, the close code how."""
    return controls.Refused(close_code, "not_resumable", message)


async def recording_for_resume(*, user: Visitor, recording_id: int) -> Recording:
    """The owner's recording, open for more audio; raises controls.Refused with the reason."""
    await database_sync_to_async(_owned)(user, recording_id)
    await registry.wait_for_session_to_end(recording_id)
    await _wait_for_other_process(recording_id)
    await database_sync_to_async(recovery.recording_recover)(recording_id=recording_id)
    try:
        return await database_sync_to_async(services.recording_resume)(recording_id=recording_id)
    except ApplicationError as exc:
        raise not_resumable(str(exc)) from exc


def _owned(user: Visitor, recording_id: int) -> Recording:
    try:
        return access.recording_for(user=user, recording_id=recording_id, need=Access.OWN)
    except Http404:
        raise not_resumable(NOT_YOURS, protocol.CLOSE_NOT_FOUND) from None


async def _wait_for_other_process(recording_id: int) -> None:
    """While another process's session holds the lease, wait for it to end or lapse."""
    limit = settings.LIVE_LEASE_SECONDS + settings.LIVE_FINALIZE_TIMEOUT
    try:
        async with asyncio.timeout(limit):
            # Another process's lease lives in the database: polling is the only way to see it.
            while await database_sync_to_async(_held_elsewhere)(recording_id):  # noqa: ASYNC110
                await asyncio.sleep(LEASE_POLL_SECONDS)
    except TimeoutError:
        raise not_resumable(STILL_RECORDING) from None


def _held_elsewhere(recording_id: int) -> bool:
    return lease.lease_held(Recording.objects.only("status", "live_until").get(pk=recording_id))
