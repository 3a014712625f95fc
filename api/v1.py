"""The REST API, version 1: `/api/v1/`, its OpenAPI schema at `/api/v1/openapi.json` and
interactive docs at `/api/v1/docs`.

Built on django-ninja: the schema is made from the typed endpoints. Every error answers in
one shape, `{"error": {"code", "message", "details"}}`. Callers authenticate with a personal
token (`Authorization: Bearer prl_…`, read and/or write scope) or, from a page, with the
browser's session (writes then need the CSRF token). Every recording is reached through the
same access gate as the pages (transcripts/access.py): no access and no such recording
answer 404 alike. Each token (or person) is rate-limited (`API_RATE`); beyond it, 429 with
Retry-After.
"""

from __future__ import annotations

import math
from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, HttpRequest, HttpResponse
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, Throttled, ValidationError

from api import recordings, search, transcriptions
from api.auth import BrowserSession, PerCallerThrottle, TokenAuth
from transcripts.errors import ApplicationError

api = NinjaAPI(
    title="Parley API",
    version="1",
    description=__doc__ or "",
    urls_namespace="api",
    auth=[TokenAuth(), BrowserSession()],
    throttle=[PerCallerThrottle()],
)

CODES = {400: "bad_request", 401: "unauthenticated", 403: "forbidden", 404: "not_found"}
CODES |= {405: "method_not_allowed", 409: "conflict", 413: "too_large", 422: "invalid"}
CODES |= {429: "rate_limited", 503: "unavailable"}


def error(
    request: HttpRequest, status: int, message: str, details: Any = None, *, code: str = ""
) -> HttpResponse:
    """The one error shape."""
    body = {"code": code or CODES.get(status, "error"), "message": message, "details": details}
    return api.create_response(request, {"error": body}, status=status)


@api.exception_handler(ValidationError)
def invalid(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    details = [
        {"field": ".".join(str(part) for part in e.get("loc", ())), "message": e.get("msg", "")}
        for e in exc.errors
    ]
    first = details[0] if details else {"field": "", "message": "invalid"}
    return error(request, 422, f"{first['field']}: {first['message']}", details)


@api.exception_handler(DjangoValidationError)
def refused(request: HttpRequest, exc: DjangoValidationError) -> HttpResponse:
    return error(request, 400, exc.messages[0])


@api.exception_handler(ApplicationError)
def conflict(request: HttpRequest, exc: ApplicationError) -> HttpResponse:
    return error(request, 409, str(exc))


@api.exception_handler(Http404)
def not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
    return error(request, 404, "No such recording, or not yours to see.")


@api.exception_handler(AuthenticationError)
def unauthenticated(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    message = str(exc.message) if exc.message != "Unauthorized" else ""
    response = error(request, 401, message or "Send a token: Authorization: Bearer prl_…")
    response["WWW-Authenticate"] = 'Bearer realm="parley"'
    return response


@api.exception_handler(Throttled)
def throttled(request: HttpRequest, exc: Throttled) -> HttpResponse:
    response = error(request, 429, "Too many requests; slow down.")
    response["Retry-After"] = str(max(1, math.ceil(exc.wait or 1)))
    return response


@api.exception_handler(HttpError)
def http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    return error(request, exc.status_code, str(exc.message))


api.add_router("/", recordings.router)
api.add_router("/", search.router)
api.add_router("/", transcriptions.router)
