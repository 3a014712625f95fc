"""Sharing pages: the owner starts and stops a watch link; people with the link watch."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from transcripts import access, selectors
from transcripts.access import Access
from transcripts.sharing.services import share_revoke, share_start


@require_POST
def recording_share(request: HttpRequest, recording_id: int) -> HttpResponse:
    """Give the owner's recording a watch link (staff and strangers get 404)."""
    recording = access.recording_for(user=request.user, recording_id=recording_id, need=Access.OWN)
    share_start(recording=recording)
    messages.success(request, "Sharing started: logged-in people with the link can watch.")
    return redirect(recording)


@require_POST
def recording_unshare(request: HttpRequest, recording_id: int) -> HttpResponse:
    """Stop sharing: the link stops working and anyone watching is disconnected."""
    recording = access.recording_for(user=request.user, recording_id=recording_id, need=Access.OWN)
    share_revoke(recording=recording)
    messages.success(request, "Sharing stopped: the link no longer works.")
    return redirect(recording)


@require_GET
def watch(request: HttpRequest, token: str) -> HttpResponse:
    """A shared recording's transcript so far, for any logged-in person with the link."""
    recording = selectors.recording_get_shared(token=token)
    context = {
        "recording": recording,
        "owner_name": recording.owner.get_full_name() or recording.owner.get_username(),
        "live": recording.status == recording.Status.LIVE,
        "segments": list(selectors.segment_list(recording=recording)),
    }
    return render(request, "transcripts/watch.html", context)
