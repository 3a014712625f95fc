"""The shape of segment history: the kinds of change, and the version grouping their rows.

Every change to a recording's segments (recorded live, transcribed, refined, edited,
restored) becomes one *version*: historical rows of the segments it touched, sharing one
`version` id, who made it and why. Rows are written only by transcripts/history/record.py,
a whole version in one INSERT; the model signals django-simple-history would connect (a row
per save, a query per deleted segment) are switched off, so saving live segments costs what
it did and deleting a recording's segments stays one DELETE.

Imports nothing of Parley's: models.py builds on it.
"""

from __future__ import annotations

import uuid
from typing import Any, cast

from django.db import models
from django.db.models import ForeignObjectRel
from django.db.models.signals import post_delete, post_save, pre_delete
from simple_history.models import HistoricalRecords


class Change(models.TextChoices):
    """Why a version exists; kept in `history_change_reason`, shown as is."""

    RECORDED_LIVE = "recorded live", "Recorded live"
    TRANSCRIBED = "transcribed", "Transcribed"
    REFINED = "refined", "Refined"
    EDITED = "edited", "Edited"
    REVIEWED = "reviewed", "Reviewed"
    RESTORED = "restored", "Restored"


class VersionFields(models.Model):
    """What each historical segment row adds to simple-history's: its version."""

    version = models.UUIDField(
        default=uuid.uuid4, db_index=True, help_text="The change this row belongs to."
    )

    class Meta:
        abstract = True


class VersionedHistory(HistoricalRecords):
    """Historical records written by Parley's services in versions, not by model signals.

    A recording's history goes with the recording: the historical rows' link to it deletes
    them with it (in Python, as a cascade, without a database constraint).
    """

    def finalize(self, sender: type[models.Model], **kwargs: Any) -> None:
        super().finalize(sender, **kwargs)
        if sender is not self.cls:
            return
        post_save.disconnect(self.post_save, sender=sender)
        post_delete.disconnect(self.post_delete, sender=sender)
        pre_delete.disconnect(self.pre_delete, sender=sender)

    def copy_fields(self, model: type[models.Model]) -> dict[str, models.Field[Any, Any]]:
        fields: dict[str, models.Field[Any, Any]] = super().copy_fields(model)
        link = cast("ForeignObjectRel", fields["recording"].remote_field)
        link.on_delete = models.CASCADE
        return fields
