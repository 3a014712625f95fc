"""Sharing pages: the owner shares with people and teams, as viewers or editors, and starts
and stops a watch link; people with the link watch; people shared with follow live."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from transcripts import access, params, selectors
from transcripts.access import Access
from transcripts.auditing import Audit, audited
from transcripts.marks.selectors import marks_context
from transcripts.models import Recording, RecordingShare
from transcripts.sharing.services import (
    exports_for_viewers,
    share_remove,
    share_revoke,
    share_set_role,
    share_start,
    share_with_person,
    share_with_team,
)


@require_POST
def recording_share(request: HttpRequest, recording_id: int) -> HttpResponse:
    """Give the owner's recording a watch link (staff and strangers get 404)."""
    recording = access.recording_for(user=request.user, recording_id=recording_id, need=Access.OWN)
    share_start(recording=recording)
    audited(request, Audit.SHARED, recording, "watch link started")
    messages.success(request, "Sharing started: logged-in people with the link can watch.")
    return redirect(recording)


@require_POST
def recording_unshare(request: HttpRequest, recording_id: int) -> HttpResponse:
    """Stop sharing: the link stops working and anyone watching is disconnected."""
    recording = access.recording_for(user=request.user, recording_id=recording_id, need=Access.OWN)
    share_revoke(recording=recording)
    audited(request, Audit.SHARED, recording, "watch link stopped")
    messages.success(request, "Sharing stopped: the link no longer works.")
    return redirect(recording)


@require_GET
def watch(request: HttpRequest, token: str) -> HttpResponse:
    """A shared recording's transcript so far, for any logged-in person with the link."""
    recording = selectors.recording_get_shared(token=token)
    audited(request, Audit.VIEWED, recording, "through the watch link")
    return _watch_page(request, recording, socket_path=f"/ws/watch/{token}/")


def _watch_page(
    request: HttpRequest, recording: Recording, *, socket_path: str, can_mark: bool = False
) -> HttpResponse:
    """The read-only transcript so far, listening on `socket_path` for what follows; people
    the recording is shared with (`can_mark`) mark moments too."""
    context = marks_context(recording=recording, can_mark=can_mark, can_tick=False) | {
        "recording": recording,
        "owner_name": recording.owner.get_full_name() or recording.owner.get_username(),
        "live": recording.status == recording.Status.LIVE,
        "segments": list(selectors.segment_list(recording=recording)),
        "socket_path": socket_path,
    }
    return render(request, "transcripts/watch.html", context)


def _share_problem(
    request: HttpRequest, recording: Recording, exc: ValidationError
) -> HttpResponse:
    messages.error(request, exc.messages[0])
    return redirect(f"{recording.get_absolute_url()}#people")


@require_POST
def recording_share_add(request: HttpRequest, recording_id: int) -> HttpResponse:
    """Share with a person (user name or e-mail) or one of the owner's teams, with a role."""
    recording = access.recording_for(user=request.user, recording_id=recording_id, need=Access.OWN)
    role = request.POST.get("role", "")
    try:
        team_id = params.optional_id(request.POST.get("team"))
        person = request.POST.get("person", "").strip()
        if team_id is not None:
            share = share_with_team(recording=recording, team_id=team_id, role=role)
        elif not person:
            raise ValidationError("Enter a person's user name or e-mail address, or choose a team.")
        else:
            share = share_with_person(
                recording=recording, username=request.POST.get("person", ""), role=role
            )
    except ValidationError as exc:
        return _share_problem(request, recording, exc)
    audited(request, Audit.SHARED, recording, f"with {_whom(share)} as {share.role}")
    messages.success(request, "Shared. They find it in their history and search.")
    return redirect(f"{recording.get_absolute_url()}#people")


@require_POST
def recording_share_change(request: HttpRequest, recording_id: int, share_id: int) -> HttpResponse:
    """Change a share's role, or stop it (`remove`)."""
    recording = access.recording_for(user=request.user, recording_id=recording_id, need=Access.OWN)
    try:
        if request.POST.get("remove"):
            share = share_remove(recording=recording, share_id=share_id)
            audited(request, Audit.SHARED, recording, f"stopped for {_whom(share)}")
            messages.success(request, "Sharing stopped for them.")
        else:
            share = share_set_role(
                recording=recording, share_id=share_id, role=request.POST.get("role", "")
            )
            audited(request, Audit.SHARED, recording, f"{_whom(share)} now {share.role}")
            messages.success(request, "Role changed.")
    except ValidationError as exc:
        return _share_problem(request, recording, exc)
    return redirect(f"{recording.get_absolute_url()}#people")


@require_POST
def recording_viewer_exports(request: HttpRequest, recording_id: int) -> HttpResponse:
    """Allow or forbid exports for the people it is shared with as viewers."""
    recording = access.recording_for(user=request.user, recording_id=recording_id, need=Access.OWN)
    allowed = request.POST.get("allowed") == "1"
    exports_for_viewers(recording=recording, allowed=allowed)
    audited(request, Audit.SHARED, recording, f"viewers {'may' if allowed else 'may not'} export")
    messages.success(
        request, "Viewers may now export." if allowed else "Viewers can no longer export."
    )
    return redirect(f"{recording.get_absolute_url()}#people")


@require_GET
def recording_follow(request: HttpRequest, recording_id: int) -> HttpResponse:
    """Follow a recording shared with you as it is spoken (no link needed)."""
    recording = access.recording_for(user=request.user, recording_id=recording_id, need=Access.VIEW)
    audited(request, Audit.VIEWED, recording, "following live")
    return _watch_page(
        request, recording, socket_path=f"/ws/watch/recording/{recording.pk}/", can_mark=True
    )


def _whom(share: RecordingShare) -> str:
    """Whom a share is with, for the audit log."""
    return share.user.get_username() if share.user else f"team {share.team}"
