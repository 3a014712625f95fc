"""Reads of teams, memberships, invitations and preferences."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db.models import Count, QuerySet
from django.http import Http404

from teams.models import Invitation, Membership, Preferences, Team

if TYPE_CHECKING:
    from accounts.auth import Visitor


def teams_of(*, user: Visitor) -> QuerySet[Team]:
    """The teams the user belongs to, by name, each with `member_count`."""
    if user.pk is None:
        return Team.objects.none()
    return (
        Team.objects.filter(memberships__user_id=user.pk)
        .annotate(member_count=Count("memberships", distinct=True))
        .order_by("name", "pk")
    )


def team_ids_of(*, user_id: int | None) -> list[int]:
    """The ids of the teams a user belongs to (none for the anonymous)."""
    if user_id is None:
        return []
    return list(Membership.objects.filter(user_id=user_id).values_list("team_id", flat=True))


def membership_in(*, user: Visitor, team_id: int) -> Membership:
    """The user's membership of this team, with the team; 404 for non-members alike."""
    if user.pk is None:
        raise Http404("No such team.")
    try:
        return Membership.objects.select_related("team").get(team_id=team_id, user_id=user.pk)
    except Membership.DoesNotExist:
        raise Http404("No such team.") from None


def team_members(*, team: Team) -> QuerySet[Membership]:
    """A team's memberships with their people, admins first."""
    return team.memberships.select_related("user").order_by("role", "joined_at", "pk")


def invitations_pending(*, team: Team) -> list[Invitation]:
    """The team's invitations that can still be used."""
    return [
        i for i in team.invitations.filter(used_at=None, revoked_at=None) if i.state == "pending"
    ]


def invitation_by_token(*, token: str) -> Invitation | None:
    """The invitation with this token, whatever its state."""
    if not token or len(token) > 64:
        return None
    return Invitation.objects.select_related("team").filter(token=token).first()


def preferences_of(*, user: Visitor) -> Preferences:
    """The user's preferences (unsaved defaults if never set, or for the anonymous)."""
    if user.pk is None:
        return Preferences()
    found = Preferences.objects.select_related("save_to").filter(user_id=user.pk).first()
    return found or Preferences(user_id=user.pk)
