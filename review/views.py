"""The review steps as form posts (or fetches wanting JSON): each calls one service.

Anyone who may see the recording reaches a step; the service decides whether their role
allows it, and the answer says why not (400 for bad input, 409 for a step the state or role
refuses). A plain form is sent back to a safe `next`, else to the recording's page.
"""

from __future__ import annotations

from collections.abc import Callable

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.urls import NoReverseMatch, reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from accounts.auth import AuthenticatedHttpRequest
from accounts.throttling import client_ip
from review import selectors, services
from transcripts import access, params
from transcripts.access import Access
from transcripts.errors import ApplicationError
from transcripts.models import Recording

Step = Callable[..., Recording]


def _wants_json(request: AuthenticatedHttpRequest) -> bool:
    return request.get_preferred_type(["text/html", "application/json"]) == "application/json"


def review_page_url(recording_id: int) -> str:
    """The reviewer's page for this recording (the review desk's route, once it exists)."""
    try:
        return reverse("review:page", args=[recording_id])
    except NoReverseMatch:
        return f"/review/{recording_id}/"


def _landing(request: AuthenticatedHttpRequest, recording: Recording) -> str:
    """Where a form goes back to: `next` if it is on this site, else the recording's page;
    the review queue when the step left the person without access (a reopened draft)."""
    if access.access_of(user=request.user, recording=recording) == Access.NONE:
        try:
            return reverse("review:queue")
        except NoReverseMatch:
            return "/review/"
    wanted = request.POST.get("next", "")
    safe = url_has_allowed_host_and_scheme(
        wanted, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    )
    return wanted if safe and wanted.startswith("/") else recording.get_absolute_url()


def _answer(
    request: AuthenticatedHttpRequest, recording: Recording, error: str, status: int
) -> HttpResponse:
    if _wants_json(request):
        return JsonResponse({"error": error}, status=status)
    messages.error(request, error)
    return redirect(_landing(request, recording))


def _take_step(
    request: AuthenticatedHttpRequest, recording_id: int, step: Step, done: str, **fields: str
) -> HttpResponse:
    """Run one review service on the recording for this person; say what happened."""
    recording = access.recording_for(user=request.user, recording_id=recording_id, need=Access.VIEW)
    try:
        recording = step(recording=recording, by=request.user, ip=client_ip(request), **fields)
    except ValidationError as exc:
        return _answer(request, recording, exc.messages[0], 400)
    except ApplicationError as exc:
        return _answer(request, recording, str(exc), 409)
    if _wants_json(request):
        label = selectors.review_label(recording=recording)
        return JsonResponse({"state": recording.review_state, "label": label, "message": done})
    messages.success(request, done)
    return redirect(_landing(request, recording))


@require_POST
def submit(request: AuthenticatedHttpRequest, recording_id: int) -> HttpResponse:
    """Submit for review: to the reviewer named in `reviewer`, or (empty) the team's."""
    reviewer = request.POST.get("reviewer", "")
    return _take_step(
        request, recording_id, services.review_submit, "Submitted for review.",
        reviewer_name=reviewer,
    )  # fmt: skip


@require_POST
def withdraw(request: AuthenticatedHttpRequest, recording_id: int) -> HttpResponse:
    """Take a submission back before a reviewer takes it."""
    done = "Submission withdrawn: it is a draft again."
    return _take_step(request, recording_id, services.review_withdraw, done)


@require_POST
def take(request: AuthenticatedHttpRequest, recording_id: int) -> HttpResponse:
    """A reviewer takes the transcript for review."""
    done = "You have it in review: approve it or request changes."
    return _take_step(request, recording_id, services.review_take, done)


@require_POST
def release(request: AuthenticatedHttpRequest, recording_id: int) -> HttpResponse:
    """The reviewer gives it back undecided."""
    done = "Released: it waits for a reviewer again."
    return _take_step(request, recording_id, services.review_release, done)


@require_POST
def approve(request: AuthenticatedHttpRequest, recording_id: int) -> HttpResponse:
    """Approve: the text is locked and the owner is told."""
    done = "Approved: the text is locked, and the owner is told."
    return _take_step(request, recording_id, services.review_approve, done)


@require_POST
def request_changes(request: AuthenticatedHttpRequest, recording_id: int) -> HttpResponse:
    """Send it back with a `note` of what to change."""
    done = "Changes requested: the owner is told."
    note = request.POST.get("note", "")
    return _take_step(request, recording_id, services.review_request_changes, done, note=note)


@require_POST
def reopen(request: AuthenticatedHttpRequest, recording_id: int) -> HttpResponse:
    """Reopen an approved transcript, with an optional `reason`: it is a draft again."""
    done = "Reopened: it is a draft again and can be edited."
    reason = request.POST.get("reason", "")
    return _take_step(request, recording_id, services.review_reopen, done, reason=reason)


@require_POST
def notices_read(request: AuthenticatedHttpRequest, recording_id: int) -> HttpResponse:
    """The owner saw the notices on the recording's page (up to the newest one shown)."""
    recording = access.recording_for(user=request.user, recording_id=recording_id, need=Access.VIEW)
    try:
        upto = params.whole_number(
            request.POST.get("upto"), name="upto", minimum=1, maximum=params.MAX_ID, default=0
        )
    except ValidationError as exc:
        return _answer(request, recording, exc.messages[0], 400)
    read = services.notices_read(user=request.user, recording=recording, upto=upto or None)
    if _wants_json(request):
        return JsonResponse({"read": read})
    return redirect(_landing(request, recording))
