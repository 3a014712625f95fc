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
- A reviewer may VIEW a recording submitted to them, or to a team in which they review
  (a team member with the review permission, or a team admin made the team's reviewer),
  and may EDIT it while they hold it in review. They keep VIEW of what they reviewed
  until it goes back to draft. Reviewing never lists a recording in one's history.
- Nobody else, and never the anonymous.
Search filters with the same rule, as tokens inside the full-text query (readers.py).
"""

from __future__ import annotations

from enum import IntEnum
from typing import TYPE_CHECKING, Any

from django.db.models import Q, QuerySet
from django.http import Http404

from teams.models import Membership
from transcripts.models import Recording, RecordingShare

REVIEW_PERMISSION = "review_recording"

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


def reviewing_teams(user_id: int) -> QuerySet[Membership, Any]:
    """The teams in which this person reviews, as team ids."""
    holds_permission = Q(
        user__groups__permissions__codename=REVIEW_PERMISSION,
        user__groups__permissions__content_type__app_label="transcripts",
    ) | Q(
        user__user_permissions__codename=REVIEW_PERMISSION,
        user__user_permissions__content_type__app_label="transcripts",
    )
    return (
        Membership.objects.filter(user_id=user_id)
        .filter(Q(reviewer=True) | holds_permission)
        .values("team_id")
    )


def _reviewable(user_id: int, need: Access) -> Q:
    """The recordings this person reviews, for VIEW or (while they hold it) EDIT."""
    review = Recording.Review
    if need >= Access.EDIT:
        return Q(reviewer_id=user_id, review_state=review.IN_REVIEW)
    return Q(reviewer_id=user_id) & ~Q(review_state=review.DRAFT) | Q(
        review_state=review.SUBMITTED,
        reviewer__isnull=True,
        team_id__in=reviewing_teams(user_id),
    )


def recording_for(
    *, user: Visitor, recording_id: int, need: Access, staff_reads: bool = False
) -> Recording:
    """The recording if `user` may `need` it, else 404 (missing and forbidden alike).

    With `staff_reads`, staff may read anyone's (the admin's review of audio and drafts).
    Reviewers reach what is submitted to them here, though it is not in their history.
    """
    recordings = recordings_visible(user=user, need=need)
    if user.pk is not None and need < Access.OWN:
        recordings = Recording.objects.filter(
            Q(pk__in=recordings.values("pk")) | _reviewable(user.pk, need)
        )
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
    reviewing = _reviewing(user.pk, recording)
    if reviewing > Access.NONE and (reviewing == Access.EDIT or not roles):
        return reviewing
    return Access.VIEW if roles else Access.NONE


def _reviewing(user_id: int, recording: Recording) -> Access:
    """What reviewing gives this person on this recording."""
    mine = Recording.objects.filter(pk=recording.pk)
    if mine.filter(_reviewable(user_id, Access.EDIT)).exists():
        return Access.EDIT
    return Access.VIEW if mine.filter(_reviewable(user_id, Access.VIEW)).exists() else Access.NONE


def may_export(*, access: Access, recording: Recording) -> bool:
    """Exports are for everyone with access, unless the owner forbade them to viewers."""
    return access >= Access.EDIT or (access >= Access.VIEW and recording.viewers_may_export)


def recording_for_export(*, user: Visitor, recording_id: int) -> Recording:
    """The recording if `user` may download its exports, else 404."""
    recording = recording_for(user=user, recording_id=recording_id, need=Access.VIEW)
    if not may_export(access=access_of(user=user, recording=recording), recording=recording):
        raise Http404("No such recording.")
    return recording
