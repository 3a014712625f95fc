"""Who reviews what, which review step someone may take now, and the reviewer's queue."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.contrib.auth.models import User
from django.db.models import Count, Q, QuerySet
from django.utils import timezone
from django.utils.formats import date_format

from review.models import ReviewNotice
from teams.models import Membership
from transcripts.access import REVIEW_PERMISSION, Access, access_of, reviewing_teams
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


def _state_refusal(recording: Recording, allowed: tuple[Review, ...], done: str) -> str:
    if recording.review_state in allowed:
        return ""
    state = Review(recording.review_state).label.lower()
    return f"A transcript that is {state} cannot be {done}."


def _editor_refusal(user: User, recording: Recording, action: str) -> str:
    """Owners and editors submit and withdraw, when the state allows (asked first: no query)."""
    if action == SUBMIT_WORDS:
        refusal = _state_refusal(recording, (Review.DRAFT, Review.CHANGES_REQUESTED), "submitted")
        if not refusal and recording.status != Recording.Status.COMPLETED:
            refusal = "Only a finished transcript can be submitted for review."
    else:
        refusal = _state_refusal(recording, (Review.SUBMITTED,), "withdrawn")
    if not refusal and access_of(user=user, recording=recording) < Access.EDIT:
        refusal = f"Only its owner and editors can {action}."
    return refusal


def _take_refusal(user: User, recording: Recording) -> str:
    refusal = _state_refusal(recording, (Review.SUBMITTED,), "taken for review")
    if refusal:
        return refusal
    if user.pk == recording.owner_id:
        return "Someone else must review your recording."
    if user.pk == recording.review_submitted_by_id:
        return "Someone other than who submitted it must review it."
    if not is_reviewer_for(user=user, recording=recording):
        return "You do not review this recording's transcripts."
    if recording.reviewer_id not in (None, user.pk):
        return "This transcript was submitted to another reviewer."
    return ""


def _holder_refusal(user: User, recording: Recording, done: str) -> str:
    refusal = _state_refusal(recording, (Review.IN_REVIEW,), done)
    if not refusal and recording.reviewer_id != user.pk:
        refusal = "Another reviewer has this transcript in review."
    return refusal


def _reopen_refusal(user: User, recording: Recording) -> str:
    refusal = _state_refusal(recording, (Review.APPROVED,), "reopened")
    if refusal:
        return refusal
    # The owner never unlocks their own approved text, even if they review for the team.
    if user.pk == recording.owner_id:
        return "A reviewer other than its owner must reopen it."
    if user.pk != recording.reviewer_id and not (
        may_review_anything(user=user) and is_reviewer_for(user=user, recording=recording)
    ):
        return "Only a reviewer of this transcript can reopen it."
    return ""


SUBMIT_WORDS = "submit a recording for review"
ACTIONS = ("submit", "withdraw", "take", "release", "approve", "request_changes", "reopen")


def review_refusal(*, user: User, recording: Recording, action: str) -> str:
    """Why `user` may not take this review step now; empty if they may.

    The services refuse with this message and the pages offer only what it allows.
    """
    if user.pk is None:
        return "Log in to review."
    match action:
        case "submit":
            return _editor_refusal(user, recording, SUBMIT_WORDS)
        case "withdraw":
            return _editor_refusal(user, recording, "withdraw a submission")
        case "take":
            return _take_refusal(user, recording)
        case "release":
            return _holder_refusal(user, recording, "released")
        case "approve":
            return _holder_refusal(user, recording, "approved")
        case "request_changes":
            return _holder_refusal(user, recording, "sent back")
        case "reopen":
            return _reopen_refusal(user, recording)
    raise ValueError(f"No review step {action!r}.")


def review_offers(*, user: User, recording: Recording) -> frozenset[str]:
    """The review steps `user` may take on this recording now."""
    return frozenset(
        action
        for action in ACTIONS
        if not review_refusal(user=user, recording=recording, action=action)
    )


def _name(user: User | None) -> str:
    return (user.get_full_name() or user.get_username()) if user is not None else ""


def review_label(*, recording: Recording) -> str:
    """The review state in words: "Submitted to Ana", "In review by Ana", "Approved by Ana on …"."""
    state = recording.review_state
    who = _name(recording.reviewer) if recording.reviewer_id else ""
    if state == Review.SUBMITTED:
        if who:
            return f"Submitted to {who}"
        return f"Submitted to {recording.team.name}'s reviewers" if recording.team else "Submitted"
    if state == Review.IN_REVIEW:
        return f"In review by {who}"
    if state == Review.APPROVED:
        when = recording.review_changed_at
        on = f" on {date_format(timezone.localtime(when), 'j F Y')}" if when else ""
        return f"Approved by {who}{on}" if who else f"Approved{on}"
    if state == Review.CHANGES_REQUESTED:
        return f"Changes requested by {who}" if who else "Changes requested"
    return "Draft"


def notices_unread(*, user: Visitor, recording: Recording) -> list[ReviewNotice]:
    """The owner's unread notices of how this recording's review went, newest first."""
    if user.pk is None or user.pk != recording.owner_id:
        return []
    return list(
        ReviewNotice.objects.filter(recipient_id=user.pk, recording=recording, read_at=None)
    )


def notices_unread_count(*, user: Visitor) -> int:
    """How many review notices wait for this person, across their recordings (one query)."""
    if user.pk is None:
        return 0
    return ReviewNotice.objects.filter(recipient_id=user.pk, read_at=None).count()
