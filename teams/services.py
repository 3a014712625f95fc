"""Decisions about teams: creating, renaming, joining, leaving, reviewers and glossaries.

Who may ask is checked by the caller through selectors.membership_in (members) and
`require_admin` (team admins); these functions decide what happens.
"""

from __future__ import annotations

import secrets
import unicodedata
from datetime import timedelta
from functools import partial
from typing import TYPE_CHECKING

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.http import Http404
from django.utils import timezone

from teams.models import (
    MAX_CONSENT_NOTICE_CHARS,
    MAX_GLOSSARY_CHARS,
    MAX_GLOSSARY_TERM_CHARS,
    MAX_GLOSSARY_TERMS,
    MAX_TEAM_NAME_CHARS,
    Invitation,
    Membership,
    Preferences,
    Team,
)
from teams.retention import KEEP_FOREVER, MAX_RETENTION_DAYS

if TYPE_CHECKING:
    from django.contrib.auth.models import User

INVITATION_TOKEN_BYTES = 32


class TeamError(Exception):
    """What a team's state does not allow (the message says why, for the page)."""


def one_line(value: str) -> str:
    """Without control characters, white space collapsed, trimmed."""
    text = "".join(ch for ch in value if unicodedata.category(ch) not in ("Cc", "Cs"))
    return " ".join(text.split())


def clean_text(value: str, *, limit: int, what: str) -> str:
    """One line without control characters, trimmed; refused when empty or over `limit`."""
    text = one_line(value)
    if not text:
        raise ValidationError(f"{what} cannot be empty.")
    if len(text) > limit:
        raise ValidationError(f"{what} has at most {limit:,} characters.")
    return text


def parse_glossary(raw: str) -> list[str]:
    """Terms from text with one per line (or separated by commas), each kept once."""
    terms: dict[str, str] = {}
    for piece in raw.replace(",", "\n").splitlines():
        if not one_line(piece):
            continue
        term = clean_text(piece, limit=MAX_GLOSSARY_TERM_CHARS, what="A glossary term")
        if ":" in term:
            raise ValidationError(f"A glossary term cannot contain a colon (“{term}”).")
        terms.setdefault(term.casefold(), term)
    if len(terms) > MAX_GLOSSARY_TERMS:
        raise ValidationError(f"A glossary has at most {MAX_GLOSSARY_TERMS} terms.")
    if sum(len(term) for term in terms.values()) > MAX_GLOSSARY_CHARS:
        raise ValidationError(f"A glossary has at most {MAX_GLOSSARY_CHARS:,} characters in all.")
    return list(terms.values())


def require_admin(membership: Membership) -> None:
    """Only a team's admins manage it; others are refused."""
    if membership.role != Membership.Role.ADMIN:
        raise PermissionDenied("Only the team's admins can do this.")


@transaction.atomic
def team_create(*, user: User, name: str) -> Team:
    """A new team with its creator as admin (only staff, if the site says so)."""
    if settings.TEAMS_CREATED_BY_STAFF_ONLY and not user.is_staff:
        raise TeamError("On this site only staff create teams.")
    team = Team.objects.create(name=clean_text(name, limit=MAX_TEAM_NAME_CHARS, what="A name"))
    Membership.objects.create(team=team, user=user, role=Membership.Role.ADMIN)
    return team


def team_rename(*, team: Team, name: str) -> Team:
    team.name = clean_text(name, limit=MAX_TEAM_NAME_CHARS, what="A name")
    team.save(update_fields=["name"])
    return team


def team_glossary_set(*, team: Team, raw: str) -> Team:
    team.glossary = parse_glossary(raw)
    team.save(update_fields=["glossary"])
    return team


def team_consent_set(*, team: Team, raw: str) -> Team:
    """The notice people confirm before recording to the team; empty: the site's applies."""
    lines = [one_line(line) for line in raw.replace("\r", "\n").split("\n")]
    text = "\n\n".join(part.strip() for part in "\n".join(lines).split("\n\n") if part.strip())
    if len(text) > MAX_CONSENT_NOTICE_CHARS:
        raise ValidationError(
            f"A consent notice has at most {MAX_CONSENT_NOTICE_CHARS:,} characters."
        )
    team.consent_notice = text
    team.save(update_fields=["consent_notice"])
    return team


def parse_retention(choice: str, days: str, *, what: str) -> int | None:
    """A retention field from the form: None (site default), 0 (forever) or 1+ days."""
    if choice == "default":
        return None
    if choice == "forever":
        return KEEP_FOREVER
    if choice != "days":
        raise ValidationError(f"Choose how long {what} is kept.")
    text = days.strip()
    if not text.isascii() or not text.isdigit() or not 1 <= int(text) <= MAX_RETENTION_DAYS:
        raise ValidationError(
            f"Give the days {what} is kept as a whole number from 1 to {MAX_RETENTION_DAYS:,}."
        )
    return int(text)


def team_retention_set(
    *, team: Team, audio_choice: str, audio_days: str, transcript_choice: str, transcript_days: str
) -> Team:
    """How long the team keeps its recordings' audio and transcripts (both checked first)."""
    team.audio_retention_days = parse_retention(audio_choice, audio_days, what="audio")
    team.transcript_retention_days = parse_retention(
        transcript_choice, transcript_days, what="a transcript"
    )
    team.save(update_fields=["audio_retention_days", "transcript_retention_days"])
    return team


def invitation_create(*, team: Team, by: User, email: str = "", join_url: str = "") -> Invitation:
    """An invitation link for one person, valid for INVITATION_DAYS; mailed when mail is set up.

    `join_url` is the link with `{token}` to fill in, for the mail.
    """
    invitation = Invitation.objects.create(
        team=team,
        token=secrets.token_urlsafe(INVITATION_TOKEN_BYTES),
        email=email,
        created_by=by,
        expires_at=timezone.now() + timedelta(days=settings.INVITATION_DAYS),
    )
    if email and settings.EMAIL_CONFIGURED:
        transaction.on_commit(partial(_mail_invitation, invitation, join_url), robust=True)
    return invitation


def _mail_invitation(invitation: Invitation, join_url: str) -> None:
    link = join_url.replace("{token}", invitation.token)
    send_mail(
        subject=f"Join {invitation.team.name} on Parley",
        message=f"You are invited to join the team {invitation.team.name} on Parley:\n\n{link}\n\n"
        f"The link works once, until {invitation.expires_at:%d %B %Y %H:%M} UTC.",
        from_email=None,
        recipient_list=[invitation.email],
    )


def invitation_revoke(*, team: Team, invitation_id: int) -> None:
    """The invitation stops working (404 if it is not this team's)."""
    updated = Invitation.objects.filter(
        pk=invitation_id, team=team, used_at=None, revoked_at=None
    ).update(revoked_at=timezone.now())
    if not updated and not Invitation.objects.filter(pk=invitation_id, team=team).exists():
        raise Http404("No such invitation.")


@transaction.atomic
def invitation_accept(*, token: str, user: User) -> Team:
    """The user joins the invitation's team; the link is then used up."""
    invitation = Invitation.objects.select_for_update().filter(token=token).first()
    if invitation is None:
        raise TeamError("This invitation link is not valid.")
    state = invitation.state
    if state != "pending":
        raise TeamError(f"This invitation link was {state}; ask the team's admin for a new one.")
    if Membership.objects.filter(team=invitation.team, user=user).exists():
        raise TeamError(f"You are already a member of {invitation.team.name}.")
    try:
        with transaction.atomic():
            Membership.objects.create(team=invitation.team, user=user)
    except IntegrityError:
        raise TeamError(f"You are already a member of {invitation.team.name}.") from None
    invitation.used_at = timezone.now()
    invitation.used_by = user
    invitation.save(update_fields=["used_at", "used_by"])
    return invitation.team


@transaction.atomic
def member_remove(*, team: Team, user_id: int) -> None:
    """The person leaves the team (removed by an admin, or leaving); the last admin stays."""
    membership = Membership.objects.select_for_update().filter(team=team, user_id=user_id).first()
    if membership is None:
        raise Http404("No such member.")
    admins = Membership.objects.filter(team=team, role=Membership.Role.ADMIN)
    if membership.role == Membership.Role.ADMIN and admins.count() == 1:
        raise TeamError("A team needs an admin: make someone else admin first.")
    membership.delete()  # signals.membership_ended follows on commit


@transaction.atomic
def member_set_role(*, team: Team, user_id: int, role: str) -> Membership:
    """Make a member an admin or a plain member; the last admin stays one."""
    if role not in Membership.Role.values:
        raise ValidationError("Choose member or team admin.")
    membership = Membership.objects.select_for_update().filter(team=team, user_id=user_id).first()
    if membership is None:
        raise Http404("No such member.")
    admins = Membership.objects.filter(team=team, role=Membership.Role.ADMIN)
    if (
        role == Membership.Role.MEMBER
        and membership.role == Membership.Role.ADMIN
        and admins.count() == 1
    ):
        raise TeamError("A team needs an admin: make someone else admin first.")
    membership.role = role
    membership.save(update_fields=["role"])
    return membership


@transaction.atomic
def membership_set_reviewer(*, team: Team, user_id: int, reviewer: bool, by: User) -> Membership:
    """Appoint a member (an admin, or anyone in the team) as the team's reviewer, or stop.

    Only the team's admins appoint; an appointed reviewer reviews the team's recordings
    submitted for review, never their own.
    """
    admins = Membership.objects.filter(team=team, role=Membership.Role.ADMIN)
    if not admins.filter(user=by).exists():
        raise PermissionDenied("Only the team's admins appoint its reviewers.")
    membership = Membership.objects.select_for_update().filter(team=team, user_id=user_id).first()
    if membership is None:
        raise Http404("No such member.")
    membership.reviewer = reviewer
    membership.save(update_fields=["reviewer"])
    return membership


def preferences_save_to(*, user: User, team_id: int | None) -> Preferences:
    """Remember where the user's new recordings go: a team they belong to, or only them."""
    if team_id is not None and not Membership.objects.filter(team_id=team_id, user=user).exists():
        raise ValidationError("Choose one of your teams.")
    preferences, _ = Preferences.objects.update_or_create(
        user=user, defaults={"save_to_id": team_id}
    )
    return preferences


def preferences_glossary_set(*, user: User, raw: str) -> Preferences:
    preferences, _ = Preferences.objects.update_or_create(
        user=user, defaults={"glossary": parse_glossary(raw)}
    )
    return preferences
