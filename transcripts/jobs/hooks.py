"""`POST /hooks/deepgram/<job>/`: where Deepgram posts a transcript it was sent for by callback.

Machine to machine: no login and no CSRF token; Basic Auth and the secret in the body
authenticate the delivery (jobs/callbacks.py). Every answer is small and never a 500.
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_not_required
from django.http import HttpRequest, HttpResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from transcripts.jobs.callback_services import job_callback_receive
from transcripts.jobs.callbacks import MAX_CALLBACK_BYTES, CallbackOutcome

ANSWERS: dict[CallbackOutcome, tuple[int, str]] = {
    CallbackOutcome.SAVED: (200, "Saved."),
    CallbackOutcome.DUPLICATE: (200, "Already saved."),
    CallbackOutcome.UNKNOWN_JOB: (404, "No such job waits for a callback."),
    CallbackOutcome.BAD_CREDENTIALS: (401, "Wrong or missing credentials."),
    CallbackOutcome.BAD_SECRET: (403, "Wrong or missing callback secret."),
    CallbackOutcome.BAD_BODY: (400, "Not a transcript."),
    CallbackOutcome.NOT_WAITING: (409, "This job is not waiting for this transcript."),
}


@csrf_exempt
@login_not_required
@require_POST
def deepgram_hook(request: HttpRequest, job_id: int) -> HttpResponse:
    """Check a callback's credentials and secret, then save its transcript once."""
    declared = request.headers.get("Content-Length", "")
    if declared.isdigit() and int(declared) > MAX_CALLBACK_BYTES:
        return _answer(413, "Too large.")
    body = request.read(MAX_CALLBACK_BYTES + 1)
    if len(body) > MAX_CALLBACK_BYTES:
        return _answer(413, "Too large.")
    outcome = job_callback_receive(
        job_id=job_id, authorization=request.headers.get("Authorization", ""), body=body
    )
    status, words = ANSWERS[outcome]
    response = _answer(status, words)
    if status == 401:
        response["WWW-Authenticate"] = 'Basic realm="Parley callbacks", charset="UTF-8"'
    return response


def _answer(status: int, words: str) -> HttpResponse:
    return HttpResponse(words, status=status, content_type="text/plain; charset=utf-8")
