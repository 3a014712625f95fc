"""The legal hold button on the transcript page: staff and the recording's team admins."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.views.decorators.http import require_POST

from accounts.throttling import client_ip
from transcripts.access import Access, access_of
from transcripts.models import Recording
from transcripts.retention import selectors, services


@require_POST
def recording_hold(request: HttpRequest, recording_id: int) -> HttpResponse:
    """Set (held=1) or lift (held=0) the recording's legal hold; anyone else gets 404."""
    recording = selectors.recording_for_hold(user=request.user, recording_id=recording_id)
    choice = request.POST.get("held", "")
    if choice not in ("0", "1"):
        messages.error(request, "Choose whether to set or lift the legal hold.")
        return redirect(_back_to(request, recording))
    held = choice == "1"
    services.recording_set_hold(
        recording=recording, held=held, by=request.user, ip=client_ip(request)
    )
    messages.success(
        request,
        "Legal hold set: retention deletes nothing of this recording until it is lifted."
        if held
        else "Legal hold lifted: retention applies again.",
    )
    return redirect(_back_to(request, recording))


def _back_to(request: HttpRequest, recording: Recording) -> str:
    """The transcript page; for staff who may not read it there, its page in the admin."""
    if access_of(user=request.user, recording=recording) >= Access.VIEW:
        return recording.get_absolute_url()
    return reverse("admin:transcripts_recording_change", args=[recording.pk])
