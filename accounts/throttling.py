"""Slowing down password guessing and mass sign-ups.

Failed logins are counted by django-axes, per username and per client address: after
LOGIN_FAILURE_LIMIT failures either is locked for LOGIN_LOCKOUT_MINUTES (a failure while
locked starts that time again), even with the right password; staff unlock from the admin
(Axes → Access attempts: delete the attempt). Sign-ups are limited per client address by
django-ratelimit's counter (SIGNUP_LIMIT per SIGNUP_PERIOD_MINUTES): only accounts created
count, not forms sent back with mistakes. The counter lives in the shared database cache,
whose increments are not atomic: two sign-ups at the very same instant may both get the
last place. Behind a reverse proxy, CLIENT_IP_HEADER names the header the proxy sets and
TRUSTED_PROXY_COUNT how many proxies append to it.
"""

from __future__ import annotations

import ipaddress
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth.forms import AuthenticationForm
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.formats import time_format
from django_ratelimit import ALL
from django_ratelimit.core import get_usage


def client_ip(request: HttpRequest) -> str:
    """The address a request came from: the proxy's header when one is configured.

    Proxies append the address they saw to X-Forwarded-For, so the client is the entry
    TRUSTED_PROXY_COUNT from the right; anything left of it the client could have forged.
    Whatever is not an IP address counts as the connection's own address.
    """
    header = settings.CLIENT_IP_HEADER
    connection = str(request.META.get("REMOTE_ADDR", ""))
    if header:
        forwarded = request.headers.get(header, "")
        hops = [hop.strip() for hop in forwarded.split(",") if hop.strip()]
        if len(hops) >= settings.TRUSTED_PROXY_COUNT > 0:
            return _address(hops[-settings.TRUSTED_PROXY_COUNT]) or connection
    return _address(connection) or "0.0.0.0"


def _address(text: str) -> str:
    try:
        return str(ipaddress.ip_address(text))
    except ValueError:
        return ""


def signups_used_up(request: HttpRequest, *, count_this_one: bool = False) -> bool:
    """Whether this address has created SIGNUP_LIMIT accounts this period (django-ratelimit's
    counter); with `count_this_one`, an account it just created is counted first."""
    usage = get_usage(
        request,
        group="signup",
        key=lambda group, request: client_ip(request),
        rate=f"{settings.SIGNUP_LIMIT}/{settings.SIGNUP_PERIOD_MINUTES}m",
        method=ALL,
        increment=count_this_one,
    )
    return usage is not None and usage["count"] >= usage["limit"]


def retry_message(what: str, wait: timedelta) -> str:
    """When to try again, in words and as a time of day."""
    minutes = max(1, round(wait.total_seconds() / 60))
    at = time_format(timezone.localtime() + wait, "H:i")
    return f"{what} Try again after {at} (in about {minutes} minute{'s' if minutes > 1 else ''})."


def locked_out(
    request: HttpRequest, response: HttpResponse | None, credentials: dict[str, Any] | None
) -> HttpResponse:
    """The login page with the reason and the time to try again (django-axes' lockout)."""
    # Read from the request: django-axes' ASGI middleware passes the other arguments in a
    # different order than its WSGI one.
    wait = timedelta(minutes=settings.LOGIN_LOCKOUT_MINUTES)
    form = AuthenticationForm(request, initial={"username": request.POST.get("username", "")})
    message = retry_message(
        "Too many failed attempts to log in to this account, or from your network.", wait
    )
    context = {"form": form, "lockout": message, "next": request.POST.get("next", "")}
    page = render(request, "accounts/login.html", context, status=429)
    page["Retry-After"] = str(int(wait.total_seconds()))
    return page
