"""The review panel on a recording's page, the review badge, and the nav's notice count.

Reads only: marking notices read is a post (views.notices_read) that the panel's script
sends once the page has shown them.
"""

from __future__ import annotations

from typing import Any

from django import template
from django.contrib.auth.models import User
from django.http import HttpRequest

from review import selectors
from review.views import review_page_url
from transcripts.models import Recording

register = template.Library()


@register.inclusion_tag("review/includes/review_panel.html", takes_context=True)
def review_panel(context: template.Context, recording: Recording) -> dict[str, Any]:
    """The state, the owner's unread notices, and the steps this person may take now."""
    request = context["request"]
    user: User = request.user
    offers = selectors.review_offers(user=user, recording=recording)
    notices = selectors.notices_unread(user=user, recording=recording) if _unread(request) else []
    resubmit = "submit" in offers and recording.review_state == Recording.Review.CHANGES_REQUESTED
    # A resubmission goes back to whoever asked for changes, unless that is this person.
    back_to = recording.reviewer if resubmit and recording.reviewer_id != user.pk else None
    reviewers = []
    if "submit" in offers:
        reviewers = list(selectors.reviewers_for(recording=recording).exclude(pk=user.pk))
    return {
        "recording": recording,
        "label": selectors.review_label(recording=recording),
        "offers": offers,
        "notices": notices,
        "resubmit": resubmit,
        "back_to": back_to,
        "reviewers": reviewers,
        "review_page": review_page_url(recording.pk),
        "shown": offers or notices or recording.review_state != Recording.Review.DRAFT,
        "next": request.get_full_path(),
        "csrf_token": context.get("csrf_token"),
    }


@register.filter
def review_label(recording: Recording) -> str:
    """The review state in words, for a badge (a list joins the reviewer beforehand)."""
    return selectors.review_label(recording=recording)


def _unread(request: HttpRequest) -> int:
    """The person's unread notices, counted once a request: the nav shows the number, and the
    panel looks for this recording's only when there are some."""
    count: int | None = getattr(request, "review_notices_unread", None)
    if count is None:
        count = selectors.notices_unread_count(user=request.user)
        request.review_notices_unread = count  # type: ignore[attr-defined]
    return count


@register.simple_tag(takes_context=True)
def review_notice_count(context: template.Context) -> int:
    """How many review notices wait for the person logged in (one query)."""
    request = context.get("request")
    return 0 if request is None else _unread(request)
