"""Audit entries at the edges: what the person behind a request did to a recording.

Pages and the API call `audited` once an action has succeeded; the entry names the request's
user and address (accounts.throttling.client_ip, which trusts CLIENT_IP_HEADER only when it
is configured) and is one insert (audit.services.audit_record).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from asgiref.sync import sync_to_async
from django.http import HttpRequest

from accounts.throttling import client_ip
from audit.models import AuditEntry
from audit.services import Audited, Subject, audit_record
from transcripts.ranges import starts_playback

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser, AnonymousUser

    from transcripts.models import Recording

Audit = AuditEntry.Action
__all__ = ["Audit", "Subject", "audited", "audited_playback"]


def audited(
    request: HttpRequest, action: AuditEntry.Action, recording: Audited, detail: str = ""
) -> None:
    """One entry: `request`'s user did `action` to `recording` from `request`'s address."""
    audit_record(
        action=action, actor=request.user, recording=recording, ip=client_ip(request),
        detail=detail,
    )  # fmt: skip


async def audited_playback(
    request: HttpRequest, user: AbstractBaseUser | AnonymousUser, recording: Recording
) -> None:
    """A PLAYED entry when this request for the audio starts a playback: a player asks for
    many ranges while it plays and seeks, and those are the same playback."""
    if recording.audio and starts_playback(request.headers.get("Range")):
        await sync_to_async(audit_record)(
            action=Audit.PLAYED, actor=user, recording=recording, ip=client_ip(request)
        )
