"""Writing the audit log: one insert per action, nothing else."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

from audit.models import MAX_DETAIL_CHARS, AuditEntry

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser, AnonymousUser


class Audited(Protocol):
    """What an entry needs of the thing acted on (a recording): its id and title."""

    pk: Any
    title: str


@dataclass
class Subject:
    """A recording's id and title kept aside, for an entry written after it is deleted."""

    pk: int
    title: str

    @classmethod
    def of(cls, recording: Audited) -> Subject:
        """What the entry will name, taken while the recording still has its id."""
        return cls(pk=recording.pk, title=recording.title)


def audit_record(
    *,
    action: AuditEntry.Action,
    actor: AbstractBaseUser | AnonymousUser | None,
    recording: Audited | None = None,
    ip: str | None = None,
    detail: str = "",
) -> AuditEntry:
    """Add one entry: `actor` None (or anonymous) is Parley itself, e.g. a retention job."""
    who = actor if actor is not None and actor.pk is not None else None
    return AuditEntry.objects.create(
        action=action,
        actor_id=who.pk if who is not None else None,
        actor_name=who.get_username() if who is not None else "",
        recording_id=recording.pk if recording is not None else None,
        recording_title=recording.title[:200] if recording is not None else "",
        ip=ip or None,
        detail=detail[:MAX_DETAIL_CHARS],
    )
