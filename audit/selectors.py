"""Reading the audit log: staff filter it by action, person, recording, address and days."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.apps import apps
from django.db.models import Exists, OuterRef, QuerySet
from django.utils import timezone

from audit.models import AuditEntry


@dataclass(frozen=True)
class AuditFilters:
    """What the log page asks for; empty values do not filter."""

    action: str = ""
    person: str = ""
    recording_id: int | None = None
    ip: str = ""
    date_from: date | None = None
    date_to: date | None = None


def audit_entries(*, filters: AuditFilters, linked: bool = False) -> QuerySet[AuditEntry]:
    """Entries matching `filters`, newest first; `linked` adds `recording_exists` to each."""
    entries: QuerySet[AuditEntry] = AuditEntry.objects.all()
    if filters.action:
        entries = entries.filter(action=filters.action)
    if filters.person:
        entries = entries.filter(actor_name__iexact=filters.person)
    if filters.recording_id is not None:
        entries = entries.filter(recording_id=filters.recording_id)
    if filters.ip:
        entries = entries.filter(ip=filters.ip)
    entries = _in_dates(entries, filters)
    if linked:
        entries = entries.annotate(recording_exists=_recording_exists())
    return entries.order_by("-at", "-pk")


def _in_dates(entries: QuerySet[AuditEntry], filters: AuditFilters) -> QuerySet[AuditEntry]:
    """Local-day bounds, as on the history page."""
    zone = timezone.get_current_timezone()
    if filters.date_from:
        entries = entries.filter(at__gte=datetime.combine(filters.date_from, time(), zone))
    if filters.date_to:
        next_day = filters.date_to + timedelta(days=1)
        entries = entries.filter(at__lt=datetime.combine(next_day, time(), zone))
    return entries


def _recording_exists() -> Exists:
    """Whether the entry's recording is still there, in the same query as the entries.

    The log sits below the recordings app (it must outlive them and never import them), so it
    names their model by label rather than by import.
    """
    recording = apps.get_model("transcripts", "Recording")
    return Exists(recording.objects.filter(pk=OuterRef("recording_id")))
