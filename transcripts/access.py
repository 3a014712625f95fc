"""Who may do what with a recording: the one place that decides.

Every view, socket, export, audio request and search asks here, through `recording_for`
(one recording) or `recordings_visible` (the filter lists and searches share). No access
and no such recording answer alike: 404. Today a recording is its owner's alone; staff
may also read any recording's audio and kept draft for review (`staff_reads`).
"""

from __future__ import annotations

from enum import IntEnum
from typing import TYPE_CHECKING

from django.db.models import QuerySet
from django.http import Http404

from transcripts.models import Recording

if TYPE_CHECKING:
    from transcripts.auth import Visitor


class Access(IntEnum):
    """What someone needs to do with a recording; each level includes the ones below."""

    VIEW = 1  # read, play, export
    EDIT = 2  # also correct text, name speakers, rename
    OWN = 3  # also delete, share, cancel or repeat its transcription


def recordings_visible(*, user: Visitor, need: Access = Access.VIEW) -> QuerySet[Recording]:
    """The recordings `user` may `need`; nobody's for the anonymous."""
    if user.pk is None:
        return Recording.objects.none()
    return Recording.objects.filter(owner_id=user.pk)


def recording_for(
    *, user: Visitor, recording_id: int, need: Access, staff_reads: bool = False
) -> Recording:
    """The recording if `user` may `need` it, else 404 (missing and forbidden alike).

    With `staff_reads`, staff may read anyone's (the admin's review of audio and drafts).
    """
    recordings = recordings_visible(user=user, need=need)
    if staff_reads and need == Access.VIEW and user.is_staff:
        recordings = Recording.objects.all()
    try:
        return recordings.get(pk=recording_id)
    except Recording.DoesNotExist:
        raise Http404("No such recording.") from None
