"""The API's URLs (mounted at /api/v1/) and the token settings page (/accounts/tokens/)."""

from __future__ import annotations

from typing import Any

from django.urls import include, path

from api import pages
from api.v1 import api


def answering_for_itself(urls: tuple[Any, str, str]) -> tuple[Any, str, str]:
    """The API's URLs, exempt from the site's login redirect: the API answers for itself
    (401 in its error shape), which is what a script needs."""
    patterns, app_name, namespace = urls
    for pattern in patterns:
        pattern.callback.login_required = False
    return patterns, app_name, namespace


api_urls = answering_for_itself(api.urls)

token_urls = [
    path("", pages.token_list, name="token_list"),
    path("<id:token_id>/revoke/", pages.token_revoke, name="token_revoke"),
]

urlpatterns = [
    path("api/v1/", api_urls),
    path("accounts/tokens/", include(token_urls)),
]
