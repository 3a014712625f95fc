"""Team pages: your teams, one team (members, invitations, glossary), joining by link."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.auth import AuthenticatedHttpRequest
from teams import selectors, services
from teams.models import (
    MAX_CONSENT_NOTICE_CHARS,
    MAX_GLOSSARY_TERM_CHARS,
    MAX_GLOSSARY_TERMS,
    MAX_TEAM_NAME_CHARS,
    Membership,
)
from teams.retention import MAX_RETENTION_DAYS, team_retention


def _limits() -> dict[str, int]:
    return {
        "max_name_chars": MAX_TEAM_NAME_CHARS,
        "max_terms": MAX_GLOSSARY_TERMS,
        "max_term_chars": MAX_GLOSSARY_TERM_CHARS,
        "max_retention_days": MAX_RETENTION_DAYS,
        "max_consent_chars": MAX_CONSENT_NOTICE_CHARS,
    }


@require_http_methods(["GET", "POST"])
def team_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The user's teams, a form to create one, and their own glossary."""
    problem = ""
    if request.method == "POST":
        try:
            team = services.team_create(user=request.user, name=request.POST.get("name", ""))
        except (ValidationError, services.TeamError) as exc:
            problem = _words(exc)
        else:
            messages.success(request, f"Team “{team.name}” created. Invite people from here.")
            return redirect("teams:team_detail", team_id=team.pk)
    context = {
        "teams": selectors.teams_of(user=request.user),
        "glossary_text": "\n".join(selectors.preferences_of(user=request.user).glossary),
        "problem": problem,
        "name": request.POST.get("name", "")[:MAX_TEAM_NAME_CHARS],
    } | _limits()
    return render(request, "teams/team_list.html", context, status=400 if problem else 200)


@require_GET
def team_detail(request: AuthenticatedHttpRequest, team_id: int) -> HttpResponse:
    """A team's members and glossary; for its admins, invitations and management."""
    membership = selectors.membership_in(user=request.user, team_id=team_id)
    team = membership.team
    is_admin = membership.role == Membership.Role.ADMIN
    context = {
        "team": team,
        "membership": membership,
        "is_admin": is_admin,
        "members": selectors.team_members(team=team),
        "glossary_text": "\n".join(team.glossary),
        "invitations": selectors.invitations_pending(team=team) if is_admin else [],
        "new_invitation": request.session.pop(f"invitation-{team.pk}", ""),
        "retention": team_retention(team=team),
        "site_consent_notice": bool(settings.CONSENT_NOTICE),
    } | _limits()
    return render(request, "teams/team_detail.html", context)


def _admin_of(request: AuthenticatedHttpRequest, team_id: int) -> Membership:
    """The requester's membership if they are an admin of the team; 404 otherwise."""
    membership = selectors.membership_in(user=request.user, team_id=team_id)
    try:
        services.require_admin(membership)
    except PermissionDenied:
        raise Http404("No such team.") from None
    return membership


def _words(exc: Exception) -> str:
    return exc.messages[0] if isinstance(exc, ValidationError) else str(exc)


def _back(
    request: AuthenticatedHttpRequest, team_id: int, done: str, exc: Exception | None
) -> HttpResponse:
    if exc is None:
        messages.success(request, done)
    else:
        messages.error(request, _words(exc))
    return redirect("teams:team_detail", team_id=team_id)


@require_POST
def team_rename(request: AuthenticatedHttpRequest, team_id: int) -> HttpResponse:
    team = _admin_of(request, team_id).team
    change = partial(services.team_rename, team=team, name=request.POST.get("name", ""))
    return _admin_change(request, team_id, change, done="Team renamed.")


@require_POST
def team_glossary(request: AuthenticatedHttpRequest, team_id: int) -> HttpResponse:
    team = _admin_of(request, team_id).team
    change = partial(services.team_glossary_set, team=team, raw=request.POST.get("glossary", ""))
    return _admin_change(
        request, team_id, change, done="Glossary saved: it applies to new recordings."
    )


@require_POST
def team_consent(request: AuthenticatedHttpRequest, team_id: int) -> HttpResponse:
    """The notice people confirm before recording to the team (empty: the site's)."""
    team = _admin_of(request, team_id).team
    raw = request.POST.get("consent_notice", "")[: MAX_CONSENT_NOTICE_CHARS * 2]
    change = partial(services.team_consent_set, team=team, raw=raw)
    return _admin_change(request, team_id, change, done="Consent notice saved.")


@require_POST
def team_retention_set(request: AuthenticatedHttpRequest, team_id: int) -> HttpResponse:
    """How long the team keeps audio and transcripts: site default, forever, or days."""
    team = _admin_of(request, team_id).team
    change = partial(
        services.team_retention_set,
        team=team,
        audio_choice=request.POST.get("audio", ""),
        audio_days=request.POST.get("audio_days", "")[:20],
        transcript_choice=request.POST.get("transcript", ""),
        transcript_days=request.POST.get("transcript_days", "")[:20],
    )
    return _admin_change(request, team_id, change, done="Retention saved.")


def _admin_change(
    request: AuthenticatedHttpRequest, team_id: int, change: Callable[[], object], *, done: str
) -> HttpResponse:
    """Make the change; back to the team's page saying it was done, or why it was not."""
    try:
        change()
    except (ValidationError, services.TeamError) as exc:
        return _back(request, team_id, "", exc)
    return _back(request, team_id, done, None)


@require_POST
def invitation_create(request: AuthenticatedHttpRequest, team_id: int) -> HttpResponse:
    """A new invitation link, shown once on the team page to copy (and mailed if set up)."""
    membership = _admin_of(request, team_id)
    email = request.POST.get("email", "").strip()[:254]
    join_url = request.build_absolute_uri(reverse("teams:join", args=["TOKEN"]))
    invitation = services.invitation_create(
        team=membership.team,
        by=request.user,
        email=email,
        join_url=join_url.replace("TOKEN", "{token}"),
    )
    request.session[f"invitation-{team_id}"] = join_url.replace("TOKEN", invitation.token)
    return _back(request, team_id, "Invitation link created: copy it below.", None)


@require_POST
def invitation_revoke(
    request: AuthenticatedHttpRequest, team_id: int, invitation_id: int
) -> HttpResponse:
    team = _admin_of(request, team_id).team
    services.invitation_revoke(team=team, invitation_id=invitation_id)
    return _back(request, team_id, "Invitation revoked: its link no longer works.", None)


@require_POST
def member_remove(request: AuthenticatedHttpRequest, team_id: int, user_id: int) -> HttpResponse:
    team = _admin_of(request, team_id).team
    change = partial(services.member_remove, team=team, user_id=user_id)
    return _admin_change(request, team_id, change, done="Member removed.")


@require_POST
def member_role(request: AuthenticatedHttpRequest, team_id: int, user_id: int) -> HttpResponse:
    team = _admin_of(request, team_id).team
    role = request.POST.get("role", "")
    change = partial(services.member_set_role, team=team, user_id=user_id, role=role)
    return _admin_change(request, team_id, change, done="Role changed.")


@require_POST
def member_reviewer(request: AuthenticatedHttpRequest, team_id: int, user_id: int) -> HttpResponse:
    """Appoint the member as the team's reviewer (`reviewer=1`) or stop (`reviewer=0`)."""
    team = _admin_of(request, team_id).team
    choice = request.POST.get("reviewer", "")
    if choice not in ("0", "1"):
        return _back(request, team_id, "", ValidationError("Choose to appoint or to stop."))
    change = partial(
        services.membership_set_reviewer,
        team=team, user_id=user_id, reviewer=choice == "1", by=request.user,
    )  # fmt: skip
    done = "Reviewer appointed." if choice == "1" else "No longer a reviewer."
    return _admin_change(request, team_id, change, done=done)


@require_POST
def team_leave(request: AuthenticatedHttpRequest, team_id: int) -> HttpResponse:
    membership = selectors.membership_in(user=request.user, team_id=team_id)
    try:
        services.member_remove(team=membership.team, user_id=request.user.pk)
    except services.TeamError as exc:
        return _back(request, team_id, "", exc)
    messages.success(request, f"You left {membership.team.name}.")
    return redirect("teams:team_list")


@require_http_methods(["GET", "POST"])
def join(request: AuthenticatedHttpRequest, token: str) -> HttpResponse:
    """An invitation: whom it is from, and a button to join (logged-out people log in first)."""
    invitation = selectors.invitation_by_token(token=token)
    if request.method == "POST":
        try:
            team = services.invitation_accept(token=token, user=request.user)
        except services.TeamError as exc:
            return render(request, "teams/join.html", {"problem": str(exc)}, status=400)
        messages.success(request, f"Welcome to {team.name}.")
        return redirect("teams:team_detail", team_id=team.pk)
    problem = ""
    if invitation is None:
        problem = "This invitation link is not valid."
    elif invitation.state != "pending":
        problem = (
            f"This invitation link was {invitation.state}; ask the team's admin for a new one."
        )
    status = 404 if invitation is None else 400 if problem else 200
    return render(
        request, "teams/join.html", {"invitation": invitation, "problem": problem}, status=status
    )


@require_POST
def my_glossary(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The user's own glossary, for recordings saved only for them."""
    try:
        services.preferences_glossary_set(user=request.user, raw=request.POST.get("glossary", ""))
    except ValidationError as exc:
        messages.error(request, exc.messages[0])
    else:
        messages.success(request, "Your glossary is saved: it applies to your new recordings.")
    return redirect("teams:team_list")
