"""Who reviews what, and the reviewer's queue."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.contrib.auth.models import User
from django.db.models import Count, Q, QuerySet

from teams.models import Membership
from transcripts.access import REVIEW_PERMISSION, reviewing_teams
from transcripts.models import Recording

if TYPE_CHECKING:
    from accounts.auth import Visitor

Review = Recording.Review
PERMISSION = f"transcripts.{REVIEW_PERMISSION}"


def may_review_anything(*, user: Visitor) -> bool:
    """Holds the review permission, or reviews for at least one team."""
    if user.pk is None:
        return False
    return (
        user.has_perm(PERMISSION)
        or Membership.objects.filter(user_id=user.pk, reviewer=True).exists()
    )


def is_reviewer_for(*, user: User, recording: Recording) -> bool:
    """May review this recording: with the permission (in its team, if it has one), or as the
    team's appointed reviewer."""
    if recording.team_id is None:
        return user.has_perm(PERMISSION)
    return reviewing_teams(user.pk).filter(team_id=recording.team_id).exists()


def reviewers_for(*, recording: Recording) -> QuerySet[User]:
    """Everyone who could review this recording, for naming one when submitting."""
    users = User.objects.filter(is_active=True).exclude(pk=recording.owner_id)
    with_permission = Q(
        groups__permissions__codename=REVIEW_PERMISSION,
        groups__permissions__content_type__app_label="transcripts",
    ) | Q(
        user_permissions__codename=REVIEW_PERMISSION,
        user_permissions__content_type__app_label="transcripts",
    )
    if recording.team_id is None:
        return users.filter(with_permission).distinct().order_by("username")
    in_team = Q(team_memberships__team_id=recording.team_id)
    appointed = Q(team_memberships__team_id=recording.team_id, team_memberships__reviewer=True)
    return users.filter((in_team & with_permission) | appointed).distinct().order_by("username")


def review_queue(*, user: User, view: str = "waiting") -> QuerySet[Recording]:
    """The reviewer's queue, oldest submission first.

    `waiting`: submitted to them or to a team they review for; `mine`: in review by them.
    """
    if view == "mine":
        queue = Recording.objects.filter(reviewer_id=user.pk, review_state=Review.IN_REVIEW)
    else:
        queue = Recording.objects.filter(
            Q(reviewer_id=user.pk) | Q(reviewer__isnull=True, team_id__in=reviewing_teams(user.pk)),
            review_state=Review.SUBMITTED,
        ).exclude(owner_id=user.pk)
    return (
        queue.select_related("owner", "team")
        .annotate(comments=Count("review_comments", filter=Q(review_comments__resolved_at=None)))
        .order_by("review_changed_at", "pk")
    )
