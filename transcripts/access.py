"""Who may do what with a recording: the one place that decides.

Every view, socket, export, audio request and search asks here, through `recording_for`
(one recording), `recordings_visible` (the filter lists share) or `access_of` (what a
page offers). No access and no such recording answer alike: 404.

- The owner may do anything (OWN).
- A person the recording is shared with, directly or through a team they belong to, may
  VIEW it (read, play, export unless the owner forbade viewers' exports) or, as an editor,
  EDIT it (also correct text, name speakers, rename, tag). The best of their shares counts.
  Team admins have no more access to a team's recordings than other members.
- Staff manage everything in the admin; on the pages they are like anyone else, except
  that they may read any recording's audio and kept draft (`staff_reads`).
- Nobody else, and never the anonymous.
Search filters with the same rule, as tokens inside the full-text query (readers.py).
"""

from __future__ import annotations

from enum import IntEnum
from typing import TYPE_CHECKING

from django.db.models import Q, QuerySet
from django.http import Http404

from transcripts.models import Recording, RecordingShare

if TYPE_CHECKING:
    from accounts.auth import Visitor


class Access(IntEnum):
    """What someone needs to do with a recording; each level includes the ones below."""

    NONE = 0
    VIEW = 1  # read, play, export
    EDIT = 2  # also correct text, name speakers, rename, tag
    OWN = 3  # also delete, share, cancel or repeat its transcription


def _shares_of(user_id: int, need: Access) -> QuerySet[RecordingShare]:
    """The shares that give this person `need` (VIEW or EDIT): theirs and their teams'."""
    shares = RecordingShare.objects.filter(
        Q(user_id=user_id) | Q(team__memberships__user_id=user_id)
    )
    if need >= Access.EDIT:
        shares = shares.filter(role=RecordingShare.Role.EDITOR)
    return shares


def recordings_visible(*, user: Visitor, need: Access = Access.VIEW) -> QuerySet[Recording]:
    """The recordings `user` may `need`; nobody's for the anonymous."""
    if user.pk is None:
        return Recording.objects.none()
    if need >= Access.OWN:
        return Recording.objects.filter(owner_id=user.pk)
    shared = _shares_of(user.pk, need).values("recording_id")
    return Recording.objects.filter(Q(owner_id=user.pk) | Q(pk__in=shared))


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
        return recordings.select_related("owner").get(pk=recording_id)
    except Recording.DoesNotExist:
        raise Http404("No such recording.") from None


def access_of(*, user: Visitor, recording: Recording) -> Access:
    """The most `user` may do with `recording` (NONE if nothing)."""
    if user.pk is None:
        return Access.NONE
    if recording.owner_id == user.pk:
        return Access.OWN
    roles = set(
        _shares_of(user.pk, Access.VIEW)
        .filter(recording_id=recording.pk)
        .values_list("role", flat=True)
    )
    if RecordingShare.Role.EDITOR in roles:
        return Access.EDIT
    return Access.VIEW if roles else Access.NONE


def may_export(*, access: Access, recording: Recording) -> bool:
    """Exports are for everyone with access, unless the owner forbade them to viewers."""
    return access >= Access.EDIT or (access >= Access.VIEW and recording.viewers_may_export)


def recording_for_export(*, user: Visitor, recording_id: int) -> Recording:
    """The recording if `user` may download its exports, else 404."""
    recording = recording_for(user=user, recording_id=recording_id, need=Access.VIEW)
    if not may_export(access=access_of(user=user, recording=recording), recording=recording):
        raise Http404("No such recording.")
    return recording
