"""Slowing down password guessing and mass sign-ups.

Failed logins are counted by django-axes, per username and per client address: after
LOGIN_FAILURE_LIMIT failures either is locked for LOGIN_LOCKOUT_MINUTES (a failure while
locked starts that time again), even with the right password; staff unlock from the admin
(Axes → Access attempts: delete the attempt). Sign-ups are limited per client address by
django-ratelimit (SIGNUP_RATE). Behind a reverse proxy, CLIENT_IP_HEADER names the header
the proxy sets and TRUSTED_PROXY_COUNT how many proxies append to it.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth.forms import AuthenticationForm
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.formats import time_format


def client_ip(request: HttpRequest) -> str:
    """The address a request came from: the proxy's header when one is configured.

    Proxies append the address they saw to X-Forwarded-For, so the client is the entry
    TRUSTED_PROXY_COUNT from the right; anything left of it the client could have forged.
    """
    header = settings.CLIENT_IP_HEADER
    if header:
        forwarded = request.headers.get(header, "")
        hops = [hop.strip() for hop in forwarded.split(",") if hop.strip()]
        if len(hops) >= settings.TRUSTED_PROXY_COUNT > 0:
            return hops[-settings.TRUSTED_PROXY_COUNT]
    return str(request.META.get("REMOTE_ADDR", ""))


def signup_rate(group: str, request: HttpRequest) -> str:
    """django-ratelimit's rate for sign-ups, read when a request comes (settings may change)."""
    return f"{settings.SIGNUP_LIMIT}/{settings.SIGNUP_PERIOD_MINUTES}m"


def signup_key(group: str, request: HttpRequest) -> str:
    """django-ratelimit's key for sign-ups: the client's address."""
    return client_ip(request)


def retry_message(what: str, wait: timedelta) -> str:
    """When to try again, in words and as a time of day."""
    minutes = max(1, round(wait.total_seconds() / 60))
    at = time_format(timezone.localtime() + wait, "H:i")
    return f"{what} Try again after {at} (in about {minutes} minute{'s' if minutes > 1 else ''})."


def locked_out(
    request: HttpRequest, response: HttpResponse | None, credentials: dict[str, Any] | None
) -> HttpResponse:
    """The login page with the reason and the time to try again (django-axes' lockout)."""
    wait = timedelta(minutes=settings.LOGIN_LOCKOUT_MINUTES)
    form = AuthenticationForm(request, initial={"username": (credentials or {}).get("username")})
    message = retry_message(
        "Too many failed attempts to log in to this account, or from your network.", wait
    )
    context = {"form": form, "lockout": message, "next": request.POST.get("next", "")}
    page = render(request, "accounts/login.html", context, status=429)
    page["Retry-After"] = str(int(wait.total_seconds()))
    return page
