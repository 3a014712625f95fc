"""Webhook pages: your endpoints and your teams', one endpoint with its deliveries."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.auth import AuthenticatedHttpRequest
from teams.models import Team
from transcripts.errors import ApplicationError
from webhooks import selectors, services
from webhooks.models import EVENTS, MAX_URL_CHARS, Endpoint


def _words(error: ValidationError | ApplicationError) -> str:
    if isinstance(error, ValidationError):
        return " ".join(error.messages)
    return str(error)


def _team_chosen(request: AuthenticatedHttpRequest) -> Team | None:
    """The team the new endpoint is for, if any: only one the requester administers (404)."""
    raw = request.POST.get("team", "")
    if not raw.isdigit():
        return None
    return selectors.team_for_admin(user=request.user, team_id=int(raw))


@require_http_methods(["GET", "POST"])
def endpoint_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The endpoints this person manages, and a form to register one."""
    problem = ""
    if request.method == "POST":
        try:
            endpoint = services.endpoint_create(
                owner=request.user,
                team=_team_chosen(request),
                url=request.POST.get("url", ""),
                events=request.POST.getlist("events"),
            )
        except ValidationError as exc:
            problem = _words(exc)
        else:
            messages.success(request, "Endpoint registered. Copy its secret to verify events.")
            return redirect("webhooks:endpoint_detail", endpoint_id=endpoint.pk)
    context = {
        "endpoints": selectors.endpoints_managed(user=request.user),
        "teams": selectors.admin_teams(user=request.user),
        "events": EVENTS,
        "chosen": request.POST.getlist("events") if problem else list(EVENTS),
        "url": request.POST.get("url", "")[:MAX_URL_CHARS],
        "team_chosen": request.POST.get("team", ""),
        "problem": problem,
        "max_url_chars": MAX_URL_CHARS,
    }
    return render(request, "webhooks/endpoint_list.html", context, status=400 if problem else 200)


def _detail(
    request: AuthenticatedHttpRequest, endpoint: Endpoint, problem: str = "", status: int = 200
) -> HttpResponse:
    context = {
        "endpoint": endpoint,
        "events": EVENTS,
        "deliveries": selectors.deliveries_recent(endpoint=endpoint),
        "problem": problem,
    }
    return render(request, "webhooks/endpoint_detail.html", context, status=status)


@require_GET
def endpoint_detail(request: AuthenticatedHttpRequest, endpoint_id: int) -> HttpResponse:
    """One endpoint: its secret, events, state and recent deliveries."""
    endpoint = selectors.endpoint_for(user=request.user, endpoint_id=endpoint_id)
    return _detail(request, endpoint)


@require_POST
def endpoint_events(request: AuthenticatedHttpRequest, endpoint_id: int) -> HttpResponse:
    """Choose the endpoint's events."""
    endpoint = selectors.endpoint_for(user=request.user, endpoint_id=endpoint_id)
    try:
        services.endpoint_set_events(endpoint=endpoint, events=request.POST.getlist("events"))
    except ValidationError as exc:
        endpoint.refresh_from_db()
        return _detail(request, endpoint, problem=_words(exc), status=400)
    messages.success(request, "Events saved.")
    return redirect("webhooks:endpoint_detail", endpoint_id=endpoint.pk)


@require_POST
def endpoint_enable(request: AuthenticatedHttpRequest, endpoint_id: int) -> HttpResponse:
    """Send events to the endpoint again."""
    endpoint = selectors.endpoint_for(user=request.user, endpoint_id=endpoint_id)
    services.endpoint_enable(endpoint=endpoint)
    messages.success(request, "Endpoint enabled: new events will be sent to it.")
    return redirect("webhooks:endpoint_detail", endpoint_id=endpoint.pk)


@require_POST
def endpoint_disable(request: AuthenticatedHttpRequest, endpoint_id: int) -> HttpResponse:
    """Stop sending events to the endpoint."""
    endpoint = selectors.endpoint_for(user=request.user, endpoint_id=endpoint_id)
    services.endpoint_disable(endpoint=endpoint)
    messages.success(request, "Endpoint disabled: nothing is sent to it until you enable it.")
    return redirect("webhooks:endpoint_detail", endpoint_id=endpoint.pk)


@require_POST
def endpoint_test(request: AuthenticatedHttpRequest, endpoint_id: int) -> HttpResponse:
    """Queue a test event for the endpoint."""
    endpoint = selectors.endpoint_for(user=request.user, endpoint_id=endpoint_id)
    try:
        services.endpoint_send_test(endpoint=endpoint)
    except ApplicationError as exc:
        return _detail(request, endpoint, problem=_words(exc), status=409)
    messages.success(request, "Test event queued. Reload to see how it went.")
    return redirect("webhooks:endpoint_detail", endpoint_id=endpoint.pk)


@require_POST
def delivery_redeliver(
    request: AuthenticatedHttpRequest, endpoint_id: int, delivery_id: int
) -> HttpResponse:
    """Send one of the endpoint's deliveries again."""
    endpoint = selectors.endpoint_for(user=request.user, endpoint_id=endpoint_id)
    try:
        services.delivery_redeliver(endpoint=endpoint, delivery_id=delivery_id)
    except ApplicationError as exc:
        return _detail(request, endpoint, problem=_words(exc), status=409)
    messages.success(request, "Delivery queued again.")
    return redirect("webhooks:endpoint_detail", endpoint_id=endpoint.pk)


@require_http_methods(["GET", "POST"])
def endpoint_delete(request: AuthenticatedHttpRequest, endpoint_id: int) -> HttpResponse:
    """Ask, then forget the endpoint and its deliveries."""
    endpoint = selectors.endpoint_for(user=request.user, endpoint_id=endpoint_id)
    if request.method == "POST":
        services.endpoint_delete(endpoint=endpoint)
        messages.success(request, "Endpoint deleted.")
        return redirect("webhooks:endpoint_list")
    return render(request, "webhooks/endpoint_delete.html", {"endpoint": endpoint})
